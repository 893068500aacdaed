"""Spans of time: the grammar of a typed span (``30m``, ``1h30m``, ``1d``) and exact span words.

Standard library only, so the light commands (``mishap status``) can use them without
loading pendulum; :mod:`storage.domain.clock` reads a typed time with them.
"""

from __future__ import annotations

import re

MAX_AHEAD_DAYS = 90
_MAX_MINUTES = MAX_AHEAD_DAYS * 24 * 60
_LONGEST_INPUT = 64

_SPAN = re.compile(r"""
    (?:in\s+)?
    (?:(?P<d>\d+)\s*(?:days?|d)(?:\s+|(?=\d)|$))?
    (?:(?P<h>\d+)\s*(?:hours?|hrs?|h)(?:\s+|(?=\d)|$))?
    (?:(?P<m>\d+)\s*(?P<m_unit>minutes?|mins?|m)?)?
    """, re.ASCII | re.IGNORECASE | re.VERBOSE)


def _span_parts(text: str) -> tuple[int, int, int] | None:
    """(days, hours, minutes) of a span such as ``1h30m``; None if it is not written as one."""
    match = _SPAN.fullmatch(text)
    if not match or not any(match.group(k) for k in "dhm"):
        return None
    if match.group("m") and not match.group("m_unit") and not match.group("h"):
        return None  # a bare number is minutes only after hours ("1h30"); "30" alone says nothing
    digits = [match.group(k) or "0" for k in "dhm"]
    if any(len(d) > 9 for d in digits):
        raise ValueError(f"{text!r} is too far ahead: a span is at most {MAX_AHEAD_DAYS} days")
    days, hours, minutes = (int(d) for d in digits)
    if match.group("m") and not match.group("m_unit") and match.group("h") and hours >= 10:
        # "20h30" reads like a time of day; "20h30m", with its unit, can only be a span.
        clock = f"{hours:02d}:{minutes:02d}"
        raise ValueError(f"{text!r} could be the time {clock} or a span: type {clock} for the time of day, "
                         f"or {hours}h{minutes}m for a span")
    if match.group("h") and match.group("m") and minutes >= 60:
        raise ValueError(f"{text!r}: after hours, give fewer than 60 minutes ({hours + minutes // 60}h"
                         f"{minutes % 60}m)")
    if match.group("d") and match.group("h") and hours >= 24:
        raise ValueError(f"{text!r}: after days, give fewer than 24 hours ({days + hours // 24}d{hours % 24}h)")
    return days, hours, minutes


def looks_like_span(text: str) -> bool:
    """Whether ``text`` (lower case, spaces folded) is written as a span; ValueError for one that cannot be."""
    return len(text) <= _LONGEST_INPUT and _span_parts(text) is not None


def span_minutes(text: str) -> int:
    """A span (``30m``, ``2h``, ``1h30m``, ``2h 30m``, ``1d``) in minutes; ValueError says what is accepted."""
    cleaned = " ".join(str(text).split()).lower()
    parts = _span_parts(cleaned) if len(cleaned) <= _LONGEST_INPUT else None
    if parts is None:
        raise ValueError(f"{quoted(text)} is not a span of time: use 30m, 2h, 1h30m, 2h 30m or 1d "
                         f"(at most {MAX_AHEAD_DAYS} days)")
    days, hours, minutes = parts
    total = (days * 24 + hours) * 60 + minutes
    if total <= 0:
        raise ValueError(f"{quoted(text)} is no time at all: a span is more than zero (30m, 2h)")
    if total > _MAX_MINUTES:
        raise ValueError(f"{quoted(text)} is too far ahead: a span is at most {MAX_AHEAD_DAYS} days "
                         f"({MAX_AHEAD_DAYS}d)")
    return total


def quoted(text: object) -> str:
    """What was typed, quoted and cut short, for a message."""
    text = " ".join(str(text).split())
    return repr(text if len(text) <= 40 else text[:39] + "…")


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
