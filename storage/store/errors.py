"""The errors a store raises, whatever its backend: each message says what is wrong and what to do.

Standard library only: ``mishap`` tells a store problem (one line) from a bug (a traceback) by
these classes, without loading a store to do so.
"""

from __future__ import annotations

import errno
from pathlib import Path


class StoreError(Exception):
    """Something about the store prevents the operation; the message says what to do."""


class ReadOnlyStore(StoreError):
    """The store can be read but not written (newer schema, or no write permission)."""


class NotFound(StoreError):
    """No incident with that id."""


class CorruptFile(StoreError):
    """A data file is unreadable or not a mishap store; it is left untouched.

    ``advice`` is what to do about it, and what that costs (the folder store words it).
    """

    def __init__(self, path: Path, problem: str, advice: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"Cannot open {self.path}: {problem}. Nothing was changed. {advice}")


class WriteFailed(StoreError, OSError):
    """A file could not be written: disk full, no permission, read-only disk; the old one is intact.

    An OSError too, so callers that resynchronise after a failed write keep doing so.
    """

    def __init__(self, path: Path, cause: OSError):
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))
        self.path = Path(path)
        self.way_out = way_out(cause, self.path.parent) or "check the disk"
        self.message = f"could not write {self.path}: {cause.strerror or cause} ({self.way_out}); the file was left as it was"

    def __str__(self) -> str:
        return self.message


_WAY_OUT = {
    errno.ENOSPC: "the disk is full: free some space on it and try again",
    errno.EDQUOT: "your disk quota is used up: free some space and try again",
    errno.EACCES: "check that you may write to {folder}",
    errno.EPERM: "check that you may write to {folder}",
    errno.EROFS: "the disk is mounted read-only",
}


def way_out(cause: OSError, folder: Path) -> str | None:
    """What to do about a write that ``cause`` refused in ``folder`` (a full disk, no permission), if known."""
    advice = _WAY_OUT.get(cause.errno)
    return advice.format(folder=folder) if advice else None


def is_known_write_failure(cause: OSError) -> bool:
    """Whether ``cause`` is a refusal ``WriteFailed`` has words for (a full disk, no permission, read-only)."""
    return cause.errno in _WAY_OUT
