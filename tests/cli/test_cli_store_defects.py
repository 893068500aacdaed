"""Issue 17, items 7, 10, 11, 12 and 13, as a user meets them: through the real ``mishap`` command, in-process.

closed/ is made unwritable for real (support.read_only: a read-only bind mount as root).
"""

from __future__ import annotations

import json
from pathlib import Path

import filelock
import pytest

from cli_support import assert_one_line_error
from support.read_only import ReadOnlyFolders

REASON = "closed without a close-out in this test"


@pytest.fixture
def read_only():
    folders = ReadOnlyFolders()
    yield folders
    folders.undo_all()


@pytest.fixture
def three(run, folder) -> Path:
    """M-1 closed, M-2 and M-3 open."""
    for title in ("Wrong VAT rate", "Doubled order", "Report to the wrong client"):
        assert run("new", title, "--client", "Oak & Ivy", "--severity", "2").code == 0
    assert run("close", "M-1", "--reason", REASON).code == 0
    return folder


def every_file(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".mishap.lock"}


def listed(run, *args: str) -> list[int]:
    result = run("list", "--json", *args)
    assert result.code == 0, result
    return sorted(row["number"] for row in json.loads(result.out))


def test_a_close_refused_by_closed_leaves_the_incident_open(run, three, read_only):
    before = every_file(three)
    read_only.make(three / "closed")
    assert_one_line_error(run("close", "M-2", "--reason", REASON), f"could not write {three / 'closed' / 'M-2.json'}")
    assert every_file(three) == before
    assert listed(run) == [2, 3] and listed(run, "--closed") == [1]  # the old close showed M-2 closed here
    read_only.undo(three / "closed")
    assert run("close", "M-2", "--reason", REASON).code == 0  # the old retry said "M-2 is already closed"
    assert listed(run) == [3] and listed(run, "--closed") == [1, 2]


def test_a_reopen_refused_by_closed_leaves_the_incident_closed(run, three, read_only):
    before = every_file(three)
    read_only.make(three / "closed")
    assert_one_line_error(run("reopen", "M-1"), f"could not reopen M-1: cannot remove {three / 'closed' / 'M-1.json'}",
                          "nothing was changed")
    assert every_file(three) == before
    assert listed(run) == [2, 3] and listed(run, "--closed") == [1]
    read_only.undo(three / "closed")
    assert run("reopen", "M-1").code == 0
    assert listed(run) == [1, 2, 3] and listed(run, "--closed") == []


def test_a_store_folder_others_can_read_is_said_once_and_never_by_status(run, three, clock):
    three.chmod(0o755)
    for args in (("status",), ("overdue",), ("status", "--format", "json")):
        assert run(*args).err == "", args  # they run on every prompt: never from them
    warned = run("list")
    assert warned.code == 0
    assert warned.err == (f"mishap: warning: the store folder {three} is not private (mode 0755): other users can "
                          f"read it, though it holds client data; to make it private: chmod 700 {three} (said once "
                          f"for this store)\n")
    assert run("list").err == "" and run("new", "x", "--client", "C", "--severity", "3").err == ""


def test_a_read_only_open_json_is_not_replaced(run, three):
    path = three / "open.json"
    path.chmod(0o444)
    before = every_file(three)
    result = run("new", "Refused", "--client", "C", "--severity", "3")
    assert_one_line_error(result, f"{path} is read-only (mode 0444): opened read-only; to make changes: "
                                  f"chmod u+w {path}")
    assert every_file(three) == before and path.stat().st_mode & 0o777 == 0o444
    assert listed(run) == [2, 3]  # still read


def test_reading_while_another_mishap_writes_says_nothing(run, three):
    (three / "open.json.bak").unlink()  # so opening has upkeep to do, and finds the lock held
    with filelock.FileLock(str(three / ".mishap.lock"), timeout=0):
        result = run("list")
    assert result.code == 0 and result.err == ""  # was "warning: another mishap is writing …"
    assert "Doubled order" in result.out


def test_following_the_advice_for_a_spoilt_open_json_loses_nothing(run, three):
    assert run("update", "M-2", "written after the last open").code == 0
    good = (three / "open.json").read_bytes()
    (three / "open.json").write_bytes(good[: good.index(b'"Doubled') + 5])  # cut short in a string
    result = run("list")
    assert_one_line_error(result, "not valid JSON (Unterminated string starting at line 1, column ",
                          f"A copy of the last good file is {three / 'open.json.bak'}")
    assert "at at" not in result.err
    (three / "open.json").rename(three / "open.json.broken")
    (three / "open.json.bak").rename(three / "open.json")
    shown = run("show", "M-2")
    assert shown.code == 0 and "written after the last open" in shown.out
