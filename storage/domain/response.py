"""The response's own work on an incident: the checklist's steps, the damage and the open questions.

Mixed into :class:`storage.domain.model.Incident`; each change records itself on the timeline.
Steps and damage items are named by their stored index: those lists only grow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pendulum import DateTime

from .clock import to_utc
from .fields import require
from .intent import NOT_SHOWN, Unchanged
from .parts import DAMAGE_STATES, ChecklistStep, DamageItem, OpenQuestion

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident


class ResponseWork:
    """The checklist, the damage and the open questions of an incident: what they add up to, and their changes."""

    def progress(self: "Incident") -> tuple[int, int]:
        """Checklist progress as (done, total)."""
        return sum(1 for s in self.steps if s.done), len(self.steps)

    def next_step_index(self: "Incident") -> int | None:
        """Index of the first step not yet done, if any."""
        return next((i for i, s in enumerate(self.steps) if not s.done), None)

    def damage_summary(self: "Incident") -> str:
        """One line: how many damage items in each state, worst first."""
        if not self.damage:
            return "not assessed"
        counts = {state: 0 for state in DAMAGE_STATES}
        for item in self.damage:
            counts[item.state] += 1
        parts = [f"{n} {state}" for state, n in counts.items() if n]
        open_questions = sum(1 for q in self.questions if not q.answered_at)
        if open_questions:
            parts.append(f"{open_questions} open question" + ("s" if open_questions > 1 else ""))
        return ", ".join(parts)

    # -- changes: each appends to the timeline, an intent already true returns Unchanged ---------

    def complete_step(self: "Incident", index: int, now: DateTime, by: str = "", note: str = "") -> Unchanged | None:
        """Mark a checklist step done by ``by`` at ``now``; Unchanged if it already is."""
        step = self._step(index)
        if step.done:
            return Unchanged(f"Step {index + 1} is already done", step.done_by, step.done_at)
        step.done_at, step.done_by, step.note = to_utc(now), by, note
        self.record(now, "step", f"Done: {step.phase} — {step.text}", by, "step_done")
        return None

    def reopen_step(self: "Incident", index: int, now: DateTime, by: str = "") -> Unchanged | None:
        """Undo a completed checklist step; Unchanged if it is not done."""
        step = self._step(index)
        if not step.done:
            said = f"Reopened: {step.phase} — {step.text}"
            entry = self.last_entry("step", lambda t: t.text == said)
            if entry is None:
                return Unchanged(f"Step {index + 1} is not done yet")
            return self._unchanged(f"Step {index + 1} is already reopened", entry, verb="")
        step.done_at, step.done_by, step.note = None, "", ""
        self.record(now, "step", f"Reopened: {step.phase} — {step.text}", by, "step_reopened")
        return None

    def set_step_note(self: "Incident", index: int, note: str, now: DateTime, by: str = "") -> None:
        """Attach (or clear) a note on a checklist step."""
        step = self._step(index)
        step.note = note
        self.record(now, "step", f"Note on step {index + 1}: {note}" if note else f"Note cleared on step {index + 1}", by,
                    "step_note")

    def _step(self: "Incident", index: int) -> ChecklistStep:
        require(0 <= index < len(self.steps), f"there is no step {index + 1} (1-{len(self.steps)})")
        return self.steps[index]

    def add_damage(self: "Incident", item: DamageItem, now: DateTime, by: str = "") -> int:
        """Add a damage item; returns its index."""
        require(item.what.strip() != "", "say what was damaged")
        DamageItem.from_dict(item.to_dict(), "damage")  # validates severity and state
        self.damage.append(item)
        self.record(now, "damage", f"Damage added: {item.what} ({item.state})", by, "damage_added")
        return len(self.damage) - 1

    def edit_damage(self: "Incident", index: int, item: DamageItem, now: DateTime, by: str = "") -> None:
        """Replace a damage item's fields."""
        require(0 <= index < len(self.damage), f"there is no damage item {index + 1}")
        require(item.what.strip() != "", "say what was damaged")
        DamageItem.from_dict(item.to_dict(), "damage")
        self.damage[index] = item
        self.record(now, "damage", f"Damage edited: {item.what} ({item.state})", by, "damage_edited")

    def set_damage_state(self: "Incident", index: int, state: str, now: DateTime, by: str = "",
                         shown: Any = NOT_SHOWN) -> Unchanged | None:
        """Move a damage item to another state (from ``shown``, the state the user saw)."""
        require(0 <= index < len(self.damage), f"there is no damage item {index + 1}")
        require(state in DAMAGE_STATES, f"unknown damage state {state!r}")
        require(shown is NOT_SHOWN or shown in DAMAGE_STATES, f"unknown damage state {shown!r}")
        item = self.damage[index]
        if item.state != state and (shown is NOT_SHOWN or shown == item.state):
            old, item.state = item.state, state
            self.record(now, "damage", f"Damage {item.what}: {old} → {state}", by, "damage_state")
            return None
        entry = self.last_entry("damage", lambda t: t.text in (
            f"Damage added: {item.what} ({item.state})", f"Damage edited: {item.what} ({item.state})")
            or (t.text.startswith(f"Damage {item.what}: ") and t.text.endswith(f" → {item.state}")))
        if item.state == state:
            return self._unchanged(f"Damage “{item.what}” is already {state}", entry)
        return self._unchanged(f"Damage “{item.what}” is now {item.state}, not {shown} as shown", entry,
                               refused=True)

    def add_question(self: "Incident", text: str, now: DateTime, by: str = "") -> None:
        """An open question: a ripple still to verify."""
        require(text.strip() != "", "a question cannot be empty")
        self.questions.append(OpenQuestion(text))
        self.record(now, "question", f"Open question: {text}", by, "question_added")

    def answer_question(self: "Incident", index: int, answer: str, now: DateTime, by: str = "") -> None:
        """Close an open question with what was found."""
        require(0 <= index < len(self.questions), f"there is no question {index + 1}")
        q = self.questions[index]
        q.answer, q.answered_at = answer, to_utc(now)
        self.record(now, "question", f"Answered: {q.text} — {answer}", by, "question_answered")
