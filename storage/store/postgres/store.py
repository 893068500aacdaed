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

import os
import uuid
from typing import AsyncIterator, TypeVar

import pendulum
import psycopg
from pendulum import DateTime

from ...domain.clock import Clock, system_clock
from ...domain.config import StoreConfig, parse_config
from ...domain.model import SCHEMA_VERSION, Incident, new_incident
from ...domain.fields import ValidationError
from ...domain.playbook import DEFAULT_PHASES, LoadedPlaybook, read_playbook, steps_of
from ..base import Apply, StoreBase, number_of
from ..errors import NotFound, ReadOnlyStore, StoreError
from ..rules import apply_change, newer_schema_reason
from . import schema
from .codec import decode, encode, jsonb
from .connect import Target, psycopg_module
from .drafts import Drafts
from .review import ReviewRows, review_value
from .session import Session
from .view import ONE, OpenView

T = TypeVar("T")
CHANNEL = "mishap_changes"

WITH_TIMELINE = """SELECT i.doc, coalesce((SELECT jsonb_agg(t.entry ORDER BY t.seq) FROM timeline t
                                          WHERE t.number = i.number), '[]'::jsonb)
                    FROM incidents i"""
LAST_SEQ = "SELECT max(seq) FROM timeline WHERE number = %s"


