"""The PostgreSQL store: a team's incidents on one server, every console live.

A change is one transaction: lock the incident's row in a statement of its own (under read
committed a subquery in a ``FOR UPDATE`` statement would keep the snapshot from before the
lock wait), then read it, apply the change through the shared rules (storage.store.rules),
update the row, append the new timeline entries and notify. ``lock_timeout`` is a few
seconds: a row held longer says "someone else is changing M-12, try again".

Whose clock: with the system clock, an instant is the server's ``clock_timestamp()`` taken
after the row lock, so every laptop's entries agree; an injected clock (the demo, the tests)
stamps its own instants. Either way the timeline is ordered by its entry sequence, never by
the stamps.

A connection lost during COMMIT may or may not have committed: every timeline entry carries
its change's token, so the store looks the token up before trying again (a change that
writes anything always appends an entry), and nothing is applied twice.
"""

from __future__ import annotations

import uuid
from typing import AsyncIterator, Callable, Iterator, TypeVar

import pendulum
from pendulum import DateTime

from ...domain.clock import Clock, system_clock
from ...domain.config import StoreConfig, parse_config
from ...domain.model import SCHEMA_VERSION, Incident, ValidationError, new_incident
from ...domain.playbook import DEFAULT_PHASES, LoadedPlaybook, PlaybookError, parse_playbook, steps_of
from ..common import ActingAs, NotFound, ReadOnlyStore, current_user, number_of
from ..files import StoreError
from ..rules import apply_change, newer_schema_reason
from . import schema
from .codec import decode, encode, jsonb as _jsonb
from .drafts_review import DraftsAndReview
from .session import Session
from .connect import Target, psycopg_module

T = TypeVar("T")
CHANNEL = "mishap_changes"
LOCK_TIMEOUT = "4s"  # a row held longer than this: "someone else is changing M-12, try again"

_WITH_TIMELINE = """SELECT i.doc, coalesce((SELECT jsonb_agg(t.entry ORDER BY t.seq) FROM timeline t
                                          WHERE t.number = i.number), '[]'::jsonb)
                    FROM incidents i"""
_FINGERPRINT = """SELECT (SELECT count(*) FROM incidents), (SELECT coalesce(sum(version), 0) FROM incidents),
                         (SELECT count(*) FROM drafts), (SELECT coalesce(sum(version), 0) FROM drafts),
                         (SELECT coalesce(sum(version), 0) FROM team_files)"""


