"""``mishap migrate``: every incident (open and closed), draft, playbook and config from one store to another.

``copy_store(source, target)`` works between any two backends (a folder, a PostgreSQL
database). It keeps the numbers, sets the target's counter past them, and is idempotent:
an incident already there as it is in the source is left alone, one whose timeline the
source continues is brought up to date, and one that differs otherwise is not overwritten
(it is named as a conflict). It ends by counting and checksumming both sides.

Incidents are compared as this mishap writes them (``Incident.to_dict()``): a folder's
schema-1 documents arrive upgraded, and both sides' checksums are of the same form.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

from ..domain.model import Incident
from ..domain.parts import ValidationError
from .choose import is_postgres
from .errors import StoreError


class Side(Protocol):
    """One end of a copy: a store seen as its documents."""

    location: str

    def incidents(self) -> Iterator[dict]:
        """Every incident's stored document, open and closed, with its timeline."""

    def highest(self) -> int:
        """The highest incident number held (0 for none)."""

    def drafts(self) -> list[dict]:
        """Every saved draft document."""

    def team_files(self) -> dict[str, str]:
        """playbook.toml and config.toml, those that exist, as text."""

    def existing(self, number: int) -> dict | None:
        """The document of incident ``number`` here, or None."""

    def put(self, doc: dict, replaces: dict | None) -> None:
        """Store ``doc`` (whose timeline continues ``replaces``' if that is given)."""

    def put_draft(self, doc: dict) -> None:
        """Store a draft document as it is."""

    def put_team_file(self, name: str, body: str) -> None:
        """Store a team file's text."""

    def count_past(self, number: int) -> None:
        """Make sure the next new incident gets a number above ``number``."""

    def finish(self) -> None:
        """Make what was written durable; let go of locks."""


@dataclass
class Tally:
    """What a side holds: counts and a checksum of each kind of thing."""

    location: str
    counts: dict[str, int] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)


@dataclass
class CopyReport:
    """What a copy did, and both sides' tallies at its end."""

    copied: int = 0
    updated: int = 0
    unchanged: int = 0
    drafts_copied: int = 0
    files_copied: int = 0
    conflicts: list[str] = field(default_factory=list)
    source: Tally | None = None
    target: Tally | None = None

    @property
    def changed_nothing(self) -> bool:
        """Whether the target was already a copy of the source."""
        return not (self.copied or self.updated or self.drafts_copied or self.files_copied)

    @property
    def matches(self) -> bool:
        """Whether both sides now hold the same (counts and checksums)."""
        return self.source is not None and self.target is not None and (
            self.source.counts == self.target.counts and self.source.checksums == self.target.checksums)


def canonical(doc: dict) -> dict:
    """``doc`` as this mishap writes it (an older schema upgraded); a bad one is a StoreError."""
    try:
        return Incident.from_dict(doc).to_dict()
    except ValidationError as exc:
        raise StoreError(f"M-{doc.get('number')} cannot be copied: {exc}; repair it first, nothing after it "
                         f"was copied") from None


def _text(value) -> bytes:
    # ensure_ascii: NUL and lone surrogates are hashed as their escapes, identically on both sides.
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def tally(side: Side) -> Tally:
    """Count and checksum everything ``side`` holds."""
    digests = {kind: hashlib.sha256() for kind in ("open", "closed", "drafts", "team files")}
    counts = dict.fromkeys(digests, 0)
    docs = sorted((canonical(doc) for doc in side.incidents()), key=lambda d: d["number"])
    for doc in docs:
        kind = "closed" if doc["status"] == "closed" else "open"
        counts[kind] += 1
        digests[kind].update(_text(doc) + b"\n")
    for draft in sorted(side.drafts(), key=lambda d: d.get("number", 0)):
        counts["drafts"] += 1
        digests["drafts"].update(_text(draft) + b"\n")
    for name, body in sorted(side.team_files().items()):
        counts["team files"] += 1
        digests["team files"].update(_text([name, body]) + b"\n")
    return Tally(side.location, counts, {kind: digest.hexdigest()[:16] for kind, digest in digests.items()})


def copy_store(source: Side, target: Side, progress: Callable[[int], None] | None = None) -> CopyReport:
    """Copy everything from ``source`` to ``target`` (idempotent), then tally both."""
    report = CopyReport()
    # Every number the copy will write is reserved before it writes any: a ``new`` on the
    # target meanwhile, or after a copy killed half-way, never takes a number of the source's.
    highest = source.highest()
    if highest:
        target.count_past(highest)
    try:
        for done, doc in enumerate(source.incidents(), start=1):
            doc = canonical(doc)
            number = doc["number"]
            highest = max(highest, number)
            there = target.existing(number)
            if there is None:
                target.put(doc, None)
                report.copied += 1
            else:
                there = canonical(there)
                if _text(there) == _text(doc):
                    report.unchanged += 1
                elif doc["timeline"][:len(there["timeline"])] == there["timeline"] and \
                        there["created_at"] == doc["created_at"]:
                    target.put(doc, there)  # the source went on from the copy made earlier
                    report.updated += 1
                else:
                    report.conflicts.append(
                        f"M-{number} in {target.location} is not an earlier copy of M-{number} in "
                        f"{source.location}: left as it is")
            if progress is not None:
                progress(done)
        if highest:
            target.count_past(highest)
        have = {draft.get("number"): draft for draft in target.drafts()}
        for draft in source.drafts():
            if _text(have.get(draft.get("number"))) != _text(draft):
                target.put_draft(draft)
                report.drafts_copied += 1
        present = target.team_files()
        for name, body in source.team_files().items():
            if present.get(name) != body:
                target.put_team_file(name, body)
                report.files_copied += 1
    finally:
        target.finish()
    report.source, report.target = tally(source), tally(target)
    return report


def side_of(spec: str) -> Side:
    """The copy side for a folder path or a postgresql:// URL (the store opened, schema made if needed)."""
    if is_postgres(spec):
        from .postgres.bulk import PostgresSide

        return PostgresSide(spec)
    from .folder.bulk import FolderSide

    return FolderSide(spec)
