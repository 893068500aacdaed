"""Closing an incident properly: the close-out fields, what is still missing, close and reopen.

Mixed into :class:`storage.model.Incident`; each method records itself on the timeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pendulum import DateTime

from .clock import to_utc
from .parts import Cost, PreventionAction, _require

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident

TEXT_FIELDS = {"root_cause": "Root cause", "fix": "Fix", "lessons": "Lessons"}


class CloseOut:
    """Close-out behaviour of an incident."""

    def set_text(self: "Incident", name: str, text: str, now: DateTime, by: str = "") -> None:
        """Record the root cause, the fix or the lessons."""
        _require(name in TEXT_FIELDS, f"unknown field {name!r}")
        if getattr(self, name) == text:
            return
        setattr(self, name, text)
        label = TEXT_FIELDS[name]
        self.record(now, "closeout", f"{label}: {text}" if text.strip() else f"{label} cleared", by)

    def add_prevention(self: "Incident", action: PreventionAction, now: DateTime, by: str = "") -> int:
        """A prevention action with its owner and due date; returns its index."""
        _require(action.text.strip() != "", "say what will prevent it")
        self.prevention.append(action)
        owner = f", owner {action.owner}" if action.owner else ""
        due = f", due {action.due.to_date_string()}" if action.due else ""
        self.record(now, "prevention", f"Prevention: {action.text}{owner}{due}", by)
        return len(self.prevention) - 1

    def edit_prevention(self: "Incident", index: int, action: PreventionAction, now: DateTime, by: str = "") -> None:
        """Replace a prevention action."""
        _require(0 <= index < len(self.prevention), f"there is no prevention action {index + 1}")
        _require(action.text.strip() != "", "say what will prevent it")
        self.prevention[index] = action
        self.record(now, "prevention", f"Prevention edited: {action.text}", by)

    def set_cost(self: "Incident", cost: Cost, now: DateTime, by: str = "") -> None:
        """Record what the mistake cost (unbilled hours, credits, our share)."""
        _require(cost.unbilled_hours >= 0 and cost.credits >= 0, "hours and credits cannot be negative")
        _require(0 <= cost.our_share_percent <= 100, "our share is a percentage, 0-100")
        cost.recorded_at = to_utc(now)
        self.cost = cost
        self.record(now, "cost", f"Cost: {cost.unbilled_hours:g} h unbilled, {cost.credits:g} credited, "
                                 f"our share {cost.our_share_percent:g}%", by)

    def confirm_client(self: "Incident", now: DateTime, by: str = "") -> None:
        """The client confirmed everything works again (the debrief)."""
        if self.client_confirmed_at is None:
            self.client_confirmed_at = to_utc(now)
            self.record(now, "closeout", "Client confirmed everything works again", by)

    def close_gaps(self: "Incident") -> list[str]:
        """What a good close still lacks, in words a person can act on."""
        gaps = []
        if not self.root_cause.strip():
            gaps.append("root cause")
        if not self.fix.strip():
            gaps.append("the fix")
        if not any(p.text.strip() and p.owner.strip() and p.due for p in self.prevention):
            gaps.append("a prevention action with an owner and a due date")
        if self.client_confirmed_at is None:
            gaps.append("the client debrief (they confirmed things work again)")
        if self.cost.recorded_at is None:
            gaps.append("the cost (unbilled hours, credits, our share)")
        if not self.lessons.strip():
            gaps.append("lessons learned")
        return gaps

    def close(self: "Incident", now: DateTime, by: str = "", reason: str = "") -> None:
        """Close the incident; with anything missing, only with a reason that the record keeps."""
        _require(not self.is_closed, f"{self.id} is already closed")
        gaps = self.close_gaps()
        if gaps and not reason.strip():
            raise_missing(gaps)
        self.close_reason = reason if gaps else ""
        self.release_promises(now)
        old, self.status = self.status, "closed"
        self.closed_at = to_utc(now)
        if gaps:
            text = f"Closed ({old} → closed) without {', '.join(gaps)} — reason: {reason}"
        else:
            text = f"Closed ({old} → closed)"
        self.record(now, "status", text, by)

    def reopen(self: "Incident", now: DateTime, by: str = "", reason: str = "") -> None:
        """Reopen a closed incident; the next client update is due by the cadence."""
        _require(self.is_closed, f"{self.id} is not closed")
        self.status = "open"
        self.closed_at = None
        self.close_reason = ""
        self.promise_update(self.next_update_after(now), now)
        why = f" — {reason}" if reason.strip() else ""
        self.record(now, "status", f"Reopened (closed → open){why}", by)


def raise_missing(gaps: list[str]) -> None:
    """The close refusal, listing what is missing."""
    from .parts import ValidationError

    raise ValidationError("cannot close yet, missing: " + "; ".join(gaps) + ". Give a reason to close anyway.")
