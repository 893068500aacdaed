"""Presence in a PostgreSQL store: one row per console in ``presence``, on a connection of its own.

The row is keyed by the console and carries its connection's server process (``pg_backend_pid()``
and that process's start): a reader counts a row only while that process still serves a
connection (``pg_stat_activity``), so a console that exits or is killed vanishes from the
others' screens at their next read, and the reader removes its row. Nothing here takes a
row lock of the record or waits on one; a server that cannot be reached shows nobody, and
the console's own note is written again once it is back.

The role the connection logged in as (``current_user``) is the console's name unless
``$MISHAP_USER`` says otherwise (storage.store.presence).
"""

from __future__ import annotations

import json
from typing import Callable

from ...domain.presence import STALE_SECONDS, Presence
from ..errors import StoreError
from .connect import Target, psycopg_module
from .session import Session

SAY = """INSERT INTO presence (pid, backend_start, console, note)
         SELECT pg_backend_pid(), a.backend_start, %s, %s::jsonb FROM pg_stat_activity a
          WHERE a.pid = pg_backend_pid()
         ON CONFLICT (console) DO UPDATE
            SET pid = excluded.pid, backend_start = excluded.backend_start, note = excluded.note,
                beat_at = clock_timestamp()"""
# Live: its connection's process still runs, and it said so lately (a frozen console's connection lingers).
READ = """SELECT p.note FROM presence p JOIN pg_stat_activity a ON a.pid = p.pid AND a.backend_start = p.backend_start
           WHERE p.beat_at > clock_timestamp() - make_interval(secs => %s)"""
TIDY = """DELETE FROM presence p WHERE p.beat_at <= clock_timestamp() - make_interval(secs => %s)
             OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = p.pid AND a.backend_start = p.backend_start)"""


class PostgresPresence:
    """The ``presence`` table, on one autocommit connection of this board's own (a
    :class:`storage.store.presence.PresenceBoard`)."""

    def __init__(self, target: Target, now: Callable):
        self.target = target
        self.now = now
        self.problem: str | None = None
        self.role: str | None = None
        self._session = Session(target)  # a connection of its own, never the store's
        try:
            self.role = self._run(lambda conn: conn.execute("SELECT current_user").fetchone()[0])
        except StoreError:
            pass  # offline now: the login name serves, and notes are written once the server is back

    def _run(self, work):
        """``work(conn)``, once more on a fresh connection if the old one was lost (the store's Session)."""
        try:
            return self._session.run(work)
        except psycopg_module().Error as exc:  # no presence table (an older database, read-only): nobody shown
            raise StoreError(self.target.problem(exc)) from None

    def say(self, note: Presence) -> None:
        try:
            self._run(lambda conn: conn.execute(SAY, [note.console, json.dumps(note.to_dict())]))
        except StoreError as exc:
            self.problem = f"could not say you are here: {exc}"
            return
        self.problem = None

    def read(self) -> list[Presence]:
        def work(conn):
            conn.execute(TIDY, [STALE_SECONDS])
            return [row[0] for row in conn.execute(READ, [STALE_SECONDS])]

        try:
            rows = self._run(work)
        except StoreError:
            return []
        notes = [Presence.from_dict(row if isinstance(row, dict) else json.loads(row)) for row in rows]
        return [n for n in notes if n is not None]

    def leave(self, console: str) -> None:
        if not self._session.connected:
            return  # no connection, so no row that counts: nothing to wait for while closing
        try:
            self._run(lambda conn: conn.execute("DELETE FROM presence WHERE console = %s", [console]))
        except StoreError:
            pass  # the connection ends with us, and the row stops counting with it

    def close(self) -> None:
        self._session.drop()
