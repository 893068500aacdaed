"""The update composer: a structured update to one audience, prefilled, checked, copied, saved, sent.

It writes to the client by default, or to another audience of the incident (our management,
a regulator, …): that audience's prefill, channel and cadence, and, when the update would keep
a hard deadline late, the reasons for the delay, required then. The draft is saved in the
store as you type, so a crash or a quit loses nothing; an incident keeps one draft, each
audience's fields under their own names in it. Like every write it goes through the app
(``MishapApp.save_draft``, ``MishapApp.write``), off the event loop; the screen never calls
the store's writing methods itself.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, Select, Static, TextArea

from storage.readers.apology import check_apology
from storage.domain.clock import read_when
from storage.domain.zones import both_zones
from storage.readers.composer import Prefill, compose, holding, late_deadline, next_line_for, prefill_for
from storage.domain.audiences import CLIENT
from storage.domain.model import Incident

from ..commands import bindings
from ..text import clip, literal
from ..widgets.focus import FocusInView
from ..widgets.repaint import RepaintsWhatChanged
from ..widgets.text_field import LineField, TextField
from .composer_mail import EmailsTheUpdate
from .modals import CHANNELS, MODALS_CSS

AUTOSAVE_SECONDS = 1.0
DELAY = ("delay", "Reasons for the delay")  # the section a late notice must carry (and log_update's delay_reason)


def _minutes_text(minutes: int | None) -> str:
    if minutes is None:
        return "none"
    if minutes == 0:
        return "morning"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


class ComposerScreen(EmailsTheUpdate, RepaintsWhatChanged, FocusInView, ModalScreen[bool]):
    """Compose, check and send an update to one audience of an incident (the client's by default)."""

    CSS_PATH = MODALS_CSS

    BINDINGS = bindings("composer")

    def __init__(self, incident: Incident, *, holding: bool = False, audience: int = CLIENT):
        """``holding``: prefilled with a short "no news yet" update (a saved draft still wins: it is never lost);
        ``audience``: whom it is written to, by index (the client's is 0)."""
        super().__init__()
        self.incident = incident
        self.holding = holding
        self.audience = audience
        # Another audience's fields are kept in the incident's one draft under their own names.
        self._prefix = "" if audience == CLIENT else f"to-{audience}:"
        self._others: dict[str, str] = {}  # the draft's fields of other audiences: saved back untouched
        self._filled: Prefill | None = None
        self._channels: tuple[str, ...] = CHANNELS
        self._autosave: Timer | None = None
        self._restored = False  # the form was filled from a saved draft
        self._loading = True
        self._sending = False

    # -- layout ------------------------------------------------------------------------------

    @property
    def filled(self) -> Prefill:
        """What the form is first filled with (its sections and headings follow the audience)."""
        if self._filled is None:
            inc = self.incident
            self._filled = (holding(inc) if self.holding and self.audience == CLIENT else
                            prefill_for(inc, self.audience, self.app.now(), contact=self.app.store.config.contact))
        return self._filled

    @property
    def headings(self) -> tuple[tuple[str, str], ...]:
        """The sections shown as fields; the reasons for the delay have a field of their own."""
        return tuple(h for h in self.filled.headings if h[0] != DELAY[0])

    def title_words(self) -> str:
        """``Client update · M-4 … · to Dana`` or ``Update to ICO · M-4 …``."""
        inc = self.incident
        if self.audience == CLIENT:
            return f"Client update · {inc.id} {inc.title} · to {inc.client_contact or inc.client_org}"
        target = inc.audience(self.audience)
        internal = " (internal)" if target.internal and target.kind != "management" else ""
        return f"Update to {target.name}{internal} · {inc.id} {inc.title}"

    @property
    def needs_approval(self) -> bool:
        """Whether the team's ``[updates] approve`` names this audience's kind: mark-sent asks for approval."""
        return self.app.store.config.needs_approval(self.incident.audience(self.audience).kind)

    def compose(self) -> ComposeResult:
        inc = self.incident
        channel = inc.audience(self.audience).channel
        channels = self._channels = CHANNELS if not channel or channel in CHANNELS else (channel, *CHANNELS)
        with Vertical(classes="dialog composer"):
            yield Label(Text(clip(self.title_words(), 110)), classes="dialog-title")
            with Horizontal(classes="field-row"):
                with Vertical(classes="field"):
                    yield Label("Channel", classes="field-label")
                    yield Select([(c, c) for c in channels], value=channel or "email", allow_blank=False,
                                 id="channel")
                with Vertical(classes="field"):
                    yield Label("Next update (30m, 2h, 17:30, morning, none)", classes="field-label")
                    yield LineField(id="next")
            yield Label("", id="next-hint", classes="field-hint")
            with VerticalScroll(id="sections"):
                yield Label("Greeting", classes="field-label")
                yield LineField(id="greeting")
                for key, heading in self.headings:
                    yield Label(heading, classes="field-label")
                    yield TextField(id=f"section-{key}", soft_wrap=True, classes="section")
                # Shown while the update would keep a hard deadline late (refresh_checks).
                yield Label("", id="delay-label", classes="field-label")
                yield TextField(id="delay", soft_wrap=True, classes="section")
            yield Static("", id="apology-check")
            with Horizontal(classes="field-row"):
                yield Label("Save to file", classes="field-label file-label")
                yield LineField(id="file")
            yield Label("", id="form-error", classes="form-error")
            keys = ("ctrl+s ask for approval · f4 ask to email it" if self.needs_approval else
                    "ctrl+s mark sent · f4 email it")
            yield Label(Text(f"{keys} · f2 copy · f3 save to file · escape close (the draft is kept)"),
                        classes="dialog-hint")

    def on_mount(self) -> None:
        inc = self.incident
        stored = self.app.store.draft(inc.number) or {}
        prefix = self._prefix
        mine = [k for k in stored if k.startswith(prefix) and (prefix or not k.startswith("to-"))]
        draft = {k[len(prefix):]: stored[k] for k in mine}
        self._others = {k: v for k, v in stored.items() if k not in mine}
        filled = self.filled
        number = len(inc.updates) + 1
        target = inc.audience(self.audience)
        cadence = inc.cadence_minutes if self.audience == CLIENT else target.cadence_minutes
        values = {
            "greeting": filled.greeting,
            "next": _minutes_text(cadence),
            "channel": target.channel or "email",
            "file": f"{inc.id}-update-{number}.txt",
            **{f"section-{key}": text for key, text in filled.sections.items() if key != DELAY[0]},
            "delay": "",
        }
        if draft:
            # Only fields this form has: a stored key is not trusted as a selector.
            values.update({k: v for k, v in draft.items() if k in values and isinstance(v, str)})
            self._restored = True
        for key, value in values.items():
            if key == "channel":
                if value in self._channels:
                    self.query_one("#channel", Select).value = value
                continue
            widget = next(iter(self.query(f"#{key}")), None)  # a stale draft may name a field no longer here
            # Stored text (a draft, or the incident's words in the prefill) is shown with its
            # control characters visible; what is sent is what the user saw.
            if isinstance(widget, TextArea):
                widget.text = literal(value)
            elif isinstance(widget, Input):
                widget.value = literal(value, multiline=False)
        self.show_delay()
        self.call_after_refresh(self._loaded)
        self.query_one(f"#section-{self.headings[0][0]}", TextArea).focus()

    def _loaded(self) -> None:
        self._loading = False
        self.refresh_checks()
        if self._restored:
            said = " (a draft was waiting: it is shown, not the holding text)" if self.holding else ""
            self.app.notify(f"Draft restored{said}", timeout=3 if not said else 6, markup=False)

    # -- reading the form --------------------------------------------------------------------

    def fields(self) -> dict[str, str]:
        """Every field as text (what a draft holds, under this audience's names)."""
        values = {"channel": str(self.query_one("#channel", Select).value)}
        for widget_id in ("greeting", "next", "file"):
            values[widget_id] = self.query_one(f"#{widget_id}", Input).value
        for key, _ in self.headings:
            values[f"section-{key}"] = self.query_one(f"#section-{key}", TextArea).text
        values["delay"] = self.query_one("#delay", TextArea).text
        return values

    def late(self):
        """The hard deadline this update would keep late if sent now, if any."""
        return late_deadline(self.incident, self.audience, self.app.now())

    def next_due(self):
        """The promised time of the next update, or None for "none"; ValueError if unreadable."""
        return read_when(self.query_one("#next", Input).value, self.app.now(), allow_none=True).at

    def text(self) -> str:
        """The finished update as it will be sent."""
        values = self.fields()
        try:
            due = self.next_due()
        except ValueError:
            due = None
        sections = {key: values[f"section-{key}"] for key, _ in self.headings}
        headings = self.headings
        if self.late() is not None:  # a late notice says why, in its text as well as on the record
            sections[DELAY[0]] = values["delay"]
            headings = (*headings, DELAY)
        return compose(values["greeting"], sections, next_line_for(self.incident, self.audience, due, self.app.now()),
                       self.app.store.user, headings=headings)

    # -- live checks and autosave --------------------------------------------------------------

    def refresh_checks(self) -> None:
        """Redraw the next-update hint and the apology check."""
        hint = self.query_one("#next-hint", Label)
        inc = self.incident
        who = "the client" if self.audience == CLIENT else inc.audience_name(self.audience)
        zone = inc.client_tz if self.audience == CLIENT else ""
        try:
            due = self.next_due()
            hint.update(Text("no next update will be promised" if due is None else
                             literal(f"{who} will be told to expect the next update at "
                                     f"{both_zones(due, zone, self.app.now())}", multiline=False)))
        except ValueError as exc:
            hint.update(Text(literal(str(exc))))
        self.show_delay()
        check = self.query_one("#apology-check", Static)
        if not self.filled.apology_check:
            check.set_class(False, "-flagged")
            check.update(Text("apology check: not run on an internal update", style="dim"))
            return
        flags = check_apology(self.text())
        check.set_class(bool(flags), "-flagged")
        if not flags:
            check.update(Text("✓ apology check: nothing that deflects or doubts the harm", style="green"))
            return
        shown = Text()
        for flag in flags:
            shown.append("⚠ ", style="bold yellow")
            shown.append(f"“{literal(flag.phrase, multiline=False)}”", style="bold reverse yellow")
            shown.append(f" — {flag.why}\n")
        shown.rstrip()
        check.update(shown)

    def show_delay(self) -> None:
        """The reasons-for-the-delay field, shown while the update would keep a hard deadline late."""
        late = self.late()
        label = self.query_one("#delay-label", Label)
        label.display = self.query_one("#delay", TextArea).display = late is not None
        if late is not None:
            words = self.incident.deadline_words(late, self.app.now())
            label.update(Text(literal(f"Reasons for the delay — required: this keeps “{words}” "
                                      "(a late notice must say why)", multiline=False)))

    @on(TextArea.Changed)
    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self) -> None:
        if self._loading:
            return
        self.refresh_checks()
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_SECONDS, self.save_draft)

    def save_draft(self) -> None:
        """Keep the draft in the store, through the app; a failure is shown, the form stays open."""
        if self.app.store.read_only:
            return
        # The app's worker, not this screen's: a draft saved on the way out outlives the screen.
        self.app.run_worker(self._save_draft(self.fields()), group="drafts")

    async def _save_draft(self, fields: dict[str, str]) -> None:
        fields = {**self._others, **{f"{self._prefix}{k}": v for k, v in fields.items()}}
        result = await self.app.save_draft(self.incident.number, fields)
        if result.ok:
            return
        if self.is_attached:
            self.show_error(f"draft not saved: {result.message}")
        else:
            self.app.notify(f"Draft not saved: {result.message}", severity="error", markup=False)

    def show_error(self, message: str) -> None:
        """Say why an action did not happen."""
        label = self.query_one("#form-error", Label)
        label.update(Text(literal(message)))
        label.add_class("-shown")

    # -- actions -------------------------------------------------------------------------------

    def _ready(self):
        """(text, channel, due, delay) of an update that may go now; None when the form says why not."""
        if self._sending:
            return None  # the update is on its way: a second key must not log or send it twice
        try:
            due = self.next_due()
        except ValueError as exc:
            self.show_error(str(exc))
            return None
        values = self.fields()
        who = "the client" if self.audience == CLIENT else self.incident.audience_name(self.audience)
        if not any(values[f"section-{key}"].strip() for key, _ in self.headings):
            self.show_error(literal(f"the update is empty: write what you are telling {who}", multiline=False))
            return None
        late = self.late()
        delay = values["delay"].strip() if late is not None else ""
        if late is not None and not delay:
            self.show_delay()
            self.show_error(f"this update keeps “{self.incident.deadline_words(late, self.app.now())}”: "
                            "give the reasons for the delay (a late notice must say why)")
            self.query_one("#delay", TextArea).focus()
            return None
        return self.text(), values["channel"], due, delay

    def action_send(self) -> None:
        ready = self._ready()
        if ready is None:
            return
        text, channel, due, delay = ready
        audience = self.audience
        self._sending = True
        if self.needs_approval:  # kept for someone else's eyes: nothing sent, the countdown runs on
            self.run_worker(self._send(lambda inc, now, by: inc.ask_approval(channel, text, due, now, by,
                                                                              audience=audience, delay_reason=delay)),
                            group="send")
            return
        self.run_worker(self._send(lambda inc, now, by: inc.log_update(channel, text, due, now, by, audience=audience,
                                                                       delay_reason=delay)),
                        group="send")

    async def _send(self, apply) -> None:
        try:
            result = await self.app.write(self.incident.number, apply, show_refusal=False)
        finally:
            self._sending = False
        if not result.ok:
            self.show_error(result.message)  # what was typed stays, to send again
            return
        if self._autosave is not None:
            self._autosave.stop()
        # Other audiences' drafts stay; a stale draft left behind is harmless.
        await self.app.save_draft(self.incident.number, self._others or None)
        asked = getattr(result.value, "pending", False)  # an ApprovalRequest: nothing sent, nothing reset
        if asked:
            self.app.notify(f"{self.incident.id}: update {result.value.number} awaits approval: someone else "
                            "approves it (v); nothing sent yet, the countdown runs on", timeout=6, markup=False)
        self.dismiss(not asked)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text())
        self.app.notify("Update copied to the clipboard", timeout=3, markup=False)

    async def action_save_file(self) -> None:
        # Awaited, so the key is done when the file is (the write itself is on the store thread).
        name = self.query_one("#file", Input).value.strip()
        if not name:
            self.show_error("name the file to save to")
            return
        path = Path(name).expanduser()
        if path.exists():
            self.show_error(f"{path} exists already: choose another name")
            return
        try:
            await self.app.save_file(path, self.text())
        except OSError as exc:
            self.show_error(f"could not write {path}: {exc}")
            return
        self.app.notify(f"Update saved to {path.resolve()}", timeout=4, markup=False)

    def action_close(self) -> None:
        if self._autosave is not None:
            self._autosave.stop()
        self.save_draft()
        self.dismiss(False)
