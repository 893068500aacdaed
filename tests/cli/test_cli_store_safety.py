"""The command never destroys a store file, reads without the lock or free space, and says what went wrong.

Issue 8, items 2, 3, 5, 8, 10 and 11, through the real ``mishap`` command: in-process where
that is the same, in a child process where the lock or the real output stream matters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import filelock
import pytest

from cli_support import Result, assert_one_line_error
from storage.domain.visible import visible

REASON = "closed without a close-out in this test"


def every_file(folder: Path) -> dict[str, bytes]:
    """Every file in the store folder, .bak files included (the lock file is empty and shared)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != ".mishap.lock"}


def mishap(folder: Path, *args: str, timeout: float = 60) -> Result:
    """The real command in a child process (its own lock, its own stdout)."""
    done = subprocess.run([sys.executable, "-m", "tui.cli", *args, "--db", str(folder)],
                          capture_output=True, timeout=timeout, env={**os.environ, "PYTHONIOENCODING": ""})
    return Result(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


@pytest.fixture
def history(run, folder):
    """M-1 and M-2 closed, M-3 open: the state right after ``mishap demo``, smaller."""
    for title in ("Wrong VAT rate", "Doubled order", "Report to the wrong client"):
        assert run("new", title, "--client", "Oak & Ivy", "--severity", "2").code == 0
    for number in ("M-1", "M-2"):
        assert run("close", number, "--reason", REASON).code == 0
    assert run("list").code == 0  # open.json.bak brought up to date, so later opens write nothing
    return folder


# -- item 2: export --output ------------------------------------------------------------------


@pytest.mark.parametrize("how", ["the file itself", "through ..", "a link to a store file",
                                 "through a linked folder", "a new file in the store"])
@pytest.mark.parametrize("force", [False, True])
def test_export_never_writes_into_the_store_folder(run, history, tmp_path, how, force):
    outside = tmp_path / "reports"
    outside.mkdir()
    if how == "the file itself":
        target = history / "closed.json"
    elif how == "through ..":
        target = outside / ".." / history.name / "." / "closed.json"
    elif how == "a link to a store file":
        target = outside / "report.md"
        target.symlink_to(history / "closed.json")
    elif how == "through a linked folder":
        (outside / "shortcut").symlink_to(history)
        target = outside / "shortcut" / "closed.json"
    else:
        target = history / "M-1-report.md"
    before = every_file(history)
    result = run("export", "M-1", "--format", "md", "--output", str(target), *(["--force"] if force else []))
    assert_one_line_error(result, f"{target} is inside the store folder {history}", "write it somewhere else")
    assert every_file(history) == before
    assert [i["number"] for i in json.loads(run("list", "--closed", "--json").out)] == [2, 1]


def test_export_refuses_an_existing_file_unless_forced(run, history, tmp_path):
    target = tmp_path / "report.md"
    target.write_text("my own notes")
    assert_one_line_error(run("export", "M-1", "--format", "md", "--output", str(target)),
                          f"{target} exists: add --force to replace it")
    assert target.read_text() == "my own notes"
    result = run("export", "M-1", "--format", "md", "--output", str(target), "--force")
    assert result.code == 0 and result.err == f"M-1: report written to {target}\n"
    assert target.read_text().startswith("# Post-incident report: M-1")


# -- item 3: a bad closed.json is never rewritten, and never becomes its .bak ------------------------


def test_an_invalid_closed_file_is_refused_named_and_never_rewritten(run, history):
    path = history / "closed" / "M-2.json"
    data = json.loads(path.read_text())
    data["incidents"]["2"]["severity"] = 9
    path.write_text(json.dumps(data))
    spoiled = path.read_bytes()
    before = every_file(history)
    for args in (("reopen", "M-2", "--reason", "more rows"), ("show", "M-2")):
        assert_one_line_error(run(*args), f"Cannot open {path}: document 2 is not a valid incident",
                              "Nothing was changed")
    assert every_file(history) == before
    # Everything else goes on: the other closed incident reads, the open one closes.
    assert run("show", "M-1").code == 0
    assert run("close", "M-3", "--reason", REASON).code == 0
    review = run("review")
    # What could be read is shown; exit 1 says one was left out (issue 17, item 1).
    assert review.code == 1 and "M-1" in review.out and "M-3" in review.out
    assert str(path) in review.err  # the left-out incident is named, with its file
    assert path.read_bytes() == spoiled


# -- item 5: Infinity and NaN ------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["Infinity", "NaN"])
def test_a_non_finite_revision_is_reported_as_corrupt_data(run, history, token):
    path = history / "open.json"
    raw = path.read_bytes().replace(b'"revision":0,', b'"revision":' + token.encode() + b",")
    path.write_bytes(raw)
    before = every_file(history)
    for args in (("list",), ("show", "M-3"), ("done", "M-3", "1")):
        assert_one_line_error(run(*args), f"Cannot open {path}: incidents.3.revision is {token}: not a finite "
                                          f"number", "Nothing was changed")
    assert every_file(history) == before


# -- item 8: reading needs neither the lock nor free space ----------------------------------------


READS = [("list",), ("list", "--closed"), ("show", "M-1"), ("show", "M-3"), ("export", "M-1", "--format", "md"),
         ("review",), ("review", "--json")]


def test_reading_while_another_mishap_holds_the_lock(run, history):
    assert run("done", "M-3", "1").code == 0
    (history / "open.json.bak").unlink()  # no backup: opening has upkeep to do, which must wait its turn
    lock = filelock.FileLock(str(history / ".mishap.lock"), timeout=0)
    with lock:
        for args in READS:
            result = mishap(history, *args)  # the old command waited 10 s for the lock, then failed
            assert result.code == 0, (args, result.err)
            assert "Traceback" not in result.err
            assert result.out.strip()
        listed = mishap(history, "list")
        assert listed.err == ""  # another writer at work is routine, not worth a warning (issue 17, item 12)
        assert "Report to the wrong client" in listed.out


def test_reading_a_full_disk(run, small_disk):
    folder = small_disk.path / "store"
    for title in ("Wrong VAT rate", "Doubled order", "Report to the wrong client"):
        assert run("new", title, "--client", "Oak & Ivy", "--severity", "2", "--db", str(folder), db=False).code == 0
    for number in ("M-1", "M-2"):
        assert run("close", number, "--reason", REASON, "--db", str(folder), db=False).code == 0
    small_disk.fill()
    for args in READS[:-2]:
        result = run(*args, "--db", str(folder), db=False)  # the old command failed: it refreshed a .bak first
        assert result.code == 0, (args, result.err)
        assert result.out.strip()
        for line in result.err.splitlines():
            assert line.startswith("mishap: warning: the backup ") and "No space left on device" in line, line
    before = every_file(folder)
    result = run("done", "M-3", "1", "--db", str(folder), db=False)
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        f"mishap: could not write {folder / 'open.json'}: No space left on device (the disk is full: free "
        f"some space on it and try again); the file was left as it was")
    assert every_file(folder) == before


