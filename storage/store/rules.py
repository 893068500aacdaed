"""The rules every store backend keeps, written once.

- The timeline is append-only: a change may add entries, never alter or drop one.
- A change that edits a field without saying so leaves an "Edited: …" entry.
- Every saved change bumps the revision.
- An incident keeps its number, and a number is never given twice.
- A document written by a newer mishap makes the store read-only.
"""

from __future__ import annotations

from typing import Callable, Iterable, TypeVar

from pendulum import DateTime

from ..domain.model import SCHEMA_VERSION, Incident
from .errors import StoreError

T = TypeVar("T")


def apply_change(stored: dict, apply: Callable[[Incident, DateTime, str], T], now: DateTime,
                 user: str) -> tuple[Incident | None, T]:
    """Run ``apply`` on the incident of ``stored`` under the rules; (incident to save or None, result).

    None means nothing changed and nothing must be written. A ValidationError from
    ``apply`` propagates with nothing saved; a broken rule is a StoreError.
    """
    incident = Incident.from_dict(stored)
    baseline = _comparable(stored)
    number = incident.number
    before = len(incident.timeline)
    result = apply(incident, now, user)
    if [entry.to_dict() for entry in incident.timeline[:before]] != baseline["timeline"]:
        raise StoreError("the timeline is append-only: a change tried to rewrite it")
    if incident.number != number:
        raise StoreError(f"a change cannot renumber M-{number}")
    changed = incident.to_dict()
    if changed == baseline:
        return None, result
    if len(incident.timeline) == before:
        fields = [key.replace("_", " ") for key, value in changed.items()
                  if key not in ("timeline", "revision", "schema") and value != baseline.get(key)]
        incident.record(now, "edit", f"Edited: {', '.join(fields) or 'revision'}", user, "edited")
    incident.revision += 1
    return incident, result


def _comparable(stored: dict) -> dict:
    """The stored document as this version would write it (an older schema compares by content)."""
    if stored.get("schema") == SCHEMA_VERSION:
        return stored
    return Incident.from_dict(stored).to_dict()


def next_number(counter: int | None, taken: Iterable[int], used: Callable[[int], bool]) -> int:
    """The number for a new incident: past the counter and every number in ``taken``, and not ``used``.

    ``used`` asks the backend about numbers it keeps elsewhere (a closed history), so a
    counter restored from an old copy never hands out a closed incident's number again.
    """
    number = max([counter or 1, *(n + 1 for n in taken)])
    while used(number):
        number += 1
    return number


def newer_schema_reason(where: str, schema: object) -> str | None:
    """The read-only reason when a document of ``schema`` is newer than this mishap; else None."""
    if isinstance(schema, int) and not isinstance(schema, bool) and schema > SCHEMA_VERSION:
        return (f"{where} was written by a newer mishap (schema {schema}, this one knows "
                f"{SCHEMA_VERSION}): opened read-only; upgrade mishap to change it")
    return None
