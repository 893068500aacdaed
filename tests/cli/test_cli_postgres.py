"""The real ``mishap`` command on a PostgreSQL store, and ``mishap migrate`` between a folder and one."""

from __future__ import annotations

import json

import pytest

from cli_support import assert_one_line_error
from storage.store import open_store, side_of
from storage.store.migrate import tally
from support.pg_server import TEAMMATE

CLOSE_REASON = "closed from the command line in this test"
HOSTILE = "\x00 nul \ud800 lone [/] [bold]x[/bold] \x1b[31m red"


@pytest.fixture
def pg(run, pg_url):
    """Run ``mishap ARGS… --db <the test's database>``."""
    return lambda *args: run(*args, "--db", pg_url, db=False)


def test_the_everyday_commands_work_on_postgres(pg, pg_url):
    assert pg("new", "Invoices sent twice", "--client", "Acme", "--severity", "2").out == "M-1\n"
    listed = pg("list")
    assert listed.code == 0 and "M-1" in listed.out and "Invoices sent twice" in listed.out
    assert pg("update", "M-1", "We found it", "--next", "2h").out.startswith("M-1: update logged; next update due")
    assert pg("done", "M-1", "1").out.startswith("M-1: step 1 done")
    shown = pg("show", "M-1")
    assert "We found it" in shown.out and "[x]  1." in shown.out
    assert pg("close", "M-1", "--reason", CLOSE_REASON).out == f"M-1: closed (without a full close-out: {CLOSE_REASON})\n"
    assert pg("list").out == "No open incidents.\n"
    assert [row["id"] for row in json.loads(pg("review", "--json").out)] == ["M-1"]
    assert "M-1" in pg("list", "--closed").out
    stored = open_store(pg_url).get(1)
    assert stored.is_closed and [u.summary for u in stored.updates] == ["We found it"]


def test_mishap_db_in_the_environment_selects_postgres(run, pg_url, monkeypatch):
    monkeypatch.setenv("MISHAP_DB", pg_url)
    assert run("new", "From the environment", "--client", "c", "--severity", "3", db=False).out == "M-1\n"
    assert open_store(pg_url).get(1).title == "From the environment"


def test_a_refused_login_is_one_line_without_the_password(run, pg_server, pg_url):
    database = pg_url.split("?")[0].rsplit("/", 1)[1]
    result = run("list", "--db", pg_server.url(database, TEAMMATE, "Wr0ngSecret!"), db=False)
    assert_one_line_error(result, "refused you", f"/{database}")
    assert "Wr0ngSecret!" not in result.err


def _fill(folder, clock):
    store = open_store(folder, clock=clock, user="ana")
    for n in range(1, 6):
        inc = store.create(f"Incident {n} {HOSTILE}", "Acme", 1 + n % 4)
        clock.advance(minutes=7)
        store.change(inc.id, lambda i, now, by: i.add_note(f"note {HOSTILE}", now, by))
        if n % 2:
            store.change(inc.id, lambda i, now, by: i.close(now, by, reason=CLOSE_REASON))
    store.save_draft(2, {"summary": f"draft {HOSTILE}"})
    (folder / "playbook.toml").write_text('[[phase]]\nname = "Contain"\nsteps = ["Stop it", "Tell them"]\n')
    (folder / "config.toml").write_text("[cadence]\n1 = \"15m\"\n")
    return store


def test_migrate_folder_to_postgres_and_back_keeps_everything(run, tmp_path, pg_url, clock):
    source, back = tmp_path / "source", tmp_path / "back"
    _fill(source, clock)
    first = run("migrate", "--from", str(source), "--to", pg_url, db=False)
    assert first.code == 0, first.err
    assert first.out.startswith("copied 5 incidents, brought 0 up to date, left 0 as they were; 1 drafts, 2 team files")
    assert first.out.rstrip().endswith("counts and checksums match")
    again = run("migrate", "--from", str(source), "--to", pg_url, db=False)
    assert again.code == 0 and "nothing changed" in again.out.splitlines()[0]
    team = open_store(pg_url, clock=clock)
    assert team.draft(2) == {"summary": f"draft {HOSTILE}"}
    assert [phase.name for phase in team.playbook.phases] == ["Contain"] and team.config.cadence[1] == 15
    assert team.get(3).is_closed and team.get(3).title == f"Incident 3 {HOSTILE}"
    assert team.create("after the move", "c", 2).number == 6  # the numbers go on past the copied ones

    out = run("migrate", "--from", pg_url, "--to", str(back), db=False)
    assert out.code == 0 and out.out.rstrip().endswith("counts and checksums match")
    assert tally(side_of(str(back))).checksums == tally(side_of(pg_url)).checksums
    before = tally(side_of(str(source)))
    after = tally(side_of(str(back)))
    assert after.counts == {**before.counts, "open": before.counts["open"] + 1}  # plus M-6, made on the server
    assert after.checksums["closed"] == before.checksums["closed"]
    assert after.checksums["drafts"] == before.checksums["drafts"]
    assert after.checksums["team files"] == before.checksums["team files"]
    assert open_store(back).create("next", "c", 2).number == 7


def test_migrate_again_brings_an_earlier_copy_up_to_date_and_leaves_a_conflict(run, tmp_path, pg_url, clock):
    source = tmp_path / "source"
    store = _fill(source, clock)
    assert run("migrate", "--from", str(source), "--to", pg_url, db=False).code == 0
    store.change(2, lambda i, now, by: i.add_note("later in the folder", now, by))
    open_store(pg_url).change(4, lambda i, now, by: i.add_note("only on the server", now, by))
    store.change(4, lambda i, now, by: i.add_note("only in the folder", now, by))
    result = run("migrate", "--from", str(source), "--to", pg_url, db=False)
    assert result.out.startswith("copied 0 incidents, brought 1 up to date, left 3 as they were")
    assert "conflict: M-4 in" in result.err and "left as it is" in result.err
    assert result.code == 1  # the two stores differ: said, not hidden
    assert open_store(pg_url).get(2).timeline[-1].text == "later in the folder"
    assert open_store(pg_url).get(4).timeline[-1].text == "only on the server"


def test_migrate_to_the_same_store_is_refused(run, tmp_path):
    result = run("migrate", "--from", str(tmp_path / "s"), "--to", str(tmp_path / "s"), db=False)
    assert_one_line_error(result, "the same store")
