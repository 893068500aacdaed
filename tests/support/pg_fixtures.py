"""pytest fixtures for the PostgreSQL tests (registered in tests/conftest.py): one server, a fresh database per test.

The server starts once per session (support.pg_server); a migrated template database is
made once, and each test gets ``CREATE DATABASE … TEMPLATE`` of it, dropped afterwards.
A server that cannot start fails the test with the reason: the tests never skip silently.
Only MISHAP_NO_POSTGRES=1, set on purpose, turns that into a skip.
"""

from __future__ import annotations

import itertools
import os

import pytest

from support.pg_server import SUPERUSER, TEAMMATE, TEAMMATE_PASSWORD, NoServer, PgServer

TEMPLATE = "mishap_template"
_names = itertools.count(1)


def admin(server: PgServer, db: str = "postgres"):
    """A superuser connection (autocommit) to ``db``: for setting up, never for what a test checks."""
    import psycopg

    return psycopg.connect(server.url(db), autocommit=True)


@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL server, with a migrated template database and a teammate role."""
    if os.environ.get("MISHAP_NO_POSTGRES") == "1":
        pytest.skip("MISHAP_NO_POSTGRES=1: the PostgreSQL tests were turned off on purpose")
    try:
        server = PgServer().start()
    except (NoServer, OSError) as exc:
        pytest.fail(f"cannot start a PostgreSQL server for the tests: {exc}", pytrace=False)
    try:
        from storage.store.postgres.store import PostgresStore

        with admin(server) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
            conn.execute(f"CREATE ROLE {TEAMMATE} LOGIN PASSWORD '{TEAMMATE_PASSWORD}'")
        PostgresStore.open(server.url(TEMPLATE)).close()
        with admin(server, TEMPLATE) as conn:  # a teammate works on the tables the owner made
            conn.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {TEAMMATE}")
            conn.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {TEAMMATE}")
        yield server
    finally:
        server.destroy()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A URL of a fresh, migrated, empty database of the test's own."""
    name = f"t{os.getpid()}_{next(_names)}"
    with admin(pg_server) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        conn.execute(f"GRANT ALL ON DATABASE {name} TO {TEAMMATE}")
    yield pg_server.url(name)
    try:
        with admin(pg_server) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except Exception:  # noqa: BLE001 - a server stopped by the test is restarted by it; a leftover database is harmless
        pass


@pytest.fixture
def pg_admin(pg_server, pg_url):
    """A superuser connection to the test's database (to kill connections, or to look under the hood)."""
    import psycopg

    conn = psycopg.connect(pg_url, autocommit=True)
    yield conn
    conn.close()


__all__ = ["pg_server", "pg_url", "pg_admin", "admin", "SUPERUSER"]
