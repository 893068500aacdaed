"""pytest fixtures for the PostgreSQL tests (registered in tests/conftest.py): one server per run, a fresh database per test.

One server serves the whole run, every xdist worker included (support.pg_server): the run's
controller (the only process under ``-n 0``) makes its folder when pytest starts and hands the
folder to each worker; the first process that needs the server starts it there, under a file
lock, with a migrated template database and a teammate role, and the others find it running.
The controller stops it and removes the folder when the run ends; a run killed before that is
cleaned up by the next one (``reap_orphans``). Each test gets ``CREATE DATABASE … TEMPLATE``
of the template, dropped afterwards, so tests on the one server never see each other's data.

A test that stops and starts the server asks for ``pg_own_server`` instead of ``pg_server``:
a server of its own (its ``pg_url`` and ``pg_admin`` are on that one), so the other tests
running meanwhile keep theirs.

A server that cannot start fails the test with the reason: the tests never skip silently.
Only MISHAP_NO_POSTGRES=1, set on purpose, turns that into a skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from support.pg_server import (SUPERUSER, TEAMMATE, TEAMMATE_PASSWORD, NoServer, PgServer, reap_orphans,
                               server_folder)

TEMPLATE = "mishap_template"
_FOLDER = "mishap_pg_folder"  # the workerinput key that hands the run's server folder to each worker
_folder_key = pytest.StashKey[Path]()
_names = itertools.count(1)


def admin(server: PgServer, db: str = "postgres"):
    """A superuser connection (autocommit) to ``db``: for setting up, never for what a test checks."""
    import psycopg

    return psycopg.connect(server.url(db), autocommit=True)


def _is_controller(config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_configure(config) -> None:
    """The controller stops what killed runs left running, and makes this run's server folder (empty)."""
    if _is_controller(config):
        reap_orphans()
        config.stash[_folder_key] = server_folder(owner=os.getpid())
    else:
        config.stash[_folder_key] = Path(config.workerinput[_FOLDER])


@pytest.hookimpl(optionalhook=True)  # an xdist hook: known only while pytest-xdist is loaded
def pytest_configure_node(node) -> None:
    node.workerinput[_FOLDER] = str(node.config.stash[_folder_key])


def pytest_sessionfinish(session) -> None:
    """The controller stops the run's server (if one was started) and removes its folder."""
    config = session.config
    if not _is_controller(config) or _folder_key not in config.stash:
        return
    folder = config.stash[_folder_key]
    if (folder / "state").exists():
        try:
            PgServer(root=folder).destroy()
        except NoServer:
            pass
    shutil.rmtree(folder, ignore_errors=True)


def _prepare(server: PgServer) -> None:
    """The migrated template database each test's database is copied from, and the teammate role."""
    from storage.store.postgres.store import PostgresStore

    with admin(server) as conn:
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
        conn.execute(f"CREATE ROLE {TEAMMATE} LOGIN PASSWORD '{TEAMMATE_PASSWORD}'")
    PostgresStore.open(server.url(TEMPLATE)).close()
    with admin(server, TEMPLATE) as conn:  # a teammate works on the tables the owner made
        conn.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {TEAMMATE}")
        conn.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {TEAMMATE}")


def _no_postgres_wanted() -> None:
    if os.environ.get("MISHAP_NO_POSTGRES") == "1":
        pytest.skip("MISHAP_NO_POSTGRES=1: the PostgreSQL tests were turned off on purpose")


@pytest.fixture(scope="session")
def pg_server(pytestconfig):
    """The run's PostgreSQL server (shared by every worker), with a migrated template database and a teammate role.

    Never stop it in a test: ask for ``pg_own_server`` for that.
    """
    _no_postgres_wanted()
    folder = pytestconfig.stash[_folder_key]
    state = folder / "state"  # "ready", or why it could not start; absent until someone tried
    with FileLock(str(folder / "start.lock")):
        if not state.exists():
            try:
                server = PgServer(root=folder).start()
                _prepare(server)
            except Exception as exc:  # noqa: BLE001 - every worker fails with the first one's reason
                state.write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
            else:
                state.write_text("ready", encoding="utf-8")
        said = state.read_text(encoding="utf-8")
    if said != "ready":
        pytest.fail(f"cannot start a PostgreSQL server for the tests: {said}", pytrace=False)
    return PgServer(root=folder)


@pytest.fixture
def pg_own_server():
    """A server of the test's own, which it may stop and start again; destroyed after the test."""
    _no_postgres_wanted()
    try:
        server = PgServer(owner=os.getpid()).start()
    except (NoServer, OSError) as exc:
        pytest.fail(f"cannot start a PostgreSQL server for the tests: {exc}", pytrace=False)
    try:
        _prepare(server)
        yield server
    finally:
        server.destroy()


@pytest.fixture
def pg_url(request) -> str:
    """A URL of a fresh, migrated, empty database of the test's own (on ``pg_own_server`` if the test has one)."""
    server = request.getfixturevalue("pg_own_server" if "pg_own_server" in request.fixturenames else "pg_server")
    name = f"t{os.getpid()}_{next(_names)}"
    with admin(server) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        conn.execute(f"GRANT ALL ON DATABASE {name} TO {TEAMMATE}")
    yield server.url(name)
    try:
        with admin(server) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except Exception:  # noqa: BLE001 - a server stopped by the test is restarted by it; a leftover database is harmless
        pass


@pytest.fixture
def pg_admin(pg_url):
    """A superuser connection to the test's database (to kill connections, or to look under the hood)."""
    import psycopg

    conn = psycopg.connect(pg_url, autocommit=True)
    yield conn
    conn.close()


__all__ = ["pg_server", "pg_own_server", "pg_url", "pg_admin", "admin", "SUPERUSER"]