class PostgresStore(Drafts, StoreBase):
    """Incidents in a PostgreSQL database; every write is committed when the method returns."""

    def __init__(self, target: Target, *, clock: Clock = system_clock, user: str | None = None):
        super().__init__(clock=clock, user=user, playbook=LoadedPlaybook(DEFAULT_PHASES, "default"),
                         config=StoreConfig())
        self.session = Session(target)
        self.review = ReviewRows(self.session)
        self.view = OpenView(self)  # the open incidents as last read (storage.store.postgres.view)
        self.instance = uuid.uuid4().hex  # this handle's notifications are not news to it
        self.closed = False

    @classmethod
    def open(cls, url: str, *, clock: Clock = system_clock, user: str | None = None) -> "PostgresStore":
        """Connect, bring the schema up to date (or open read-only if it is newer), read the open incidents."""
        store = cls(Target(url), clock=clock, user=user)
        store.session.run(store._prepare)
        if user is None and not os.environ.get("MISHAP_USER", "").strip():
            # Each responder connecting with a role of their own is that role on the record, as in presence
            # (storage.store.presence); $MISHAP_USER, when set, names a shared role's users instead.
            store.user = store.session.run(lambda conn: conn.execute("SELECT current_user").fetchone()[0])
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
                                 f"({self.session.target.problem(exc)}): ask its owner to run mishap on it once") from None
            except psycopg.OperationalError:
                raise  # the connection went: the session says "offline"
            except psycopg.Error as exc:  # one transaction: none of it was applied
                raise StoreError(f"{self.location}: mishap could not bring its tables up to date "
                                 f"({self.session.target.problem(exc)}); nothing was changed, the database is as it "
                                 f"was: tell whoever looks after it") from None
        newest = conn.execute("SELECT max(schema) FROM incidents").fetchone()[0]  # the schema index answers
        self.read_only_reason = self.read_only_reason or newer_schema_reason(self.location, newest)
        self.load_team_files(conn)
        self.view.load(conn)

    # -- where, and the connection ------------------------------------------------------------

    @property
    def location(self) -> str:
        """Host and database (never the password)."""
        return self.session.location

    @property
    def connection_problem(self) -> str | None:
        """"offline: cannot reach HOST/DB, retrying" while the server cannot be reached; else None."""
        return self.session.connection_problem

    def close(self) -> None:
        """Close the connection; a running ``changes()`` ends at its next wake-up."""
        self.closed = True
        self.session.drop()

    def _still_writable(self, conn) -> None:
        """In a write's transaction: refuse if a newer mishap wrote to the database meanwhile."""
        # Never prepared: a generic plan, not knowing the number, would scan every incident.
        have, newer = conn.execute(
            "SELECT (SELECT max(number) FROM mishap_migrations), "
            "EXISTS (SELECT 1 FROM incidents WHERE schema > %s)", [SCHEMA_VERSION], prepare=False).fetchone()
        if have > schema.known():
            self.read_only_reason = (f"{self.location} was set up by a newer mishap (database schema {have}, this "
                                     f"one knows {schema.known()}): read-only now; upgrade mishap to change it")
        elif newer:
            self.read_only_reason = (f"{self.location} holds incidents written by a newer mishap: read-only now; "
                                     f"upgrade mishap to change it")
        self.refuse_if_read_only()

    # -- reading ---------------------------------------------------------------------------

    def _incident(self, doc: dict, entries: list) -> tuple[dict, Incident]:
        """The stored document (timeline put back) and its incident; a bad one is a StoreError naming it."""
        stored = decode(doc)
        stored["timeline"] = decode(entries or [])
        return self.checked(stored)

    def newer_reason(self, schema) -> str | None:
        """Why this store is read-only if a document of ``schema`` is in it (None: this mishap writes it)."""
        return newer_schema_reason(self.location, schema)

    def checked(self, stored: dict) -> tuple[dict, Incident]:
        """``stored`` (decoded, timeline put back) and its incident; a bad one is a StoreError naming it."""
        reason = newer_schema_reason(self.location, stored.get("schema"))
        if reason:
            raise ReadOnlyStore(f"{reason.split(':')[0]}: this mishap cannot show M-{stored.get('number')}; "
                                f"upgrade mishap")
        try:
            return stored, Incident.from_dict(stored)
        except ValidationError as exc:
            raise StoreError(f"{self.location}: M-{stored.get('number')} is not a valid incident ({exc}); nothing "
                             f"was changed; repair that row or restore it from a backup") from None

    def load_team_files(self, conn) -> None:
        """Read the team's playbook.toml and config.toml (two rows at most)."""
        files = dict(conn.execute("SELECT name, body FROM team_files").fetchall())
        where = f"{self.location} team file"
        if "playbook.toml" in files:
            self.playbook = read_playbook(files["playbook.toml"], f"{where} playbook.toml")
        if "config.toml" in files:
            try:
                self.config = parse_config(files["config.toml"], f"{where} config.toml")
            except ValueError as exc:
                self.config = StoreConfig(problem=f"{exc}; using the default cadence")

    def open_incidents(self) -> list[Incident]:
        """Every incident not closed, as last read."""
        return list(self.view.incidents.values())

    def get(self, incident_id: str | int) -> Incident:
        """One incident, open (as last read) or closed (read now)."""
        number = number_of(incident_id)
        if number in self.view.incidents:
            return self.view.incidents[number]
        row = self.session.run(lambda conn: conn.execute(WITH_TIMELINE + " WHERE i.number = %s", [number]).fetchone())
        if row is None:
            raise NotFound(f"no incident M-{number}")
        return self._incident(*row)[1]

    def closed_incidents(self) -> list[Incident]:
        """Every closed incident (costly on a long history: prefer review_rows)."""
        rows = self.session.run(lambda conn: conn.execute(
            WITH_TIMELINE + " WHERE i.status = 'closed' ORDER BY i.number").fetchall())
        return [self._incident(*row)[1] for row in rows]

    def is_empty(self) -> bool:
        """Whether the store holds no incident at all."""
        return not self.session.run(lambda conn: conn.execute("SELECT EXISTS (SELECT 1 FROM incidents)").fetchone()[0])

    # -- other writers ------------------------------------------------------------------------

    def changed(self) -> bool:
        """Whether someone else wrote since we last read (rows written since, by index; False while offline)."""
        if self.connection_problem:
            return False
        try:
            return self.session.run(self.view.changed)
        except StoreError:
            return False

    def refresh(self) -> bool:
        """Catch up with what others wrote since we last looked (only that is read); False while offline."""
        try:
            return self.session.run(self.view.refresh)
        except StoreError:
            return False

    def resync(self) -> bool:
        """Read every open incident and the team's files again (after a reconnect); False while offline."""
        def work(conn):
            self.load_team_files(conn)
            self.view.load(conn)
            return True

        try:
            return self.session.run(work)
        except StoreError:
            return False

    def catch_up(self, payload: str) -> bool:
        """A notification's ``payload`` (see ``notify``): read what it names, if newer; whether anything changed.

        An incident is read only if its version is newer than the one held (and then only its new
        entries); a draft is read when shown, so a draft's change is only news; anything else
        (another mishap's word) is looked for as a poll would.
        """
        words = payload.split()
        try:
            if len(words) == 2 and words[0].isdigit():
                return self.session.run(lambda conn: self.view.catch_up(conn, int(words[0])))
            if len(words) == 3 and words[0] == "draft":
                return True
            return self.session.run(self.view.refresh)
        except StoreError:
            return False

    def changes(self, interval: float = 1.0) -> AsyncIterator[None]:
        """Yield after another's change (LISTEN on a connection of its own), on going offline, and after a reconnect."""
        from .listen import listen

        return listen(self, interval)

    # -- writing -------------------------------------------------------------------------------

    def transaction(self, what: str, work, token: str | None = None):
        """``work(conn)`` in one transaction (refused while read-only; see storage.store.postgres.session)."""
        self.refuse_if_read_only()
        return self.session.write(what, work, token)

    def _now(self, conn, clock: Clock) -> DateTime:
        if clock is not system_clock:
            return clock()
        stamp = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        return pendulum.instance(stamp).in_timezone("UTC")

    def notify(self, conn, number: int, what: str = "") -> None:
        """In a write's transaction: tell every other console that incident ``number`` changed.

        The payload is ``NUMBER INSTANCE`` for the incident itself, ``draft NUMBER INSTANCE`` for
        its draft (``what="draft"``): the instance last, so a handle knows its own writes. A
        migrate also says ``migrate INSTANCE`` after a batch and ``files INSTANCE`` after a team
        file (storage.store.postgres.bulk): a console then looks as a poll does.
        """
        words = f"{what} {number} {self.instance}" if what else f"{number} {self.instance}"
        conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, words])

    def append_timeline(self, conn, number: int, entries: list, token: str) -> None:
        """In a write's transaction: add ``entries`` to incident ``number``'s timeline, marked with the change's token."""
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO timeline (number, entry, change) VALUES (%s, %s, %s)",
                            [(number, jsonb(encode(entry)), token) for entry in entries])

    def create_as(self, title: str, client_org: str, severity: int, user: str, clock: Clock,
                  details: dict) -> Incident:
        """A new open incident with the playbook's checklist, by ``user`` at ``clock``'s instant (or the server's)."""
        self.refuse_if_read_only()
        steps = steps_of(self.playbook.phases)
        details = self.with_cadence(severity, details)
        # Refused before the transaction: a refused incident takes no number.
        new_incident(1, title, client_org, severity, clock(), steps, by=user, rules=self.playbook.rules, **details)
        token = uuid.uuid4().hex

        def work(conn) -> Incident:
            self._still_writable(conn)
            number = conn.execute("SELECT nextval('incident_numbers')").fetchone()[0]
            while conn.execute("SELECT EXISTS (SELECT 1 FROM incidents WHERE number = %s)", [number]).fetchone()[0]:
                number = conn.execute("SELECT nextval('incident_numbers')").fetchone()[0]
            while True:
                incident = new_incident(number, title, client_org, severity, self._now(conn, clock), steps, by=user,
                                        rules=self.playbook.rules, **details)
                try:
                    with conn.transaction():  # a savepoint: a number taken meanwhile is not the whole write
                        doc = incident.to_dict()
                        version = self.insert(conn, doc, user, token)
                    break
                except psycopg.errors.UniqueViolation:
                    # Another writer (a migrate copying in) took it between the look and the insert.
                    number = conn.execute("SELECT nextval('incident_numbers')").fetchone()[0]
            self.notify(conn, number)
            outcome.update(version=version, doc=doc, last=conn.execute(LAST_SEQ, [number]).fetchone()[0])
            return incident

        outcome = {}
        incident = self.transaction("a new incident", work, token)
        self.view.wrote(incident.number, outcome["version"], outcome["doc"], incident, outcome["last"])
        return incident

    def insert(self, conn, doc: dict, user: str, token: str) -> int:
        """In a write's transaction: insert a whole document (its timeline as entries); returns the row's version."""
        body = {key: value for key, value in doc.items() if key != "timeline"}
        review, review_version = review_value(doc)
        version = conn.execute(
            "INSERT INTO incidents (number, status, schema, doc, version, updated_by, closed_at, review, "
            "review_version) VALUES (%s, %s, %s, %s, nextval('change_versions'), %s, %s::timestamptz, %s, %s) "
            "RETURNING version",
            [doc["number"], doc["status"], doc.get("schema"), jsonb(encode(body)), encode(user), doc.get("closed_at"),
             review, review_version]).fetchone()[0]
        self.append_timeline(conn, doc["number"], doc.get("timeline") or [], token)
        return version

    def update(self, conn, doc: dict, user: str) -> int:
        """In a write's transaction: write a changed document over its row (not its timeline); the new version."""
        body = {key: value for key, value in doc.items() if key != "timeline"}
        review, review_version = review_value(doc)
        return conn.execute(
            "UPDATE incidents SET status = %s, schema = %s, doc = %s, version = nextval('change_versions'), "
            "updated_at = clock_timestamp(), updated_by = %s, closed_at = %s::timestamptz, review = %s, "
            "review_version = %s WHERE number = %s RETURNING version",
            [doc["status"], doc["schema"], jsonb(encode(body)), encode(user), doc.get("closed_at"), review,
             review_version, doc["number"]]).fetchone()[0]

    def change_as(self, number: int, apply: Apply[T], user: str, clock: Clock) -> T:
        """Apply ``apply(incident, now, user)`` to the incident as stored now, in one transaction."""
        token = uuid.uuid4().hex
        outcome = {}

        def work(conn):
            self._still_writable(conn)
            row = conn.execute("SELECT version FROM incidents WHERE number = %s FOR UPDATE", [number]).fetchone()
            if row is None:
                raise NotFound(f"no incident M-{number}")
            # A statement of its own, after the lock: it sees the row as the last writer left it.
            doc, entries, last = conn.execute(ONE, [number]).fetchone()
            stored, current = self._incident(doc, entries)
            before = len(stored["timeline"])
            held = (row[0], stored, current, last)  # unchanged: our view still catches up
            incident, result = apply_change(stored, apply, self._now(conn, clock), user)
            if incident is not None:
                doc = incident.to_dict()
                version = self.update(conn, doc, user)
                self.append_timeline(conn, number, doc["timeline"][before:], token)
                self.notify(conn, number)
                held = (version, doc, incident, conn.execute(LAST_SEQ, [number]).fetchone()[0])
            outcome["held"] = held
            return result

        try:
            result = self.transaction(f"M-{number}", work, token)
        except ReadOnlyStore as exc:
            self.read_only_reason = str(exc)  # someone with a newer mishap wrote it meanwhile
            raise
        version, stored, incident, last = outcome["held"]
        self.view.wrote(number, version, stored, incident, last)
        return result

    # -- the review of closed incidents (precomputed rows, one query whatever the history) ---------

    def review_rows(self, progress=None) -> list:
        """Every closed incident's review row (one query, whatever the history)."""
        return self.review.rows()

    def review_patterns(self) -> dict:
        """Closed incidents that share a client or a kind of mistake with others, by number."""
        return self.review.patterns()

    def review_needs_build(self) -> bool:
        """Never: the rows are worked out at every close."""
        return False

    def review_changed(self) -> bool:
        """Whether someone closed, reopened or edited a closed incident since the rows were read."""
        return self.review.changed()

    def review_problems(self) -> list[str]:
        """None: every row is checked when it is written."""
        return []

    def save_review_index(self) -> bool:
        """Keep rows worked out again (stored in another form) in this form, for the next reader; never waits."""
        return False if self.read_only else self.review.save()
