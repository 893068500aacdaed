"""FolderStore: incidents in a folder of TinyDB files, every change on disk before it returns.

Reading never needs the lock or free space: opening does its upkeep (upkeep) only if the
lock is free at once, and what upkeep cannot do is a warning (``warnings``). Another
process holding the lock is no warning: it refreshes the backup itself when its change ends.

Every change holds the lock (lock), re-reads open.json if another process changed it
(open_file), applies itself through the shared rules (storage.store.rules), and is on disk
before it returns. Nothing here grows with the closed history: a close writes one small
file and appends one journal line (moves), a reopen removes one file, a look at a closed
incident reads one file (history).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import AsyncIterator, Callable, TypeVar

from ...domain.clock import Clock, system_clock
from ...domain.config import load_config
from ...domain.model import SCHEMA_VERSION, Incident, new_incident
from ...domain.playbook import load_playbook, steps_of
from ..base import Apply, StoreBase, draft_document, draft_fields, number_of
from ..errors import CorruptFile, NotFound, ReadOnlyStore, StoreError
from ..rules import apply_change, newer_schema_reason, next_number
from .backups import backup_warning, copy_as_backup
from .files import backup_path
from .history import ClosedHistory
from .layout import LEGACY_CLOSED
from .lock import LockHold, WriterLock, make_folder
from .moves import Moves
from .open_file import OpenFile
from .permissions import note_open_folder, read_only_file_reason
from .review_index import ReviewIndex
from .upkeep import needs_upkeep, run_upkeep

T = TypeVar("T")
Progress = Callable[[int, int], None]


class FolderStore(StoreBase):
    """Incidents in a folder of TinyDB files; every method's change is durable on return."""

    def __init__(self, folder: Path | str, *, clock: Clock = system_clock, user: str | None = None):
        folder = Path(folder)
        super().__init__(clock=clock, user=user, playbook=load_playbook(folder), config=load_config(folder))
        self.folder = folder
        # Parts that never refer back to the store: a store let go is freed at once, its rows with it.
        self.open_file = OpenFile(folder)
        self.history = ClosedHistory(folder)
        self.review_index = ReviewIndex(self.history, SCHEMA_VERSION, self.warnings)
        self.moves = Moves(self.open_file, self.history, self.review_index)
        self.lock = WriterLock(folder)
        self._patterns: tuple[object, dict] | None = None  # (what the rows were read from, patterns)

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path | str, *, clock: Clock = system_clock, user: str | None = None,
             progress: Progress | None = None) -> "FolderStore":
        """Open (creating if needed) the store in ``folder``; raises CorruptFile for bad files.

        ``progress(done, total)`` hears about a move from the first layout, if one is needed.
        """
        folder = Path(folder)
        make_folder(folder)
        store = cls(folder, clock=clock, user=user)
        writable = os.access(folder, os.W_OK)
        if not writable:
            on_read_only_disk = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
            store.read_only_reason = (f"{folder} is on a disk mounted read-only: opened read-only"
                                      if on_read_only_disk else f"{folder} is not writable by you: read-only")
        else:
            store.read_only_reason = store._read_only_file("opened read-only")
        exposed = note_open_folder(folder)
        if exposed:
            store.warnings.append(exposed)
        store.read_only_reason = store.open_file.load(store.read_only_reason)
        if writable and needs_upkeep(store):
            store.upkeep(progress)  # not the common case: nothing to tidy means no lock to take
        return store

    @property
    def location(self) -> str:
        """The store as messages name it: its folder."""
        return str(self.folder)

    def close(self) -> None:
        """Nothing is held open between calls: files are opened per read or write."""

    def upkeep(self, progress: Progress | None = None) -> bool:
        """Tidy after a killed writer, move a first-layout store, refresh open.json's .bak: if the lock is free now.

        Returns False, and sets ``upkeep_waiting``, when another process holds the lock (see
        storage.store.folder.upkeep). Raises CorruptFile only if open.json turned bad since it was read.
        """
        return run_upkeep(self, progress)

    def writer_lock(self) -> LockHold:
        """The lock every writer holds, as a context manager: a caller may wait for other processes
        before a change (re-entrant in the thread holding it, so the change then does not wait)."""
        return self.lock.hold(before_release=self._keep_backup_current)

    def _keep_backup_current(self) -> None:
        """Under the lock, as a change ends: open.json's .bak becomes what the change wrote.

        The corrupt-file message sends the user to the .bak; refreshed only on open, it
        would miss every change made since, and following that advice would lose them.
        Not waited onto the disk: open.json itself is, and a power cut that left the copy
        behind or empty is found by the next open, which compares the two and writes it
        again. tests/bench/backup_cost.py measures what either way costs a change.
        """
        if self.open_file.backup_due:
            self.refresh_backup(durable=False)

    def refresh_backup(self, *, durable: bool = True) -> None:
        """Under the lock: open.json as last read whole, or written, becomes its ``.bak``; never fails."""
        self.open_file.backup_due = False
        raw = self.open_file.raw
        if raw is None or self.read_only:
            return
        try:
            copy_as_backup(self.open_file.path, raw, durable=durable)
        except (OSError, StoreError) as exc:  # a full disk; a .bak that links to nothing
            self.warn(backup_warning(self.open_file.path, exc))

    # -- seeing other processes' changes ------------------------------------------------

    def changed(self) -> bool:
        """Whether another process changed the store since we last read it (stats, no parse)."""
        return self.open_file.changed() or self.review_index.closed_changed()

    def refresh(self) -> bool:
        """Re-read what changed on disk; returns whether anything did."""
        changed = False
        if self.open_file.changed():
            self.read_only_reason = self.open_file.load(self.read_only_reason)
            changed = True
        return self.review_index.catch_up() or changed

    async def changes(self, interval: float = 1.0) -> AsyncIterator[None]:
        """Yield after each change another process made (the folder is looked at every ``interval`` s)."""
        while True:
            await asyncio.sleep(interval)
            if self.changed():
                self.refresh()
                yield None

    # -- reading -----------------------------------------------------------------------

    def open_incidents(self) -> list[Incident]:
        """Every incident not closed, as last read."""
        return list(self.open_file.incidents.values())

    def is_empty(self) -> bool:
        """Whether the store holds no incident, open or closed (a stat or two)."""
        return (not self.open_file.incidents and self.history.is_empty()
                and not (self.folder / LEGACY_CLOSED).exists())

    def get(self, incident_id: str | int) -> Incident:
        """One incident, open or closed (a closed one reads its own file only)."""
        number = number_of(incident_id)
        if number in self.open_file.incidents:
            return self.open_file.incidents[number]
        self.review_index.watch()
        incident = self.history.incident(number)
        if incident is None:
            raise NotFound(f"no incident M-{number}")
        return incident

    def closed_incidents(self) -> list[Incident]:
        """Every closed incident that can be read, one file at a time (costly on a long history).

        A file that cannot be read is left out and named in ``warnings``.
        """
        found = []
        self.review_index.watch()
        for number, doc, problem in self.history.documents():
            if number in self.open_file.incidents:
                continue  # a reopen cut short: the open copy wins
            if problem is None:
                try:
                    found.append(self.history.checked(number, doc))
                    continue
                except (CorruptFile, ReadOnlyStore) as exc:
                    problem = str(exc)
            self.warn(problem)
        return found

    # -- writing -----------------------------------------------------------------------

    def writable(self) -> None:
        """Raise ReadOnlyStore if writes are refused, or open.json or its .bak was made read-only since."""
        self.refuse_if_read_only()
        # Made read-only since the store was opened: a write would replace it all the same.
        reason = self._read_only_file("nothing was changed")
        if reason:
            raise ReadOnlyStore(reason)

    def _read_only_file(self, outcome: str) -> str | None:
        """Why open.json or its .bak must not be replaced (a file made read-only on purpose), or None."""
        for path in (self.open_file.path, backup_path(self.open_file.path)):
            reason = read_only_file_reason(path)
            if reason:
                return f"{reason}: {outcome}; to make changes: chmod u+w {path}"
        return None

    def sync_locked(self, finish_moves: bool = True) -> None:
        """Under the lock: make sure we act on what is on disk now (compared by content)."""
        self.read_only_reason = self.open_file.sync(self.read_only_reason)
        if finish_moves and self.read_only_reason is None and any(
                incident.is_closed for incident in self.open_file.incidents.values()):
            try:
                self.moves.finish_closes()  # another writer died between the two writes of a close
            except StoreError as exc:
                self.warn(f"a close cut short could not be finished: {exc}")

    def create_as(self, title: str, client_org: str, severity: int, user: str, clock: Clock,
                  details: dict) -> Incident:
        """A new open incident with the playbook's checklist, by ``user`` at ``clock``'s instant."""
        now = clock()
        self.writable()
        steps = steps_of(self.playbook.phases)
        with self.writer_lock():
            self.sync_locked()
            self.writable()  # another process may have written a newer schema meanwhile
            # Past the counter, every open number and every closed file: open.json may have
            # been restored from its .bak, and a number is never given twice.
            number = next_number(self.open_file.counter(), self.open_file.incidents, self.history.exists)
            details = self.with_cadence(severity, details)
            incident = new_incident(number, title, client_org, severity, now, steps, by=user,
                                    rules=self.playbook.rules, **details)
            # The counter first: a crash between the two writes only skips a number.
            self.open_file.write_counter(number + 1)
            self.open_file.insert(incident, incident.to_dict())
        return incident

    def change_as(self, number: int, apply: Apply[T], user: str, clock: Clock) -> T:
        """Apply ``apply(incident, now, user)`` to the incident as it is on disk now, and save it."""
        self.writable()
        with self.writer_lock():
            self.sync_locked()
            self.writable()  # another process may have written a newer schema meanwhile
            if number in self.open_file.incidents:
                stored, was_closed = self.open_file.docs[number], False
            else:
                stored, was_closed = self.history.read(number), True
                if stored is None:
                    raise NotFound(f"no incident M-{number}")
                reason = newer_schema_reason(str(self.history.file_of(number)), stored.get("schema"))
                if reason:
                    raise ReadOnlyStore(reason)
                self.history.checked(number, stored)  # a corrupt file is refused, named, before any write
            incident, result = apply_change(stored, apply, clock(), user)
            if incident is not None:
                self.moves.save(incident, was_closed)
        return result

    # -- drafts of client updates (kept so a crash loses nothing; not part of the record) ---------

    def draft(self, incident_id: str | int) -> dict | None:
        """The saved draft of the next client update for an incident, if any."""
        return draft_fields(self.open_file.draft(number_of(incident_id)))

    def save_draft(self, incident_id: str | int, fields: dict[str, str]) -> None:
        """Keep the draft on disk (durable on return, like every write)."""
        self.writable()
        number = number_of(incident_id)
        with self.writer_lock():
            self.sync_locked()
            self.writable()
            self.open_file.put_draft(draft_document(number, self.clock().isoformat(), fields, SCHEMA_VERSION))

    def discard_draft(self, incident_id: str | int) -> None:
        """Forget the draft (it was sent, or thrown away)."""
        self.writable()
        number = number_of(incident_id)
        with self.writer_lock():
            self.sync_locked()
            self.open_file.discard_draft(number)

    # -- the review of closed incidents (from closed/index.json, never every file) ---------------

    def review_rows(self, progress: Progress | None = None) -> list:
        """Every closed incident as a ``storage.domain.review_row.ReviewRow``, from the index (never every file)."""
        index = self.review_index
        index.load(progress)
        return [row for number, row in index.rows.items() if number not in self.open_file.incidents]

    def review_patterns(self) -> dict:
        """Closed incidents that share a client or a kind of mistake with others, by number."""
        from ...domain.patterns import find_patterns

        rows = self.review_rows()
        key = (len(rows), *self.review_index.seen())
        if self._patterns is None or self._patterns[0] != key:
            self._patterns = (key, find_patterns(rows))
        return self._patterns[1]

    def review_needs_build(self) -> bool:
        """Whether the review's rows must be read from every closed file (no index yet): a slow first time."""
        index = self.review_index
        return not index.loaded and not index.index_path.is_file() and not self.history.is_empty()

    def review_changed(self) -> bool:
        """Whether another process closed or reopened something since the rows were read (two stats)."""
        return self.review_index.changed()

    def review_problems(self) -> list[str]:
        """Closed files that cannot be read: each message names the file and the way out."""
        index = self.review_index
        index.load()
        return [problem.message for problem in index.problems.values()]

    def save_review_index(self) -> bool:
        """Fold the review's journal into its snapshot when that spares the next process work.

        Derived data: skipped when read-only, or when another process holds the lock.
        """
        index = self.review_index
        if self.read_only or not index.loaded:
            return False
        if not index.snapshot_stale and index.journal_length() < 64 * 1024:
            return False
        try:
            if not self.lock.take_now():
                return False  # a writer is busy: the next review writes it
        except OSError:  # no lock can be taken here
            return False
        try:
            return index.compact()
        except OSError:
            return False
        finally:
            self.lock.release()
