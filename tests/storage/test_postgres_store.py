"""What only the PostgreSQL store has: a server that goes away, row locks, a lost COMMIT, its schema, its secrets.

Every test runs against the run's real server (support.pg_server), on a database of its own; the one that
restarts the server has a server of its own (``pg_own_server``).
"""

from __future__ import annotations

import asyncio
import subprocess
import time

import psycopg
import pytest

from storage.store import StoreError, open_store
from storage.store.postgres.store import PostgresStore
from storage.store.postgres import schema
from support.pg_fixtures import admin
from support.pg_server import TEAMMATE, TEAMMATE_PASSWORD


def _note(text):
    return lambda inc, now, by: inc.add_note(text, now, by)


def _kill_mishap_connections(conn) -> int:
    """Terminate every mishap connection to the database (as an admin would, or a network cut)."""
    return len(conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = 'mishap' AND datname = current_database()").fetchall())


async def _listening(conn) -> None:
    """Wait until a mishap connection LISTENs on the database (60 s: a guard against hanging, not a
    speed test; a count of rounds ran out on a loaded machine)."""
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mishap' "
                           "AND query LIKE 'LISTEN%%' AND datname = current_database()").fetchone()
        if row[0]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the listener never connected")


def test_the_timeline_refuses_update_and_delete(pg_url, pg_admin, clock):
    open_store(pg_url, clock=clock).create("a", "c", 2)
    for statement in ("UPDATE timeline SET entry = '{}'", "DELETE FROM timeline", "TRUNCATE timeline"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            pg_admin.execute(statement)
    assert pg_admin.execute("SELECT count(*) FROM timeline").fetchone()[0] == 1


def test_a_row_held_too_long_says_someone_else_is_changing_it(pg_url, pg_admin, clock):
    store = open_store(pg_url, clock=clock)
    store.create("a", "c", 2)
    store.session.lock_timeout = "300ms"  # the product waits 4 s; the message is the same
    with pg_admin.transaction():
        pg_admin.execute("SELECT 1 FROM incidents WHERE number = 1 FOR UPDATE")
        with pytest.raises(StoreError, match="^someone else is changing M-1, try again$"):
            store.change(1, _note("blocked"))
    store.change(1, _note("after"))  # the lock is free: it goes through, once
    assert [t.text for t in open_store(pg_url).get(1).timeline if t.kind == "note"] == ["after"]


def test_a_killed_connection_is_replaced_without_a_word(pg_url, pg_admin, clock):
    store = open_store(pg_url, clock=clock)
    store.create("a", "c", 2)
    assert _kill_mishap_connections(pg_admin) == 1
    store.change(1, _note("after the kill"))
    assert store.connection_problem is None
    assert [t.text for t in open_store(pg_url).get(1).timeline][-1] == "after the kill"


def test_a_commit_cut_off_is_tried_again_and_applied_once(pg_url, pg_admin, clock):
    store = open_store(pg_url, clock=clock)
    store.create("a", "c", 2)
    # At the first COMMIT that writes a timeline entry, the server ends the connection: the
    # transaction did not commit and the client cannot tell. The sequence is not rolled back.
    pg_admin.execute("""
        CREATE SEQUENCE cut_once;
        CREATE FUNCTION cut_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF nextval('cut_once') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
            RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER cut_at_commit AFTER INSERT ON timeline DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION cut_commit();
    """)
    store.change(1, _note("once"))
    assert pg_admin.execute("SELECT last_value FROM cut_once").fetchone()[0] >= 2  # it was cut, then tried again
    got = open_store(pg_url).get(1)
    assert [t.text for t in got.timeline if t.kind == "note"] == ["once"] and got.revision == 1


def test_landed_finds_a_change_that_committed(pg_url, clock):
    store = open_store(pg_url, clock=clock)
    store.create("a", "c", 2)
    token = psycopg.connect(pg_url).execute("SELECT change FROM timeline").fetchone()[0]
    assert store.session.landed("M-1", token) and not store.session.landed("M-1", "no-such-change")


async def test_the_listener_resyncs_after_its_connection_is_killed(pg_url, pg_admin, clock):
    mine, theirs = open_store(pg_url, clock=clock), open_store(pg_url, clock=clock)
    mine.create("a", "c", 2)
    stream = mine.changes(interval=0.05).__aiter__()
    waiting = asyncio.ensure_future(stream.__anext__())
    await _listening(pg_admin)
    _kill_mishap_connections(pg_admin)
    # Written while the listener is away: its notification is lost, the resync is not.
    theirs.change(1, _note("while away"))
    await asyncio.wait_for(waiting, timeout=30)
    for _ in range(5):  # a notification may still arrive after the resync: either way it is there
        if [t.text for t in mine.get(1).timeline][-1] == "while away":
            break
        await asyncio.wait_for(stream.__anext__(), timeout=30)
    assert [t.text for t in mine.get(1).timeline][-1] == "while away"
    assert mine.connection_problem is None
    await stream.aclose()


async def test_a_server_restart_shows_offline_then_the_latest_state(pg_own_server, pg_url, pg_admin, clock):
    mine = open_store(pg_url, clock=clock, user="ana")
    mine.create("a", "c", 2)
    stream = mine.changes(interval=0.05).__aiter__()
    waiting = asyncio.ensure_future(stream.__anext__())
    await _listening(pg_admin)
    pg_admin.close()
    await asyncio.to_thread(pg_own_server.stop)
    try:
        await asyncio.wait_for(waiting, timeout=30)  # it says so at once
        assert mine.connection_problem.startswith("offline: cannot reach ")
        assert pg_own_server.url("x").split("?")[0] not in mine.connection_problem
        with pytest.raises(StoreError, match="^offline: cannot reach .*nothing was saved"):
            mine.change(1, _note("refused while offline"))
        assert [inc.number for inc in mine.open_incidents()] == [1]  # what was last read stays
    finally:
        await asyncio.to_thread(pg_own_server.begin)
    theirs = open_store(pg_url, clock=clock, user="omar")
    theirs.change(1, _note("after the restart"))
    for _ in range(5):
        await asyncio.wait_for(stream.__anext__(), timeout=60)
        if mine.connection_problem is None and mine.get(1).timeline[-1].text == "after the restart":
            break
    assert mine.connection_problem is None
    assert [t.text for t in mine.get(1).timeline if t.kind == "note"] == ["after the restart"]
    mine.change(1, _note("back"))  # writes work again
    await stream.aclose()


def test_messages_never_show_the_password(pg_server, pg_url):
    database = pg_url.split("?")[0].rsplit("/", 1)[1]
    wrong = pg_server.url(database, TEAMMATE, "not-the-" + TEAMMATE_PASSWORD)
    with pytest.raises(StoreError) as refused:
        open_store(wrong)
    assert TEAMMATE_PASSWORD not in str(refused.value) and "not-the-" not in str(refused.value)
    assert "refused you" in str(refused.value) and f"/{database}" in str(refused.value)
    missing = pg_server.url("no_such_db", TEAMMATE, TEAMMATE_PASSWORD)
    with pytest.raises(StoreError, match="does not exist") as absent:
        open_store(missing)
    assert TEAMMATE_PASSWORD not in str(absent.value)
    store = open_store(pg_server.url(database, TEAMMATE, TEAMMATE_PASSWORD))
    assert TEAMMATE_PASSWORD not in store.location and store.location.endswith(f"/{database}")
    store.create("by the teammate", "c", 3)


def test_a_database_of_a_newer_mishap_opens_read_only(pg_url, pg_admin, clock):
    open_store(pg_url, clock=clock).create("a", "c", 2)
    pg_admin.execute("INSERT INTO mishap_migrations (number, name) VALUES (%s, 'from the future')",
                     [schema.known() + 1])
    store = open_store(pg_url, clock=clock)
    assert store.read_only and "newer mishap" in store.read_only_reason
    assert store.get(1).title == "a"
    with pytest.raises(StoreError, match="newer"):
        store.change(1, _note("x"))


OPENER = r'''
import sys
from storage.store import open_store
open_store(sys.argv[1]).create("from " + sys.argv[2], "c", 3)
'''


def test_processes_opening_an_empty_database_at_once_migrate_it_once(pg_server, tmp_path, child_env, python):
    with admin(pg_server) as conn:
        conn.execute("CREATE DATABASE empty_at_start")
    try:
        url = pg_server.url("empty_at_start")
        script = tmp_path / "opener.py"
        script.write_text(OPENER)
        children = [subprocess.Popen([python, str(script), url, str(n)], env=child_env, stderr=subprocess.PIPE)
                    for n in range(4)]
        for child in children:
            assert child.wait(timeout=120) == 0, child.stderr.read().decode()
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT number FROM mishap_migrations").fetchall() == [(n,) for n, _, _ in
                                                                                     schema.migrations()]
            assert sorted(n for (n,) in conn.execute("SELECT number FROM incidents")) == [1, 2, 3, 4]
    finally:
        with admin(pg_server) as conn:
            conn.execute("DROP DATABASE empty_at_start WITH (FORCE)")


