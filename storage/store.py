"""The incident store: TinyDB documents in a folder, safe for crashes and for two processes.

Layout of a store folder::

    open.json       TinyDB: table "incidents" (open ones) and table "meta"
    closed.json     TinyDB: table "incidents" (closed ones), read only when asked for
    *.bak           copy of the last good version of each file
    playbook.toml   optional team playbook
    .mishap.lock    the lock every writer holds (never the data file: renames swap its inode)

Every change holds the lock, re-reads the file if another process changed it,
applies itself to the freshly read incident, and is on disk before it returns.
Reading never needs the lock or free space: opening refreshes open.json's ``.bak``
only if the lock is free at once, and a backup that cannot be refreshed is a warning
(``Store.warnings``). What may become a backup, and when, is in storage.backups.

Under the lock, "changed since we last read it" is decided on the file's content,
not on its (inode, mtime, size): an atomic rename frees the old inode and ext4
hands it to the next temporary file, so two versions of a file can share a
signature when they have the same size and the clock did not tick between them.
The cheap ``changed()`` poll for readers still uses the signature alone.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from collections.abc import Mapping
from typing import Callable, Iterator, TypeVar

from pendulum import DateTime
from tinydb import TinyDB
from tinydb.table import Document

from .backups import (CheckedContent, backup_warning, check_incident, copy_as_backup, digest as _digest,
                      keep_before_rewrite)
from .clock import Clock, system_clock
from .files import (AtomicJSONStorage, CorruptFile, StoreError, backup_path, file_signature,
                    parse_tinydb_bytes, read_bytes, remove_stale_temps, stale_temps, write_atomically)
from .model import SCHEMA_VERSION, Incident, ValidationError, new_incident
from .config import StoreConfig, load_config
from .playbook import LoadedPlaybook, load_playbook, steps_of

OPEN_FILE = "open.json"
DRAFTS_TABLE = "drafts"
CLOSED_FILE = "closed.json"
LOCK_FILE = ".mishap.lock"
LOCK_TIMEOUT_SECONDS = 10
# Files written only under the lock; their temp files are removed as stale when the store opens.
DATA_FILES = (OPEN_FILE, CLOSED_FILE, OPEN_FILE + ".bak", CLOSED_FILE + ".bak")

T = TypeVar("T")

__all__ = ["Store", "StoreError", "CorruptFile", "ReadOnlyStore", "NotFound", "default_folder",
           "parse_id"]


class ReadOnlyStore(StoreError):
    """The store can be read but not written (newer schema, or no write permission)."""


class NotFound(StoreError):
    """No incident with that id."""


def default_folder(cli_value: str | None = None) -> Path:
    """Where the store lives: ``--db``, else ``MISHAP_HOME``, else the platform's user data dir."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get("MISHAP_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("mishap", appauthor=False))


def parse_id(text: str) -> int:
    """``M-12``, ``m12`` or ``12`` → 12."""
    cleaned = text.strip().upper().removeprefix("M").removeprefix("-")
    if not cleaned.isdigit() or int(cleaned) <= 0:
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


class ClosedIncidents(Mapping):
    """Closed incidents by number, parsed one at a time when asked for.

    closed.json may hold ten thousand incidents; turning each into dataclasses with
    pendulum instants takes seconds, and a close or a look at one needs none of that.
    A document that is not a valid incident is reported (CorruptFile) when it is read.
    """

    def __init__(self, path: Path, docs: dict[int, dict], skip_invalid: bool = False,
                 parsed: dict[int, Incident] | None = None):
        self._path = path
        self._docs = docs
        self._skip_invalid = skip_invalid  # read-only (newer schema): leave out what we cannot read
        self._parsed: dict[int, Incident] = dict(parsed or {})

    def __getitem__(self, number: int) -> Incident:
        incident = self._parsed.get(number)
        if incident is not None:
            return incident
        doc = self._docs[number]
        try:
            incident = check_incident(self._path, number, doc)
        except CorruptFile:
            if self._skip_invalid:
                raise KeyError(number) from None
            raise
        self._parsed[number] = incident
        return incident

    def __contains__(self, number: object) -> bool:
        return number in self._docs

    def __iter__(self) -> Iterator[int]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)

    def check_whole(self) -> None:
        """Parse every document; CorruptFile names the first that is not a valid incident."""
        for number in self._docs:
            self[number]  # noqa: B018 - the lookup parses and checks (and keeps the result)

    def readable(self) -> list[Incident]:
        """Every incident this version can read (all of them, unless the store is read-only)."""
        found = []
        for number in self._docs:
            try:
                found.append(self[number])
            except KeyError:
                continue
        return found

    def parsed(self) -> dict[int, Incident]:
        """The incidents parsed so far (to carry over into the next version)."""
        return self._parsed


