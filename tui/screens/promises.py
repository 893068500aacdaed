"""The promise forms of the workspace: a new promise, a renegotiated one, and the cadence choices."""

from __future__ import annotations

from typing import Callable

from pendulum import DateTime
from textual.app import ComposeResult
from textual.widgets import Input

from storage.domain.clock import parse_when
from storage.domain.ledger import NEXT_MORNING, cadence_phrase

from ..widgets.text_field import LineField
from .modals import FormModal, PickerModal, _labelled

CADENCES = [(15, "every 15 min"), (30, "every 30 min"), (60, "every hour"), (120, "every 2 h"),
            (240, "every 4 h"), (NEXT_MORNING, "next working morning")]


class PromiseForm(FormModal):
    """A commitment made to the client, with its time."""

    TITLE_TEXT = "Promise made to the client"

    def __init__(self, now: Callable[[], DateTime]):
        super().__init__()
        self.now = now

    def fields(self) -> ComposeResult:
        yield _labelled("What we promised", LineField(id="what", placeholder="Credit note for the double charge"))
        yield _labelled("By when (2h, 1h30m, 17:30, morning, 2026-11-27T17:00)", LineField(id="due"))

    def collect(self) -> tuple:
        what, due = self.value("what"), self.value("due")
        if not what.strip():
            raise ValueError("say what was promised")
        if not due.strip():
            raise ValueError("say by when")
        return what, parse_when(due, self.now())


class RenegotiateForm(FormModal):
    """Move a promise's time: only with the reason (the client agreed to ...)."""

    TITLE_TEXT = "Renegotiate a promise"

    def __init__(self, now: Callable[[], DateTime], what: str):
        super().__init__()
        self.now = now
        self.what = what

    def fields(self) -> ComposeResult:
        yield _labelled("Promise", LineField(self.stored("what", self.what), id="what", disabled=True))
        yield _labelled("New time (2h, 1h30m, 17:30, morning, an ISO time)", LineField(id="due"))
        yield _labelled("Reason (the client agreed to ...)", LineField(id="reason"))

    def collect(self) -> tuple:
        due, reason = self.value("due"), self.value("reason")
        if not due.strip():
            raise ValueError("say the new time")
        if not reason.strip():
            raise ValueError("a promise moves only with a reason: what did the client agree to?")
        return parse_when(due, self.now()), reason


def cadence_picker(shown: int) -> PickerModal:
    """The cadence choices, the incident's own (``shown``) highlighted and offered even if unusual."""
    current = str(shown)
    choices = [(str(m), label) for m, label in CADENCES]
    if current not in dict(choices):
        choices.append((current, cadence_phrase(shown)))
    return PickerModal("Update cadence for this incident", choices, current)


def first_learned_picker(shown: str) -> PickerModal:
    """Who learned of the mistake first, the recorded answer highlighted."""
    return PickerModal("Who learned of it first?",
                       [("us", "We found it and told the client"), ("client", "The client told us")], shown)
