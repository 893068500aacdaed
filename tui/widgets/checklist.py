"""The workspace's checklist pane: the playbook's steps by phase, the next one marked; space and e."""

from __future__ import annotations

from dataclasses import dataclass

from pendulum import DateTime
from rich.text import Text
from textual.message import Message

from storage.domain.clock import local_clock
from storage.domain.model import Incident

from ..commands import bindings
from ..text import clip
from .pane import WorkspacePane

COLUMNS = [("mark", " ", 1), ("n", "#", 2), ("step", "Step", 1.0), ("done", "Done", 12)]


@dataclass
class StepToggled(Message):
    """Complete (``done``) or reopen step ``step`` (0-based): what the screen showed decides which."""

    step: int
    done: bool


@dataclass
class StepNoteAsked(Message):
    """Write or change the note on step ``step``."""

    step: int


class ChecklistPane(WorkspacePane[int]):
    """The steps, a heading for each phase; each step's row stands for its index."""

    NAME = "checklist"
    TITLE = "Checklist"
    BINDINGS = bindings("checklist")

    def shown_part(self, incident: Incident):
        return incident.steps

    def watch_incident(self, old: Incident | None, new: Incident | None) -> None:
        super().watch_incident(old, new)
        if old is None and new is not None:
            self.highlight_next_step(new)

    def highlight_next_step(self, incident: Incident) -> None:
        """Put the cursor on the first step not done (where work resumes)."""
        next_step = incident.next_step_index()
        if next_step is not None:
            self.highlight_key(str(next_step))

    def draw(self, incident: Incident, now: DateTime) -> None:
        # The step number's column grows with the checklist (step 10000 is not cut to "10").
        row = self.table.cursor
        number_width = max(2, len(str(len(incident.steps))))
        self.fit([(k, label, number_width if k == "n" else w) for k, label, w in COLUMNS])
        next_step = incident.next_step_index()
        last_phase = None
        rows = []
        for i, step in enumerate(incident.steps):
            if step.phase != last_phase:
                rows.append((f"phase{i}", [Text(""), Text(""), Text(clip(step.phase, 60), style="bold underline"),
                                           Text("")], None))
                last_phase = step.phase
            if step.done:
                mark, style = Text("✓", style="green"), "dim"
                done = f"{step.done_by} {local_clock(step.done_at, now)}"
            elif i == next_step:
                mark, style, done = Text("▶", style="bold yellow"), "bold", "next"
            else:
                mark, style, done = Text("·"), "", ""
            rows.append((str(i), [mark, Text(str(i + 1)),
                                  Text(clip(step.text + (f" — {step.note}" if step.note else ""), 160), style=style),
                                  Text(clip(done, 30), style="dim")], i))
        self.show_rows(rows, keep_row=row)
        done_count, total = incident.progress()
        self.set_title(f"Checklist {done_count}/{total}")

    def action_toggle_step(self) -> None:
        step = self.highlighted()
        if step is not None:
            # The intent is what the screen shows: done → reopen, not done → complete.
            self.post_message(StepToggled(step, done=not self.incident.steps[step].done))

    def action_edit(self) -> None:
        step = self.highlighted()
        if step is not None:
            self.post_message(StepNoteAsked(step))
