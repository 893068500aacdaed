"""Upkeep: the tidying a folder store does when it opens, if no other writer holds the lock.

- temp files a killed writer left (full copies of client data) are removed;
- a store of the first layout is moved to one file per closed incident (first_layout), and
  the old file is retired once a later open has checked the move;
- a close or a reopen a crash cut short between its two files is finished;
- open.json's ``.bak`` is made what open.json holds, if a crash or an older mishap left it behind.

Upkeep never waits for the lock and never fails: another process holding the lock is no
warning (it keeps the backup current itself when its change ends, and the rest waits for
the next open), and what the disk refuses becomes a warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..errors import StoreError
from .files import backup_path, remove_stale_temps, stale_temps
from .layout import DATA_FILES, LEGACY_CLOSED, LEGACY_KEPT

if TYPE_CHECKING:
    from .store import FolderStore

Progress = Callable[[int, int], None]


def needs_upkeep(store: "FolderStore") -> bool:
    """Whether opening must take the lock: leftovers of a killed writer, a layout to move, an old .bak."""
    if stale_temps(store.folder, DATA_FILES) or stale_temps(store.history.temp_path):
        return True
    if store.read_only_reason is not None:
        return False
    if (store.folder / LEGACY_CLOSED).exists() or (store.folder / LEGACY_KEPT).exists():
        return True
    open_file = store.open_file
    if any(incident.is_closed for incident in open_file.incidents.values()):
        return True  # a close cut short between its two writes
    if any(store.history.exists(number) for number in open_file.incidents):
        return True  # a reopen cut short
    raw = open_file.raw
    if raw is None:
        return False
    bak = backup_path(open_file.path)
    try:
        return not (bak.stat().st_size == len(raw) and bak.read_bytes() == raw)
    except FileNotFoundError:
        return True


def run_upkeep(store: "FolderStore", progress: Progress | None = None) -> bool:
    """Do the upkeep if the lock is free now; False, and ``upkeep_waiting`` set, when another holds it.

    Raises CorruptFile only if open.json turned bad since it was read.
    """
    try:
        free = store.lock.take_now()
    except OSError as exc:  # a lock file that cannot be opened counts as held: the reader does not wait
        store.warn(f"cannot take the lock {store.lock.path} ({exc.strerror or exc}): the backup "
                   f"{backup_path(store.open_file.path).name} was not refreshed; check that you may write to "
                   f"{store.folder}")
        free = False
    if not free:
        store.upkeep_waiting = True
        return False
    store.upkeep_waiting = False
    try:
        for folder, names in ((store.folder, DATA_FILES), (store.history.temp_path, None)):
            try:
                remove_stale_temps(folder, names)
            except OSError:
                pass  # left for the next open; they are never read
        store.sync_locked(finish_moves=False)
        if store.read_only_reason is None:
            _tidy_history(store, progress)
        # Under the lock: another process's open would delete our temp file as stale.
        store.refresh_backup()
    finally:
        store.lock.release()
    return True


def _tidy_history(store: "FolderStore", progress: Progress | None) -> None:
    """Under the lock: the first layout moved, and closes or reopens a crash cut short finished."""
    from .first_layout import FirstLayout

    first = FirstLayout(store.folder, store.history, store.review_index, store.open_file)
    try:
        if first.waiting():
            outcome = first.move(progress)
            if outcome.newer_reason:
                store.read_only_reason = outcome.newer_reason
            if outcome.message:
                store.warn(outcome.message)
        else:
            problem = first.retire_checked()
            if problem:
                store.warn(problem)
    except (StoreError, OSError) as exc:
        store.warn(f"the closed history in {LEGACY_CLOSED} was not moved to one file per incident: {exc}; "
                   f"open incidents work as usual, closed ones stay where they are")
    try:
        store.moves.finish_closes()
        store.moves.finish_reopens()
    except (StoreError, OSError) as exc:  # a bad closed file, a full disk: the incident stays open for now
        store.warn(f"a close or reopen cut short could not be finished: {exc}")
