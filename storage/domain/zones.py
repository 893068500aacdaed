"""The client's time zone: an IANA name checked once, and promise times shown in both zones.

``17:00 their time (16:00 ours)``: the client hears times in their own zone, the responder
reads both. Exact across either side's DST change, because each instant is converted in
each zone on its own (never by a fixed difference between the zones).
"""

from __future__ import annotations

import pendulum
from pendulum import DateTime

from .clock import local_clock
from .localzone import local_zone
from .fields import ValidationError

EXAMPLES = "an IANA name such as Europe/Paris or America/New_York"
NO_ZONE = ("", "none")


def client_zone(name: str) -> str:
    """``name`` if it is a time zone the zone database knows; ``""`` for none; ValidationError otherwise."""
    cleaned = name.strip()
    if cleaned.lower() in NO_ZONE:
        return ""
    try:
        pendulum.timezone(cleaned)
    except (ValueError, KeyError, OSError):  # unknown, or not a zone name at all ("../x")
        raise ValidationError(f"{cleaned!r} is not a time zone: give {EXAMPLES} (or none)") from None
    return cleaned


def same_offset(instant: DateTime, one, other) -> bool:
    """Whether two zones show the same wall time at ``instant``."""
    return instant.in_timezone(one).utcoffset() == instant.in_timezone(other).utcoffset()


def both_zones(instant: DateTime, client_tz: str, now: DateTime | None = None, ours=None) -> str:
    """``17:00 their time (16:00 ours)``; one time only when there is no client zone or both agree then."""
    ours = ours if ours is not None else local_zone()
    if not client_tz or same_offset(instant, client_tz, ours):
        return local_clock(instant, now, ours)
    return f"{local_clock(instant, now, client_tz)} their time ({local_clock(instant, now, ours)} ours)"


def client_clock(instant: DateTime, client_tz: str, now: DateTime | None = None, ours=None) -> tuple[str, str]:
    """(the wall time, the zone's name) the client reads: their zone when set, else ours."""
    zone = client_tz or (ours if ours is not None else local_zone())
    return local_clock(instant, now, zone), getattr(zone, "name", str(zone))
