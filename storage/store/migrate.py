"""``mishap migrate``: every incident (open and closed), draft, playbook and config from one store to another.

``copy_store(source, target)`` works between any two backends (a folder, a PostgreSQL
database). It reserves every number it will write before it writes any (the target's counter
is set past the source's highest), copies BATCH incidents at a time (on a database, one
transaction each: a copy killed at any moment leaves whole incidents, and running it again
copies the rest, each exactly once), and is idempotent:
an incident already there as it is in the source is left alone, one whose timeline the
source continues is brought up to date, and one that differs otherwise is not overwritten
(it is named as a conflict). It ends by counting and checksumming both sides.

Incidents are compared as this mishap writes them (``Incident.to_dict()``): a folder's
schema-1 documents arrive upgraded, and both sides' checksums are of the same form. A
document of this mishap's schema is already in that form: it is checked (read as an
incident) and taken as it is. The source's tally is made from the documents as they were
copied; the target is read back whole for its own.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

from ..domain.model import SCHEMA_VERSION, Incident
from ..domain.fields import ValidationError
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

    def count(self) -> int:
        """How many incidents are held, open and closed (for the progress shown)."""

    def existing(self, numbers: list[int]) -> dict[int, dict]:
        """The documents of those of incidents ``numbers`` held here, by number."""

    def put(self, docs: list[tuple[dict, dict | None]]) -> None:
        """Store each ``doc`` (whose timeline continues ``replaces``' if that is given), all or none."""

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
        incident = Incident.from_dict(doc)
        return doc if doc.get("schema") == SCHEMA_VERSION else incident.to_dict()
    except ValidationError as exc:
        raise StoreError(f"M-{doc.get('number')} cannot be copied: {exc}; repair it first, nothing after it "
                         f"was copied") from None


# ensure_ascii: NUL and lone surrogates are hashed as their escapes, identically on both sides.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _text(value) -> bytes:
    return _CANONICAL.encode(value).encode("ascii")


class Incidents:
    """Incidents seen one at a time, in any order: a digest of each, by number, for a tally."""

    def __init__(self):
        self.seen: dict[int, tuple[str, bytes]] = {}

    def add(self, doc: dict, text: bytes | None = None) -> None:
        """Count ``doc`` (canonical; ``text``: its ``_text``, if already made)."""
        kind = "closed" if doc["status"] == "closed" else "open"
        self.seen[doc["number"]] = (kind, hashlib.sha256(text or _text(doc)).digest())


def tally(side: Side, incidents: Incidents | None = None) -> Tally:
    """Count and checksum everything ``side`` holds (its incidents as ``incidents`` saw them, if given)."""
    if incidents is None:
        incidents = Incidents()
        for doc in side.incidents():  # one of this schema is hashed as it is: read as an incident, it is the same
            incidents.add(doc if doc.get("schema") == SCHEMA_VERSION else canonical(doc))
    digests = {kind: hashlib.sha256() for kind in ("open", "closed", "drafts", "team files")}
    counts = dict.fromkeys(digests, 0)
    for number in sorted(incidents.seen):
        kind, digest = incidents.seen[number]
        counts[kind] += 1
        digests[kind].update(digest)
    for draft in sorted(side.drafts(), key=lambda d: d.get("number", 0)):
        counts["drafts"] += 1
        digests["drafts"].update(_text(draft) + b"\n")
    for name, body in sorted(side.team_files().items()):
        counts["team files"] += 1
        digests["team files"].update(_text([name, body]) + b"\n")
    return Tally(side.location, counts, {kind: digest.hexdigest()[:16] for kind, digest in digests.items()})


BATCH = 250  # incidents per write (on a database: per transaction)


def _batches(docs: Iterator[dict], size: int) -> Iterator[list[dict]]:
    batch = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy_batch(docs: list[dict], source: Side, target: Side, report: CopyReport, seen: Incidents) -> None:
    """Write the incidents of one batch the target lacks or holds an earlier copy of, in one write."""
    there = target.existing([doc["number"] for doc in docs])
    writes = []
    for doc in docs:
        number = doc["number"]
        text = _text(doc)
        seen.add(doc, text)
        held = there.get(number)
        if held is None:
            writes.append((doc, None))
            report.copied += 1
            continue
        held = canonical(held)
        if _text(held) == text:
            report.unchanged += 1
        elif doc["timeline"][:len(held["timeline"])] == held["timeline"] and held["created_at"] == doc["created_at"]:
            writes.append((doc, held))  # the source went on from the copy made earlier
            report.updated += 1
        else:
            report.conflicts.append(f"M-{number} in {target.location} is not an earlier copy of M-{number} in "
                                    f"{source.location}: left as it is")
    if writes:
        target.put(writes)


def _written(writing: tuple[Future, int], progress, done: int, total: int) -> int:
    """Wait for the batch on its way (its error raised here); tell the progress; how many it held."""
    future, count = writing
    future.result()
    if progress is not None:
        progress(done + count, total)
    return count


def copy_store(source: Side, target: Side, progress: Callable[[int, int], None] | None = None, *,
               batch: int = BATCH) -> CopyReport:
    """Copy everything from ``source`` to ``target`` (idempotent), then tally both.

    ``progress(done, total)`` is called after each batch, and with ``done = -1`` when the
    tally of both sides begins.
    """
    report = CopyReport()
    # Every number the copy will write is reserved before it writes any: a ``new`` on the
    # target meanwhile, or after a copy killed half-way, never takes a number of the source's.
    highest = source.highest()
    if highest:
        target.count_past(highest)
    total = source.count() if progress is not None else 0
    seen = Incidents()
    # One batch is written (on a thread of its own: a database's work, and its waits, overlap
    # ours) while the next one is read and checked; never more than one is in flight.
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mishap-migrate")
    writing: tuple[Future, int] | None = None
    try:
        done = 0
        for docs in _batches((canonical(doc) for doc in source.incidents()), batch):
            highest = max(highest, *(doc["number"] for doc in docs))
            if writing is not None:
                done += _written(writing, progress, done, total)
                writing = None
            writing = (writer.submit(_copy_batch, docs, source, target, report, seen), len(docs))
        if writing is not None:
            done += _written(writing, progress, done, total)
            writing = None
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
        if writing is not None:
            writing[0].exception()  # let the batch on its way finish before letting go of the target
        writer.shutdown()
        target.finish()
    if progress is not None:
        progress(-1, total)
    report.source, report.target = tally(source, seen), tally(target)
    return report


def side_of(spec: str) -> Side:
    """The copy side for a folder path or a postgresql:// URL (the store opened, schema made if needed)."""
    if is_postgres(spec):
        from .postgres.bulk import PostgresSide

        return PostgresSide(spec)
    from .folder.bulk import FolderSide

    return FolderSide(spec)
