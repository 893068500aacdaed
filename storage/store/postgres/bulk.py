"""A PostgreSQL store as one end of ``mishap migrate`` (see storage.store.migrate)."""

from __future__ import annotations

import uuid
from typing import Iterator

from .codec import decode, encode, jsonb
from .store import WITH_TIMELINE, PostgresStore

BATCH = 500  # incidents read per query: the history is never in memory all at once


class PostgresSide:
    """Documents in and out of a PostgreSQL store, each write its own transaction."""

    def __init__(self, url: str):
        self.store = PostgresStore.open(url, user="mishap migrate")
        self.location = self.store.location
        self._token = f"migrate-{uuid.uuid4().hex}"

    def incidents(self) -> Iterator[dict]:
        """Every incident, in number order, BATCH at a time."""
        last = 0
        while True:
            rows = self.store.session.run(lambda conn: conn.execute(
                WITH_TIMELINE + " WHERE i.number > %s ORDER BY i.number LIMIT %s", [last, BATCH]).fetchall())
            for doc, entries in rows:
                stored = decode(doc)
                stored["timeline"] = decode(entries)
                last = stored["number"]
                yield stored
            if len(rows) < BATCH:
                return

    def highest(self) -> int:
        """The highest incident number held (0 for none), read without reading documents."""
        return self.store.session.run(lambda conn: conn.execute(
            "SELECT coalesce(max(number), 0) FROM incidents").fetchone()[0])

    def drafts(self) -> list[dict]:
        """Every draft document."""
        return [decode(doc) for (doc,) in self.store.session.run(
            lambda conn: conn.execute("SELECT doc FROM drafts ORDER BY number").fetchall())]

    def team_files(self) -> dict[str, str]:
        """The team files kept in the database."""
        return dict(self.store.session.run(lambda conn: conn.execute("SELECT name, body FROM team_files").fetchall()))

    def existing(self, number: int) -> dict | None:
        """Incident ``number`` as stored here, or None."""
        row = self.store.session.run(lambda conn: conn.execute(WITH_TIMELINE + " WHERE i.number = %s",
                                                        [number]).fetchone())
        if row is None:
            return None
        stored = decode(row[0])
        stored["timeline"] = decode(row[1])
        return stored

    def put(self, doc: dict, replaces: dict | None) -> None:
        """Insert the incident, or bring an earlier copy up to date (new timeline entries appended)."""
        store = self.store

        def work(conn):
            if replaces is None:
                store.insert(conn, doc, "mishap migrate", self._token)
                return
            conn.execute("SELECT 1 FROM incidents WHERE number = %s FOR UPDATE", [doc["number"]])
            store.update(conn, doc, "mishap migrate")
            store.append_timeline(conn, doc["number"], doc["timeline"][len(replaces["timeline"]):], self._token)

        store.transaction(f"M-{doc['number']}", work)

    def put_draft(self, doc: dict) -> None:
        """Keep the draft as it is."""
        self.store.transaction(f"the draft of M-{doc['number']}", lambda conn: conn.execute(
            "INSERT INTO drafts (number, doc, version) VALUES (%s, %s, nextval('change_versions')) "
            "ON CONFLICT (number) DO UPDATE SET doc = excluded.doc, version = excluded.version",
            [doc["number"], jsonb(encode(doc))]))

    def put_team_file(self, name: str, body: str) -> None:
        """Keep the team file's text, shared by everyone on the store."""
        self.store.transaction(name, lambda conn: conn.execute(
            "INSERT INTO team_files (name, body, version) VALUES (%s, %s, nextval('change_versions')) "
            "ON CONFLICT (name) DO UPDATE SET body = excluded.body, version = excluded.version", [name, body]))

    def count_past(self, number: int) -> None:
        """Move the number sequence so the next incident is above ``number`` (never backwards)."""
        self.store.transaction("the incident numbers", lambda conn: conn.execute(
            "SELECT setval('incident_numbers', greatest(%s, (SELECT CASE WHEN is_called THEN last_value "
            "ELSE last_value - 1 END FROM incident_numbers)), true)", [max(number, 1)]))

    def finish(self) -> None:
        """Every write was its own committed transaction: nothing to flush."""
