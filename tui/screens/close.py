"""The close form: root cause, fix, prevention, debrief, cost and lessons, and what is still missing.

The form dismisses with ``(draft, close)``; whoever opened it writes the draft, and closes
the incident if asked, in one store change (``CloseOutDraft.apply_to``): a refusal leaves
nothing half-written. The list of what is still missing is computed live, by applying the
form to a scratch copy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from pendulum import DateTime
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, TextArea

from storage.domain.clock import parse_when
from storage.domain.localzone import local_zone
from storage.domain.closing import CloseOutDraft
from storage.store import StoreError
from storage.domain.model import Incident
from storage.domain.fields import ValidationError
from storage.domain.parts import Cost, PreventionAction

from ..commands import bindings
from ..text import clip, literal
from ..widgets.text_field import LineField, TextField
from .modals import MODALS_CSS, FormModal

PREVENTION_ROWS = 3  # blank rows offered when nothing is recorded yet


def parse_number(text: str, what: str, default: float, *, high: float | None = None) -> float:
    """A non-negative number typed by a person (``6.5``, ``6,5``, ``1 200``), or ValueError saying what is wrong."""
    cleaned = text.strip().replace(" ", "").replace("_", "")
    if not cleaned:
        return default
    if "," in cleaned and "." not in cleaned and not re.fullmatch(r"\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", ".")  # a decimal comma (1,200 stays twelve hundred)
    try:
        value = float(cleaned.replace(",", ""))
    except ValueError:
        raise ValueError(f"{what} must be a number, like 6.5 (not {text.strip()!r})") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{what} must be a number, like 6.5 (not {text.strip()!r})")
    if value < 0:
        raise ValueError(f"{what} cannot be negative")
    if high is not None and value > high:
        raise ValueError(f"{what} is a percentage, 0-{high:g}")
    return value


def due_text(due: DateTime | None) -> str:
    """A prevention due date as the form shows it (local date)."""
    return due.in_timezone(local_zone()).format("YYYY-MM-DD") if due else ""


class CloseForm(FormModal):
    """Close an incident properly: ctrl+s closes, ctrl+o saves without closing, escape cancels."""

    CSS_PATH = [MODALS_CSS, Path(__file__).with_name("close.tcss")]
    BINDINGS = bindings("close")

    def __init__(self, incident: Incident, now: Callable[[], DateTime], user: str = ""):
        super().__init__()
        self.incident = incident
        self.now = now
        self.user = user
        self.rows = max(PREVENTION_ROWS, len(incident.prevention) + 1)

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        inc = self.incident
        with Vertical(classes="dialog close-dialog"):
            yield Label(Text(clip(f"Close {inc.id}  {inc.title}", 100)), classes="dialog-title")
            yield Label("", id="gaps")
            with VerticalScroll(id="close-fields"):
                yield from self.fields()
            yield Label("", id="form-error", classes="form-error")
            yield Label(Text("ctrl+s close incident  ·  ctrl+o save, keep open  ·  escape cancel"),
                        classes="dialog-hint")

    def fields(self) -> ComposeResult:
        inc = self.incident
        yield Label(Text("Root cause: the moment that created the problem"), classes="field-label")
        yield TextField(self.stored("root_cause", inc.root_cause, multiline=True), id="root_cause", soft_wrap=True,
                       classes="closeout-text")
        yield Label(Text("Fix: what corrected it and made it right"), classes="field-label")
        yield TextField(self.stored("fix", inc.fix, multiline=True), id="fix", soft_wrap=True, classes="closeout-text")
        yield Label(Text("Prevention: what, who owns it, due (2026-12-01 or 14d) — at least one with all three"),
                    classes="field-label")
        for i in range(self.rows):
            action = inc.prevention[i] if i < len(inc.prevention) else PreventionAction("")
            with Horizontal(classes="prevention-row"):
                example = "Four-eyes check before sending" if i == 0 else "another prevention action (optional)"
                yield LineField(self.stored(f"prev-text-{i}", action.text), id=f"prev-text-{i}", placeholder=example,
                            compact=True, classes="prev-text")
                yield LineField(self.stored(f"prev-owner-{i}", action.owner), id=f"prev-owner-{i}", placeholder="owner",
                            compact=True, classes="prev-owner")
                yield LineField(due_text(action.due), id=f"prev-due-{i}", placeholder="due", compact=True,
                            classes="prev-due")
        yield Checkbox("Client debrief done: they confirmed everything works again",
                       inc.client_confirmed_at is not None, id="debrief")
        recorded = inc.cost.recorded_at is not None
        with Horizontal(classes="cost-row"):
            yield Label(Text("Cost"), classes="cost-label")
            yield LineField(f"{inc.cost.unbilled_hours:g}" if recorded else "", id="cost-hours",
                        placeholder="unbilled hours", compact=True)
            yield LineField(f"{inc.cost.credits:g}" if recorded else "", id="cost-credits",
                        placeholder="credits given", compact=True)
            yield LineField(f"{inc.cost.our_share_percent:g}" if recorded else "", id="cost-share",
                        placeholder="our share % (100)", compact=True)
        yield Label(Text("Lessons learned"), classes="field-label")
        yield TextField(self.stored("lessons", inc.lessons, multiline=True), id="lessons", soft_wrap=True,
                       classes="closeout-text")
        yield Label(Text("Reason to close with something missing (the record keeps it)"),
                    classes="field-label reason")
        yield LineField(id="reason", placeholder="e.g. the client ended the contract; no debrief possible",
                    compact=True, classes="reason")

    def on_mount(self) -> None:
        self.query_one("#root_cause", TextArea).focus()
        self.refresh_gaps()

    # -- reading the form --------------------------------------------------------------------

    def draft(self) -> CloseOutDraft:
        """The form as a close-out draft, or ValueError naming the first field to fix."""
        draft, problems = self.read_form()
        if problems:
            raise ValueError(problems[0])
        return draft

    def read_form(self) -> tuple[CloseOutDraft, list[str]]:
        """The form as a draft with what does not parse left out, and what does not parse."""
        inc = self.incident
        problems: list[str] = []
        prevention: list[tuple[int | None, PreventionAction | None]] = []
        for i in range(self.rows):
            text, owner, due = (self.value(f"prev-{part}-{i}") for part in ("text", "owner", "due"))
            existing = inc.prevention[i] if i < len(inc.prevention) else None
            if not text.strip():
                if owner.strip() or due.strip():
                    problems.append(f"prevention {i + 1}: say what will prevent it")
                if existing is not None:
                    prevention.append((i, None))
                continue
            when = None
            if existing is not None and due == due_text(existing.due):
                when = existing.due  # unchanged: keep the stored instant, not midnight of its date
            elif due.strip():
                try:
                    when = parse_when(due, self.now(), allow_date=True)
                except ValueError as exc:
                    problems.append(f"prevention {i + 1}: the due date: {exc}")
            if existing is None or owner != existing.owner:
                owner = owner.strip()  # trimmed when typed; a stored owner saved untouched stays as stored
            prevention.append((i if existing is not None else None, PreventionAction(text, owner, when)))
        hours, credits, share = (self.value(f"cost-{part}") for part in ("hours", "credits", "share"))
        cost = None
        if hours.strip() or credits.strip() or share.strip():
            try:
                cost = Cost(parse_number(hours, "unbilled hours", 0), parse_number(credits, "credits", 0),
                            parse_number(share, "our share", 100, high=100))
            except ValueError as exc:
                problems.append(str(exc))
        draft = CloseOutDraft(
            root_cause=self.value("root_cause"), fix=self.value("fix"), lessons=self.value("lessons"),
            prevention=prevention, client_confirmed=self.query_one("#debrief", Checkbox).value,
            cost=cost, reason=self.value("reason"), client_confirmed_shown=inc.client_confirmed_at is not None)
        return draft, problems

    def gaps_of(self, draft: CloseOutDraft) -> list[str]:
        """What a close would still lack with this draft (applied to a scratch copy)."""
        scratch = Incident.from_dict(self.incident.to_dict())
        return draft.apply_to(scratch, self.now(), self.user)

    def refresh_gaps(self) -> None:
        """Redraw what is missing (from what parses) and what does not parse; the reason field only when needed."""
        label = self.query_one("#gaps", Label)
        draft, problems = self.read_form()
        try:
            gaps = self.gaps_of(draft)
        except ValidationError as exc:  # e.g. a prevention action with blank text
            problems.append(str(exc))
            gaps = self.incident.close_gaps()
        if problems or self.refusal:
            self.show_error(problems[0] if problems else self.refusal)
        else:
            self.clear_error()
        if gaps:
            label.update(Text(literal("Still missing: " + " · ".join(gaps)), style="bold yellow"))
        else:
            label.update(Text("Nothing missing: ready to close.", style="bold green"))
        for widget in self.query(".reason"):
            widget.display = bool(gaps)

    def clear_error(self) -> None:
        """Hide the inline error."""
        label = self.query_one("#form-error", Label)
        label.update("")
        label.remove_class("-shown")

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.refresh_gaps()

    # -- saving ------------------------------------------------------------------------------

    def _save(self, close: bool) -> None:
        try:
            draft = self.draft()
            if self.check is not None:
                self.check((draft, close))
        except (ValueError, ValidationError, StoreError) as exc:
            self.show_error(str(exc))
            reason = self.query_one("#reason", Input)
            if close and reason.display and not reason.value.strip():
                reason.focus()  # the way to close anyway, scrolled into view
            return
        self.typed = self.fields_as_typed()
        self.dismiss((draft, close))

    def action_save(self) -> None:
        self._save(close=True)

    def action_save_open(self) -> None:
        self._save(close=False)
