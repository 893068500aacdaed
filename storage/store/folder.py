"""The TinyDB folder store: open incidents in one file, each closed incident in a file of its own.

Layout of a store folder::

    open.json          TinyDB: tables "incidents" (open ones), "meta" and "drafts"
    open.json.bak      copy of the last good open.json
    closed/M-12.json   one stock-TinyDB file per closed incident (see storage.closed_history)
    closed/index.json  the review's rows, and closed/index.log, the closes and reopens since
    playbook.toml      optional team playbook; config.toml optional cadence settings
    .mishap.lock       the lock every writer holds (never a data file: renames swap inodes)

Reading never needs the lock or free space: opening does its upkeep (tidying after a
killed writer, moving a first-layout store, refreshing open.json's ``.bak``) only if the
lock is free at once, and what upkeep cannot do is a warning (``warnings``).

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
from .closed_history import COMPACT_AFTER, ClosedHistory
from ..domain.config import StoreConfig, load_config
from .backups import backup_warning, check_incident, copy_as_backup
from .files import (AtomicJSONStorage, CorruptFile, StoreError, backup_path, file_signature,
                    parse_tinydb_bytes, read_bytes, remove_stale_temps, stale_temps)
from ..domain.model import SCHEMA_VERSION, Incident, ValidationError, new_incident
from ..domain.playbook import LoadedPlaybook, load_playbook, steps_of
from .rules import apply_change, newer_schema_reason, next_number
from .where import OPEN_FILE, default_folder  # noqa: F401  (default_folder re-exported)

DRAFTS_TABLE = "drafts"
LEGACY_CLOSED = "closed.json"
LEGACY_KEPT = "closed.json.v1"  # the first layout's history, kept until a later open verified the move
LOCK_FILE = ".mishap.lock"
LOCK_TIMEOUT_SECONDS = 10
LAYOUT = 2  # open.json + closed/ (1 was open.json + closed.json)
# Files written only under the lock; their temp files are removed as stale when the store opens.
DATA_FILES = (OPEN_FILE, OPEN_FILE + ".bak", LEGACY_CLOSED, LEGACY_CLOSED + ".bak")

T = TypeVar("T")
Progress = Callable[[int, int], None]


class ReadOnlyStore(StoreError):
    """The store can be read but not written (newer schema, or no write permission)."""


class NotFound(StoreError):
    """No incident with that id."""


def parse_id(text: str) -> int:
    """``M-12``, ``m12`` or ``12`` → 12."""
    cleaned = text.strip().upper().removeprefix("M").removeprefix("-")
    if not (cleaned.isascii() and cleaned.isdigit()) or int(cleaned) <= 0:
        raise NotFound(f"{text!r} is not an incident id (like M-12)")
    return int(cleaned)


def current_user() -> str:
    """Who is at the keyboard, for 'done by' and the timeline."""
    # What getpass.getuser() does, without importing it (and termios) at start-up.
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):  # no passwd entry in some containers
        return "me"


def _number(incident_id: str | int) -> int:
    return incident_id if isinstance(incident_id, int) else parse_id(incident_id)


class FolderStore:
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
        self._closed_cache: dict[int, tuple[tuple | None, Incident]] = {}  # number → (file signature, parsed)
        self._patterns: tuple[object, dict] | None = None
        self._closed_seen: tuple | None | bool = False  # the journal's signature once a closed one was read
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
        _make_folder(folder)
        store = cls(folder, clock=clock, user=user)
        writable = os.access(folder, os.W_OK)
        if not writable:
            on_read_only_disk = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
            store.read_only_reason = (f"{folder} is on a disk mounted read-only: opened read-only"
                                      if on_read_only_disk else f"{folder} is not writable by you: read-only")
        store._load_open()
        if writable and store._needs_upkeep():
            store.upkeep(progress)  # not the common case: nothing to tidy means no lock to take
        return store

    def upkeep(self, progress: Progress | None = None) -> bool:
        """Tidy after a killed writer, move a first-layout store, refresh open.json's .bak: if the lock is free now.

        Returns False, and sets ``upkeep_waiting``, when another process holds the lock.
        The disk and the lock never make it fail: what it could not do becomes a warning.
        Raises CorruptFile only if open.json turned bad since it was read.
        """
        if not self._try_lock(f"the backup {backup_path(self.open_path).name}"):
            self.upkeep_waiting = True
            return False
        self.upkeep_waiting = False
        try:
            # closed/ itself is listed only here: an older mishap made its temp files there.
            for folder, names in ((self.folder, DATA_FILES), (self.history.temp_path, None),
                                  (self.history.path, None)):
                try:
                    remove_stale_temps(folder, names)
                except OSError:
                    pass  # left for the next open; they are never read
            self._sync_locked(finish_moves=False)
            if self.read_only_reason is None:
                self._tidy_history(progress)
            # Under the lock: another process's open would delete our temp file as stale.
            self._refresh_backup(self.open_path, self._open_raw)
        finally:
            self._lock.release()
        return True

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

    @property
    def location(self) -> str:
        """The store as messages name it: its folder."""
        return str(self.folder)

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

    def _needs_upkeep(self) -> bool:
        """Whether opening must take the lock: leftovers of a killed writer, a layout to move, an old .bak."""
        if stale_temps(self.folder, DATA_FILES) or stale_temps(self.history.temp_path):
            return True
        if self.read_only_reason is not None:
            return False
        if self.legacy_path.exists() or (self.folder / LEGACY_KEPT).exists():
            return True
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

    def writer_lock(self) -> "_LockGuard":
        """The lock every writer holds, as a context manager: a caller may wait for other processes
        before a change (re-entrant in the thread holding it, so the change then does not wait)."""
        return self._locked()

    def _locked(self) -> "_LockGuard":
        if self._lock is None:
            import filelock

            self._lock = filelock.FileLock(str(self.folder / LOCK_FILE), timeout=LOCK_TIMEOUT_SECONDS, mode=0o600)
        return _LockGuard(self._lock, self.folder)

    def _try_lock(self, upkeep: str | None = None) -> bool:
        """Take the lock if it is free now (or already ours); never waits.

        With ``upkeep`` (what would be refreshed), not getting it is a warning. A lock
        file that cannot be opened counts as held: upkeep waits, the reader does not.
        """
        self._locked()  # makes the lock object
        try:
            self._lock.acquire(timeout=0)
        except TimeoutError:
            if upkeep:
                self._warn(f"another mishap is writing to {self.folder} (it holds the lock): {upkeep} "
                           f"was not refreshed this time")
            return False
        except OSError as exc:
            if upkeep:
                self._warn(f"cannot take the lock {self.folder / LOCK_FILE} ({exc.strerror or exc}): {upkeep} "
                           f"was not refreshed; check that you may write to {self.folder}")
            return False
        return True

    def _refresh_backup(self, path: Path, raw: bytes | None) -> None:
        """Under the lock: keep ``raw`` (open.json as just parsed whole) as its ``.bak``; never fails."""
        if raw is None or self.read_only:
            return
        try:
            copy_as_backup(path, raw)
        except OSError as exc:
            self._warn(backup_warning(path, exc))

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

    def _write_meta(self, next_number: int) -> None:
        meta = self._open_db.table("meta")
        meta.upsert(Document({"schema": SCHEMA_VERSION, "next_number": next_number, "layout": LAYOUT}, doc_id=1))

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

    def _save_locked(self, incident: Incident, was_closed: bool) -> None:
        doc = incident.to_dict()
        number = incident.number
        if not was_closed:
            # Written to the open file first, closed or not: if we die before the move
            # below, the next open (or the next writer) finishes it.
            if incident.is_closed:
                self._check_no_collision(incident)
            self._replace_open(number, doc, incident)
            if incident.is_closed:
                self._move_to_closed([number])
        elif incident.is_closed:
            self.history.write(doc)  # a closed incident changed (its close-out edited)
            self.history.record_closed(doc)
            self._closed_cache.pop(number, None)
            self._saw_own_journal_line()
        else:
            # Reopened: into the open file first, then out of the closed history.
            self._open_table().insert(Document(doc, doc_id=number))
            self._after_open_write()
            self._open[number], self._open_docs[number] = incident, doc
            self._remove_closed(number)

    def _replace_open(self, number: int, doc: dict, incident: Incident) -> None:
        def replace(stored: dict) -> None:
            stored.clear()
            stored.update(doc)

        self._open_table().update(replace, doc_ids=[number])
        self._after_open_write()
        self._open[number], self._open_docs[number] = incident, doc

    def _check_no_collision(self, incident: Incident) -> None:
        """Refuse a close that would overwrite a different closed incident under the same number."""
        other = self.history.read(incident.number)  # a corrupt file there refuses the close: never overwritten
        if other is not None and other.get("created_at") != incident.to_dict()["created_at"]:
            raise StoreError(
                f"{self.history.file_of(incident.number)} already holds a different {incident.id} (opened "
                f"{other.get('created_at')}): closing this one would overwrite it; "
                f"was {self.open_path.name} restored from an old copy?")

    def _move_to_closed(self, numbers: list[int]) -> None:
        for number in numbers:
            doc = self._open_docs[number]
            self.history.write(doc)
            self.history.record_closed(doc)
            self._closed_cache.pop(number, None)
        self._open_table().remove(doc_ids=numbers)
        self._after_open_write()
        for number in numbers:
            self._open.pop(number, None)
            self._open_docs.pop(number, None)
        self._saw_own_journal_line()
        self._maybe_compact()

    def _remove_closed(self, number: int) -> None:
        # The file goes first: the journal line then records closed/'s mark as the removal left
        # it (a crash between the two moves the mark, so the next review lists closed/).
        self.history.remove(number)
        self.history.record_reopened(number)
        self._closed_cache.pop(number, None)
        self._saw_own_journal_line()
        self._maybe_compact()

    def _saw_own_journal_line(self) -> None:
        if self.history.journal_problem:
            self._warn(self.history.journal_problem)
            self.history.journal_problem = None
        if self._closed_seen is not False:
            self._closed_seen = file_signature(self.history.journal_path)

    def _maybe_compact(self) -> None:
        """Fold a long journal into the snapshot (rarely: once per few hundred closes)."""
        if self.history.journal_length() > COMPACT_AFTER * 400:
            try:
                self.history.compact()
                self._saw_own_journal_line()
            except OSError as exc:
                self.warnings.append(f"the review index in {self.history.path} was not compacted ({exc})")

    def _finish_pending_moves(self) -> None:
        """Under the lock: move closed incidents a crash left in open.json to their closed files."""
        pending = []
        for number, incident in self._open.items():
            if not incident.is_closed:
                continue
            try:
                self._check_no_collision(incident)
            except StoreError:
                continue  # one that would overwrite a different closed incident stays, visible
            pending.append(number)
        if pending:
            self._move_to_closed(pending)

    def _finish_pending_reopens(self) -> None:
        """Under the lock: remove the closed file of an incident a crash left reopened in open.json."""
        for number, incident in list(self._open.items()):
            if incident.is_closed or not self.history.exists(number):
                continue
            try:
                other = self.history.read(number)
            except CorruptFile:
                continue  # named when read; never removed unseen
            if other is not None and other.get("created_at") == self._open_docs[number].get("created_at"):
                self._remove_closed(number)

    # -- drafts of client updates: kept so a crash or quit loses nothing, but not part of
    # -- the incident's record (saving one leaves no timeline entry) ------------------------

    def draft(self, incident_id: str | int) -> dict | None:
        """The saved draft of the next client update for an incident, if any."""
        number = _number(incident_id)
        if self._open_db is None:
            return None
        doc = self._open_db.table(DRAFTS_TABLE).get(doc_id=number)
        if doc is None:
            return None
        fields = doc.get("fields")
        return dict(fields) if isinstance(fields, dict) else None

    def save_draft(self, incident_id: str | int, fields: dict[str, str]) -> None:
        """Keep the draft on disk (durable on return, like every write)."""
        self._writable()
        number = _number(incident_id)
        with self._locked():
            self._sync_locked()
            self._writable()
            doc = {"schema": SCHEMA_VERSION, "number": number, "saved_at": self.clock().isoformat(),
                   "fields": dict(fields)}
            self._open_db.table(DRAFTS_TABLE).upsert(Document(doc, doc_id=number))
            self._after_open_write()

    def discard_draft(self, incident_id: str | int) -> None:
        """Forget the draft (it was sent, or thrown away)."""
        self._writable()
        number = _number(incident_id)
        with self._locked():
            self._sync_locked()
            table = self._open_db.table(DRAFTS_TABLE)
            if table.contains(doc_id=number):
                table.remove(doc_ids=[number])
                self._after_open_write()

    # -- the review of closed incidents ------------------------------------------------------

    def review_rows(self, progress: Progress | None = None) -> list:
        """Every closed incident as a ``storage.metrics.ReviewRow``, from the index (never every file)."""
        self.history.load(progress)
        return [row for number, row in self.history.rows.items() if number not in self._open]

    def review_patterns(self) -> dict:
        """Closed incidents that share a client or a kind of mistake with others, by number."""
        from ..readers.metrics import find_patterns

        rows = self.review_rows()
        key = (len(rows), self.history._index_seen, self.history._journal_seen)
        if self._patterns is None or self._patterns[0] != key:
            self._patterns = (key, find_patterns(rows))
        return self._patterns[1]

    def review_needs_build(self) -> bool:
        """Whether the review's rows must be read from every closed file (no index yet): a slow first time."""
        history = self.history
        return not history.loaded and not history.index_path.is_file() and not history.is_empty()

    def review_changed(self) -> bool:
        """Whether another process closed or reopened something since the rows were read (two stats)."""
        return self.history.changed()

    def review_problems(self) -> list[str]:
        """Closed files that cannot be read: each message names the file and the way out."""
        self.history.load()
        return [problem.message for problem in self.history.problems.values()]

    def save_review_index(self) -> bool:
        """Fold the review's journal into its snapshot when that spares the next process work.

        Derived data: skipped when read-only, or when another process holds the lock.
        """
        history = self.history
        if self.read_only or not history.loaded:
            return False
        if not history.snapshot_stale and history.journal_length() < 64 * 1024:
            return False
        self._locked()  # makes the lock object
        try:
            self._lock.acquire(timeout=0)
        except OSError:  # a writer is busy (TimeoutError), or no lock can be taken here
            return False  # the next review writes it
        try:
            return history.compact()
        except OSError:
            return False
        finally:
            self._lock.release()


