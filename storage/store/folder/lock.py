"""The folder store's file names and its lock: what every part of the folder store agrees on."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .files import StoreError
from .permissions import make_private_folders
from .where import OPEN_FILE

DRAFTS_TABLE = "drafts"
LEGACY_CLOSED = "closed.json"
LEGACY_KEPT = "closed.json.v1"  # the first layout's history, kept until a later open verified the move
LOCK_FILE = ".mishap.lock"
LOCK_TIMEOUT_SECONDS = 10
# 1: open.json + closed.json. 2: open.json + closed/, one file per closed incident. 3: the same, with
# the temp files of writes into closed/ in closed/.tmp (2 made them in closed/ itself, so opening a
# layout-2 store lists closed/ once for a killed writer's leftovers; a mishap of layout 2 opens a
# layout-3 store read-only, so none can appear there again).
LAYOUT = 3
# Files written only under the lock; their temp files are removed as stale when the store opens.
DATA_FILES = (OPEN_FILE, OPEN_FILE + ".bak", LEGACY_CLOSED, LEGACY_CLOSED + ".bak")


class LockGuard:
    """Hold the store's lock; a timeout becomes a StoreError a person can act on.

    ``before_release`` runs once, still under the lock, when the outermost hold ends (the
    lock is re-entrant): what must follow every change, such as keeping the backup current.
    """

    def __init__(self, lock, folder: Path, before_release: Callable[[], None] | None = None):
        self._lock = lock
        self._folder = folder
        self._before_release = before_release

    def __enter__(self):
        try:
            self._lock.acquire()
        except TimeoutError:  # filelock.Timeout is a TimeoutError
            raise StoreError(
                f"the store {self._folder} is locked by another mishap for over "
                f"{LOCK_TIMEOUT_SECONDS} s; try again, or check for a stuck process") from None
        except OSError as exc:
            raise StoreError(
                f"cannot take the store's lock {self._folder / LOCK_FILE} ({exc.strerror or exc}): check "
                f"that you may write to {self._folder}") from None
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._before_release is not None and self._lock.lock_counter == 1:
                self._before_release()
        finally:
            self._lock.release()


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
