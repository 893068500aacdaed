"""Board order and overdue reminders: the logic behind the bell, without a terminal.

The nearest deadline is across all audiences, named whenever it is not the client's
(:func:`nearest_words`, :func:`overdue_text`); an open hard deadline that is not the
nearest is shown beside it (:func:`hard_beside`): a 30-minute client cadence never keeps
a GDPR clock out of sight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import pendulum
from pendulum import DateTime

from ..domain.clock import CountdownState, countdown_state, relative
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


def nearest_words(incident: Incident) -> str:
    """What the countdown runs to: ``client update``, ``update to Tom Reed``, ``GDPR notice to ICO``."""
    promise = incident.nearest_promise()
    return incident.owed_words(promise) if promise is not None else "client update"


def hard_beside(incident: Incident, now: DateTime) -> str | None:
    """``GDPR notice: 41 h left``: the nearest open hard deadline when it is not the nearest promise
    (that one the countdown shows already), for the board row and the workspace header; else None."""
    hard = incident.hard_deadlines()
    if not hard or hard[0] is incident.nearest_promise():
        return None
    words = incident.deadline_words(hard[0], now)
    if hard[0].audience != 0:
        words += f" ({incident.audience_name(hard[0].audience)})"
    return words


def overdue_text(incident: Incident, now: DateTime) -> str:
    """The overdue toast's line: ``M-5 update to Tom Reed: 12 minutes ago — Wrong VAT rate``.

    Names the promise as :meth:`Incident.owed_words` does (the audience whenever it is not
    the client), and the promise's own text for a client commitment.
    """
    promise = incident.nearest_promise()
    if promise is None:
        what = "Client update"
    elif promise.audience == 0 and not promise.hard:
        what = promise.text
    else:
        what = incident.owed_words(promise)
    late = relative(incident.next_deadline, now) if incident.next_deadline else "late"
    return f"{incident.id} {what}: {late} — {incident.title}"
