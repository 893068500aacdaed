"""The workspace's promise ledger pane: open promises soonest first, then the record; x and m."""

from __future__ import annotations

from dataclasses import dataclass

from pendulum import DateTime
from rich.text import Text
from textual.message import Message
from textual.reactive import reactive

from storage.domain.clock import local_clock, relative
from storage.domain.model import Incident
from storage.domain.zones import both_zones

from ..commands import bindings
from ..text import clip
from .pane import WorkspacePane

COLUMNS = [("what", "Promise", 1.0), ("due", "Due", 12), ("state", "State", 9)]
# With a client zone every time is in both zones, "12:00 their time (17:00 ours)": that needs the room
# of the State column, so a promise's state is its row's colour and, unless open, a word after its text.
ZONED_COLUMNS = [("what", "Promise", 1.0), ("due", "Due: their time (ours)", 29)]  # 17:00 their time (16:00 ours)
PROMISE_STYLE = {"open": "", "overdue": "bold red", "kept": "green", "kept late": "yellow",
                 "broken": "bold red", "released": "dim"}


@dataclass
class PromiseKept(Message):
    """Mark promise ``index`` kept."""

    index: int


@dataclass
class PromiseMoveAsked(Message):
    """Renegotiate promise ``index``'s time."""

    index: int


class PromisesPane(WorkspacePane[int]):
    """The promises; each row stands for the promise's index. Redrawn each tick: due times are relative."""

    now: reactive[DateTime | None] = reactive(None, repaint=False)

    NAME = "promises"
    TITLE = "Promises"
    COLUMNS = COLUMNS
    BINDINGS = bindings("promises")

    def shown_part(self, incident: Incident):
        return incident.promises, incident.client_tz

    def watch_now(self, now: DateTime | None) -> None:
        if now is not None and self.incident is not None:
            self.draw(self.incident, now)  # only the cells whose text changed are touched

    def draw(self, incident: Incident, now: DateTime) -> None:
        """Open promises first (soonest due), then the record of kept and broken ones."""
        zone = incident.client_tz
        self.fit(ZONED_COLUMNS if zone else None)
        order = sorted(range(len(incident.promises)),
                       key=lambda i: (not incident.promises[i].is_open, incident.promises[i].due))
        rows = []
        for i in order:
            promise = incident.promises[i]
            state = promise.state(now)
            moved = f" (moved ×{len(promise.renegotiations)})" if promise.renegotiations else ""
            style = PROMISE_STYLE.get(state, "")
            if zone:
                said = "" if state == "open" else f" · {state}"
                rows.append((str(i), [Text(clip(promise.text + moved + said, 80), style=style),
                                      Text(both_zones(promise.due, zone, now), style=style)], i))
                continue
            due = relative(promise.due, now) if promise.is_open else local_clock(promise.due, now)
            rows.append((str(i), [Text(clip(promise.text + moved, 80)), Text(due), Text(state, style=style)], i))
        if not rows:
            blank = [Text("")] * (1 if zone else 2)
            rows.append(("none", [Text("nothing promised yet: p adds a promise", style="dim"), *blank], None))
        self.show_rows(rows)
        owed = len(incident.open_promises())
        broken = sum(1 for p in incident.promises if p.broken_at is not None)
        self.set_title(f"Promises · {owed} open" + (f" · {broken} broken" if broken else ""))

    def _highlighted_promise(self) -> int | None:
        index = self.highlighted()
        if index is None:
            self.app.notify("Highlight a promise first", severity="warning", markup=False)
        return index

    def action_keep_promise(self) -> None:
        index = self._highlighted_promise()
        if index is None:
            return
        if self.incident.promises[index].kind == "update":
            self.app.notify("An update promise is kept by sending the update: press u", severity="warning",
                            markup=False)
            return
        self.post_message(PromiseKept(index))

    def action_renegotiate(self) -> None:
        index = self._highlighted_promise()
        if index is not None:
            self.post_message(PromiseMoveAsked(index))
