"""A PostgreSQL store as one end of ``mishap migrate`` (see storage.store.migrate).

A batch of incidents is one transaction: their rows and every timeline entry sent with
COPY, one notification for the batch. Each batch has a token of its
own on its entries, so a COMMIT lost with the connection is looked up, never applied twice
(storage.store.postgres.session); a batch that writes no entry only updates rows to what
they already say, which is safe to do again.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from ..errors import StoreError
from .codec import ESCAPE, decode, encode, jsonb, jsonb_text
from .review import review_value
from .store import CHANNEL, WITH_TIMELINE, PostgresStore

BATCH = 500  # incidents read per query: the history is never in memory all at once
#: WITH_TIMELINE as text: parsed here, and decoded only where the codec's escape is in it
AS_TEXT = WITH_TIMELINE.replace("SELECT i.doc, coalesce(", "SELECT i.doc::text, coalesce(").replace(
    "'[]'::jsonb)", "'[]'::jsonb)::text")


def _loaded(text: str):
    value = json.loads(text)
    return decode(value) if ESCAPE in text else value


class PostgresSide:
    """Documents in and out of a PostgreSQL store, each write its own transaction."""

    def __init__(self, url: str):
        self.store = PostgresStore.open(url, user="mishap migrate")
        self.location = self.store.location

    def incidents(self) -> Iterator[dict]:
        """Every incident, in number order, BATCH at a time (the next batch read while this one is used)."""
        def batch_after(number: int) -> list:
            return self.store.session.run(lambda conn: conn.execute(
                "SELECT i.number, " + AS_TEXT.removeprefix("SELECT ") + " WHERE i.number > %s ORDER BY i.number "
                "LIMIT %s", [number, BATCH]).fetchall())

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mishap-migrate-read") as reader:
            coming = reader.submit(batch_after, 0)
            while coming is not None:
                rows = coming.result()
                coming = reader.submit(batch_after, rows[-1][0]) if len(rows) == BATCH else None
                for _, doc, entries in rows:
                    stored = _loaded(doc)
                    stored["timeline"] = _loaded(entries)
                    yield stored

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

    def count(self) -> int:
        """How many incidents are held, open and closed."""
        return self.store.session.run(lambda conn: conn.execute("SELECT count(*) FROM incidents").fetchone()[0])

    def existing(self, numbers: list[int]) -> dict[int, dict]:
        """Those of incidents ``numbers`` held here, by number (one query)."""
        rows = self.store.session.run(lambda conn: conn.execute(
            AS_TEXT + " WHERE i.number = ANY(%s)", [numbers]).fetchall())
        found = {}
        for doc, entries in rows:
            stored = _loaded(doc)
            stored["timeline"] = _loaded(entries)
            found[stored["number"]] = stored
        return found

    def put(self, docs: list[tuple[dict, dict | None]]) -> None:
        """Insert the new incidents and bring earlier copies up to date, in one transaction."""
        store, token, user = self.store, f"migrate-{uuid.uuid4().hex}", "mishap migrate"
        rows, entries, updates = [], [], []
        for doc, replaces in docs:
            if replaces is None:
                body = {key: value for key, value in doc.items() if key != "timeline"}
                review, review_version = review_value(doc)
                rows.append([doc["number"], doc["status"], doc.get("schema"), jsonb_text(body), user,
                             doc.get("closed_at"), review, review_version])
                new = doc.get("timeline") or []
            else:
                updates.append(doc)
                new = doc["timeline"][len(replaces["timeline"]):]
            entries += [(doc["number"], jsonb_text(entry), token) for entry in new]

        def work(conn):
            # Not waiting for the disk at each batch: ``finish`` waits for it once, and so makes
            # every batch before it durable; a server crash before then loses whole batches
            # (never part of one), which the next run copies.
            conn.execute("SET LOCAL synchronous_commit = off")
            versions = conn.execute("SELECT nextval('change_versions') FROM generate_series(1, %s)",
                                    [len(rows)]).fetchall()
            with conn.cursor() as cur:
                with cur.copy("COPY incidents (number, status, schema, doc, updated_by, closed_at, review, "
                              "review_version, version) FROM STDIN") as copy:
                    for row, (version,) in zip(rows, versions):
                        copy.write_row([*row, version])
                for doc in updates:
                    cur.execute("SELECT 1 FROM incidents WHERE number = %s FOR UPDATE", [doc["number"]])
                    store.update(conn, doc, user)
                with cur.copy("COPY timeline (number, entry, change) FROM STDIN") as copy:
                    for entry in entries:
                        copy.write_row(entry)
            # One word for the batch: a console listening looks, by index, at what was written.
            conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"migrate {store.instance}"])

        first, last = docs[0][0]["number"], docs[-1][0]["number"]
        store.transaction(f"M-{first}…M-{last}" if first != last else f"M-{first}", work, token)

    def put_draft(self, doc: dict) -> None:
        """Keep the draft as it is (the consoles told: it is news, read when shown)."""
        def work(conn):
            conn.execute("INSERT INTO drafts (number, doc, version) VALUES (%s, %s, nextval('change_versions')) "
                         "ON CONFLICT (number) DO UPDATE SET doc = excluded.doc, version = excluded.version",
                         [doc["number"], jsonb(encode(doc))])
            self.store.notify(conn, doc["number"], "draft")

        self.store.transaction(f"the draft of M-{doc['number']}", work)

    def put_team_file(self, name: str, body: str) -> None:
        """Keep the team file's text, shared by everyone on the store (the consoles told: they read it again)."""
        def work(conn):
            conn.execute("INSERT INTO team_files (name, body, version) VALUES (%s, %s, nextval('change_versions')) "
                         "ON CONFLICT (name) DO UPDATE SET body = excluded.body, version = excluded.version",
                         [name, body])
            conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"files {self.store.instance}"])

        self.store.transaction(name, work)

    def count_past(self, number: int) -> None:
        """Move the number sequence so the next incident is above ``number`` (never backwards)."""
        self.store.transaction("the incident numbers", lambda conn: conn.execute(
            "SELECT setval('incident_numbers', greatest(%s, (SELECT CASE WHEN is_called THEN last_value "
            "ELSE last_value - 1 END FROM incident_numbers)), true)", [max(number, 1)]))

    def finish(self) -> None:
        """Wait until every batch is on disk; bring the planner's statistics up to date for what came in.

        A transaction with an id of its own, committed synchronously, is flushed to disk with
        everything committed before it. (Without fresh statistics, the first reads after a bulk
        load plan for a table of unknown size.)
        """
        if self.store.read_only:
            return
        self.store.transaction("the copy", lambda conn: conn.execute("SELECT pg_current_xact_id()"))
        try:
            self.store.session.run(lambda conn: conn.execute("ANALYZE incidents, timeline, drafts"))
        except StoreError:
            pass  # the copy is whole without; the server's autovacuum does it in time

