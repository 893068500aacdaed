"""Which promise comes first: an incident's deadline and the one urgency order of open incidents.

Standard library only, and duck-typed (anything with ``promises``, ``next_update_due``,
``severity`` and ``number``), so the board, ``mishap list`` and the light ``mishap status``
(which reads open.json without building full incidents) share one rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, TypeVar

T = TypeVar("T")


def seconds_until(due: datetime, now: datetime) -> float:
    """Seconds from ``now`` to ``due``, negative once it has passed.

    From the POSIX timestamps: pendulum's own subtraction builds an Interval object, seven times
    slower, and this runs for every promise on every tick. (Not the standard library's ``-``
    either: within one time zone it subtracts wall times, wrong across a DST change.)
    """
    return due.timestamp() - now.timestamp()


def deadline_of(promises: Iterable, next_update_due: datetime | None) -> datetime | None:
    """The due instant of the nearest open promise; else ``next_update_due`` (documents before the ledger)."""
    owed = [p.due for p in promises if p.is_open]
    return min(owed) if owed else next_update_due


def deadline_order(incident) -> tuple:
    """Sort key of the urgency order, without an instant: soonest deadline first, nothing promised last.

    The order of :func:`urgency_key` never changes with time: the most late comes first and
    then the soonest due, which is one order, the earliest deadline first. So an order worked
    out once stays right until the store changes.
    """
    due = incident.next_deadline
    if due is None:
        return (1, 0.0, incident.severity, incident.number)
    return (0, due.timestamp(), incident.severity, incident.number)


def urgency_key(incident, now: datetime) -> tuple:
    """Sort key, most urgent first: overdue (most late first), then soonest due, then nothing promised.

    Within the same due time, and among incidents with nothing promised, the most severe
    comes first (1 = critical), then the oldest.
    """
    due = incident.next_deadline
    if due is None:
        return (2, 0.0, incident.severity, incident.number)
    left = seconds_until(due, now)
    return (0 if left < 0 else 1, left, incident.severity, incident.number)


def by_urgency(incidents: Iterable[T], now: datetime | None = None) -> list[T]:
    """Open incidents, most urgent first: the one order of the board and of ``mishap list``.

    The same at every instant (see :func:`deadline_order`); ``now`` is accepted for the callers
    that name the instant they show.
    """
    return sorted(incidents, key=deadline_order)
