"""Which promised client updates just went overdue: the logic behind the bell, without a terminal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from pendulum import DateTime

from .clock import CountdownState, countdown_state
from .model import Incident


def urgency_key(incident: Incident, now: DateTime) -> tuple:
    """Sort key for the board: overdue first (most late first), then soonest due, then none."""
    due = incident.next_deadline
    if due is None:
        return (2, 0.0, -incident.severity, incident.number)
    left = (due - now).total_seconds()
    return (0 if left < 0 else 1, left, incident.severity, incident.number)


def by_urgency(incidents: Iterable[Incident], now: DateTime) -> list[Incident]:
    """Open incidents, most urgent first."""
    return sorted(incidents, key=lambda inc: urgency_key(inc, now))


@dataclass
class OverdueWatch:
    """Remembers which incidents were overdue at the last look, to alert once per crossing."""

    overdue: set[tuple[int, str]] = field(default_factory=set)
    primed: bool = False

    def crossed(self, incidents: Iterable[Incident], now: DateTime) -> list[Incident]:
        """Incidents that went overdue since the last call.

        The first call only primes the watch: an incident already overdue when the
        console starts is shown red, but does not ring as if it had just crossed.
        A new promised time (a logged update) arms the alert again.
        """
        current: dict[tuple[int, str], Incident] = {}
        for incident in incidents:
            due = incident.next_deadline
            if due is not None and countdown_state(due, now) is CountdownState.OVERDUE:
                current[(incident.number, due.isoformat())] = incident
        fresh = [] if not self.primed else [inc for key, inc in current.items() if key not in self.overdue]
        self.overdue = set(current)
        self.primed = True
        return fresh
