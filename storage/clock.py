"""Clock maths: instants, countdown states and exact human durations.

Everything here is pure: the current instant is always passed in (or comes from
an injected ``now`` callable), so tests drive it with a fake clock instead of
freezing time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Callable

import pendulum
from pendulum import DateTime, Duration

Clock = Callable[[], DateTime]


def system_clock() -> DateTime:
    """The real current instant, in UTC."""
    return pendulum.now("UTC")


def to_utc(instant: DateTime) -> DateTime:
    """The same instant expressed in UTC."""
    return instant.in_timezone("UTC")


def to_iso(instant: DateTime | None) -> str | None:
    """A UTC ISO-8601 string for storage (``None`` stays ``None``)."""
    if instant is None:
        return None
    return to_utc(instant).isoformat()


def from_iso(text: str | None) -> DateTime | None:
    """Parse a stored ISO-8601 instant into a UTC DateTime."""
    if text is None:
        return None
    parsed = pendulum.parse(text)
    if not isinstance(parsed, DateTime):
        raise ValueError(f"not an instant: {text!r}")
    return to_utc(parsed)


def local_zone() -> pendulum.Timezone:
    """The user's local time zone."""
    return pendulum.local_timezone()


_RELATIVE = re.compile(r"^\s*(?:in\s+)?(\d+)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\s*$", re.I)
_CLOCK_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_when(text: str, now: DateTime, tz: str | pendulum.Timezone | None = None) -> DateTime:
    """Turn what a user typed (``30m``, ``2h``, ``17:30``, an ISO instant) into a UTC instant.

    A bare clock time means its next occurrence in the user's zone; an ISO text
    without an offset is read in the user's zone too (pendulum would assume UTC).
    """
    zone = tz if tz is not None else local_zone()
    if isinstance(zone, str):
        zone = pendulum.timezone(zone)
    match = _RELATIVE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        if unit.startswith("h"):
            delta = pendulum.duration(hours=amount)
        elif unit.startswith("d"):
            delta = pendulum.duration(days=amount)
        else:
            delta = pendulum.duration(minutes=amount)
        # Adding to a UTC instant keeps absolute durations right across DST.
        return to_utc(now) + delta
    match = _CLOCK_TIME.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"not a time of day: {text.strip()!r}")
        local_now = now.in_timezone(zone)
        candidate = local_now.set(hour=hour, minute=minute, second=0, microsecond=0)
        # Compared in UTC: two datetimes in the same zone compare by wall time, fold ignored.
        if to_utc(candidate) <= to_utc(now):
            # When clocks fall back the wall time happens twice: the second one
            # (fold=1) may still be ahead today, before tomorrow's.
            second = pendulum.instance(candidate.replace(fold=1))
            if to_utc(second) > to_utc(now):
                candidate = second
            else:
                candidate = candidate.add(days=1).set(hour=hour, minute=minute)
        return to_utc(candidate)
    try:
        parsed = pendulum.parse(text.strip(), tz=zone, strict=False)
    except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
        raise ValueError(
            f"cannot read {text.strip()!r} as a time: use 30m, 2h, 17:30 or 2026-11-23T17:30"
        ) from exc
    if not isinstance(parsed, DateTime):
        raise ValueError(f"{text.strip()!r} is not a point in time")
    return to_utc(parsed)


class CountdownState(str, Enum):
    """How urgent the next promised client update is."""

    NONE = "none"  # nothing promised
    CALM = "calm"
    SOON = "soon"
    DUE = "due"
    OVERDUE = "overdue"


SOON_FLOOR = pendulum.duration(minutes=10)
DUE_WINDOW = pendulum.duration(minutes=2)


def countdown_state(due: DateTime | None, now: DateTime, cadence: Duration | None = None) -> CountdownState:
    """Classify the time left before ``due``.

    Soon means under a quarter of the cadence or under 10 minutes, whichever is
    larger; due means under 2 minutes; overdue means the instant has passed.
    """
    if due is None:
        return CountdownState.NONE
    left = (due - now).total_seconds()
    if left < 0:
        return CountdownState.OVERDUE
    if left < DUE_WINDOW.total_seconds():
        return CountdownState.DUE
    soon = SOON_FLOOR.total_seconds()
    if cadence is not None:
        soon = max(soon, cadence.total_seconds() / 4)
    if left < soon:
        return CountdownState.SOON
    return CountdownState.CALM


def _units(seconds: float) -> tuple[int, int, int, int]:
    """(days, hours, minutes, seconds) of an absolute span, truncated toward zero."""
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return days, hours, minutes, secs


def human_span(seconds: float) -> str:
    """An exact, compact span: ``45 s``, ``14 min``, ``1 h 59 min``, ``2 d 3 h``.

    Truncates toward zero at the smallest unit shown, never rounds a bigger unit up
    (pendulum's diff_for_humans turns 119 minutes into "1 hour").
    """
    days, hours, minutes, secs = _units(seconds)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def compact_span(seconds: float | None) -> str:
    """The same span for a narrow table cell: ``45s``, ``14m``, ``1h59m``, ``2d3h``; ``—`` if unknown."""
    if seconds is None:
        return "—"
    sign = "-" if seconds < 0 else ""
    days, hours, minutes, secs = _units(seconds)
    if days:
        return f"{sign}{days}d{hours}h" if hours else f"{sign}{days}d"
    if hours:
        return f"{sign}{hours}h{minutes:02d}m" if minutes else f"{sign}{hours}h"
    if minutes:
        return f"{sign}{minutes}m"
    return f"{sign}{secs}s"


def relative(due: DateTime, now: DateTime) -> str:
    """``in 12 min`` before the instant, ``4 min late`` after it."""
    left = (due - now).total_seconds()
    if left >= 0:
        return f"in {human_span(left)}"
    return f"{human_span(left)} late"


def clock_face(due: DateTime, now: DateTime) -> str:
    """The remaining (or overrun) time as ``H:MM:SS``, with a minus sign when late."""
    left = int((due - now).total_seconds())
    sign = "-" if left < 0 else ""
    left = abs(left)
    hours, rest = divmod(left, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}"


def local_clock(instant: DateTime, now: DateTime | None = None, tz: str | pendulum.Timezone | None = None) -> str:
    """The instant on the user's wall clock: ``17:30``, or ``Tue 17:30`` when not today."""
    zone = tz if tz is not None else local_zone()
    local = instant.in_timezone(zone)
    if now is not None and local.date() != now.in_timezone(zone).date():
        return local.format("ddd HH:mm")
    return local.format("HH:mm")


@dataclass(frozen=True)
class Countdown:
    """Everything a widget needs to draw a countdown at one instant."""

    state: CountdownState
    relative: str
    face: str
    due_local: str

    @classmethod
    def at(
        cls,
        due: DateTime | None,
        now: DateTime,
        cadence: Duration | None = None,
        tz: str | pendulum.Timezone | None = None,
    ) -> "Countdown":
        """The countdown towards ``due`` as seen at ``now``."""
        if due is None:
            return cls(CountdownState.NONE, "no update promised", "-:--:--", "")
        return cls(
            countdown_state(due, now, cadence),
            relative(due, now),
            clock_face(due, now),
            local_clock(due, now, tz),
        )
