"""The workspace's damage pane: what the mistake reached, and the open questions; e, ] and [."""

from __future__ import annotations

from dataclasses import dataclass

from pendulum import DateTime
from rich.text import Text
from textual.message import Message

from storage.domain.model import Incident
from storage.domain.parts import DAMAGE_STATES

from ..commands import bindings
from ..text import clip
from .pane import WorkspacePane

COLUMNS = [("what", "What", 0.55), ("impact", "Impact", 0.45), ("sev", "Sev", 3), ("state", "State", 9)]
DAMAGE_STYLE = {"suspected": "yellow", "confirmed": "bold red", "contained": "cyan",
                "resolved": "green", "ruled out": "dim"}


@dataclass(frozen=True)
class DamageRow:
    """A row showing damage item ``index``."""

    index: int


@dataclass(frozen=True)
class QuestionRow:
    """A row showing open question ``index``."""

    index: int


@dataclass
class DamageStateSet(Message):
    """Move damage item ``index`` to ``state``, from ``shown``: the state the screen showed."""

    index: int
    state: str
    shown: str


@dataclass
class DamageEditAsked(Message):
    """Edit damage item ``index``."""

    index: int


@dataclass
class AnswerAsked(Message):
    """Answer open question ``index`` (or change its answer)."""

    index: int


class DamagePane(WorkspacePane[DamageRow | QuestionRow]):
    """The damage items, then the open questions."""

    NAME = "damage"
    TITLE = "Damage assessment"
    COLUMNS = COLUMNS
    BINDINGS = bindings("damage")

    def shown_part(self, incident: Incident):
        return incident.damage, incident.questions

    def draw(self, incident: Incident, now: DateTime) -> None:
        row = 0 if self.fit() else self.table.cursor
        rows = []
        for i, item in enumerate(incident.damage):
            rows.append((f"d{i}", [Text(clip(item.what, 60)), Text(clip(item.impact, 60)), Text(str(item.severity)),
                                   Text(item.state, style=DAMAGE_STYLE[item.state])], DamageRow(i)))
        for i, q in enumerate(incident.questions):
            answered = q.answered_at is not None
            rows.append((f"q{i}", [Text(clip(f"? {q.text}", 60), style="dim" if answered else "italic"),
                                   Text(clip(q.answer, 60)), Text(""),
                                   Text("answered" if answered else "open ?",
                                        style="dim" if answered else "bold yellow")], QuestionRow(i)))
        if not rows:
            rows.append(("empty", [Text("none yet: a adds", style="dim"), Text("shift+a: question", style="dim"),
                                   Text(""), Text("")], None))
        self.show_rows(rows, keep_row=row)

    def action_edit(self) -> None:
        row = self.highlighted()
        if isinstance(row, DamageRow):
            self.post_message(DamageEditAsked(row.index))
        elif isinstance(row, QuestionRow):
            self.post_message(AnswerAsked(row.index))

    def action_damage_state(self, direction: int) -> None:
        row = self.highlighted()
        if not isinstance(row, DamageRow):
            self.app.notify("Highlight a damage item first", severity="warning", markup=False)
            return
        shown = self.incident.damage[row.index].state
        target = DAMAGE_STATES[(DAMAGE_STATES.index(shown) + direction) % len(DAMAGE_STATES)]
        self.post_message(DamageStateSet(row.index, target, shown))
