"""The TinyDB folder store: open incidents in one file, each closed incident in a file of its own.

Layout of a store folder::

    open.json          TinyDB: tables "incidents" (open ones), "meta" and "drafts"
    open.json.bak      copy of open.json as of the last change that returned (see _keep_backup_current)
    closed/M-12.json   one stock-TinyDB file per closed incident (see storage.closed_history)
    closed/index.json  the review's rows, and closed/index.log, the closes and reopens since
    playbook.toml      optional team playbook; config.toml optional cadence settings
    .mishap.lock       the lock every writer holds (never a data file: renames swap inodes)

Reading never needs the lock or free space: opening does its upkeep (tidying after a
killed writer, moving a first-layout store, refreshing open.json's ``.bak``) only if the
lock is free at once, and what upkeep cannot do is a warning (``warnings``). Another
process holding the lock is no warning: it refreshes the backup itself when its change ends.

Every change holds the lock, re-reads open.json if another process changed it (by
content: ext4 hands a freed inode to the next temporary file, so a stat signature can
repeat), applies itself through the shared rules, and is on disk before it returns.
Nothing here grows with the closed history: a close writes one small file and appends
one journal line, a reopen removes one file, a look at a closed incident reads one file.

A store of the first layout (one closed.json for all history) is moved to this one on
its first open with write access, under the lock, one incident at a time.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator, TypeVar

from pendulum import DateTime
from tinydb import TinyDB
from tinydb.table import Document

from ..domain.clock import Clock, system_clock
from .closed_history import ClosedHistory
from ..domain.config import StoreConfig, load_config
from .backups import check_incident
from .files import (AtomicJSONStorage, CorruptFile, StoreError, backup_path, file_signature, parse_tinydb_bytes,
                    read_bytes)
from ..domain.model import SCHEMA_VERSION, Incident, ValidationError, new_incident
from ..domain.playbook import LoadedPlaybook, load_playbook, steps_of
from .common import ActingAs, NotFound, ReadOnlyStore, current_user, number_of as _number, parse_id
from .folder_layout import (DRAFTS_TABLE, LAYOUT, LEGACY_CLOSED, LOCK_FILE, LOCK_TIMEOUT_SECONDS,  # noqa: F401
                            OPEN_FILE, LockGuard, make_folder)
from .folder_moves import ClosedMoves
from .folder_review import DraftsAndReview
from .folder_upkeep import FolderUpkeep
from .permissions import note_open_folder, read_only_file_reason
from .rules import apply_change, newer_schema_reason, next_number
from .where import default_folder  # noqa: F401  (re-exported)

T = TypeVar("T")
Progress = Callable[[int, int], None]


class FolderStore(FolderUpkeep, ClosedMoves, DraftsAndReview):
    """Incidents in a folder of TinyDB files; every method's change is durable on return."""

    def __init__(self, folder: Path | str, *, clock: Clock = system_clock, user: str | None = None):
        self.folder = Path(folder)
        self.clock = clock
        self.user = user or current_user()
        self.read_only_reason: str | None = None
        self.warnings: list[str] = []  # what upkeep could not do, or found; never fatal
        self.upkeep_waiting = False  # opening found the lock held: upkeep() again later
        self._lock = None  # made on first use: importing filelock is start-up time
        self._open_db: TinyDB | None = None
        self._open: dict[int, Incident] = {}
        self._open_docs: dict[int, dict] = {}
        self._open_seen: tuple | None = None
        self._open_raw: bytes | None = None  # open.json's bytes as we last read or wrote them
        self._backup_due = False  # open.json was written under the lock held now: its .bak follows
        self._closed_cache: dict[int, tuple[tuple | None, Incident]] = {}  # number → (file signature, parsed)
        self._patterns: tuple[object, dict] | None = None
        self._closed_seen: tuple | None | bool = False  # the journal's signature once a closed one was read
        self._layout_mark = LAYOUT  # as open.json's meta says (a new store is written in this layout)
        self.history = ClosedHistory(self.folder, SCHEMA_VERSION)
        self.playbook: LoadedPlaybook = load_playbook(self.folder)
        self.config: StoreConfig = load_config(self.folder)

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
        store._load_open()
        if writable and store._needs_upkeep():
            store.upkeep(progress)  # not the common case: nothing to tidy means no lock to take
        return store

    @property
    def location(self) -> str:
        """The store as messages name it: its folder."""
        return str(self.folder)

    @property
    def connection_problem(self) -> str | None:
        """Never: a folder has no connection to lose."""
        return None

    @property
    def open_path(self) -> Path:
        """The file of open incidents."""
        return self.folder / OPEN_FILE

    @property
    def legacy_path(self) -> Path:
        """Where the first layout kept every closed incident."""
        return self.folder / LEGACY_CLOSED

    @property
    def read_only(self) -> bool:
        """Whether writes are refused (see ``read_only_reason``)."""
        return self.read_only_reason is not None

    def close(self) -> None:
        """Nothing is held open between calls: files are opened per read or write."""
        self._open_db = None

    def acting_as(self, user: str | None = None, clock: Clock | None = None) -> "ActingAs":
        """This store, with changes made by ``user`` at ``clock``'s instants."""
        return ActingAs(self, user or self.user, clock or self.clock)

    def writer_lock(self) -> "LockGuard":
        """The lock every writer holds, as a context manager: a caller may wait for other processes
        before a change (re-entrant in the thread holding it, so the change then does not wait)."""
        return self._locked()

    def _locked(self) -> "LockGuard":
        if self._lock is None:
            import filelock

            self._lock = filelock.FileLock(str(self.folder / LOCK_FILE), timeout=LOCK_TIMEOUT_SECONDS, mode=0o600)
        return LockGuard(self._lock, self.folder, before_release=self._keep_backup_current)

    def _keep_backup_current(self) -> None:
        """Under the lock, as a change ends: open.json's .bak becomes what the change wrote.

        The corrupt-file message sends the user to the .bak; refreshed only on open, it
        would miss every change made since, and following that advice would lose them.
        Not waited onto the disk: open.json itself is, and a power cut that left the copy
        behind or empty is found by the next open, which compares the two and writes it
        again. tests/bench/backup_cost.py measures what either way costs a change.
        """
        if self._backup_due:
            self._refresh_backup(self.open_path, self._open_raw, durable=False)

    def _parse_open(self, data: dict | None) -> tuple[dict[int, Incident], dict[int, dict]]:
        if data is None:
            return {}, {}
        path = self.open_path
        for table in data.values():
            for doc in table.values():
                reason = newer_schema_reason(str(path), doc.get("schema"))
                if reason:
                    self.read_only_reason = reason
                    break
        incidents, docs = {}, {}
        for key, doc in data.get("incidents", {}).items():
            try:
                incident = Incident.from_dict(doc)
            except ValidationError as exc:
                if self.read_only:
                    continue  # a newer schema may hold what this version cannot read
                raise CorruptFile(path, f"document {key} is not a valid incident ({exc})") from None
            if incident.number != int(key):
                raise CorruptFile(path, f"document {key} holds incident {incident.id}")
            incidents[incident.number] = incident
            docs[incident.number] = doc
        meta = data.get("meta", {}).get("1")
        if meta is not None and not self.read_only:
            number = meta.get("next_number")
            if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                raise CorruptFile(path, f"meta.next_number must be a positive integer, found {number!r}")
            layout = meta.get("layout", 1)
            self._layout_mark = layout if isinstance(layout, int) else 1
            if isinstance(layout, int) and layout > LAYOUT:
                self.read_only_reason = (f"{self.folder} was laid out by a newer mishap (layout {layout}): "
                                         f"opened read-only; upgrade mishap to change it")
        return incidents, docs

    def _load_open(self, raw: bytes | None = None, signature: tuple | None = None) -> None:
        if raw is None:
            # The signature before the bytes: if a write slips in between, the next
            # look sees a different signature and reads again (never the reverse).
            signature = file_signature(self.open_path)
            raw = read_bytes(self.open_path)
        data = parse_tinydb_bytes(self.open_path, raw) if raw is not None else None
        self._open, self._open_docs = self._parse_open(data)
        self._open_seen = signature
        self._open_raw = raw
        self._open_db = TinyDB(self.open_path, storage=AtomicJSONStorage)

    # -- seeing other processes' changes ------------------------------------------------

    def changed(self) -> bool:
        """Whether another process changed the store since we last read it (stats, no parse)."""
        if file_signature(self.open_path) != self._open_seen:
            return True
        if self.history.loaded and self.history.changed():
            return True
        # Every close, reopen or change of a closed incident appends to the journal.
        return self._closed_seen is not False and file_signature(self.history.journal_path) != self._closed_seen

    def refresh(self) -> bool:
        """Re-read what changed on disk; returns whether anything did."""
        changed = False
        if file_signature(self.open_path) != self._open_seen:
            self._load_open()
            changed = True
        if self.history.loaded and self.history.changed():
            self.history.load()
            changed = True
        if self._closed_seen is not False:
            journal = file_signature(self.history.journal_path)
            changed = changed or journal != self._closed_seen
            self._closed_seen = journal
        return changed

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
        return list(self._open.values())

    def __iter__(self) -> Iterator[Incident]:
        return iter(self.open_incidents())

    def is_empty(self) -> bool:
        """Whether the store holds no incident, open or closed (a stat or two)."""
        return not self._open and self.history.is_empty() and not self.legacy_path.exists()

    def get(self, incident_id: str | int) -> Incident:
        """One incident, open or closed (a closed one reads its own file only)."""
        number = _number(incident_id)
        if number in self._open:
            return self._open[number]
        self._watch_closed()
        path = self.history.file_of(number)
        signature = file_signature(path)
        cached = self._closed_cache.get(number)
        if cached is not None and cached[0] == signature:
            return cached[1]
        doc = self.history.read(number)
        if doc is None:
            raise NotFound(f"no incident M-{number}")
        incident = self._closed_incident(path, doc)
        self._closed_cache[number] = (signature, incident)
        return incident

    def _watch_closed(self) -> None:
        """From now on ``changed()`` also reports changes to closed incidents."""
        if self._closed_seen is False:
            self._closed_seen = file_signature(self.history.journal_path)

    def _closed_incident(self, path: Path, doc: dict) -> Incident:
        reason = newer_schema_reason(str(path), doc.get("schema"))
        if reason:
            raise ReadOnlyStore(f"{reason.split(':')[0]}: this mishap cannot show it; upgrade mishap")
        return check_incident(path, int(doc.get("number") or 0), doc)

    def closed_incidents(self) -> list[Incident]:
        """Every closed incident that can be read, one file at a time (costly on a long history).

        A file that cannot be read is left out and named in ``warnings``.
        """
        found = []
        self._watch_closed()
        for number, doc, problem in self.history.documents():
            if number in self._open:
                continue  # a reopen cut short: the open copy wins
            if problem is None:
                try:
                    found.append(self._closed_incident(self.history.file_of(number), doc))
                    continue
                except (CorruptFile, ReadOnlyStore) as exc:
                    problem = str(exc)
            if problem not in self.warnings:
                self.warnings.append(problem)
        return found

    # -- writing -----------------------------------------------------------------------

    def _writable(self) -> None:
        if self.read_only_reason:
            raise ReadOnlyStore(self.read_only_reason)
        # Made read-only since the store was opened: a write would replace it all the same.
        reason = self._read_only_file("nothing was changed")
        if reason:
            raise ReadOnlyStore(reason)

    def _read_only_file(self, outcome: str) -> str | None:
        """Why open.json or its .bak must not be replaced (a file made read-only on purpose), or None."""
        for path in (self.open_path, backup_path(self.open_path)):
            reason = read_only_file_reason(path)
            if reason:
                return f"{reason}: {outcome}; to make changes: chmod u+w {path}"
        return None

    def _sync_locked(self, finish_moves: bool = True) -> None:
        """Under the lock: make sure we act on what is on disk now (compared by content)."""
        signature = file_signature(self.open_path)
        raw = read_bytes(self.open_path)
        if raw != self._open_raw or self._open_db is None:
            self._load_open(raw, signature)
        else:
            self._open_seen = signature
        if finish_moves and self.read_only_reason is None and any(inc.is_closed for inc in self._open.values()):
            try:
                self._finish_pending_moves()  # another writer died between the two writes of a close
            except StoreError as exc:
                self._warn(f"a close cut short could not be finished: {exc}")

    def _open_table(self):
        assert self._open_db is not None
        return self._open_db.table("incidents")

    def _after_open_write(self) -> None:
        self._open_seen = file_signature(self.open_path)
        self._open_raw = read_bytes(self.open_path)
        self._backup_due = True

    def _write_meta(self, next_number: int) -> None:
        meta = self._open_db.table("meta")
        meta.upsert(Document({"schema": SCHEMA_VERSION, "next_number": next_number, "layout": LAYOUT}, doc_id=1))
        self._layout_mark = LAYOUT

    def create(self, title: str, client_org: str, severity: int, **details) -> Incident:
        """A new open incident with the playbook's checklist; returns it as stored."""
        return self._create(title, client_org, severity, self.user, self.clock(), details)

    def _create(self, title: str, client_org: str, severity: int, user: str, now: DateTime,
                details: dict) -> Incident:
        self._writable()
        steps = steps_of(self.playbook.phases)
        with self._locked():
            self._sync_locked()
            self._writable()  # another process may have written a newer schema meanwhile
            record = self._open_db.table("meta").get(doc_id=1) or {}
            # Past the counter, every open number and every closed file: open.json may have
            # been restored from its .bak, and a number is never given twice.
            number = next_number(record.get("next_number"), self._open, self.history.exists)
            if severity in self.config.cadence:
                details.setdefault("cadence_minutes", self.config.cadence[severity])
                details.setdefault("first_contact_minutes", self.config.first_contact[severity])
            incident = new_incident(number, title, client_org, severity, now, steps, by=user, **details)
            # The counter first: a crash between the two writes only skips a number.
            self._write_meta(number + 1)
            self._open_table().insert(Document(incident.to_dict(), doc_id=number))
            self._after_open_write()
            self._open[number] = incident
            self._open_docs[number] = incident.to_dict()
        return incident

    def change(self, incident_id: str | int, apply: Callable[[Incident, DateTime, str], T]) -> T:
        """Apply ``apply(incident, now, user)`` to the incident as it is on disk now, and save it.

        A ValidationError from ``apply`` leaves the store untouched.
        """
        return self._change(_number(incident_id), apply, self.user, self.clock)

    def _change(self, number: int, apply, user: str, clock: Clock):
        self._writable()
        with self._locked():
            self._sync_locked()
            self._writable()  # another process may have written a newer schema meanwhile
            if number in self._open:
                stored, was_closed = self._open_docs[number], False
            else:
                stored, was_closed = self.history.read(number), True
                if stored is None:
                    raise NotFound(f"no incident M-{number}")
                path = self.history.file_of(number)
                reason = newer_schema_reason(str(path), stored.get("schema"))
                if reason:
                    raise ReadOnlyStore(reason)
                self._closed_incident(path, stored)  # a corrupt file is refused, named, before any write
            incident, result = apply_change(stored, apply, clock(), user)
            if incident is not None:
                self._save_locked(incident, was_closed)
        return result

Store = FolderStore  # the name the console and the tests knew it by
__all__ = ["FolderStore", "Store", "StoreError", "CorruptFile", "ReadOnlyStore", "NotFound", "default_folder",
           "parse_id"]