# -- item 10: messages that name the file and the way out -------------------------------------------


def test_a_store_path_that_is_a_regular_file(run, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    result = run("list", "--db", str(blocker), db=False)
    assert_one_line_error(result, f"the store path {blocker} is a file, not a folder: move that file aside, "
                                  f"or give a folder with --db or MISHAP_HOME")
    assert "Errno" not in result.err


def test_a_lone_surrogate_in_stored_text_is_shown_not_fatal(run, history, tmp_path):
    path = history / "open.json"
    path.write_bytes(path.read_bytes().replace(b"Report to the wrong client", b"Report \\ud800 to the client"))
    listed = mishap(history, "list")  # a real stdout: the old command failed on the whole list
    assert listed.code == 0, listed.err
    shown_as = visible("Report \ud800 to the client")  # the one rule for text on its way to a terminal
    assert shown_as != "Report \ud800 to the client"
    assert "M-3" in listed.out and shown_as in listed.out
    shown = mishap(history, "show", "M-3")
    assert shown.code == 0 and shown_as in shown.out
    as_json = mishap(history, "list", "--json")
    assert as_json.code == 0
    assert json.loads(as_json.out)[0]["title"] == "Report \ud800 to the client"  # the same text, exactly
    for fmt in ("json", "md"):
        target = tmp_path / f"M-3.{fmt}"
        assert run("export", "M-3", "--format", fmt, "--output", str(target)).code == 0
    assert json.loads((tmp_path / "M-3.json").read_bytes())["title"] == "Report \ud800 to the client"
    report = (tmp_path / "M-3.md").read_text(encoding="utf-8")  # valid UTF-8, the surrogate shown somehow
    assert "# Post-incident report: M-3 — Report " in report and " to the client" in report


def test_a_review_index_that_is_a_folder_does_not_block_the_review(run, history):
    (history / "closed.review.json").mkdir()
    result = run("review")
    assert result.code == 0, result.err
    assert "M-1" in result.out and "M-2" in result.out


# -- item 11: a linked open.json -----------------------------------------------------------------------


def test_a_linked_open_json_stays_linked(run, history, tmp_path):
    target = tmp_path / "shared" / "open.json"
    target.parent.mkdir()
    (history / "open.json").replace(target)
    (history / "open.json").symlink_to(target)
    assert run("new", "Fourth", "--client", "C", "--severity", "3").code == 0
    assert run("done", "M-3", "1").code == 0
    assert (history / "open.json").is_symlink()
    data = json.loads(target.read_text())
    assert sorted(data["incidents"]) == ["3", "4"]
    assert data["incidents"]["3"]["steps"][0]["done_at"]
