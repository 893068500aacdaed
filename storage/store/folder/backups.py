"""Backups that stay good: a data file is checked whole before it becomes a ``.bak`` or is rewritten.

A ``.bak`` is where the corrupt-file message sends the user, so it only ever receives
content that was checked whole: every document a valid incident filed under its own
number, every number finite (parsing refuses NaN and Infinity). The same check runs
before a writer rewrites a file from what it read, so one bad document is refused, not
carried into the next version and then into the backup.

open.json is parsed whole on every read, so what becomes its ``.bak`` was always
checked; a closed incident's file is read and checked before anything replaces it.

The ``.bak`` follows every change that returns (the change refreshes it under the lock),
and opening refreshes one a crash or an older mishap left behind. That refresh is upkeep,
not what the user asked for: it never waits for the lock and never fails a read or a
change. When it cannot be done, the warning says what the backup still holds, and from when.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ...domain.model import Incident
from ...domain.fields import ValidationError
from ..errors import WriteFailed
from .files import backup_path, corrupt_file, write_atomically


def check_incident(path: Path, number: int, doc: dict) -> Incident:
    """One stored document as an incident; CorruptFile naming the file if it is not one, or not ``number``."""
    try:
        incident = Incident.from_dict(doc)
    except ValidationError as exc:
        raise corrupt_file(path, f"document {number} is not a valid incident ({exc})") from None
    if incident.number != number:
        raise corrupt_file(path, f"document {number} holds incident {incident.id}")
    return incident


def copy_as_backup(path: Path, raw: bytes, *, durable: bool = True) -> bool:
    """Make ``raw`` (content checked whole) the ``.bak`` of ``path``; returns whether it wrote.

    Written atomically, 0600 from the start: a crash mid-copy must not destroy the last
    good copy, and the copy holds client data. Raises OSError (WriteFailed) on failure.
    ``durable=False`` does not wait for the disk (see ``write_atomically``): for the copy
    each change makes, which the next open checks against open.json and writes again.
    """
    bak = backup_path(path)
    try:
        if bak.stat().st_size == len(raw) and bak.read_bytes() == raw:
            return False  # already the last good copy: spare a write and two fsyncs
    except FileNotFoundError:
        pass
    write_atomically(bak, raw, durable=durable)
    return True


def backup_warning(path: Path, problem: Exception) -> str:
    """The warning for a backup that could not be refreshed: which, why, what it still holds, the way out."""
    bak = backup_path(path)
    try:
        written = datetime.fromtimestamp(bak.stat().st_mtime).astimezone()
        # What following the corrupt-file advice (copy the .bak back) would cost, said now.
        kept = (f"it still holds an older good copy, written {written:%Y-%m-%d %H:%M:%S %z}: copying it back "
                f"would lose every change made since")
    except OSError:
        kept = "there is no backup yet"
    way_out = f"; {problem.way_out}" if isinstance(problem, WriteFailed) else ""
    why = getattr(problem, "strerror", None) or problem
    return f"the backup {bak} was not refreshed ({why}); {kept}{way_out}"
