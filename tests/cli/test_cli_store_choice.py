"""Which store the command opens (--db, MISHAP_DB, MISHAP_HOME), and the move of a first-layout store."""

from __future__ import annotations

import json
import shutil

from storage.store import write_atomically
from storage.store.folder.files import dump_tinydb

from cli_support import assert_one_line_error


def test_mishap_db_names_the_folder_and_db_wins_over_it(run, tmp_path, monkeypatch):
    monkeypatch.setenv("MISHAP_DB", str(tmp_path / "team"))
    assert run("new", "In the team store", "--client", "C", "--severity", "2", db=False).code == 0
    assert (tmp_path / "team" / "open.json").exists()
    assert not (tmp_path / "home-store").exists()  # MISHAP_DB before MISHAP_HOME
    assert "In the team store" not in run("list").out  # --db wins over MISHAP_DB
    assert "In the team store" in run("list", db=False).out


def test_an_unreachable_postgresql_store_is_one_line_without_the_password(run, monkeypatch, tmp_path):
    monkeypatch.setenv("MISHAP_DB", f"postgresql://mishap:hunter22@/incidents?host={tmp_path}")
    result = run("list", db=False)
    assert_one_line_error(result, f"offline: cannot reach {tmp_path}/incidents")
    assert "hunter22" not in result.err


def test_a_first_layout_store_is_moved_with_a_line_saying_so(run, folder):
    for title in ("one", "two", "three"):
        assert run("new", title, "--client", "C", "--severity", "2").code == 0
    for number in ("M-1", "M-2"):
        assert run("close", number, "--reason", "test").code == 0
    # Put it back as the first layout left it: every closed incident in closed.json.
    docs = {p.stem[2:]: json.loads(p.read_text())["incidents"][p.stem[2:]] for p in (folder / "closed").glob("M-*.json")}
    shutil.rmtree(folder / "closed")
    write_atomically(folder / "closed.json", dump_tinydb({"incidents": dict(sorted(docs.items()))}))
    result = run("list", "--closed")
    assert result.code == 0
    assert "moved 2 closed incidents from closed.json" in result.err
    assert "M-1" in result.out and "M-2" in result.out
    assert sorted(p.name for p in (folder / "closed").glob("M-*.json")) == ["M-1.json", "M-2.json"]
    again = run("list", "--closed")
    assert again.err == "" and not (folder / "closed.json.v1").exists()  # checked, then let go
