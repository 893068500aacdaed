"""Correcting the record: the key instants of an incident, each only with a reason, and the client's zone.

Mixed into :class:`storage.domain.model.Incident`. A correction keeps the old value, the
new one and the reason on the timeline (event ``corrected``), and the field holds the
corrected instant, so every metric and report computed from the document uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pendulum import DateTime

from .clock import local_stamp, to_iso, to_utc
from .fields import instant_field, require, text_field
from .intent import Unchanged
from .timeline import TimelineEntry
from .zones import client_zone

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident

# What a person names → the field it corrects, and the words for it.
CORRECTABLE = {
    "happened": ("happened_at", "when the mistake happened"),
    "discovered": ("discovered_at", "when it was discovered"),
    "acknowledged": ("acknowledged_at", "when we acknowledged it"),
    "contained": ("contained_at", "when it was contained"),
    "resolved": ("resolved_at", "when it was resolved"),
}
# The order the instants must keep (an unknown one is skipped): happened ≤ discovered ≤ the rest.
_AFTER_DISCOVERY = ("acknowledged", "contained", "resolved")


def _iso(instant: DateTime | None) -> str:
    return to_iso(instant.replace(microsecond=0)) if instant is not None else "not recorded"


def _shown(instant: DateTime | None) -> str:
    """For a message: the user's wall time with its offset (``2026-11-20 15:05 +01:00``)."""
    return local_stamp(instant, offset=True) if instant is not None else "not recorded"


def reached_at(timeline: list[TimelineEntry], status: str) -> DateTime | None:
    """When the timeline first shows a move to ``status`` (for documents from before the field)."""
    said = f" → {status}"
    return next((t.at for t in timeline if t.event == "status_changed" and t.text.endswith(said)), None)


def record_fields(d: dict, timeline: list[TimelineEntry], where: str) -> dict:
    """``contained_at``, ``resolved_at`` and ``client_tz`` of a stored document, checked.

    A document from before these fields reads the two instants off its timeline.
    """
    zone = text_field(d, "client_tz", where, "")
    if zone:
        client_zone(zone)  # a name the zone database does not know could not be shown
    reached = {f"{s}_at": instant_field(d, f"{s}_at", where) if f"{s}_at" in d else reached_at(timeline, s)
               for s in ("contained", "resolved")}
    return {**reached, "client_tz": zone}


class RecordCorrections:
    """Corrections of the key instants, and the client's time zone."""

    def correct_instant(self: "Incident", what: str, instant: DateTime, reason: str, now: DateTime,
                        by: str = "") -> Unchanged | None:
        """Set ``what`` (happened, discovered, acknowledged, contained, resolved) to ``instant``, with a reason."""
        require(what in CORRECTABLE, f"cannot correct {what!r}: only {', '.join(CORRECTABLE)}")
        field, words = CORRECTABLE[what]
        require(reason.strip() != "", f"say why {words} is corrected (a reason is kept on the timeline)")
        new, old = to_utc(instant), getattr(self, field)
        if old is not None and to_utc(old) == new:
            entry = self.last_entry("correction", lambda t: t.text.startswith(f"Corrected {what}: "))
            return self._unchanged(f"{words[0].upper()}{words[1:]} is already recorded as that time", entry)
        require(new <= to_utc(now), f"{words} cannot be in the future ({_shown(new)})")
        self._check_order({**self._instants(), what: new})
        setattr(self, field, new)
        self.record(now, "correction", f"Corrected {what}: from {_iso(old)} to {_iso(new)} — {reason}", by,
                    "corrected")
        self.recount_deadlines(what, now, by)  # deadlines counted from it move with it
        return None

    def _instants(self: "Incident") -> dict[str, DateTime | None]:
        return {what: getattr(self, field) for what, (field, _) in CORRECTABLE.items()}

    @staticmethod
    def _check_order(instants: dict[str, DateTime | None]) -> None:
        happened, discovered = instants["happened"], instants["discovered"]
        require(happened is None or discovered is None or to_utc(happened) <= to_utc(discovered),
                 f"the mistake cannot have happened ({_shown(happened)}) after it was discovered ({_shown(discovered)})")
        for what in _AFTER_DISCOVERY:
            later = instants[what]
            require(later is None or to_utc(later) >= to_utc(discovered),
                     f"{CORRECTABLE[what][1]} ({_shown(later)}) cannot be before it was discovered ({_shown(discovered)})")
        contained, resolved = instants["contained"], instants["resolved"]
        require(contained is None or resolved is None or to_utc(contained) <= to_utc(resolved),
                 f"it cannot have been resolved ({_shown(resolved)}) before it was contained ({_shown(contained)})")

    def set_client_zone(self: "Incident", name: str, now: DateTime, by: str = "") -> Unchanged | None:
        """The client's IANA time zone (``""`` or ``none`` clears it); Unchanged if it already is."""
        zone = client_zone(name)
        if zone == self.client_tz:
            entry = self.last_entry("zone")
            return self._unchanged(f"The client's time zone is already {zone or 'not set'}", entry)
        old, self.client_tz = self.client_tz, zone
        self.record(now, "zone", f"Client time zone {old or 'not set'} → {zone or 'not set'}", by,
                    "client_zone_set")
        return None
