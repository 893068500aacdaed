"""Updates awaiting approval, as the console's reach reads them: which ones near their deadline.

A pending update (storage.domain.approval) sends nothing, so the promise it would keep runs on.
Near that promise's time it must reach everyone else who could approve it: every open console on
the store whose user is not its author (``tui.reminders.DeskReach``), once, like an overdue promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from storage.domain.approval import ApprovalRequest


@dataclass(frozen=True)
class Awaiting:
    """A pending update someone else could approve, and the time of the promise it would keep."""

    number: int  # the incident's
    incident_id: str
    request: ApprovalRequest
    audience: str
    due: datetime

    @property
    def key(self) -> tuple[int, int]:
        """(incident number, request number): names it across looks."""
        return self.number, self.request.number

    def title(self) -> str:
        """``M-4: update to Marlow awaits your approval``."""
        return f"{self.incident_id}: update to {self.audience} awaits approval"

    def body(self, now: datetime) -> str:
        """``by dana; due 10:30 (in 4 min)``: who asked, and when the promise it keeps falls due."""
        from storage.domain.clock import local_clock, relative

        return f"by {self.request.by}; due {local_clock(self.due, now)} ({relative(self.due, now)})"


def _due_of(incident, request: ApprovalRequest) -> datetime | None:
    """The time of the promise the update would keep: its audience's next update, else its nearest hard deadline."""
    owed = [p for p in incident.open_promises() if p.audience == request.audience and (p.kind == "update" or p.hard)]
    return min((p.due for p in owed), default=None)


def awaiting_others(incidents: Iterable, user: str) -> list[Awaiting]:
    """Every pending update on ``incidents`` that ``user`` did not ask for, with a promise it would keep."""
    wanted = user.casefold()
    found = []
    for incident in incidents:
        for request in getattr(incident, "approvals", ()):
            if not request.pending or request.by.casefold() == wanted:
                continue
            due = _due_of(incident, request)
            if due is not None:
                found.append(Awaiting(incident.number, incident.id, request, incident.audience_name(request.audience),
                                      due))
    return found


def near(waiting: list[Awaiting], now: datetime, within: timedelta) -> list[Awaiting]:
    """Those due within ``within`` of ``now``, or past due."""
    return [a for a in waiting if a.due - within <= now]


def next_near_at(waiting: list[Awaiting], now: datetime, within: timedelta) -> datetime | None:
    """The first instant after ``now`` at which another one comes ``within`` of its time."""
    return min((a.due - within for a in waiting if a.due - within > now), default=None)