class PostgresStore(Session, DraftsAndReview):
    """Incidents in a PostgreSQL database; every write is committed when the method returns."""

    folder = None  # no folder: a report may be written anywhere
    upkeep_waiting = False  # the server does its own upkeep

    def __init__(self, target: Target, *, clock: Clock = system_clock, user: str | None = None):
        self._target = target
        self.clock = clock
        self.user = user or current_user()
        self.read_only_reason: str | None = None
        self.warnings: list[str] = []
        self._conn = None
        self._offline: str | None = None  # set by a failed connect, cleared by a good one
        self.listening_offline: str | None = None  # the same, from the listener (see listen.py)
        self._open: dict[int, Incident] = {}
        self._seen: tuple | None = None  # the store's fingerprint as last read
        self._review: tuple | None = None  # (closed fingerprint, rows)
        self._patterns: tuple | None = None
        self.lock_timeout = LOCK_TIMEOUT
        self.instance = uuid.uuid4().hex  # this handle's notifications are not news to it
        self.closed = False
        self.playbook = LoadedPlaybook(DEFAULT_PHASES, "default")
        self.config = StoreConfig()

    @classmethod
    def open(cls, url: str, *, clock: Clock = system_clock, user: str | None = None) -> "PostgresStore":
        """Connect, bring the schema up to date (or open read-only if it is newer), read the open incidents."""
        store = cls(Target(url), clock=clock, user=user)
        store._run(store._prepare)
        return store

    def _prepare(self, conn) -> None:
        psycopg = psycopg_module()
        have, known = schema.applied(conn), schema.known()
        if have > known:
            self.read_only_reason = (f"{self.location} was set up by a newer mishap (database schema {have}, this "
                                     f"one knows {known}): opened read-only; upgrade mishap to change it")
        elif have < known:
            try:
                schema.migrate(conn)
            except psycopg.errors.InsufficientPrivilege as exc:
                raise StoreError(f"{self.location} needs mishap's tables and you may not create them "
                                 f"({self._target.problem(exc)}): ask its owner to run mishap on it once") from None
        newest = conn.execute("SELECT max(schema) FROM incidents").fetchone()[0]  # the schema index answers
        self.read_only_reason = self.read_only_reason or newer_schema_reason(self.location, newest)
        self._load_team_files(conn)
        self._load_open(conn)

    # -- where, and the connection ------------------------------------------------------------

    @property
    def location(self) -> str:
        """Host and database (never the password)."""
        return self._target.location

    @property
    def read_only(self) -> bool:
        """Whether writes are refused (see ``read_only_reason``)."""
        return self.read_only_reason is not None

    def close(self) -> None:
        """Close the connection; a running ``changes()`` ends at its next wake-up."""
        self.closed = True
        self._drop()

    def upkeep(self) -> bool:
        """Nothing to tidy: the server keeps its own files."""
        return True

    def acting_as(self, user: str | None = None, clock: Clock | None = None) -> ActingAs:
        """This store, with changes made by ``user`` at ``clock``'s instants."""
        return ActingAs(self, user or self.user, clock or self.clock)

    def _writable(self) -> None:
        if self.read_only_reason:
            raise ReadOnlyStore(self.read_only_reason)

    def _still_writable(self, conn) -> None:
        """In a write's transaction: refuse if a newer mishap wrote to the database meanwhile."""
        have, newer = conn.execute(
            "SELECT (SELECT max(number) FROM mishap_migrations), "
            "EXISTS (SELECT 1 FROM incidents WHERE schema > %s)", [SCHEMA_VERSION]).fetchone()
        if have > schema.known():
            self.read_only_reason = (f"{self.location} was set up by a newer mishap (database schema {have}, this "
                                     f"one knows {schema.known()}): read-only now; upgrade mishap to change it")
        elif newer:
            self.read_only_reason = (f"{self.location} holds incidents written by a newer mishap: read-only now; "
                                     f"upgrade mishap to change it")
        self._writable()

    # -- reading ---------------------------------------------------------------------------

    def _incident(self, doc: dict, entries: list) -> tuple[dict, Incident]:
        """The stored document (timeline put back) and its incident; a bad one is a StoreError naming it."""
        stored = decode(doc)
        stored["timeline"] = decode(entries)
        reason = newer_schema_reason(self.location, stored.get("schema"))
        if reason:
            raise ReadOnlyStore(f"{reason.split(':')[0]}: this mishap cannot show M-{stored.get('number')}; "
                                f"upgrade mishap")
        try:
            return stored, Incident.from_dict(stored)
        except ValidationError as exc:
            raise StoreError(f"{self.location}: M-{stored.get('number')} is not a valid incident ({exc}); nothing "
                             f"was changed; repair that row or restore it from a backup") from None

    def _load_open(self, conn) -> None:
        seen = conn.execute(_FINGERPRINT).fetchone()
        rows = conn.execute(_WITH_TIMELINE + " WHERE i.status <> 'closed' ORDER BY i.number").fetchall()
        found = {}
        for doc, entries in rows:
            try:
                incident = self._incident(doc, entries)[1]
            except ReadOnlyStore:
                self.read_only_reason = self.read_only_reason or newer_schema_reason(self.location, doc.get("schema"))
                continue
            found[incident.number] = incident
        self._open, self._seen = found, tuple(seen)

    def _load_team_files(self, conn) -> None:
        files = dict(conn.execute("SELECT name, body FROM team_files").fetchall())
        where = f"{self.location} team file"
        if "playbook.toml" in files:
            source = f"{where} playbook.toml"
            try:
                self.playbook = LoadedPlaybook(parse_playbook(files["playbook.toml"], source), source)
            except PlaybookError as exc:
                self.playbook = LoadedPlaybook(DEFAULT_PHASES, "default", f"{exc}; using the default playbook")
        if "config.toml" in files:
            try:
                self.config = parse_config(files["config.toml"], f"{where} config.toml")
            except ValueError as exc:
                self.config = StoreConfig(problem=f"{exc}; using the default cadence")

    def open_incidents(self) -> list[Incident]:
        """Every incident not closed, as last read."""
        return list(self._open.values())

    def __iter__(self) -> Iterator[Incident]:
        return iter(self.open_incidents())

    def get(self, incident_id: str | int) -> Incident:
        """One incident, open (as last read) or closed (read now)."""
        number = number_of(incident_id)
        if number in self._open:
            return self._open[number]
        row = self._run(lambda conn: conn.execute(_WITH_TIMELINE + " WHERE i.number = %s", [number]).fetchone())
        if row is None:
            raise NotFound(f"no incident M-{number}")
        return self._incident(*row)[1]

    def closed_incidents(self) -> list[Incident]:
        """Every closed incident (costly on a long history: prefer review_rows)."""
        rows = self._run(lambda conn: conn.execute(
            _WITH_TIMELINE + " WHERE i.status = 'closed' ORDER BY i.number").fetchall())
        return [self._incident(*row)[1] for row in rows]

    def is_empty(self) -> bool:
        """Whether the store holds no incident at all."""
        return not self._run(lambda conn: conn.execute("SELECT EXISTS (SELECT 1 FROM incidents)").fetchone()[0])

    # -- other writers ------------------------------------------------------------------------

    def changed(self) -> bool:
        """Whether someone else wrote since we last read (one small query; False while offline)."""
        if self.connection_problem:
            return False
        try:
            return tuple(self._run(lambda conn: conn.execute(_FINGERPRINT).fetchone())) != self._seen
        except StoreError:
            return False

    def refresh(self) -> bool:
        """Re-read the open incidents and the team's files if anything changed; False while offline."""
        def work(conn):
            if tuple(conn.execute(_FINGERPRINT).fetchone()) == self._seen:
                return False
            self._load_team_files(conn)
            self._load_open(conn)
            return True

        try:
            return self._run(work)
        except StoreError:
            return False

    def changes(self, interval: float = 1.0) -> AsyncIterator[None]:
        """Yield after another's change (LISTEN on a connection of its own), on going offline, and after a reconnect."""
        from .listen import listen

        return listen(self, interval)

    # -- writing -------------------------------------------------------------------------------

    def _now(self, conn, clock: Clock) -> DateTime:
        if clock is not system_clock:
            return clock()
        stamp = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        return pendulum.instance(stamp).in_timezone("UTC")

    def _notify(self, conn, number: int) -> None:
        conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"{number} {self.instance}"])

    def _append(self, conn, number: int, entries: list, token: str) -> None:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO timeline (number, entry, change) VALUES (%s, %s, %s)",
                            [(number, _jsonb(encode(entry)), token) for entry in entries])

    def create(self, title: str, client_org: str, severity: int, **details) -> Incident:
        """A new open incident with the playbook's checklist and a number never used before."""
        return self._create(title, client_org, severity, self.user, None, details)

    def _create(self, title: str, client_org: str, severity: int, user: str, now: DateTime | None,
                details: dict) -> Incident:
        self._writable()
        steps = steps_of(self.playbook.phases)
        if severity in self.config.cadence:
            details.setdefault("cadence_minutes", self.config.cadence[severity])
            details.setdefault("first_contact_minutes", self.config.first_contact[severity])
        # Refused before the transaction: a refused incident takes no number.
        new_incident(1, title, client_org, severity, now or self.clock(), steps, by=user, **details)
        token = uuid.uuid4().hex

        def work(conn) -> Incident:
            self._still_writable(conn)
            number = conn.execute("SELECT nextval('incident_numbers')").fetchone()[0]
            while conn.execute("SELECT EXISTS (SELECT 1 FROM incidents WHERE number = %s)", [number]).fetchone()[0]:
                number = conn.execute("SELECT nextval('incident_numbers')").fetchone()[0]
            incident = new_incident(number, title, client_org, severity, now or self._now(conn, self.clock), steps,
                                    by=user, **details)
            self._insert(conn, incident.to_dict(), user, token)
            self._notify(conn, number)
            return incident

        incident = self._write("a new incident", work, token)
        self._open[incident.number] = incident
        return incident

    def _insert(self, conn, doc: dict, user: str, token: str) -> int:
        """Insert a whole document (its timeline as entries); returns the row's version."""
        body = {key: value for key, value in doc.items() if key != "timeline"}
        version = conn.execute(
            "INSERT INTO incidents (number, status, schema, doc, version, updated_by, closed_at, review) "
            "VALUES (%s, %s, %s, %s, nextval('change_versions'), %s, %s::timestamptz, %s) RETURNING version",
            [doc["number"], doc["status"], doc.get("schema"), _jsonb(encode(body)), encode(user), doc.get("closed_at"),
             _review(doc)]).fetchone()[0]
        self._append(conn, doc["number"], doc.get("timeline") or [], token)
        if self._seen is not None:
            self._seen = (self._seen[0] + 1, self._seen[1] + version, *self._seen[2:])
        return version

    def change(self, incident_id: str | int, apply: Callable[[Incident, DateTime, str], T]) -> T:
        """Apply ``apply(incident, now, user)`` to the incident as stored now, in one transaction."""
        return self._change(number_of(incident_id), apply, self.user, self.clock)

    def _change(self, number: int, apply, user: str, clock: Clock):
        token = uuid.uuid4().hex
        outcome = {}

        def work(conn):
            self._still_writable(conn)
            row = conn.execute("SELECT version FROM incidents WHERE number = %s FOR UPDATE", [number]).fetchone()
            if row is None:
                raise NotFound(f"no incident M-{number}")
            old_version = row[0]
            # A statement of its own, after the lock: it sees the row as the last writer left it.
            stored, current = self._incident(*conn.execute(_WITH_TIMELINE + " WHERE i.number = %s",
                                                           [number]).fetchone())
            before = len(stored["timeline"])
            incident, result = apply_change(stored, apply, self._now(conn, clock), user)
            if incident is not None:
                doc = incident.to_dict()
                body = {key: value for key, value in doc.items() if key != "timeline"}
                version = conn.execute(
                    "UPDATE incidents SET status = %s, schema = %s, doc = %s, version = nextval('change_versions'), "
                    "updated_at = clock_timestamp(), updated_by = %s, closed_at = %s::timestamptz, review = %s "
                    "WHERE number = %s RETURNING version",
                    [doc["status"], doc["schema"], _jsonb(encode(body)), encode(user), doc.get("closed_at"), _review(doc),
                     number]).fetchone()[0]
                self._append(conn, number, doc["timeline"][before:], token)
                self._notify(conn, number)
                outcome["delta"] = version - old_version
            outcome["incident"] = incident or current  # unchanged: our view still catches up
            return result

        try:
            result = self._write(f"M-{number}", work, token)
        except ReadOnlyStore as exc:
            self.read_only_reason = str(exc)  # someone with a newer mishap wrote it meanwhile
            raise
        incident = outcome.get("incident")
        if incident is not None:
            if incident.is_closed:
                self._open.pop(number, None)
            else:
                self._open[number] = incident
        if "delta" in outcome:
            if self._seen is not None:
                self._seen = (self._seen[0], self._seen[1] + outcome["delta"], *self._seen[2:])
        return result

def _review(doc: dict) -> str | None:
    """The precomputed review row of a closed incident's document, as JSON text (None while open)."""
    if doc.get("status") != "closed":
        return None
    import json

    from ...domain.review_row import row_from_document

    # ensure_ascii=False: the codec's escape character stays itself, so a reader can look for it.
    return json.dumps(encode(row_from_document(doc).to_list()), ensure_ascii=False, separators=(",", ":"))
