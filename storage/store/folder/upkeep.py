"""The folder store's upkeep: tidying after a killed writer, moving a first-layout store, refreshing the backup.

A mixin of FolderStore (storage.store.folder); opening runs it only if the lock is free at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .backups import backup_warning, copy_as_backup
from .files import StoreError, backup_path, remove_stale_temps, stale_temps
from .folder_layout import DATA_FILES, LAYOUT, LEGACY_KEPT, LOCK_FILE
from .rules import next_number

Progress = Callable[[int, int], None]


class FolderUpkeep:
    """Upkeep that never waits for the lock and never fails: what it cannot do is a warning."""

    def upkeep(self, progress: Progress | None = None) -> bool:
        """Tidy after a killed writer, move a first-layout store, refresh open.json's .bak: if the lock is free now.

        Returns False, and sets ``upkeep_waiting``, when another process holds the lock: no
        warning then, as that process refreshes the backup itself when its change ends.
        The disk and the lock never make it fail: what it could not do becomes a warning.
        Raises CorruptFile only if open.json turned bad since it was read.
        """
        if not self._try_lock(f"the backup {backup_path(self.open_path).name}"):
            self.upkeep_waiting = True
            return False
        self.upkeep_waiting = False
        try:
            # A layout-2 mishap made the temp files of closed/ in closed/ itself: listed (ten thousand
            # names, a cost that grows with the history) only until the store is marked layout 3.
            legacy_temps = self._layout_mark < LAYOUT
            places = [(self.folder, DATA_FILES), (self.history.temp_path, None)]
            for folder, names in places + ([(self.history.path, None)] if legacy_temps else []):
                try:
                    remove_stale_temps(folder, names)
                except OSError:
                    pass  # left for the next open; they are never read
            self._sync_locked(finish_moves=False)
            if self.read_only_reason is None:
                self._tidy_history(progress)
                if legacy_temps and self._layout_mark < LAYOUT:
                    self._mark_layout()
            # Under the lock: another process's open would delete our temp file as stale.
            self._refresh_backup(self.open_path, self._open_raw)
        finally:
            self._lock.release()
        return True

    def _mark_layout(self) -> None:
        """Under the lock: open.json says this layout (its counter kept), once closed/ was swept."""
        if self._open_db is None or not self.open_path.exists():
            return
        record = self._open_db.table("meta").get(doc_id=1) or {}
        try:
            self._write_meta(next_number(record.get("next_number"), self._open, self.history.exists))
            self._after_open_write()
        except (StoreError, OSError) as exc:
            self._warn(f"open.json could not be marked as layout {LAYOUT}: {exc}; closed/ is looked at "
                       f"again on the next open")

    def _tidy_history(self, progress: Progress | None) -> None:
        """Under the lock: the first layout moved, and closes or reopens a crash cut short finished."""
        from .layout_move import finish_layout_move, move_first_layout

        try:
            if self.legacy_path.exists():
                move_first_layout(self, progress)
            finish_layout_move(self)
        except (StoreError, OSError) as exc:
            self._warn(f"the closed history in {self.legacy_path.name} was not moved to one file per "
                       f"incident: {exc}; open incidents work as usual, closed ones stay where they are")
        try:
            self._finish_pending_moves()
            self._finish_pending_reopens()
        except (StoreError, OSError) as exc:  # a bad closed file, a full disk: the incident stays open for now
            self._warn(f"a close or reopen cut short could not be finished: {exc}")

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _needs_upkeep(self) -> bool:
        """Whether opening must take the lock: leftovers of a killed writer, a layout to move, an old .bak."""
        if stale_temps(self.folder, DATA_FILES) or stale_temps(self.history.temp_path):
            return True
        if self.read_only_reason is not None:
            return False
        if self.legacy_path.exists() or (self.folder / LEGACY_KEPT).exists():
            return True
        if self._layout_mark < LAYOUT and self._open_raw is not None:
            return True  # written by a mishap of layout 2: closed/ is swept once, and the store marked
        if any(inc.is_closed for inc in self._open.values()):
            return True  # a close cut short between its two writes
        if any(self.history.exists(n) for n in self._open):
            return True  # a reopen cut short
        raw = self._open_raw
        if raw is None:
            return False
        bak = backup_path(self.open_path)
        try:
            return not (bak.stat().st_size == len(raw) and bak.read_bytes() == raw)
        except FileNotFoundError:
            return True

    def _try_lock(self, upkeep: str | None = None) -> bool:
        """Take the lock if it is free now (or already ours); never waits.

        Another mishap holding it is ordinary, and no warning: every change ends by keeping
        the backup current, and what else upkeep does waits for the next open. With
        ``upkeep`` (what would be refreshed), a lock file that cannot be opened is a warning:
        it counts as held, so upkeep waits and the reader does not.
        """
        self._locked()  # makes the lock object
        try:
            self._lock.acquire(timeout=0)
        except TimeoutError:
            return False
        except OSError as exc:
            if upkeep:
                self._warn(f"cannot take the lock {self.folder / LOCK_FILE} ({exc.strerror or exc}): {upkeep} "
                           f"was not refreshed; check that you may write to {self.folder}")
            return False
        return True

    def _refresh_backup(self, path: Path, raw: bytes | None, *, durable: bool = True) -> None:
        """Under the lock: keep ``raw`` (open.json as just parsed whole, or written) as its ``.bak``; never fails."""
        self._backup_due = False
        if raw is None or self.read_only:
            return
        try:
            copy_as_backup(path, raw, durable=durable)
        except (OSError, StoreError) as exc:  # a full disk; a .bak that links to nothing
            self._warn(backup_warning(path, exc))