def test_an_unreachable_server_is_one_clear_line(tmp_path):
    with pytest.raises(StoreError) as refused:
        open_store(f"postgresql://someone:hunter22@/mishap?host={tmp_path}")
    message = str(refused.value)
    assert message.startswith(f"offline: cannot reach {tmp_path}/mishap") and "hunter22" not in message
    assert "\n" not in message


def test_without_psycopg_the_message_says_what_to_install(python, child_env):
    code = ("import sys; sys.modules['psycopg'] = None\n"
            "from storage.store import open_store, StoreError\n"
            "try:\n    open_store('postgresql://db.example/mishap')\n"
            "except StoreError as exc:\n    print(exc)\n")
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, env=child_env)
    assert done.stdout == "a PostgreSQL store needs the psycopg driver: pip install 'mishap[postgres]'\n", done.stderr


def test_postgres_urls_of_both_spellings_and_from_the_environment(pg_url, monkeypatch):
    assert isinstance(open_store(pg_url.replace("postgresql://", "postgres://", 1)), PostgresStore)
    monkeypatch.setenv("MISHAP_DB", pg_url)
    store = open_store(None)
    assert isinstance(store, PostgresStore) and store.folder is None


def test_the_postgres_store_offers_every_method_of_the_interface_with_its_parameters(pg_url):
    import inspect

    from storage.store import IncidentStore

    store = open_store(pg_url)
    assert isinstance(store, IncidentStore)
    declared = {name: member for name, member in vars(IncidentStore).items()
                if not name.startswith("_") and (callable(member) or isinstance(member, property))}
    for name, member in declared.items():
        assert hasattr(store, name), f"PostgresStore lacks {name}"
        if callable(member):
            wanted = list(inspect.signature(member).parameters)
            offered = list(inspect.signature(getattr(PostgresStore, name)).parameters)
            assert offered[:len(wanted)] == wanted, f"{name}: {offered} != {wanted}"


