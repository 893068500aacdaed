"""`mishap status` and `mishap overdue`: one line for a status bar, an exit status for cron.

Incidents are made with the store's clock set before the command's injected instant (the
``clock`` fixture, which the ``run`` fixture moves on one second per command), so their promises
fall due around the instant the command reads, whatever the hour the tests run at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pendulum

from cli_support import snapshot
from storage.store import FolderStore
from support.clock import FakeClock

REPO_ROOT = Path(__file__).resolve().parents[2]


def _made(folder: Path, clock: FakeClock, minutes_ago: float) -> FolderStore:
    """The store, acting at ``minutes_ago`` before the instant ``clock`` reads now."""
    return FolderStore.open(folder, clock=FakeClock(clock.now.subtract(seconds=minutes_ago * 60)))


def _three(folder: Path, clock: FakeClock) -> None:
    """M-1 (critical) 12 min late, M-2 (major) due in 5 min, M-3 (minor) due in about 7 h."""
    _made(folder, clock, 27).create("Invoices doubled", "Acme", 1)  # first contact due 15 min after: 12 min late
    _made(folder, clock, 25 - 0.1).create("Wrong report sent", "Marlow", 2)  # due 30 min after: in 5 min
    _made(folder, clock, 60 - 0.1).create("Typo in a newsletter", "Birch", 4)  # due 8 h after: in 7 h


def test_status_shows_late_then_soon_most_urgent_first(run, folder, clock):
    _three(folder, clock)
    result = run("status")
    assert result.code == 0 and result.err == ""
    assert result.out == "‼ M-1 12m late · M-2 in 5m\n"
    assert run("status", "--within", "8h").out == "‼ M-1 12m late · M-2 in 5m · M-3 in 7h\n"
    assert run("status", "--within", "8h", "--max", "1").out == "‼ M-1 12m late · +2 more\n"


def test_status_prints_nothing_when_nothing_is_due_soon(run, folder, clock):
    _made(folder, clock, 1).create("Typo in a newsletter", "Birch", 4)
    result = run("status")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert json.loads(run("status", "--format", "json").out) == []


def test_status_tmux_styles_and_makes_user_text_safe(run, folder, clock):
    _made(folder, clock, 27).create("Invoices doubled", "Acme", 1)  # 12 min late
    store = _made(folder, clock, 0.1)
    store.create("Wrong report sent", "Marlow", 4)
    hostile = "#(x)\x1b]0;t\x07#[b] #S"
    store.change("M-2", lambda inc, now, by: inc.add_promise(hostile, now.add(minutes=3), now, by))
    out = run("status", "--format", "tmux", "--long").out
    assert out == ("#[fg=red,bold]‼ M-1 First contact with the … 12m late#[default] · "
                   "#[fg=yellow]M-2 ##(x)␛]0;t␇##[b] ##S in 2m#[default]\n")
    assert "\x1b" not in out and "\x07" not in out
    # Every # that is not one of ours is doubled: tmux shows it, never expands it.
    ours = out.replace("#[fg=red,bold]", "").replace("#[fg=yellow]", "").replace("#[default]", "")
    assert "#" not in ours.replace("##", "")
    assert run("status", "--long").out == "‼ M-1 First contact with the … 12m late · M-2 #(x)␛]0;t␇#[b] #S in 2m\n"


def test_status_json_lists_the_rows(run, folder, clock):
    _three(folder, clock)
    rows = json.loads(run("status", "--format", "json").out)
    assert [(r["id"], r["promise"], r["late"], r["kind"]) for r in rows] == [("M-1", 1, True, "update"),
                                                                              ("M-2", 1, False, "update")]
    assert rows[0]["text"] == "First contact with the client" and rows[0]["words"] == "‼ M-1 12m late"
    assert -12 * 60 - 30 < rows[0]["seconds_left"] <= -12 * 60


def test_status_reads_neither_the_lock_nor_the_closed_history(run, folder, clock):
    _three(folder, clock)
    (folder / ".mishap.lock").unlink()
    # A first-layout history that could not even be parsed, and a temp file a killed writer left:
    # opening the store would move the one and remove the other; status touches neither.
    (folder / "closed.json").write_bytes(b"{ not json")
    (folder / "open.json.tmp123").write_bytes(b"half")
    before = snapshot(folder)
    files = sorted(p.name for p in folder.iterdir())
    result = run("status")
    assert result.code == 0 and result.out == "‼ M-1 12m late · M-2 in 5m\n" and result.err == ""
    assert snapshot(folder) == before and sorted(p.name for p in folder.iterdir()) == files


def test_status_of_a_store_not_made_yet_makes_nothing(run, folder):
    result = run("status")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert not folder.exists()


def test_status_on_a_damaged_file_says_so_on_stderr_and_exits_zero(run, folder):
    folder.mkdir()
    (folder / "open.json").write_text("{ not json")
    result = run("status")
    assert result.code == 0 and result.out == "mishap: store unreadable\n"  # never "nothing due"
    assert result.err.startswith("mishap: warning: cannot read ") and len(result.err.splitlines()) == 1


def test_an_incident_whose_close_was_cut_short_is_not_shown(run, folder, clock):
    _three(folder, clock)
    data = json.loads((folder / "open.json").read_text())
    data["incidents"]["1"]["status"] = "closed"
    (folder / "open.json").write_text(json.dumps(data))
    assert run("status").out == "M-2 in 5m\n"


def test_overdue_exits_one_and_lists_every_late_promise(run, folder, clock):
    _three(folder, clock)
    store = _made(folder, clock, 40)
    store.change("M-1", lambda inc, now, by: inc.add_promise("Credit note", now.add(minutes=10), now, by))
    result = run("overdue")
    assert result.code == 1
    lines = result.out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("M-1  promise 2  30 min late  (due ") and lines[0].endswith("Credit note")
    assert lines[1].startswith("M-1  promise 1  12 min late  (due ")
    assert json.loads(run("overdue", "--json").out)[1]["text"] == "First contact with the client"


def test_overdue_exits_zero_and_says_nothing_when_all_is_in_time(run, folder, clock):
    _made(folder, clock, 1).create("Typo in a newsletter", "Birch", 4)
    result = run("overdue")
    assert (result.code, result.out, result.err) == (0, "", "")


def test_status_loads_neither_pendulum_nor_tinydb(tmp_path, folder, clock):
    _three(folder, clock)
    # The child takes the test's instant in-process, as the run fixture gives it, as a stdlib datetime.
    code = ("import sys\nfrom datetime import datetime, timezone\nfrom tui.cli import main\n"
            f"at = datetime.fromtimestamp({clock.now.add(seconds=1).timestamp()!r}, timezone.utc)\n"
            f"rc = main(['status', '--db', {str(folder)!r}], clock=lambda: at)\n"
            "print(sorted(m for m in ('pendulum', 'tinydb', 'textual', 'filelock') if m in sys.modules), rc)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), MISHAP_HOME=str(tmp_path / "home"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO_ROOT,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["‼ M-1 12m late · M-2 in 5m", "[] 0"]
