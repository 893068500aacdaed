"""``mishap calendar`` and the calendar file the user's config keeps current, on a folder and on PostgreSQL.

The command runs in-process at the fake clock's instant (the ``run`` fixture); the user's own
config lives under ``XDG_CONFIG_HOME`` in tmp_path. Every file is parsed back with icalendar.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from cli_support import assert_one_line_error
from storage.readers.calendar import PRODID
from storage.store import open_store

REPO_ROOT = Path(__file__).resolve().parents[2]


def events(data: bytes | str) -> dict[str, object]:
    """The events of an iCalendar file, by UID."""
    calendar = Calendar.from_ical(data)
    assert str(calendar["prodid"]) == PRODID
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def summaries(data) -> list[str]:
    return sorted(str(e["summary"]) for e in events(data).values())


@pytest.fixture(params=["folder", "postgres"])
def mishap(request, run, folder):
    """Run ``mishap ARGS… --db STORE`` on each backend in turn; ``mishap.spec`` is the store."""
    spec = str(folder) if request.param == "folder" else request.getfixturevalue("pg_url")

    def runner(*args: str):
        return run(*args, "--db", spec, db=False)

    runner.spec = spec
    return runner


@pytest.fixture
def calendar_file(tmp_path, monkeypatch) -> Path:
    """The user's own config names a calendar file (in tmp_path: the real config is never read)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "conf"))
    path = tmp_path / "synced" / "mishap.ics"
    path.parent.mkdir()
    config = tmp_path / "conf" / "mishap" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[calendar]\nfile = "{path}"\n')
    return path


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    """No test here reads the real user's config.toml."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-conf"))


def test_calendar_lists_every_open_deadline_and_follows_moves_and_keeps(mishap, clock):
    assert mishap("new", "Invoices sent twice", "--client", "Acme", "--severity", "2").code == 0
    assert mishap("promise", "add", "M-1", "credit note", "--due", "5h").code == 0
    assert mishap("audience", "add", "M-1", "Tom Reed", "--kind", "management", "--cadence", "2h").code == 0
    assert mishap("update", "M-1", "Told Tom", "--to", "Tom Reed", "--next", "3h").code == 0
    assert mishap("tag", "M-1", "personal-data").code == 0
    first = mishap("calendar")
    assert first.code == 0 and first.err == ""
    assert summaries(first.out) == ["M-1 hard deadline: GDPR notice to Supervisory authority (regulator)",
                                    "M-1: credit note to Acme", "M-1: update to Acme",
                                    "M-1: update to Tom Reed (management)"]
    stored = open_store(mishap.spec, clock=clock).get(1)
    dues = sorted(p.due for p in stored.promises if p.is_open)
    assert sorted(e["dtstart"].dt for e in events(first.out).values()) == dues
    assert all(e["dtstart"].dt.utcoffset().total_seconds() == 0 for e in events(first.out).values())
    assert all(e.walk("VALARM")[0]["trigger"].dt.total_seconds() == -600 for e in events(first.out).values())

    assert mishap("promise", "move", "M-1", "2", "--due", "8h", "--reason", "client agreed").code == 0
    assert mishap("promise", "add", "M-1", "refund", "--due", "6h").code == 0
    moved = events(mishap("calendar").out)
    before = events(first.out)
    credit, = [uid for uid, e in before.items() if "credit note" in str(e["summary"])]
    assert set(before) < set(moved)  # a new promise adds its event; no UID changed
    assert moved[credit]["sequence"] == 1 and before[credit]["sequence"] == 0
    moved_to = open_store(mishap.spec, clock=clock).get(1).promises[1].due
    assert moved[credit]["dtstart"].dt == moved_to and moved_to > before[credit]["dtstart"].dt

    assert mishap("promise", "keep", "M-1", "2").code == 0
    assert credit not in events(mishap("calendar").out)
    assert mishap("close", "M-1", "--reason", "closed in a test").code == 0
    assert events(mishap("calendar").out) == {}


def test_output_refuses_a_file_mishap_did_not_write_unless_forced(run, tmp_path, folder):
    run("new", "Invoices sent twice", "--client", "Acme", "--severity", "2")
    mine = tmp_path / "mine.ics"
    theirs = tmp_path / "theirs.ics"
    theirs.write_bytes(b"BEGIN:VCALENDAR\r\nPRODID:-//Someone//Their calendar//EN\r\nEND:VCALENDAR\r\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")

    written = run("calendar", "--output", str(mine))
    assert written.code == 0 and written.out == "" and "1 open deadline, written" in written.err
    assert len(events(mine.read_bytes())) == 1
    assert "already up to date" in run("calendar", "-o", str(mine)).err  # mishap's own: replaced freely
    for other in (theirs, notes):
        kept = other.read_bytes()
        assert_one_line_error(run("calendar", "--output", str(other)), str(other), "not an iCalendar file mishap wrote",
                              "--force")
        assert other.read_bytes() == kept
    assert run("calendar", "--output", str(notes), "--force").code == 0
    assert len(events(notes.read_bytes())) == 1
    assert_one_line_error(run("calendar", "--output", str(folder / "x.ics")), "inside the store folder")
    assert_one_line_error(run("calendar", "--output", str(tmp_path)), "is a folder")
    assert_one_line_error(run("calendar", "--force"), "--force goes with --output")


def test_the_configured_file_follows_every_change_of_the_command(mishap, calendar_file):
    assert mishap("new", "Invoices sent twice", "--client", "Acme", "--severity", "2").err == ""
    assert summaries(calendar_file.read_bytes()) == ["M-1: update to Acme"]
    assert mishap("promise", "add", "M-1", "credit note", "--due", "5h").err == ""
    assert summaries(calendar_file.read_bytes()) == ["M-1: credit note to Acme", "M-1: update to Acme"]
    written = calendar_file.stat().st_ino
    assert mishap("list").code == 0 and mishap("show", "M-1").code == 0
    assert mishap("promise", "keep", "M-1", "3").code == 2  # refused: nothing changed
    assert calendar_file.stat().st_ino == written  # reading, or a refused change, writes nothing
    assert mishap("promise", "keep", "M-1", "2").code == 0
    assert summaries(calendar_file.read_bytes()) == ["M-1: update to Acme"]
    assert calendar_file.stat().st_ino != written


def test_a_file_not_mishaps_or_a_failed_write_is_a_warning_and_the_change_stands(run, store_at, calendar_file,
                                                                                tmp_path, monkeypatch):
    calendar_file.write_text("my own notes")
    made = run("new", "Invoices sent twice", "--client", "Acme", "--severity", "2")
    assert made.code == 0 and made.out == "M-1\n"
    assert made.err.count("\n") == 1 and made.err.startswith("mishap: warning: calendar not updated: ")
    assert str(calendar_file) in made.err and "not an iCalendar file mishap wrote" in made.err
    assert calendar_file.read_text() == "my own notes"
    assert store_at().get(1).title == "Invoices sent twice"

    calendar_file.unlink()
    calendar_file.parent.rmdir()  # the synced folder is not there (not mounted): the file cannot be written
    added = run("promise", "add", "M-1", "credit note", "--due", "5h")
    assert added.code == 0 and added.err.count("\n") == 1 and "calendar not updated: could not write" in added.err
    assert len(store_at().get(1).promises) == 2


def test_a_setting_that_is_not_a_path_is_one_warning(run, calendar_file, tmp_path):
    config = tmp_path / "conf" / "mishap" / "config.toml"
    config.write_text('[calendar]\nfile = "relative/mishap.ics"\n')
    made = run("new", "Invoices sent twice", "--client", "Acme", "--severity", "2")
    assert made.code == 0 and made.err.count("\n") == 1 and "must be a whole path, or start with ~" in made.err
    config.write_text('[calendar]\nfile = 3\n')
    made = run("new", "Another", "--client", "Acme", "--severity", "2")
    assert made.code == 0 and "[calendar] file in" in made.err and "must be a path in quotes" in made.err


def test_status_loads_no_icalendar_even_with_a_calendar_configured(run, tmp_path, folder, calendar_file, clock):
    run("new", "Invoices sent twice", "--client", "Acme", "--severity", "2")
    assert calendar_file.exists()
    code = ("import sys\nfrom datetime import datetime, timezone\nfrom tui.cli import main\n"
            f"at = datetime.fromtimestamp({clock.now.add(seconds=1).timestamp()!r}, timezone.utc)\n"
            f"rc = main(['status', '--db', {str(folder)!r}], clock=lambda: at)\n"
            "print(sorted(m for m in ('icalendar', 'pendulum', 'tinydb') if m in sys.modules), rc)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), MISHAP_HOME=str(tmp_path / "home"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO_ROOT,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[] 0"


def test_hostile_titles_reach_the_file_shown_never_raw(run):
    title = "Invoices, twice; to all\nclients 😀 \x1b]0;owned\x07 \x1b[2J \x7f \u202e end"
    assert run("new", title, "--client", "Acme; Ltd, \x1b[31mred", "--severity", "2").code == 0
    assert run("promise", "add", "M-1", "credit, note;\nby \x00 Friday", "--due", "5h").code == 0
    out = run("calendar").out
    assert not [c for c in out if (ord(c) < 0x20 and c not in "\r\n") or 0x7f <= ord(c) <= 0x9f or c == "\u202e"]
    found = events(out)
    assert sorted(str(e["summary"]) for e in found.values()) == [
        "M-1: credit, note;␊by ␀ Friday to Acme; Ltd, ␛[31mred", "M-1: update to Acme; Ltd, ␛[31mred"]
    for event in found.values():
        assert ("Incident: M-1 Invoices, twice; to all␊clients 😀 ␛]0;owned␇ ␛[2J ␡ ⟨U+202E⟩ end"
                in str(event["description"]).split("\n"))
