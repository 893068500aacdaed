"""Backups that stay good: a data file is checked whole before it becomes a ``.bak`` or is rewritten.

A ``.bak`` is where the corrupt-file message sends the user, so it only ever receives
content that was checked whole: every document a valid incident filed under its own
number, every number finite (parsing refuses NaN and Infinity). The same check runs
before a writer rewrites a file from what it read, so one bad document is refused, not
carried into the next version and then into the backup.

Checking ten thousand documents takes seconds, so what was checked is remembered by
digest: content this process checked, or wrote itself from checked documents, is not
checked again while it is unchanged. The rule is per file, whatever the layout.

Refreshing a backup is upkeep, not what the user asked for: it never waits for the
lock and never fails a read. When it cannot be done, the reason is a warning.
"""

from __future__ import annotations

from pathlib import Path

from .files import CorruptFile, WriteFailed, backup_path, link_as_backup, write_atomically
from .model import Incident, ValidationError


def digest(raw: bytes | None) -> bytes | None:
    """A short fingerprint of a file's bytes (hashlib imported here: it is not start-up work)."""
    import hashlib

    return None if raw is None else hashlib.blake2b(raw, digest_size=20).digest()


def check_incident(path: Path, number: int, doc: dict) -> Incident:
    """One stored document as an incident; CorruptFile naming the file if it is not one, or not ``number``."""
    try:
        incident = Incident.from_dict(doc)
    except ValidationError as exc:
        raise CorruptFile(path, f"document {number} is not a valid incident ({exc})") from None
    if incident.number != number:
        raise CorruptFile(path, f"document {number} holds incident {incident.id}")
    return incident


class CheckedContent:
    """Which versions of which files were checked whole, by digest."""

    def __init__(self):
        self._digests: dict[Path, bytes] = {}

    def holds(self, path: Path, fingerprint: bytes | None) -> bool:
        """Whether this content of ``path`` is known good (absent content counts as good)."""
        return fingerprint is None or self._digests.get(Path(path)) == fingerprint

    def vouch(self, path: Path, fingerprint: bytes | None) -> None:
        """Remember that this content of ``path`` was checked whole, or written from checked parts."""
        if fingerprint is not None:
            self._digests[Path(path)] = fingerprint


def copy_as_backup(path: Path, raw: bytes) -> bool:
    """Make ``raw`` (content checked whole) the ``.bak`` of ``path``; returns whether it wrote.

    Written atomically, 0600 from the start: a crash mid-copy must not destroy the last
    good copy, and the copy holds client data. Raises OSError (WriteFailed) on failure.
    """
    bak = backup_path(path)
    try:
        if bak.stat().st_size == len(raw) and bak.read_bytes() == raw:
            return False  # already the last good copy: spare a write and two fsyncs
    except FileNotFoundError:
        pass
    write_atomically(bak, raw)
    return True


def keep_before_rewrite(path: Path, raw: bytes) -> None:
    """Before a writer replaces ``path`` (content ``raw``, checked whole): make it the ``.bak``.

    A hard link costs neither time nor space whatever the file weighs; a copy where
    links cannot be made. Raises OSError when neither works.
    """
    try:
        link_as_backup(path)
    except OSError:
        copy_as_backup(path, raw)


def backup_warning(path: Path, problem: OSError) -> str:
    """The warning for a backup that could not be refreshed: which, why, what it still holds, the way out."""
    bak = backup_path(path)
    kept = "it still holds an older good copy" if bak.exists() else "there is no backup yet"
    way_out = f"; {problem.way_out}" if isinstance(problem, WriteFailed) else ""
    return f"the backup {bak} was not refreshed ({problem.strerror or problem}); {kept}{way_out}"
