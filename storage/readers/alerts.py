"""Board order and overdue reminders: the logic behind the bell, without a terminal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import pendulum
from pendulum import DateTime

from ..domain.clock import CountdownState, countdown_state
from ..domain.model import Incident
from ..domain.urgency import by_urgency, urgency_key  # noqa: F401  (re-exported: the board's order)


REMIND_EVERY = pendulum.duration(minutes=10)


@dataclass
class OverdueWatch:
    """Decides when to ring for a missed promise: when it goes overdue, then every 10 minutes.

    Keyed by incident and the promised instant, so a new promise (an update sent,
    a renegotiation) arms the alert afresh.
    """

    last_alert: dict[tuple[int, str], DateTime] = field(default_factory=dict)
    primed: bool = False

    @property
    def overdue(self) -> set[tuple[int, str]]:
        """(incident number, promised instant) of every promise seen overdue at the last look."""
        return set(self.last_alert)

    def crossed(self, incidents: Iterable[Incident], now: DateTime) -> list[Incident]:
        """Incidents to alert about now: just went overdue, or overdue 10 more minutes.

        The first call only primes the watch: a promise already overdue when the
        console starts is shown red, and its first reminder comes 10 minutes later.
        """
        current: dict[tuple[int, str], Incident] = {}
        for incident in incidents:
            due = incident.next_deadline
            if due is not None and countdown_state(due, now) is CountdownState.OVERDUE:
                current[(incident.number, due.isoformat())] = incident
        alerts = []
        remembered = {}
        for key, incident in current.items():
            last = self.last_alert.get(key)
            if last is None and not self.primed:
                remembered[key] = now
            elif last is None or now - last >= REMIND_EVERY:
                alerts.append(incident)
                remembered[key] = now
            else:
                remembered[key] = last
        self.last_alert = remembered
        self.primed = True
        return alerts
