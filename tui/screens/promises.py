"""The workspace's promise ledger: the pane, and the keys that add, keep and move promises."""

from __future__ import annotations

from typing import Any, Callable

from pendulum import DateTime
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Input

from storage.clock import local_clock, parse_when, relative
from storage.ledger import NEXT_MORNING, cadence_words
from storage.model import Incident

from ..text import clip
from ..widgets.tables import fit_columns, sync_rows
from .modals import FormModal, PickerModal, _labelled

PROMISE_COLUMNS = [("what", "Promise", 1.0), ("due", "Due", 12), ("state", "State", 9)]
PROMISE_STYLE = {"open": "", "overdue": "bold red", "kept": "green", "kept late": "yellow",
                 "broken": "bold red", "released": "dim"}
CADENCES = [(15, "every 15 min"), (30, "every 30 min"), (60, "every hour"), (120, "every 2 h"),
            (240, "every 4 h"), (NEXT_MORNING, "next working morning")]


class PromiseForm(FormModal):
    """A commitment made to the client, with its time."""

    TITLE_TEXT = "Promise made to the client"

    def __init__(self, submit: Callable[..., Any], now: Callable[[], DateTime]):
        super().__init__(submit)
        self.now = now

    def fields(self) -> ComposeResult:
        yield _labelled("What we promised", Input(id="what", placeholder="Credit note for the double charge"))
        yield _labelled("By when (2h, 1h30m, 17:30, morning, 2026-11-27T17:00)", Input(id="due"))

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

    def __init__(self, submit: Callable[..., Any], now: Callable[[], DateTime], what: str):
        super().__init__(submit)
        self.now = now
        self.what = what

    def fields(self) -> ComposeResult:
        yield _labelled("Promise", Input(self.stored("what", self.what), id="what", disabled=True))
        yield _labelled("New time (2h, 1h30m, 17:30, morning, an ISO time)", Input(id="due"))
        yield _labelled("Reason (the client agreed to ...)", Input(id="reason"))

    def collect(self) -> tuple:
        due, reason = self.value("due"), self.value("reason")
        if not due.strip():
            raise ValueError("say the new time")
        if not reason.strip():
            raise ValueError("a promise moves only with a reason: what did the client agree to?")
        return parse_when(due, self.now()), reason


class PromiseActions:
    """Mixed into the workspace: draws the ledger and handles p, x, m, U and F."""

    def draw_promises(self, incident: Incident, now: DateTime) -> None:
        """Open promises first (soonest due), then the record of kept and broken ones."""
        table = self.query_one("#promises-table", DataTable)
        fit_columns(table, PROMISE_COLUMNS, 0.4, frame=2)
        order = sorted(range(len(incident.promises)),
                       key=lambda i: (not incident.promises[i].is_open, incident.promises[i].due))
        rows = []
        for i in order:
            promise = incident.promises[i]
            state = promise.state(now)
            due = relative(promise.due, now) if promise.is_open else local_clock(promise.due, now)
            moved = f" (moved ×{len(promise.renegotiations)})" if promise.renegotiations else ""
            rows.append((str(i), [Text(clip(promise.text + moved, 80)), Text(due),
                                  Text(state, style=PROMISE_STYLE.get(state, ""))]))
        if not rows:
            rows.append(("none", [Text("nothing promised yet: p adds a promise", style="dim"), Text(""), Text("")]))
        sync_rows(table, rows)
        owed = len(incident.open_promises())
        broken = sum(1 for p in incident.promises if p.broken_at is not None)
        title = f"Promises · {owed} open" + (f" · {broken} broken" if broken else "")
        self.query_one("#promises-title").update(Text(title))

    def _promise_index(self) -> int | None:
        key = self._cursor_key("promises-table")
        return int(key) if key and key.isdigit() else None

    def action_add_promise(self) -> None:
        def submit(what, due):
            return self.app.apply_change(self.number, lambda inc, now, by: inc.add_promise(what, due, now, by),
                                         raise_errors=True)

        self.app.push_screen(PromiseForm(submit, self.app.now))

    def action_keep_promise(self) -> None:
        index = self._promise_index()
        if index is None:
            self.app.notify("Highlight a promise first (tab to the promises pane)", severity="warning", markup=False)
            return
        if self.incident.promises[index].kind == "update":
            self.app.notify("An update promise is kept by sending the update: press u", severity="warning",
                            markup=False)
            return
        self._intend(lambda inc, now, by: inc.keep_promise(index, now, by), "Promise kept")

    def action_renegotiate(self) -> None:
        index = self._promise_index()
        if index is None:
            self.app.notify("Highlight a promise first (tab to the promises pane)", severity="warning", markup=False)
            return
        promise = self.incident.promises[index]

        def submit(due, reason):
            return self.app.apply_change(
                self.number, lambda inc, now, by: inc.renegotiate(index, due, reason, now, by), raise_errors=True)

        self.app.push_screen(RenegotiateForm(submit, self.app.now, promise.text))

    def action_cadence(self) -> None:
        shown = self.incident.cadence_minutes  # what the picker highlights: the cadence moved from
        current = str(shown)
        choices = [(str(m), label) for m, label in CADENCES]
        if current not in dict(choices):
            choices.append((current, f"every {cadence_words(shown)}"))

        def picked(value: str | None) -> None:
            if value is not None:
                minutes = int(value)
                self._intend(lambda inc, now, by: inc.set_cadence(minutes, now, by, shown=shown),
                             f"Client updates: {cadence_words(minutes)}")

        self.app.push_screen(PickerModal("Update cadence for this incident", choices, current), picked)

    def action_first_learned(self) -> None:
        choices = [("us", "We found it and told the client"), ("client", "The client told us")]
        shown = self.incident.first_learned_by

        def picked(value: str | None) -> None:
            if value is not None:
                self._intend(lambda inc, now, by: inc.set_first_learned(value, now, by, shown=shown))

        self.app.push_screen(PickerModal("Who learned of it first?", choices, shown), picked)