class Store:
    """Open and closed incidents in a folder; every method's change is durable on return."""

    def __init__(self, folder: Path | str, *, clock: Clock = system_clock, user: str | None = None):
        self.folder = Path(folder)
        self.clock = clock
        self.user = user or current_user()
        self.read_only_reason: str | None = None
        self._lock = None  # made on first use: importing filelock is start-up time
        self._open_db: TinyDB | None = None
        self._open: dict[int, Incident] = {}
        self._open_seen: tuple | None = None
        self._open_raw: bytes | None = None  # open.json's bytes as we last read or wrote them
        self._closed: ClosedIncidents | None = None
        self._closed_seen: tuple | None = None
        self._closed_digest: bytes | None = None  # hash of closed.json as last read or written
        self._closed_docs: dict[int, dict] = {}  # closed.json's documents, to write back unchanged
        self._checked = CheckedContent()  # contents checked whole: fit to become a .bak or be rewritten
        self.warnings: list[str] = []  # what upkeep could not do (a .bak not refreshed); never fatal
        self.upkeep_waiting = False  # opening found the lock held: upkeep() again later
        self.playbook: LoadedPlaybook = load_playbook(self.folder)
        self.config: StoreConfig = load_config(self.folder)

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path | str, *, clock: Clock = system_clock, user: str | None = None) -> "Store":
        """Open (creating if needed) the store in ``folder``; raises CorruptFile for bad files.

        Never waits for the lock: upkeep that finds it held is left for later
        (``upkeep_waiting``), and upkeep that fails is a warning (``warnings``).
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
            store.upkeep()  # not the common case: nothing to clean means no lock to take
        return store

    def upkeep(self) -> bool:
        """Tidy after a killed writer and refresh open.json's .bak, if the lock is free right now.

        Returns False, and sets ``upkeep_waiting``, when another process holds the lock.
        The disk and the lock never make it fail: what it could not do becomes a warning.
        Raises CorruptFile only if open.json turned bad since it was read.
        """
        if not self._try_lock(f"the backup {backup_path(self.open_path).name}"):
            self.upkeep_waiting = True
            return False
        self.upkeep_waiting = False
        try:
            try:
                remove_stale_temps(self.folder, DATA_FILES)
            except OSError:
                pass  # left for the next open; they are never read
            self._sync_locked(finish_moves=False)
            if self.read_only_reason is None and any(inc.is_closed for inc in self._open.values()):
                try:
                    self._finish_pending_moves()
                except StoreError as exc:  # a bad closed.json, a full disk: the incident stays open for now
                    self._warn(f"a close cut short could not be finished: {exc}")
            # Under the lock: another process's open would delete our temp file as stale.
            self._refresh_backup(self.open_path, self._open_raw)
        finally:
            self._lock.release()
        return True

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def open_path(self) -> Path:
        """The file of open incidents."""
        return self.folder / OPEN_FILE

    @property
    def closed_path(self) -> Path:
        """The file of closed incidents."""
        return self.folder / CLOSED_FILE

    @property
    def read_only(self) -> bool:
        """Whether writes are refused (see ``read_only_reason``)."""
        return self.read_only_reason is not None

    def _needs_upkeep(self) -> bool:
        """Whether opening must take the lock: stale temp files, a cut-short close, or an old .bak."""
        if stale_temps(self.folder, DATA_FILES):
            return True
        if self.read_only_reason is None and any(inc.is_closed for inc in self._open.values()):
            return True
        raw = self._open_raw
        if raw is None or self.read_only:
            return False
        bak = backup_path(self.open_path)
        try:
            return not (bak.stat().st_size == len(raw) and bak.read_bytes() == raw)
        except FileNotFoundError:
            return True

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
        """Keep ``raw`` (content that was checked whole) as ``path``'s ``.bak``, if the lock is free now.

        Never waits and never fails: a backup that cannot be refreshed is a warning.
        """
        if raw is None or self.read_only or not self._try_lock(f"the backup {backup_path(path).name}"):
            return
        try:
            copy_as_backup(path, raw)
        except OSError as exc:
            self._warn(backup_warning(path, exc))
        finally:
            self._lock.release()

    def _check_schema(self, path: Path, data: dict) -> None:
        for table in data.values():
            for doc in table.values():
                version = doc.get("schema")
                if isinstance(version, int) and version > SCHEMA_VERSION:
                    self.read_only_reason = (
                        f"{path} was written by a newer mishap (schema {version}, this one knows "
                        f"{SCHEMA_VERSION}): opened read-only; upgrade mishap to change it")
                    return

    def _parse(self, path: Path, data: dict | None) -> dict[int, Incident]:
        if data is None:
            return {}
        self._check_schema(path, data)
        incidents = {}
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
        return incidents

    def _check_meta(self, data: dict | None) -> None:
        if data is None or self.read_only:
            return
        record = data.get("meta", {}).get("1")
        if record is None:
            return
        number = record.get("next_number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise CorruptFile(self.open_path, f"meta.next_number must be a positive integer, found {number!r}")

    def _load_open(self, raw: bytes | None = None, signature: tuple | None = None) -> None:
        if raw is None:
            # The signature before the bytes: if a write slips in between, the next
            # look sees a different signature and reads again (never the reverse).
            signature = file_signature(self.open_path)
            raw = read_bytes(self.open_path)
        data = parse_tinydb_bytes(self.open_path, raw) if raw is not None else None
        self._open = self._parse(self.open_path, data)
        self._check_meta(data)
        self._open_seen = signature
        self._open_raw = raw
        self._open_db = TinyDB(self.open_path, storage=AtomicJSONStorage)

    def _read_closed(self, signature: tuple | None, raw: bytes | None) -> None:
        data = parse_tinydb_bytes(self.closed_path, raw) if raw is not None else None
        if data is not None:
            self._check_schema(self.closed_path, data)
        self._closed_docs = {int(k): doc for k, doc in (data or {}).get("incidents", {}).items()}
        self._closed = ClosedIncidents(self.closed_path, self._closed_docs, skip_invalid=self.read_only)
        self._closed_seen = signature
        self._closed_digest = _digest(raw)

    def _load_closed(self) -> ClosedIncidents:
        signature = file_signature(self.closed_path)
        if self._closed is None or signature != self._closed_seen:
            self._read_closed(signature, read_bytes(self.closed_path))
        return self._closed

    def _sync_closed_locked(self) -> ClosedIncidents:
        """Under the lock: the closed incidents exactly as on disk now (compared by content)."""
        signature = file_signature(self.closed_path)
        raw = read_bytes(self.closed_path)
        if self._closed is None or _digest(raw) != self._closed_digest:
            self._read_closed(signature, raw)
        else:
            self._closed_seen = signature
        return self._closed

    def _check_closed_whole_locked(self) -> ClosedIncidents:
        """Under the lock, before closed.json is rewritten: every document in it is valid.

        Checked once per content (by digest): a console's second close is not slower.
        """
        closed = self._sync_closed_locked()
        self._writable()  # a newer schema: never rewritten, so nothing to check
        if not self._checked.holds(self.closed_path, self._closed_digest):
            closed.check_whole()
            self._checked.vouch(self.closed_path, self._closed_digest)
        return closed

    def _refresh_closed_backup(self) -> None:
        """closed.json was just read whole and found good: keep it as its .bak (never fails)."""
        if self.read_only or self._closed_digest is None:
            return
        self._checked.vouch(self.closed_path, self._closed_digest)
        try:
            raw = read_bytes(self.closed_path)
        except (StoreError, OSError):
            return
        if _digest(raw) == self._closed_digest:  # only the very bytes that were checked
            self._refresh_backup(self.closed_path, raw)

    # -- seeing other processes' changes ------------------------------------------------

    def changed(self) -> bool:
        """Whether another process changed the store since we last read it (an os.stat, no parse)."""
        if file_signature(self.open_path) != self._open_seen:
            return True
        return self._closed is not None and file_signature(self.closed_path) != self._closed_seen

    def refresh(self) -> bool:
        """Re-read what changed on disk; returns whether anything did."""
        changed = False
        if file_signature(self.open_path) != self._open_seen:
            self._load_open()
            changed = True
        if self._closed is not None and file_signature(self.closed_path) != self._closed_seen:
            self._load_closed()
            changed = True
        return changed

    # -- reading -----------------------------------------------------------------------

    def open_incidents(self) -> list[Incident]:
        """Every incident not closed, as last read."""
        return list(self._open.values())

    def closed_incidents(self) -> list[Incident]:
        """Every closed incident (reads the closed file the first time)."""
        closed = self._load_closed()
        fresh = not self._checked.holds(self.closed_path, self._closed_digest)
        readable = closed.readable()  # parses every document: the whole file is checked
        if fresh:
            self._refresh_closed_backup()
        return [inc for inc in readable if inc.number not in self._open]

    def get(self, incident_id: str | int) -> Incident:
        """One incident, open or closed."""
        number = incident_id if isinstance(incident_id, int) else parse_id(incident_id)
        if number in self._open:
            return self._open[number]
        closed = self._load_closed()
        if number in closed:
            return closed[number]
        raise NotFound(f"no incident M-{number}")

    # -- writing -----------------------------------------------------------------------

    def _writable(self) -> None:
        if self.read_only_reason:
            raise ReadOnlyStore(self.read_only_reason)

    def _sync_locked(self, finish_moves: bool = True) -> None:
        """Under the lock: make sure we act on what is on disk now.

        Compares bytes, not the stat signature (see the module note on inode reuse);
        open.json holds only open incidents, so reading it is cheap, and reading it
        checks it whole: what a write replaces was always checked first.
        """
        signature = file_signature(self.open_path)
        raw = read_bytes(self.open_path)
        if raw != self._open_raw or self._open_db is None:
            self._load_open(raw, signature)
        else:
            self._open_seen = signature
        if finish_moves and self.read_only_reason is None and any(inc.is_closed for inc in self._open.values()):
            # Another writer died between the two writes of a close: finish it.
            try:
                self._finish_pending_moves()
            except StoreError:
                pass  # closed.json unusable: the error surfaces when it is read

    def _open_table(self):
        assert self._open_db is not None
        return self._open_db.table("incidents")

    def _after_open_write(self) -> None:
        self._open_seen = file_signature(self.open_path)
        self._open_raw = read_bytes(self.open_path)

    def create(self, title: str, client_org: str, severity: int, **details) -> Incident:
        """A new open incident with the playbook's checklist; returns it as stored."""
        self._writable()
        now = self.clock()
        steps = steps_of(self.playbook.phases)
        with self._locked():
            self._sync_locked()
            self._writable()  # another process may have written a newer schema meanwhile
            meta = self._open_db.table("meta")
            record = meta.get(doc_id=1) or {}
            # The counter alone is not enough: open.json may have been moved aside or
            # restored from its .bak, and reusing a closed incident's number would make
            # closing the new one overwrite the old one.
            number = max([record.get("next_number", 1), *(n + 1 for n in self._open),
                          self._max_closed_number() + 1])
            if severity in self.config.cadence:
                details.setdefault("cadence_minutes", self.config.cadence[severity])
                details.setdefault("first_contact_minutes", self.config.first_contact[severity])
            incident = new_incident(number, title, client_org, severity, now, steps, by=self.user, **details)
            # The counter first: a crash between the two writes only skips a number.
            meta.upsert(Document({"schema": SCHEMA_VERSION, "next_number": number + 1}, doc_id=1))
            self._open_table().insert(Document(incident.to_dict(), doc_id=number))
            self._after_open_write()
            self._open[number] = incident
        return incident

    def change(self, incident_id: str | int, apply: Callable[[Incident, DateTime, str], T]) -> T:
        """Apply ``apply(incident, now, user)`` to the incident as it is on disk now, and save it.

        A ValidationError from ``apply`` leaves the store untouched.
        """
        self._writable()
        number = incident_id if isinstance(incident_id, int) else parse_id(incident_id)
        with self._locked():
            self._sync_locked()
            self._writable()  # another process may have written a newer schema meanwhile
            if number in self._open:
                stored = self._open[number].to_dict()
                was_closed = False
            else:
                closed = self._sync_closed_locked()
                self._writable()
                if number not in closed:
                    raise NotFound(f"no incident M-{number}")
                stored = closed[number].to_dict()
                was_closed = True
            incident = Incident.from_dict(stored)
            before = len(incident.timeline)
            now = self.clock()
            result = apply(incident, now, self.user)
            if [t.to_dict() for t in incident.timeline[:before]] != stored["timeline"]:
                raise StoreError("the timeline is append-only: a change tried to rewrite it")
            if incident.number != number:
                raise StoreError(f"a change cannot renumber M-{number}")
            changed = incident.to_dict()
            if changed == stored:
                return result  # nothing changed: nothing to write
            if len(incident.timeline) == before:
                # Every change leaves a timeline entry, even a direct edit of a field.
                fields = [key.replace("_", " ") for key, value in changed.items()
                          if key not in ("timeline", "revision") and value != stored.get(key)]
                incident.record(now, "edit", f"Edited: {', '.join(fields) or 'revision'}", self.user)
            incident.revision += 1
            if incident.is_closed or was_closed:
                # Everything that can refuse the closed file (a bad document anywhere in it,
                # a newer schema, a different incident under this number) refuses before
                # the first write.
                closed = self._check_closed_whole_locked()
                if not was_closed:
                    self._check_no_collision(incident, closed)
            self._save_locked(incident, was_closed)
        return result

    def _max_closed_number(self) -> int:
        """Under the lock: the highest number in closed.json, cheaply.

        closed.json is written with its documents sorted by number, so the last
        document key in its tail is the highest; a full read is the fallback.
        """
        try:
            handle = open(self.closed_path, "rb")
        except FileNotFoundError:
            return 0
        with handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - _TAIL_BYTES))
            tail = handle.read()
        # Text inside documents is JSON-escaped (\"), so this only matches document keys.
        keys = _DOC_KEY.findall(tail)
        if keys:
            return max(int(k) for k in keys)
        closed = self._sync_closed_locked()
        self._writable()
        return max(closed, default=0)

    def _check_no_collision(self, incident: Incident, closed: Mapping[int, Incident]) -> None:
        other = closed.get(incident.number)
        if other is not None and other.created_at != incident.created_at:
            raise StoreError(
                f"{self.closed_path} already holds a different {incident.id} (opened "
                f"{other.created_at.to_iso8601_string()}): closing this one would overwrite it; "
                f"was {self.open_path.name} restored from an old copy?")

    def _save_locked(self, incident: Incident, was_closed: bool) -> None:
        doc = incident.to_dict()
        number = incident.number
        if not was_closed:
            # Written to the open file first, closed or not: if we die before the move
            # below, the next open finishes it.
            table = self._open_table()

            def replace(stored: dict) -> None:
                stored.clear()
                stored.update(doc)

            table.update(replace, doc_ids=[number])
            self._after_open_write()
            self._open[number] = incident
            if incident.is_closed:
                self._move_to_closed([number])
        elif incident.is_closed:
            self._write_closed({number: incident})
        else:
            # Reopened: into the open file first, then out of the closed file.
            self._open_table().insert(Document(doc, doc_id=number))
            self._after_open_write()
            self._open[number] = incident
            self._write_closed({}, remove=[number])

    def _write_closed(self, upserts: dict[int, Incident], remove: list[int] = ()) -> None:
        """Under the lock: rewrite closed.json from what is on disk now plus these changes.

        Works on the raw documents: the other closed incidents are written back as read,
        never parsed (parsing ten thousand would make every close take seconds).
        """
        # Checked whole first (a newer schema refuses here: rewriting would drop what we
        # cannot read); the documents written back unparsed are then known good.
        closed = self._check_closed_whole_locked()
        parsed = dict(closed.parsed())
        docs = dict(self._closed_docs)
        for number, incident in upserts.items():
            parsed[number] = incident
            docs[number] = incident.to_dict()
        for number in remove:
            parsed.pop(number, None)
            docs.pop(number, None)
        for number in list(docs):
            if number in self._open and not self._open[number].is_closed:
                parsed.pop(number, None)  # a reopen that was cut short: the open copy wins
                docs.pop(number, None)
        self._keep_closed_before_rewrite()
        storage = AtomicJSONStorage(self.closed_path)
        storage.write({"incidents": {str(n): docs[n] for n in sorted(docs)}})
        self._closed_docs = docs
        self._closed = ClosedIncidents(self.closed_path, docs, skip_invalid=self.read_only, parsed=parsed)
        self._closed_seen = file_signature(self.closed_path)
        self._closed_digest = _digest(storage._text.encode("utf-8"))
        self._checked.vouch(self.closed_path, self._closed_digest)  # written from checked documents

    def _keep_closed_before_rewrite(self) -> None:
        """Under the lock: closed.json as it is (checked whole) becomes its .bak before it is replaced.

        Most commands never read closed.json whole, so without this it might never get a
        backup; a hard link makes it free. A failure is a warning: the write goes on.
        """
        try:
            raw = read_bytes(self.closed_path)
        except (StoreError, OSError):
            return
        if raw is None or _digest(raw) != self._closed_digest:
            return
        try:
            keep_before_rewrite(self.closed_path, raw)
        except OSError as exc:
            self._warn(backup_warning(self.closed_path, exc))

    def _move_to_closed(self, numbers: list[int]) -> None:
        self._write_closed({n: self._open[n] for n in numbers})
        self._open_table().remove(doc_ids=numbers)
        self._after_open_write()
        for n in numbers:
            self._open.pop(n, None)

    def _finish_pending_moves(self) -> None:
        """Under the lock: move closed incidents a crash left in open.json to closed.json."""
        pending = [n for n, inc in self._open.items() if inc.is_closed]
        if not pending:
            return
        closed = self._sync_closed_locked()
        if self.read_only:
            return  # closed.json is from a newer mishap: leave both files as they are
        # One that would overwrite a different closed incident stays where it is, visible.
        pending = [n for n in pending
                   if n not in closed or closed[n].created_at == self._open[n].created_at]
        if pending:
            self._move_to_closed(pending)

    # -- conveniences used by the CLI and the console -------------------------------------

    def __iter__(self) -> Iterator[Incident]:
        return iter(self.open_incidents())

    # -- drafts of client updates: kept so a crash or quit loses nothing, but not part of
    # -- the incident's record (saving one leaves no timeline entry) ------------------------

    def draft(self, incident_id: str | int) -> dict | None:
        """The saved draft of the next client update for an incident, if any."""
        number = incident_id if isinstance(incident_id, int) else parse_id(incident_id)
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
        number = incident_id if isinstance(incident_id, int) else parse_id(incident_id)
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
        number = incident_id if isinstance(incident_id, int) else parse_id(incident_id)
        with self._locked():
            self._sync_locked()
            table = self._open_db.table(DRAFTS_TABLE)
            if table.contains(doc_id=number):
                table.remove(doc_ids=[number])
                self._after_open_write()

    # -- the review of closed incidents: a fast path that never parses every closed incident
    # -- (rows of metrics from the raw documents, kept until closed.json changes; see
    # -- storage.review_index) ----------------------------------------------------------------

    def _review_index(self):
        index = self.__dict__.get("_review")
        if index is None:
            from .review_index import ReviewIndex

            index = self._review = ReviewIndex(self.closed_path)
        return index

    def review_rows(self) -> list:
        """Every closed incident as a ``storage.metrics.ReviewRow``, cheaply."""
        index = self._review_index()
        index.refresh()
        return [row for number, row in index.rows.items() if number not in self._open]

    def review_patterns(self) -> dict:
        """Closed incidents that share a client or a kind of mistake with others, by number."""
        index = self._review_index()
        index.refresh()
        return index.patterns()

    def review_changed(self) -> bool:
        """Whether closed.json changed since the review rows were read (one stat)."""
        return not self._review_index().current()

    def save_review_index(self) -> bool:
        """Keep the review rows on disk for the next process, if they changed; returns whether written.

        Derived data: skipped when read-only, or when another process holds the lock.
        """
        index = self._review_index()
        if not index.dirty or self.read_only or index.signature is None:
            return False
        from .review_index import INDEX_FILE

        self._locked()  # makes the lock object
        try:
            self._lock.acquire(timeout=0)
        except OSError:  # a writer is busy (TimeoutError), or no lock can be taken here
            return False  # the next review writes it
        try:
            remove_stale_temps(self.folder, [INDEX_FILE])
            index.patterns()  # kept in the index too: a new process need not work them out
            signature, text = index.snapshot()
            write_atomically(index.index_path, text)
            index.saved(signature)
            return True
        except OSError:
            return False
        finally:
            self._lock.release()

    def closed_incident(self, incident_id: str | int) -> Incident:
        """One incident (closed or not), parsing only its own document from closed.json."""
        number = incident_id if isinstance(incident_id, int) else parse_id(incident_id)
        if number in self._open:
            return self._open[number]
        if self._closed is not None and file_signature(self.closed_path) == self._closed_seen:
            return self.get(number)  # already parsed and current
        doc = self._review_index().document(number)
        if doc is None:
            raise NotFound(f"no incident M-{number}")
        return check_incident(self.closed_path, number, doc)


_TAIL_BYTES = 256 * 1024
_DOC_KEY = re.compile(rb'[{,]"(\d+)":\{')


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
