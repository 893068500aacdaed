"""Clock maths: instants, the one grammar of a typed time, countdown states and exact human durations.

Everything here is pure: the current instant is always passed in (or comes from
an injected ``now`` callable), so tests drive it with a fake clock instead of
freezing time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Callable

import pendulum
from pendulum import DateTime, Duration

from .localzone import local_zone
from .spans import MAX_AHEAD_DAYS, human_span, looks_like_span, quoted, span_minutes
from .urgency import seconds_until

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
    # What mishap stores (``2026-11-29T10:15:02.123456+00:00``) is read by the standard library,
    # fifteen times faster than pendulum's parser: opening a store reads hundreds of these.
    try:
        quick = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        quick = None
    if quick is not None and quick.tzinfo is not None:
        utc = quick.astimezone(timezone.utc)
        return DateTime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond,
                        tzinfo=pendulum.UTC)
    parsed = pendulum.parse(text)  # anything else (no offset: taken as UTC, as pendulum does)
    if not isinstance(parsed, DateTime):
        raise ValueError(f"not an instant: {text!r}")
    return to_utc(parsed)


# -- what a person types for a time: one grammar for the CLI, every form and config.toml ----------

WORKDAY_START_HOUR = 9

_CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_ISO = re.compile(r"""
    (?P<date>\d{4}-\d{2}-\d{2})
    (?:[Tt\s](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6}))?)?
       (?P<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?
    """, re.ASCII | re.VERBOSE)
MORNING_WORDS = ("morning", "next working morning")
_NO_PROMISE = "none"


def when_help(*, allow_none: bool = False, allow_date: bool = False) -> str:
    """What a typed time may be, for error messages and help."""
    date = ", a date (2026-12-01)" if allow_date else ""
    none = ", or none (no promise)" if allow_none else ""
    return (f"a span up to {MAX_AHEAD_DAYS} days (30m, 1h30m, 2h 30m, 1d), a clock time (17:30), morning{date}, "
            f"an ISO time (2026-11-23T17:30, optionally with an offset: +01:00){none}")


@dataclass(frozen=True)
class When:
    """A typed time, read: the instant it names, or ``none`` (no promise at all)."""

    kind: str  # "span", "clock", "morning", "iso", "date" or "none"
    at: DateTime | None  # a UTC instant; None only for "none"

    @property
    def is_none(self) -> bool:
        """The user said there is no time to promise."""
        return self.kind == "none"


def _zone(tz: str | pendulum.Timezone | None):
    zone = tz if tz is not None else local_zone()
    return pendulum.timezone(zone) if isinstance(zone, str) else zone


def next_working_morning(now: DateTime, tz=None) -> DateTime:
    """09:00 local on the next weekday after ``now`` (Monday after a Friday), as a UTC instant."""
    day = now.in_timezone(_zone(tz)).add(days=1)
    while day.day_of_week in (pendulum.SATURDAY, pendulum.SUNDAY):
        day = day.add(days=1)
    return to_utc(day.set(hour=WORKDAY_START_HOUR, minute=0, second=0, microsecond=0))


def _next_clock_time(hour: int, minute: int, now: DateTime, zone) -> DateTime:
    """The next occurrence of a wall-clock time in ``zone`` after ``now``."""
    candidate = now.in_timezone(zone).set(hour=hour, minute=minute, second=0, microsecond=0)
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


def _iso_instant(match: re.Match, zone) -> DateTime:
    """The instant of a strict ISO-8601 text; without an offset it is read in ``zone``."""
    year, month, day = (int(p) for p in match.group("date").split("-"))
    hour, minute = int(match.group("hour") or 0), int(match.group("minute") or 0)
    second = int(match.group("second") or 0)
    micro = int((match.group("fraction") or "0").ljust(6, "0"))
    offset = match.group("offset")
    if offset is None:
        local = pendulum.datetime(year, month, day, hour, minute, second, micro, tz=zone)
    elif offset in "Zz":
        local = pendulum.datetime(year, month, day, hour, minute, second, micro, tz="UTC")
    else:
        digits = offset[1:].replace(":", "")
        seconds = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
        if int(digits[:2]) > 23 or int(digits[2:4] or 0) > 59:
            raise ValueError("the offset is not an offset")
        sign = -1 if offset[0] == "-" else 1
        local = pendulum.datetime(year, month, day, hour, minute, second, micro,
                                  tz=pendulum.FixedTimezone(sign * seconds))
    return to_utc(local)


def read_when(text: str, now: DateTime, tz: str | pendulum.Timezone | None = None, *,
              allow_none: bool = False, allow_date: bool = False) -> When:
    """Read a typed time; ValueError names what was typed and lists what is accepted.

    Accepted: a span (``30m``, ``2h``, ``1h30m``, ``2h 30m``, ``90m``, ``1d``, ``in 2h``), a clock
    time (``17:30``, its next occurrence in the user's zone), ``morning`` (the next working
    morning, 09:00 local), an ISO-8601 time (with an offset; without one, in the user's zone),
    a date if ``allow_date`` (its start, local), and ``none`` if ``allow_none``. Nothing else:
    the result is in the future and at most 90 days ahead.
    """
    zone = _zone(tz)
    cleaned = " ".join(str(text).split())
    lowered = cleaned.lower()
    accepted = when_help(allow_none=allow_none, allow_date=allow_date)
    if not cleaned:
        raise ValueError(f"no time given: use {accepted}")
    if lowered == _NO_PROMISE:
        if not allow_none:
            raise ValueError(f"a time is needed here, not 'none': use {accepted}")
        return When("none", None)
    if lowered in MORNING_WORDS:
        return When("morning", next_working_morning(now, zone))
    if looks_like_span(lowered):
        return When("span", to_utc(now) + pendulum.duration(minutes=span_minutes(lowered)))
    match = _CLOCK_TIME.fullmatch(cleaned)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"{quoted(cleaned)} is not a time of day (00:00 to 23:59)")
        return When("clock", _next_clock_time(hour, minute, now, zone))
    match = _ISO.fullmatch(cleaned)
    if match and (match.group("hour") or allow_date):
        kind = "iso" if match.group("hour") else "date"
        try:
            at = _iso_instant(match, zone)
        except ValueError:
            raise ValueError(f"{quoted(cleaned)} is not a real date and time: use {accepted}") from None
        except OverflowError:  # beyond year 1 or 9999 once moved to UTC
            at = pendulum.datetime(1, 1, 1, tz="UTC") if match.group("date") < "5000" else None
        if at is None or at > to_utc(now) + pendulum.duration(days=MAX_AHEAD_DAYS):
            raise ValueError(f"{quoted(cleaned)} is too far ahead: at most {MAX_AHEAD_DAYS} days from now")
        if at <= to_utc(now):
            raise ValueError(f"{quoted(cleaned)} is in the past: the time must be in the future")
        return When(kind, at)
    raise ValueError(f"cannot read {quoted(cleaned)} as a time: use {accepted}")


def parse_when(text: str, now: DateTime, tz: str | pendulum.Timezone | None = None, *,
               allow_date: bool = False) -> DateTime:
    """A typed time that must name an instant (``none`` refused), as a UTC instant."""
    return read_when(text, now, tz, allow_date=allow_date).at


def read_instant(text: str, tz: str | pendulum.Timezone | None = None) -> DateTime:
    """A date and time already known (past or future), by the ISO part of the grammar, as a UTC instant.

    ``2026-11-20 14:05`` or ``2026-11-20T14:05`` is read in the user's zone (``tz``); with an
    offset (``+01:00``, ``Z``) it is exact. For correcting the record, where a span or a
    clock time ("the next 17:30") would not name the instant meant.
    """
    cleaned = " ".join(str(text).split())
    match = _ISO.fullmatch(cleaned)
    accepted = "a date and time such as 2026-11-20 14:05 (your time) or 2026-11-20T14:05+01:00"
    if not match or not match.group("hour"):
        raise ValueError(f"cannot read {quoted(cleaned)} as a date and time: use {accepted}")
    try:
        return _iso_instant(match, _zone(tz))
    except (ValueError, OverflowError):
        raise ValueError(f"{quoted(cleaned)} is not a real date and time: use {accepted}") from None


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
    left = seconds_until(due, now)
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


def relative(due: DateTime, now: DateTime) -> str:
    """``in 12 min`` before the instant, ``4 min late`` after it."""
    left = seconds_until(due, now)
    if left >= 0:
        return f"in {human_span(left)}"
    return f"{human_span(left)} late"


def clock_face(due: DateTime, now: DateTime) -> str:
    """The remaining (or overrun) time as ``H:MM:SS``, with a minus sign when late."""
    left = int(seconds_until(due, now))
    sign = "-" if left < 0 else ""
    left = abs(left)
    hours, rest = divmod(left, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}"


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Written out rather than with pendulum's format(): that loads its locale files on first use, a few
# milliseconds of the console's start-up, for English names that never change.


def local_clock(instant: DateTime, now: DateTime | None = None, tz: str | pendulum.Timezone | None = None) -> str:
    """The instant on the user's wall clock: ``17:30`` today, ``Tue 17:30`` within a week of
    ``now``, ``3 Dec 17:30`` further off (a weekday alone would name the wrong week)."""
    zone = tz if tz is not None else local_zone()
    local = instant.in_timezone(zone)
    time_of_day = f"{local.hour:02d}:{local.minute:02d}"
    if now is None:
        return time_of_day
    days = (local.date() - now.in_timezone(zone).date()).days
    if days == 0:
        return time_of_day
    if -7 < days < 7:
        return f"{_WEEKDAYS[local.weekday()]} {time_of_day}"
    return f"{local.day} {_MONTHS[local.month - 1]} {time_of_day}"


def local_stamp(instant: DateTime | None, tz: str | pendulum.Timezone | None = None, *, offset: bool = False) -> str:
    """The instant with its date on the user's wall clock: ``2026-11-23 17:30`` (``+01:00`` added with
    ``offset``, for a file read elsewhere); ``—`` when unknown."""
    if instant is None:
        return "—"
    local = instant.in_timezone(tz if tz is not None else local_zone())
    stamp = f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"
    if not offset:
        return stamp
    minutes = int(local.utcoffset().total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{stamp} {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


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
