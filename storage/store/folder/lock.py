"""The lock every writer of a store folder holds (.mishap.lock), and making the folder itself.

Readers never take it. A change holds it from reading what is on disk to the end of its
writes; upkeep and the review's index take it only if it is free at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import StoreError
from .layout import LOCK_FILE
from .permissions import make_private_folders

LOCK_TIMEOUT_SECONDS = 10


class WriterLock:
    """The store folder's lock, re-entrant in the thread holding it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / LOCK_FILE
        self._lock = None  # made on first use: importing filelock is start-up time

    def _file_lock(self):
        if self._lock is None:
            import filelock

            self._lock = filelock.FileLock(str(self.path), timeout=LOCK_TIMEOUT_SECONDS, mode=0o600)
        return self._lock

    def hold(self, before_release: Callable[[], None] | None = None) -> "LockHold":
        """The lock as a context manager that waits for other processes (a timeout is a StoreError).

        ``before_release`` runs once, still under the lock, when the outermost hold ends: what
        must follow every change, such as keeping the backup current.
        """
        return LockHold(self, before_release)

    def acquire(self) -> None:
        """Take the lock, waiting up to LOCK_TIMEOUT_SECONDS; a StoreError says what stops it."""
        try:
            self._file_lock().acquire()
        except TimeoutError:  # filelock.Timeout is a TimeoutError
            raise StoreError(
                f"the store {self.folder} is locked by another mishap for over "
                f"{LOCK_TIMEOUT_SECONDS} s; try again, or check for a stuck process") from None
        except OSError as exc:
            raise StoreError(
                f"cannot take the store's lock {self.path} ({exc.strerror or exc}): check "
                f"that you may write to {self.folder}") from None

    def take_now(self) -> bool:
        """Take the lock if it is free now (or already ours), never waiting; False if another holds it.

        Raises OSError when the lock file cannot be opened at all. Let go with ``release``.
        """
        try:
            self._file_lock().acquire(timeout=0)
        except TimeoutError:
            return False
        return True

    def outermost(self) -> bool:
        """Whether the hold about to end is the last one this thread has."""
        return self._file_lock().lock_counter == 1

    def release(self) -> None:
        """Let go of one hold."""
        self._file_lock().release()


class LockHold:
    """One hold of a WriterLock, as a context manager (made per use: nothing of it outlives the change)."""

    def __init__(self, lock: WriterLock, before_release: Callable[[], None] | None):
        self.lock = lock
        self.before_release = before_release

    def __enter__(self) -> "LockHold":
        self.lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.before_release is not None and self.lock.outermost():
                self.before_release()
        finally:
            self.lock.release()


def make_folder(folder: Path) -> None:
    """Create the store folder (and missing parents, all 0700) if needed; a path that cannot be one says why."""
    try:
        make_private_folders(folder)
    except FileExistsError:
        raise StoreError(f"the store path {folder} is a file, not a folder: move that file aside, or give "
                         f"a folder with --db or MISHAP_HOME") from None
    except NotADirectoryError:
        raise StoreError(f"cannot make the store folder {folder}: part of that path is a file; give "
                         f"another folder with --db or MISHAP_HOME") from None
    except OSError as exc:
        raise StoreError(f"cannot make the store folder {folder} ({exc.strerror or exc}): create it "
                         f"yourself, or give another folder with --db or MISHAP_HOME") from None
