"""The user's time zone, as the C library understands ``TZ``.

pendulum only knows zone names from the zoneinfo database: a POSIX rule such as
``EST5EDT,M3.2.0,M11.1.0`` or ``UTC+5`` (which ``date`` honours) silently became
UTC. Here a name the database knows is used as such; any other ``TZ`` is answered
by the C library itself (``time.localtime``, instant by instant, so its DST rule is
exact); and a ``TZ`` the C library cannot read either (it falls back to UTC) is
said once by the caller, from :func:`zone_problem`.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import os
import re
import time
from functools import lru_cache

import pendulum

# The module, not the function of the same name that pendulum.tz exports.
_pendulum_local = importlib.import_module("pendulum.tz.local_timezone")

_EPOCH = _dt.datetime(1970, 1, 1)
_DAY = 86400

# POSIX.1 TZ rule (section 8.3): std offset [dst [offset] [,start[/time],end[/time]]].
_NAME = r"(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)"
_OFFSET = r"[+-]?\d{1,2}(?::\d{1,2}(?::\d{1,2})?)?"
_TIME = r"[+-]?\d{1,3}(?::\d{1,2}(?::\d{1,2})?)?"
_DATE = r"(?:J\d{1,3}|\d{1,3}|M\d{1,2}\.\d\.\d)"
_RULE = rf"{_DATE}(?:/{_TIME})?"
_POSIX_TZ = re.compile(rf"{_NAME}{_OFFSET}(?:{_NAME}(?:{_OFFSET})?(?:,{_RULE},{_RULE})?)?", re.ASCII)


def _c_offset(seconds: float) -> int:
    """The C library's UTC offset (seconds east) at a POSIX instant."""
    try:
        return time.localtime(seconds).tm_gmtoff
    except (OverflowError, OSError, ValueError):
        return -time.timezone  # beyond what the C library can compute: its standard offset


class CLibraryZone(pendulum.Timezone):
    """A time zone answered by the C library's ``localtime`` for each instant (any TZ it honours)."""

    _tz_text = ""

    @classmethod
    def for_tz(cls, tz_text: str) -> "CLibraryZone":
        """The zone for the current ``TZ`` (already applied with ``time.tzset``)."""
        zone = cls.no_cache("UTC")  # a real pendulum Timezone underneath; every answer is overridden
        zone._tz_text = tz_text
        return zone

    # -- what tzinfo promises (PEP 495: fold picks between a repeated or skipped wall time) -------

    @staticmethod
    def _wall_seconds(dt: _dt.datetime) -> int:
        return int((dt.replace(tzinfo=None, fold=0) - _EPOCH).total_seconds())

    def _offset_of_wall(self, dt: _dt.datetime) -> int:
        wall = self._wall_seconds(dt)
        # Transitions are far more than a day apart: the offsets in force a day before and
        # a day after are the only candidates; a candidate fits when it maps back to itself.
        before, after = _c_offset(wall - _DAY), _c_offset(wall + _DAY)
        fits = [o for o in dict.fromkeys((before, after)) if _c_offset(wall - o) == o]
        if len(fits) == 1:
            return fits[0]
        if len(fits) == 2:  # a repeated wall time: fold=0 is the earlier instant (larger offset)
            first, second = sorted(fits, reverse=True)
            return second if dt.fold else first
        return after if dt.fold else before  # a skipped wall time

    def utcoffset(self, dt: _dt.datetime | None) -> _dt.timedelta:
        if dt is None:
            return _dt.timedelta(seconds=_c_offset(time.time()))
        return _dt.timedelta(seconds=self._offset_of_wall(dt))

    def dst(self, dt: _dt.datetime | None) -> _dt.timedelta:
        offset = self.utcoffset(dt).total_seconds()
        standard = -time.timezone
        return _dt.timedelta(seconds=offset - standard) if offset != standard else _dt.timedelta(0)

    def tzname(self, dt: _dt.datetime | None) -> str:
        return _offset_label(int(self.utcoffset(dt).total_seconds()))

    def fromutc(self, dt: _dt.datetime) -> _dt.datetime:
        seconds = self._wall_seconds(dt)
        offset = _c_offset(seconds)
        wall = dt.replace(fold=0) + _dt.timedelta(seconds=offset)
        # The later of two identical wall times carries fold=1.
        if self._offset_of_wall(wall) != offset:
            wall = wall.replace(fold=1)
        return wall

    # -- what pendulum and the screens use -----------------------------------------------------

    @property
    def name(self) -> str:
        """A label a client can read: the offset now (``UTC-05:00``), never the raw TZ text."""
        return _offset_label(_c_offset(time.time()))

    @property
    def tz_text(self) -> str:
        """The ``TZ`` value this zone follows."""
        return self._tz_text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CLibraryZone) and other._tz_text == self._tz_text

    def __hash__(self) -> int:
        return hash((CLibraryZone, self._tz_text))

    def __repr__(self) -> str:
        return f"CLibraryZone(TZ={self._tz_text!r})"

    def __reduce__(self):
        return (_zone_for_tz, (self._tz_text,))


def _offset_label(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"UTC{sign}{hours:02d}:{rest // 60:02d}"


def _zone_for_tz(tz_text: str) -> CLibraryZone:
    return CLibraryZone.for_tz(tz_text)


@lru_cache(maxsize=8)
def _resolve(tz_env: str | None) -> tuple[pendulum.Timezone, str | None]:
    """(zone, problem) for a value of ``TZ`` (``None``: not set)."""
    if tz_env is None:
        return _pendulum_local.get_local_timezone(), None
    text = tz_env[1:] if tz_env.startswith(":") else tz_env
    if not text.strip():
        return pendulum.UTC, None  # an empty TZ means UTC to the C library
    try:
        return pendulum.timezone(text), None
    except (ValueError, OSError):
        pass  # not a name the zoneinfo database knows
    if _POSIX_TZ.fullmatch(text) or os.path.isfile(text):
        return CLibraryZone.for_tz(tz_env), None
    shown = tz_env[:80].encode("unicode_escape").decode("ascii")  # control characters made visible
    return pendulum.UTC, (f"TZ={shown} is not a time zone this system knows, and the C library reads it as UTC: "
                          "times are shown and read in UTC (set TZ to a zone such as Europe/Berlin, or unset it)")


def _mocked() -> bool:
    # pendulum.set_local_timezone() (what the tests use to pin a zone) wins over TZ.
    return getattr(_pendulum_local, "_mock_local_timezone", None) is not None


_applied_tz: list[str | None] = ["\0 not yet"]  # the TZ the C library was last told to read (tzset)


def _current_tz() -> str | None:
    tz_env = os.environ.get("TZ")
    if tz_env != _applied_tz[0]:  # TZ changed in this process (tests do): the C library must follow
        time.tzset()
        _applied_tz[0] = tz_env
    return tz_env


def local_zone() -> pendulum.Timezone:
    """The user's local time zone: what ``TZ`` says, as the C library honours it."""
    if _mocked():
        return pendulum.local_timezone()
    return _resolve(_current_tz())[0]


def zone_problem() -> str | None:
    """Why the user's ``TZ`` cannot be understood (times then run in UTC), or None."""
    if _mocked():
        return None
    return _resolve(_current_tz())[1]
