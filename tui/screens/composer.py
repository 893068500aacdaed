"""The client update composer: a structured update, prefilled, checked, copied, saved, sent.

The draft is saved in the store as you type, so a crash or a quit loses nothing. Like
every write it goes through the app (``MishapApp.save_draft``, ``MishapApp.write``), off
the event loop; the screen never calls the store's writing methods itself.
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
from storage.readers.composer import SECTIONS, compose, holding, next_update_line, prefill
from storage.domain.model import Incident

from ..commands import bindings
from ..text import clip, literal
from ..widgets.focus import FocusInView
from ..widgets.repaint import RepaintsWhatChanged
from .modals import CHANNELS, MODALS_CSS

AUTOSAVE_SECONDS = 1.0


def _minutes_text(minutes: int) -> str:
    if minutes == 0:
        return "morning"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


class ComposerScreen(RepaintsWhatChanged, FocusInView, ModalScreen[bool]):
    """Compose, check and send a client update for one incident."""

    CSS_PATH = MODALS_CSS

    BINDINGS = bindings("composer")

    def __init__(self, incident: Incident, *, holding: bool = False):
        """``holding``: prefilled with a short "no news yet" update (a saved draft still wins: it is never lost)."""
        super().__init__()
        self.incident = incident
        self.holding = holding
        self._autosave: Timer | None = None
        self._restored = False  # the form was filled from a saved draft
        self._loading = True
        self._sending = False

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        inc = self.incident
        to = inc.client_contact or inc.client_org
        with Vertical(classes="dialog composer"):
            yield Label(Text(clip(f"Client update · {inc.id} {inc.title} · to {to}", 110)), classes="dialog-title")
            with Horizontal(classes="field-row"):
                with Vertical(classes="field"):
                    yield Label("Channel", classes="field-label")
                    yield Select([(c, c) for c in CHANNELS], value="email", allow_blank=False, id="channel")
                with Vertical(classes="field"):
                    yield Label("Next update (30m, 2h, 17:30, morning, none)", classes="field-label")
                    yield Input(id="next")
            yield Label("", id="next-hint", classes="field-hint")
            with VerticalScroll(id="sections"):
                yield Label("Greeting", classes="field-label")
                yield Input(id="greeting")
                for key, heading in SECTIONS:
                    yield Label(heading, classes="field-label")
                    yield TextArea(id=f"section-{key}", soft_wrap=True, classes="section")
            yield Static("", id="apology-check")
            with Horizontal(classes="field-row"):
                yield Label("Save to file", classes="field-label file-label")
                yield Input(id="file")
            yield Label("", id="form-error", classes="form-error")
            yield Label(Text("ctrl+s mark sent · f2 copy · f3 save to file · escape close (the draft is kept)"),
                        classes="dialog-hint")

    def on_mount(self) -> None:
        inc = self.incident
        draft = self.app.store.draft(inc.number)
        filled = holding(inc) if self.holding else prefill(inc)
        number = len(inc.updates) + 1
        values = {
            "greeting": filled.greeting,
            "next": _minutes_text(inc.cadence_minutes),
            "channel": "email",
            "file": f"{inc.id}-update-{number}.txt",
            **{f"section-{key}": text for key, text in filled.sections.items()},
        }
        if draft:
            # Only fields this form has: a stored key is not trusted as a selector.
            values.update({k: v for k, v in draft.items() if k in values and isinstance(v, str)})
            self._restored = True
        for key, value in values.items():
            if key == "channel":
                if value in CHANNELS:
                    self.query_one("#channel", Select).value = value
                continue
            widget = next(iter(self.query(f"#{key}")), None)  # a stale draft may name a field no longer here
            # Stored text (a draft, or the incident's words in the prefill) is shown with its
            # control characters visible; what is sent is what the user saw.
            if isinstance(widget, TextArea):
                widget.text = literal(value)
            elif isinstance(widget, Input):
                widget.value = literal(value, multiline=False)
        self.call_after_refresh(self._loaded)
        self.query_one("#section-happened", TextArea).focus()

    def _loaded(self) -> None:
        self._loading = False
        self.refresh_checks()
        if self._restored:
            said = " (a draft was waiting: it is shown, not the holding text)" if self.holding else ""
            self.app.notify(f"Draft restored{said}", timeout=3 if not said else 6, markup=False)

    # -- reading the form --------------------------------------------------------------------

    def fields(self) -> dict[str, str]:
        """Every field as text (what a draft holds)."""
        values = {"channel": str(self.query_one("#channel", Select).value)}
        for widget_id in ("greeting", "next", "file"):
            values[widget_id] = self.query_one(f"#{widget_id}", Input).value
        for key, _ in SECTIONS:
            values[f"section-{key}"] = self.query_one(f"#section-{key}", TextArea).text
        return values

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
        sections = {key: values[f"section-{key}"] for key, _ in SECTIONS}
        return compose(values["greeting"], sections,
                       next_update_line(due, self.app.now(), client_tz=self.incident.client_tz), self.app.store.user)

    # -- live checks and autosave --------------------------------------------------------------

    def refresh_checks(self) -> None:
        """Redraw the next-update hint and the apology check."""
        hint = self.query_one("#next-hint", Label)
        try:
            due = self.next_due()
            hint.update(Text("no next update will be promised" if due is None else
                             f"the client will be told to expect the next update at "
                             f"{both_zones(due, self.incident.client_tz, self.app.now())}"))
        except ValueError as exc:
            hint.update(Text(literal(str(exc))))
        flags = check_apology(self.text())
        check = self.query_one("#apology-check", Static)
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

    def action_send(self) -> None:
        if self._sending:
            return  # the update is on its way: a second ctrl+s must not log it twice
        try:
            due = self.next_due()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        values = self.fields()
        if not any(values[f"section-{key}"].strip() for key, _ in SECTIONS):
            self.show_error("the update is empty: write what you are telling the client")
            return
        text, channel = self.text(), values["channel"]
        self._sending = True
        self.run_worker(self._send(lambda inc, now, by: inc.log_update(channel, text, due, now, by)),
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
        await self.app.save_draft(self.incident.number, None)  # a stale draft left behind is harmless
        self.dismiss(True)

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
