"""What a command says when it could not read everything: an exit status a script can trust.

Issue 17, section 6: items 1 (a closed file that cannot be read), 3 (what --db takes),
8 (``status`` on a store it cannot read) and 9 (``overdue`` that could not look).
"""

from __future__ import annotations

import json

import pytest

from cli_support import snapshot

REASON = "closed without a close-out in this test"
UNREADABLE = "mishap: store unreadable"


@pytest.fixture
def two_closed(run, folder):
    """M-1 and M-2 closed, M-3 open, and M-1's closed file is no longer JSON."""
    for title in ("Wrong VAT rate", "Doubled order", "Report to the wrong client"):
        assert run("new", title, "--client", "Oak & Ivy", "--severity", "2").code == 0
    for number in ("M-1", "M-2"):
        assert run("close", number, "--reason", REASON).code == 0
    (folder / "closed" / "M-1.json").write_text("{ not json", encoding="utf-8")
    return folder


def test_list_closed_prints_what_it_can_read_and_exits_one(run, two_closed):
    listed = run("list", "--closed")
    assert listed.code == 1
    header, *rows = listed.out.splitlines()
    assert header.split()[:2] == ["ID", "CLOSED"] and [row.split()[0] for row in rows] == ["M-2"]
    assert "M-1.json" in listed.err and "not valid JSON" in listed.err
    as_json = run("list", "--closed", "--json")
    assert as_json.code == 1 and [i["id"] for i in json.loads(as_json.out)] == ["M-2"]
    assert run("list").code == 0  # the open incidents were all read


def test_review_prints_what_it_can_read_and_exits_one(run, two_closed):
    review = run("review", "--json")
    assert review.code == 1
    assert [r["id"] for r in json.loads(review.out)] == ["M-2"]
    assert "left out of the review" in review.err and "M-1.json" in review.err
    table = run("review")
    assert table.code == 1 and "M-2" in table.out and "M-1 " not in table.out


def test_the_advice_for_a_closed_file_is_about_that_incident_alone(run, two_closed):
    shown = run("show", "M-1")
    assert shown.code == 2
    closed = two_closed / "closed"
    assert (f"Moving M-1.json out of {closed} leaves out M-1 alone; every other incident stays. mishap keeps "
            "no other copy of it: restore it from your own backups, or repair it by hand.") in shown.err
    assert "empty store" not in shown.err
    # A copy the user made beside it is named.
    (closed / "M-1.json.bak").write_text("{}", encoding="utf-8")
    assert f"A copy to restore it from is {closed / 'M-1.json.bak'}." in run("show", "M-1").err


def test_the_advice_for_open_json_still_offers_the_backup(run, two_closed):
    (two_closed / "open.json").write_text("{ not json", encoding="utf-8")
    listed = run("list")
    assert listed.code == 2
    assert f"A copy of the last good file is {two_closed / 'open.json.bak'}" in listed.err


def test_a_whole_history_read_exits_zero(run, two_closed):
    (two_closed / "closed" / "M-1.json").unlink()  # gone, not unreadable: nothing is left out
    assert run("list", "--closed").code == 0 and run("review", "--json").code == 0


def test_help_says_what_exit_one_means_and_what_db_takes(run):
    for command in (["list", "--help"], ["review", "--help"]):
        text = " ".join(run(*command, db=False).out.split())
        assert "exit 1 if a closed incident's file could not be read" in text
    top = " ".join(run("--help", db=False).out.split())
    assert "postgresql:// URL" in top and "$MISHAP_DB" in top and "store folder (default" not in top
    overdue = " ".join(run("overdue", "--help", db=False).out.split())
    assert "0 nothing is overdue, 1 something is, 2 the store could not be read" in overdue


def _unreadable_store(folder):
    folder.mkdir(mode=0o700)
    (folder / "open.json").write_text("{ not json", encoding="utf-8")


@pytest.mark.parametrize("fmt, expected", [
    ("plain", UNREADABLE + "\n"),
    ("tmux", "#[fg=red,bold]" + UNREADABLE + "#[default]\n"),
])
def test_status_on_an_unreadable_store_says_so_and_exits_zero(run, folder, fmt, expected):
    _unreadable_store(folder)
    before = snapshot(folder)
    result = run("status", "--format", fmt)
    assert (result.code, result.out) == (0, expected)
    assert result.err.startswith("mishap: warning: cannot read ") and len(result.err.splitlines()) == 1
    assert snapshot(folder) == before


def test_status_json_on_an_unreadable_store_is_one_problem_row(run, folder):
    _unreadable_store(folder)
    result = run("status", "--format", "json")
    assert result.code == 0
    assert json.loads(result.out) == [{"problem": "store unreadable", "words": UNREADABLE}]


def test_overdue_that_could_not_look_exits_two_not_zero(run, folder):
    _unreadable_store(folder)
    result = run("overdue")
    assert (result.code, result.out) == (2, "")
    assert "cannot read" in result.err


def test_status_and_overdue_with_the_database_down(run, tmp_path, monkeypatch):
    # A real libpq connection to a socket folder where no server runs: what a stopped server looks like.
    down = f"postgresql://postgres@/mishap?host={tmp_path}"
    monkeypatch.setenv("MISHAP_DB", down)
    for fmt, expected in (("plain", "mishap: offline\n"), ("tmux", "#[fg=red,bold]mishap: offline#[default]\n")):
        result = run("status", "--format", fmt, db=False)
        assert (result.code, result.out) == (0, expected)
        assert result.err.startswith("mishap: ") and "Traceback" not in result.err
    as_json = run("status", "--format", "json", db=False)
    assert as_json.code == 0 and json.loads(as_json.out) == [{"problem": "offline", "words": "mishap: offline"}]
    overdue = run("overdue", db=False)
    assert (overdue.code, overdue.out) == (2, "")
