"""The PostgreSQL store's connection: reconnecting, "offline", and transactions never applied twice.

Reads are tried once more on a fresh connection when the old one was lost. A write is one
transaction with the lock timeout; a connection lost before COMMIT is tried again (nothing
was written), one lost during COMMIT first looks up the change's token (it may have
committed), so nothing is applied twice.
"""

from __future__ import annotations

from typing import Callable

from ..errors import StoreError
from .connect import Target, psycopg_module

LOCK_TIMEOUT = "4s"  # a row held longer than this: "someone else is changing M-12, try again"


class Session:
    """One connection for reads and writes, replaced when lost; ``connection_problem`` while it cannot be."""

    def __init__(self, target: Target):
        self.target = target
        self.location = target.location
        self.lock_timeout = LOCK_TIMEOUT
        self.listening_offline: str | None = None  # set by the listener while it cannot connect (see listen)
        self._conn = None
        self._offline: str | None = None  # set by a failed connect, cleared by a good one

    @property
    def connection_problem(self) -> str | None:
        """"offline: cannot reach HOST/DB, retrying" while the server cannot be reached; else None."""
        return self._offline or self.listening_offline

    def offline_message(self) -> str:
        """What a refused write says while the server cannot be reached."""
        return f"offline: cannot reach {self.location}; nothing was saved: try again when it is back"

    def drop(self) -> None:
        """Close the connection (a broken one may fail to close: it is gone either way)."""
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone either way
                pass
        self._conn = None

    @property
    def connected(self) -> bool:
        """Whether a connection is open now (nothing is tried)."""
        conn = self._conn
        return conn is not None and not conn.closed and not conn.broken

    def _connection(self):
        if self.connected:
            return self._conn
        self.drop()
        try:
            self._conn = self.target.connect()
        except StoreError:
            self._offline = f"offline: cannot reach {self.location}, retrying"
            raise
        self._offline = None
        return self._conn

    def run(self, work: Callable):
        """``work(conn)`` (reads, or a transaction that surely did not commit), once more after a lost connection."""
        psycopg = psycopg_module()
        for attempt in (1, 2):
            conn = self._connection()
            try:
                return work(conn)
            except psycopg.errors.InsufficientPrivilege as exc:
                raise StoreError(self.no_access(exc)) from None
            except psycopg.OperationalError as exc:
                if not conn.broken and not conn.closed:
                    raise StoreError(f"{self.location}: {self.target.problem(exc)}") from None
                self.drop()
                if attempt == 2:
                    self._offline = f"offline: cannot reach {self.location}, retrying"
                    raise StoreError(f"{self.offline_message()} ({self.target.problem(exc)})") from None

    def write(self, what: str, work: Callable, token: str | None = None):
        """``work(conn)`` in one transaction with the lock timeout; never applied twice after a lost COMMIT."""
        psycopg = psycopg_module()
        for attempt in (1, 2):
            try:
                conn = self._connection()
            except StoreError:
                raise StoreError(self.offline_message()) from None
            committing = False
            try:
                with conn.transaction():
                    conn.execute("SELECT set_config('lock_timeout', %s, true)", [self.lock_timeout])
                    result = work(conn)
                    committing = True
                return result
            except psycopg.errors.LockNotAvailable:
                raise StoreError(f"someone else is changing {what}, try again") from None
            except psycopg.errors.InsufficientPrivilege as exc:
                raise StoreError(self.no_access(exc)) from None
            except psycopg.OperationalError as exc:
                if not conn.broken and not conn.closed:
                    raise StoreError(f"{self.location}: {self.target.problem(exc)}") from None
                self.drop()
                if committing and token is not None and self.landed(what, token):
                    return result
                if attempt == 2:
                    raise StoreError(f"{self.offline_message()} ({self.target.problem(exc)})") from None
        raise AssertionError("unreachable")

    def no_access(self, exc: Exception) -> str:
        """What a refusal for lack of privileges says, without the password."""
        return (f"{self.location}: {self.target.problem(exc)}: ask the database's owner to grant you mishap's "
                f"tables (GRANT … ON ALL TABLES IN SCHEMA public)")

    def landed(self, what: str, token: str) -> bool:
        """After a lost COMMIT: whether the change with ``token`` is in the database."""
        try:
            return self.run(lambda conn: conn.execute(
                "SELECT EXISTS (SELECT 1 FROM timeline WHERE change = %s)", [token]).fetchone()[0])
        except StoreError:
            raise StoreError(f"the connection to {self.location} was lost while saving {what}: it may or may not "
                             f"be saved; look at {what} when the store is back before doing it again") from None