def test_a_failing_schema_change_leaves_nothing_applied(pg_url, monkeypatch, clock):
    open_store(pg_url, clock=clock).create("made before the upgrade", "c", 2)
    real = schema.migrations()
    # A newer mishap with two migrations more: the first fine, the second failing half-way.
    fine = (98, "0098_fine", "ALTER TABLE incidents ADD COLUMN extra integer")
    broken = (99, "0099_broken", "ALTER TABLE drafts ADD COLUMN doomed integer; SELECT 1 / 0")
    monkeypatch.setattr(schema, "migrations", lambda: [*real, fine, broken])
    with pytest.raises(StoreError, match="could not bring its tables up to date .*nothing was changed"):
        open_store(pg_url, clock=clock)
    with psycopg.connect(pg_url) as conn:
        assert [n for (n,) in conn.execute("SELECT number FROM mishap_migrations ORDER BY number")] == \
            [n for n, _, _ in real]
        columns = {name for (name,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name IN ('incidents', 'drafts')")}
        assert not {"extra", "doomed"} & columns  # neither the broken one nor the one before it in the run
    monkeypatch.setattr(schema, "migrations", lambda: real)
    store = open_store(pg_url, clock=clock)
    assert store.get(1).title == "made before the upgrade" and not store.read_only
    assert store.create("after the failed upgrade", "c", 2).number == 2


def test_a_write_committed_after_a_later_one_is_not_missed(pg_url, clock):
    mine, theirs = open_store(pg_url, clock=clock, user="ana"), open_store(pg_url, clock=clock, user="omar")
    for title in ("first", "second"):
        theirs.create(title, "c", 2)
    assert mine.refresh() and [inc.number for inc in mine.open_incidents()] == [1, 2]
    slow = psycopg.connect(pg_url)  # a transaction that takes its version first and commits last
    slow.execute("UPDATE incidents SET version = nextval('change_versions'), "
                 "doc = jsonb_set(doc, '{title}', '\"renamed slowly\"') WHERE number = 2")
    theirs.change(1, _note("quick"))
    assert mine.refresh() and mine.get(1).timeline[-1].text == "quick"
    assert mine.get(2).title == "second"
    slow.commit()
    slow.close()
    assert mine.changed() and mine.refresh()
    assert mine.get(2).title == "renamed slowly"
    theirs.change(1, lambda inc, now, by: inc.close(now, by, reason="closed in a test"))
    assert mine.refresh() and [inc.number for inc in mine.open_incidents()] == [2]
    theirs.change(1, lambda inc, now, by: inc.set_status("open", now, by))
    theirs.change(1, _note("after the reopen"))
    assert mine.refresh() and not mine.changed()
    assert mine.get(1).to_dict() == open_store(pg_url, clock=clock).get(1).to_dict()
    assert [t.text for t in mine.get(1).timeline][-1] == "after the reopen"


async def test_a_draft_and_a_team_file_written_elsewhere_are_news_to_a_listening_console(pg_url, pg_admin, clock):
    from storage.store.migrate import side_of

    mine = open_store(pg_url, clock=clock, user="ana")
    mine.create("a", "c", 2)
    stream = mine.changes(interval=0.05).__aiter__()
    first = asyncio.ensure_future(stream.__anext__())
    await _listening(pg_admin)
    other = open_store(pg_url, clock=clock, user="omar")
    await asyncio.to_thread(other.save_draft, 1, {"summary": "omar's words"})
    await asyncio.wait_for(first, timeout=30)  # a guard against hanging, not a speed test
    assert mine.draft(1) == {"summary": "omar's words"}
    waiting = asyncio.ensure_future(stream.__anext__())
    side = side_of(pg_url)
    await asyncio.to_thread(side.put_team_file, "playbook.toml",
                            '[[phase]]\nname = "Contain"\nsteps = ["Stop it", "Tell them"]\n')
    await asyncio.wait_for(waiting, timeout=30)
    assert [phase.name for phase in mine.playbook.phases] == ["Contain"]
    await stream.aclose()
    mine.close()
