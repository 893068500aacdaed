"""Closing an incident properly: the close-out fields, what is still missing, close and reopen.

Mixed into :class:`storage.domain.model.Incident`; each method records itself on the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pendulum import DateTime

from .clock import to_utc
from .fields import ValidationError, require
from .parts import Cost, PreventionAction

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident

TEXT_FIELDS = {"root_cause": "Root cause", "fix": "Fix", "lessons": "Lessons"}


class CloseOut:
    """Close-out behaviour of an incident."""

    def set_text(self: "Incident", name: str, text: str, now: DateTime, by: str = "") -> None:
        """Record the root cause, the fix or the lessons."""
        require(name in TEXT_FIELDS, f"unknown field {name!r}")
        if getattr(self, name) == text:
            return
        setattr(self, name, text)
        label = TEXT_FIELDS[name]
        self.record(now, "closeout", f"{label}: {text}" if text.strip() else f"{label} cleared", by,
                    "closeout_edited")

    def add_prevention(self: "Incident", action: PreventionAction, now: DateTime, by: str = "") -> int:
        """A prevention action with its owner and due date; returns its index."""
        require(action.text.strip() != "", "say what will prevent it")
        self.prevention.append(action)
        owner = f", owner {action.owner}" if action.owner else ""
        due = f", due {action.due.to_date_string()}" if action.due else ""
        self.record(now, "prevention", f"Prevention: {action.text}{owner}{due}", by, "prevention_added")
        return len(self.prevention) - 1

    def edit_prevention(self: "Incident", index: int, action: PreventionAction, now: DateTime, by: str = "") -> None:
        """Replace a prevention action."""
        require(0 <= index < len(self.prevention), f"there is no prevention action {index + 1}")
        require(action.text.strip() != "", "say what will prevent it")
        self.prevention[index] = action
        self.record(now, "prevention", f"Prevention edited: {action.text}", by, "prevention_edited")

    def remove_prevention(self: "Incident", index: int, now: DateTime, by: str = "") -> None:
        """Drop a prevention action (the timeline keeps what it was)."""
        require(0 <= index < len(self.prevention), f"there is no prevention action {index + 1}")
        action = self.prevention.pop(index)
        self.record(now, "prevention", f"Prevention removed: {action.text}", by, "prevention_removed")

    def set_cost(self: "Incident", cost: Cost, now: DateTime, by: str = "") -> None:
        """Record what the mistake cost (unbilled hours, credits, our share)."""
        require(cost.unbilled_hours >= 0 and cost.credits >= 0, "hours and credits cannot be negative")
        require(0 <= cost.our_share_percent <= 100, "our share is a percentage, 0-100")
        cost.recorded_at = to_utc(now)
        self.cost = cost
        self.record(now, "cost", f"Cost: {cost.unbilled_hours:g} h unbilled, {cost.credits:g} credited, "
                                 f"our share {cost.our_share_percent:g}%", by, "cost_recorded")

    def confirm_client(self: "Incident", now: DateTime, by: str = "") -> None:
        """The client confirmed everything works again (the debrief)."""
        if self.client_confirmed_at is None:
            self.client_confirmed_at = to_utc(now)
            self.record(now, "closeout", "Client confirmed everything works again", by, "client_confirmed")

    def withdraw_client_confirmation(self: "Incident", now: DateTime, by: str = "") -> None:
        """The debrief was recorded by mistake: the client has not confirmed yet."""
        if self.client_confirmed_at is not None:
            self.client_confirmed_at = None
            self.record(now, "closeout", "Client confirmation withdrawn: not confirmed yet", by,
                        "client_confirmation_withdrawn")

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
        for promise in self.hard_deadlines():
            gaps.append(f"the hard deadline “{promise.text}” to {self.audience_name(promise.audience)} "
                        "(still open)")
        for rule, words in self.waiting_rules():
            gaps.append(f"the hard deadline “{rule.name}” ({words})")
        return gaps

    def close(self: "Incident", now: DateTime, by: str = "", reason: str = "") -> None:
        """Close the incident; with anything missing, only with a reason that the record keeps."""
        require(not self.is_closed, f"{self.id} is already closed")
        self.refuse_close_with_pending_updates()
        gaps = self.close_gaps()
        if gaps and not reason.strip():
            raise_missing(gaps)
        self.close_reason = reason if gaps else ""
        self.release_promises(now, reason if gaps else "")
        old, self.status = self.status, "closed"
        self.closed_at = to_utc(now)
        plain = f"Closed ({old} → closed)"
        if gaps:
            # The client reads that it was closed, not what we left out nor why.
            text = f"{plain} without {', '.join(gaps)} — reason: {reason}"
            self.record(now, "status", text, by, "closed", client_text=plain)
        else:
            self.record(now, "status", plain, by, "closed")

    def refuse_close_with_pending_updates(self: "Incident") -> None:
        """An update awaiting approval is words someone meant for an audience: closing would leave them
        unsent and no one told, and no reason covers that. Each must be approved, rejected or withdrawn
        first (``mishap approve|reject|withdraw``, ``v`` in the console)."""
        pending = self.pending_updates()
        if not pending:
            return
        listed = "; ".join(f"update {r.number} to {self.audience_name(r.audience)} by {r.by or 'someone'}"
                           for r in pending)
        many = len(pending) > 1
        raise ValidationError(f"{self.id} has {len(pending)} update{'s' if many else ''} awaiting approval ({listed}): "
                              f"approve, reject or withdraw {'them' if many else 'it'} before closing")

    def reopen(self: "Incident", now: DateTime, by: str = "", reason: str = "") -> None:
        """Reopen a closed incident; the next client update is due by the cadence."""
        require(self.is_closed, f"{self.id} is not closed")
        self.status = "open"
        self.closed_at = None
        self.close_reason = ""
        self.promise_update(self.next_update_after(now), now)
        why = f" — {reason}" if reason.strip() else ""
        self.record(now, "status", f"Reopened (closed → open){why}", by, "reopened")
        self.arm_deadlines(now, by)  # the law's clock did not stop while it was closed


@dataclass
class CloseOutDraft:
    """What a close-out form holds, applied to an incident in one change (nothing half-written).

    ``prevention`` lists each row of the form: the index of the action it edits (None for
    a new one) and the action (None to remove the one at that index).
    ``client_confirmed_shown`` is what the debrief box showed when the form opened: the
    confirmation changes only if the user changed the box (None: apply it as given).
    """

    root_cause: str
    fix: str
    lessons: str
    prevention: list[tuple[int | None, PreventionAction | None]] = field(default_factory=list)
    client_confirmed: bool = False
    cost: Cost | None = None  # None: leave the cost as it is
    reason: str = ""
    client_confirmed_shown: bool | None = None

    def apply_to(self, incident: "Incident", now: DateTime, by: str = "", *, close: bool = False) -> list[str]:
        """Write the fields (each change on the timeline), then close if asked; returns what is still missing.

        Closing with anything missing raises ValidationError unless a reason is given;
        raised inside ``IncidentStore.change``, nothing at all is saved.
        """
        for name in ("root_cause", "fix", "lessons"):
            incident.set_text(name, getattr(self, name), now, by)
        removed = []
        for index, action in self.prevention:
            if index is None:
                if action is not None:
                    incident.add_prevention(action, now, by)
            elif action is None:
                removed.append(index)
            elif incident.prevention[index] != action:
                incident.edit_prevention(index, action, now, by)
        for index in sorted(removed, reverse=True):  # from the end: earlier indices stay valid
            incident.remove_prevention(index, now, by)
        # An untouched box is no intent: another responder's debrief recorded meanwhile stays.
        if self.client_confirmed_shown is None or self.client_confirmed != self.client_confirmed_shown:
            if self.client_confirmed:
                incident.confirm_client(now, by)
            else:
                incident.withdraw_client_confirmation(now, by)
        if self.cost is not None and not _same_cost(incident.cost, self.cost):
            incident.set_cost(replace(self.cost), now, by)
        if close:
            incident.close(now, by, self.reason)
        return incident.close_gaps()


def _same_cost(recorded: Cost, entered: Cost) -> bool:
    return recorded.recorded_at is not None and (
        (recorded.unbilled_hours, recorded.credits, recorded.our_share_percent)
        == (entered.unbilled_hours, entered.credits, entered.our_share_percent))


def raise_missing(gaps: list[str]) -> None:
    """The close refusal, listing what is missing."""
    from .fields import ValidationError

    raise ValidationError("cannot close yet, missing: " + "; ".join(gaps) + ". Give a reason to close anyway.")
