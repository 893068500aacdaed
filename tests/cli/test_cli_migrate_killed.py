"""``mishap migrate`` killed with SIGKILL mid-copy and run again (each incident once), and its progress (issue 20, §2).

The copy runs in a child process in batches of three, so a store of fifteen takes five. The
child stops in the middle of its third batch (on a database inside the transaction, before
COMMIT; on a folder between two files) and says so; the test kills it there with SIGKILL,
then runs the real ``mishap migrate`` again, and once more. Both directions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg

from storage.store import FolderStore
from storage.store.migrate import copy_store, side_of, tally

ROOT = Path(__file__).resolve().parents[2]
COUNT = 15

COPIER = r'''
import sys
from storage.store.migrate import copy_store, side_of

source, target = side_of(sys.argv[1]), side_of(sys.argv[2])
calls = []


def stop_here():
    print("stopped", flush=True)
    sys.stdin.readline()  # the parent never answers: it kills


if hasattr(target.store, "session"):  # a database: inside the third batch's transaction, before its COMMIT
    write = target.store.transaction

    def transaction(what, work, token=None):
        def stopped(conn):
            result = work(conn)
            if what.startswith("M-"):  # a batch of incidents (not the reserving of their numbers)
                calls.append(what)
            if len(calls) == 3:
                stop_here()
            return result
        return write(what, stopped, token)

    target.store.transaction = transaction
else:  # a folder: between two closed files of the third batch (M-7 to M-9; M-5 is open)
    write = target.store.history.write

    def history_write(doc, **kwargs):
        write(doc, **kwargs)
        calls.append(doc["number"])
        if doc["number"] == 8:
            stop_here()

    target.store.history.write = history_write

copy_store(source, target, batch=3)
print("finished", flush=True)
'''


def _source(folder: Path, clock) -> None:
    """COUNT incidents, all closed but every fifth, with a note each, and a draft."""
    store = FolderStore.open(folder, clock=clock, user="ana")
    for n in range(1, COUNT + 1):
        inc = store.create(f"Incident {n}", f"Client {n % 4}", 1 + n % 4)
        clock.advance(minutes=5)
        store.change(inc.id, lambda i, now, by, n=n: i.add_note(f"note {n}", now, by))
        if n % 5:
            store.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed in a test"))
    store.save_draft(5, {"summary": "a draft"})


def _kill_mid_batch(source: str, target: str, script: Path) -> None:
    """Run the copy in a child and SIGKILL it where it stopped, in the middle of a batch."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    child = subprocess.Popen([sys.executable, str(script), source, target], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        said = child.stdout.readline().strip()
        os.kill(child.pid, signal.SIGKILL)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert said == "stopped" and child.returncode == -signal.SIGKILL, (said, err)


def _numbers(spec: str) -> list[int]:
    """Every incident number the store holds, as many times as it holds it (open ones, and the review's rows)."""
    if spec.startswith("postgresql"):
        with psycopg.connect(spec) as conn:
            return [n for (n,) in conn.execute("SELECT number FROM incidents ORDER BY number")]
    store = FolderStore.open(spec)
    return sorted([inc.number for inc in store.open_incidents()] + [row.number for row in store.review_rows()])


def test_a_killed_migrate_run_again_copies_each_incident_once_both_ways(run, tmp_path, pg_url, clock):
    source, back = tmp_path / "source", tmp_path / "back"
    _source(source, clock)
    script = tmp_path / "copier.py"
    script.write_text(COPIER)

    for frm, to, kept in ((str(source), pg_url, 6), (pg_url, str(back), 8)):
        _kill_mid_batch(frm, to, script)
        # A database keeps the two batches committed, not the third; a folder every file written whole.
        assert len(_numbers(to)) == kept
        again = run("migrate", "--from", frm, "--to", to, db=False)
        assert again.code == 0, again.err
        assert again.out.startswith(f"copied {COUNT - kept} incidents, brought 0 up to date, left {kept} as they were")
        assert again.out.rstrip().endswith("counts and checksums match")
        assert _numbers(to) == list(range(1, COUNT + 1))  # each exactly once
        third = run("migrate", "--from", frm, "--to", to, db=False)
        assert third.code == 0 and "nothing changed" in third.out.splitlines()[0], third.out
    assert tally(side_of(str(back))).checksums == tally(side_of(str(source))).checksums
    assert FolderStore.open(back, clock=clock).create("next", "c", 2).number == COUNT + 1
    report = copy_store(side_of(str(source)), side_of(pg_url))
    assert report.changed_nothing and report.matches


def test_migrate_shows_its_progress_on_a_terminal_and_clears_it(tmp_path, pg_url, clock):
    import pty

    _source(tmp_path / "source", clock)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    main, terminal = pty.openpty()
    command = "import sys; from tui.cli import main; sys.exit(main(sys.argv[1:]))"
    child = subprocess.Popen([sys.executable, "-c", command, "migrate", "--from", str(tmp_path / "source"),
                              "--to", pg_url], stdout=subprocess.PIPE, stderr=terminal, env=env, text=True)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        shown += chunk
    out, _ = child.communicate(timeout=60)
    os.close(main)
    assert child.returncode == 0 and out.rstrip().endswith("counts and checksums match")
    text = shown.decode()
    assert f"mishap: {COUNT} of {COUNT} incidents copied or checked (100%)" in text
    assert "counting and checksumming both sides" in text
    assert text.endswith("\r\x1b[K")  # the line is cleared before the report