class ActingAs:
    """A store seen as another user and clock: the demo's cast acting on the same files."""

    def __init__(self, store: FolderStore, user: str, clock: Clock):
        self._store = store
        self.user = user
        self.clock = clock

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def create(self, title: str, client_org: str, severity: int, **details) -> Incident:
        """A new incident, created by this user at this clock's instant."""
        return self._store._create(title, client_org, severity, self.user, self.clock(), details)

    def change(self, incident_id: str | int, apply: Callable[[Incident, DateTime, str], T]) -> T:
        """A change made by this user at this clock's instant."""
        return self._store._change(_number(incident_id), apply, self.user, self.clock)

    def acting_as(self, user: str | None = None, clock: Clock | None = None) -> "ActingAs":
        """Another user or clock, on the same store."""
        return ActingAs(self._store, user or self.user, clock or self.clock)


class _LockGuard:
    """Hold the store's lock; a timeout becomes a StoreError a person can act on."""

    def __init__(self, lock, folder: Path):
        self._lock = lock
        self._folder = folder

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
        self._lock.release()


def _make_folder(folder: Path) -> None:
    """Create the store folder if needed; a path that cannot be one says why and what to do."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        raise StoreError(f"the store path {folder} is a file, not a folder: move that file aside, or give "
                         f"a folder with --db or MISHAP_HOME") from None
    except NotADirectoryError:
        raise StoreError(f"cannot make the store folder {folder}: part of that path is a file; give "
                         f"another folder with --db or MISHAP_HOME") from None
    except OSError as exc:
        raise StoreError(f"cannot make the store folder {folder} ({exc.strerror or exc}): create it "
                         f"yourself, or give another folder with --db or MISHAP_HOME") from None


Store = FolderStore  # the name the console and the tests knew it by
__all__ = ["FolderStore", "Store", "StoreError", "CorruptFile", "ReadOnlyStore", "NotFound", "default_folder",
           "parse_id"]
