"""Expected errors: one line on stderr, exit status 2, no traceback, and the store unchanged."""

from __future__ import annotations

import json

import pytest
from cli_support import assert_one_line_error, snapshot


@pytest.fixture
def one_incident(run):
    assert run("new", "Report with another client's data", "--client", "Marlow", "--severity", "2").code == 0
    assert run("done", "M-1", "1").code == 0


@pytest.mark.parametrize("args, needle", [
    (("show", "M-9"), "no incident M-9"),
    (("show", "banana"), "'banana' is not an incident id"),
    (("update", "M-9", "hello"), "no incident M-9"),
    (("done", "M-9", "1"), "no incident M-9"),
    (("close", "M-42"), "no incident M-42"),
    (("export", "M-9", "--format", "md"), "no incident M-9"),
    (("update", "M-1", "hello", "--next", "whenever"), "cannot read 'whenever' as a time"),
    (("update", "M-1", "hello", "--next", "25:00"), "not a time of day"),
    (("update", "M-1", "hello", "--next", "2020-01-01T10:00"), "must be in the future"),
    (("update", "M-1", "   "), "say what was told to the client"),
    (("done", "M-1", "0"), "there is no step 0"),
    (("done", "M-1", "27"), "there is no step 27 (1-26)"),
    (("done", "M-1", "two"), "STEP must be a step number"),
    (("new", "X", "--client", "C", "--severity", "7"), "severity must be 1-4"),
    (("new", "X", "--client", "C", "--severity", "high"), "severity must be 1-4"),
    (("new", "X", "--severity", "1"), "--client"),
    (("new", "  ", "--client", "C", "--severity", "1"), "an incident needs a title"),
    (("new", "X", "--client", "", "--severity", "1"), "an incident needs a client"),
    (("export", "M-1", "--format", "pdf"), "invalid choice"),
    (("frobnicate",), "invalid choice"),
])
def test_error_is_one_line_and_nothing_is_written(run, folder, one_incident, args, needle):
    before = snapshot(folder)
    result = run(*args)
    assert_one_line_error(result, needle)
    assert snapshot(folder) == before


def test_closing_twice_is_an_error(run, folder, one_incident):
    assert_one_line_error(run("close", "M-1"), "cannot close yet, missing: root cause")
    assert run("close", "M-1", "--reason", "opened by mistake").code == 0
    before = snapshot(folder)
    assert_one_line_error(run("close", "M-1"), "M-1 is already closed")
    assert_one_line_error(run("update", "M-1", "x", "--next", "1h"), "M-1 is closed")
    assert snapshot(folder) == before


def test_corrupt_file_is_reported_and_left_alone(run, folder, one_incident):
    (folder / "open.json").write_text('{"incidents": {"1": {"oops"', encoding="utf-8")
    before = snapshot(folder)
    for args in (("list",), ("show", "M-1"), ("new", "X", "--client", "C", "--severity", "1"), ("done", "M-1", "2")):
        assert_one_line_error(run(*args), "open.json", "not valid JSON")
    assert snapshot(folder) == before


def test_newer_schema_is_read_only(run, folder, one_incident):
    data = json.loads((folder / "open.json").read_text())
    data["incidents"]["1"]["schema"] = 99
    (folder / "open.json").write_text(json.dumps(data))
    before = snapshot(folder)
    assert run("show", "M-1").code == 0  # still readable
    assert_one_line_error(run("done", "M-1", "2"), "newer mishap")
    assert_one_line_error(run("new", "X", "--client", "C", "--severity", "1"), "read-only")
    assert snapshot(folder) == before


def test_export_to_a_missing_folder_fails_cleanly(run, folder, tmp_path, one_incident):
    target = tmp_path / "no" / "such" / "dir" / "report.md"
    assert_one_line_error(run("export", "M-1", "--format", "md", "--output", str(target)), "No such file")
    assert not target.exists()
    assert_one_line_error(run("export", "M-1", "--format", "md", "--output", str(tmp_path)), "is a folder")


def test_store_folder_that_is_a_file(run, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run("list", "--db", str(blocker), db=False)
    assert_one_line_error(result)
    assert blocker.read_text() == "not a folder"


def test_demo_refuses_a_store_that_holds_incidents(run, folder, one_incident):
    before = snapshot(folder)
    assert_one_line_error(run("demo"), "already holds 1 incident", "--force")
    assert snapshot(folder) == before
