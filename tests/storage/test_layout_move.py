"""A store of the first layout (one closed.json) moves to one file per closed incident, safely."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess

import pytest
import tinydb

from storage.store import FolderStore, ReadOnlyStore, write_atomically
from storage.store.folder.files import dump_tinydb
from storage.domain.model import SCHEMA_VERSION

HOSTILE = 'a"revision":5},"99":{ [/] \x1b[31m 💥'


def first_layout_store(folder, clock, closed: int = 6, still_open: int = 2) -> dict[int, dict]:
    """A store as the first layout left it: open.json, and every closed incident in closed.json."""
    store = FolderStore.open(folder, clock=clock, user="ana")
    for n in range(closed + still_open):
        inc = store.create(f"Incident {n} {HOSTILE}", f"Client {n % 3}", 1 + n % 4)
        clock.advance(minutes=9)
        store.change(inc.id, lambda i, now, by: i.log_update("phone", HOSTILE, None, now, by))
        if n < closed:
            store.change(inc.id, lambda i, now, by: i.close(now, by, reason=f"test {HOSTILE}"))
    docs = {n: json.loads((folder / "closed" / f"M-{n}.json").read_text())["incidents"][str(n)]
            for n in range(1, closed + 1)}
    shutil.rmtree(folder / "closed")
    text = dump_tinydb({"incidents": {str(n): docs[n] for n in sorted(docs)}})
    write_atomically(folder / "closed.json", text)
    write_atomically(folder / "closed.json.bak", text)
    write_atomically(folder / "closed.review.json", '{"format": 2, "rows": []}')
    data = json.loads((folder / "open.json").read_text())
    data["meta"]["1"].pop("layout")
    write_atomically(folder / "open.json", json.dumps(data))
    return docs


def _files(folder) -> dict[int, dict]:
    found = {}
    for path in (folder / "closed").glob("M-*.json"):
        db = tinydb.TinyDB(path)
        (doc,) = db.table("incidents").all()
        db.close()
        found[doc.doc_id] = dict(doc)
    return found


def test_the_first_open_moves_every_closed_incident_and_keeps_the_old_file(folder, clock):
    docs = first_layout_store(folder, clock)
    seen = []
    store = FolderStore.open(folder, clock=clock, progress=lambda done, total: seen.append((done, total)))
    assert _files(folder) == docs
    assert not (folder / "closed.json").exists()
    assert (folder / "closed.json.v1").exists() and (folder / "closed.json.bak").exists()
    assert any("moved 6 closed incidents" in w and "closed.json.v1" in w for w in store.warnings)
    assert len(seen) == 6 and seen[-1][0] == seen[-1][1]  # progress ends at the whole file
    assert sorted(r.number for r in store.review_rows()) == [1, 2, 3, 4, 5, 6]
    assert [i.number for i in store.open_incidents()] == [7, 8]
    assert store.get("M-3").to_dict() == docs[3]
    # The next open checks the move, then lets the old files go.
    again = FolderStore.open(folder, clock=clock)
    assert not again.warnings
    assert not (folder / "closed.json.v1").exists() and not (folder / "closed.json.bak").exists()
    assert not (folder / "closed.review.json").exists()
    assert _files(folder) == docs
    assert again.create("next", "c", 2).number == 9


def test_a_second_move_changes_nothing(folder, clock):
    docs = first_layout_store(folder, clock)
    FolderStore.open(folder, clock=clock)
    before = {p.name: p.read_bytes() for p in (folder / "closed").glob("M-*.json")}
    # closed.json comes back (restored by hand): moving it again rewrites nothing, loses nothing.
    shutil.copy(folder / "closed.json.v1", folder / "closed.json")
    FolderStore.open(folder, clock=clock)
    assert {p.name: p.read_bytes() for p in (folder / "closed").glob("M-*.json")} == before
    assert _files(folder) == docs


def test_a_reopened_incident_keeps_its_open_copy(folder, clock):
    first_layout_store(folder, clock, closed=2)
    # A reopen the first layout cut short: open in open.json, still in closed.json.
    data = json.loads((folder / "open.json").read_text())
    closed = json.loads((folder / "closed.json").read_text())["incidents"]["1"]
    data["incidents"]["1"] = {**closed, "status": "open", "closed_at": None}
    write_atomically(folder / "open.json", json.dumps(data))
    store = FolderStore.open(folder, clock=clock)
    assert store.get("M-1").status == "open"
    assert not (folder / "closed" / "M-1.json").exists()
    assert [r.number for r in store.review_rows()] == [2]


def test_a_closed_json_from_a_newer_mishap_is_never_moved(folder, clock):
    first_layout_store(folder, clock, closed=2)
    path = folder / "closed.json"
    data = json.loads(path.read_text())
    data["incidents"]["2"]["schema"] = SCHEMA_VERSION + 1
    newer = json.dumps(data).encode()
    path.write_bytes(newer)
    store = FolderStore.open(folder, clock=clock)
    assert store.read_only and "newer" in store.read_only_reason
    assert path.read_bytes() == newer and not (folder / "closed").exists()
    with pytest.raises(ReadOnlyStore):
        store.create("x", "c", 2)


def test_a_corrupt_closed_json_is_named_and_left_as_it_is(folder, clock):
    docs = first_layout_store(folder, clock, closed=2)
    path = folder / "closed.json"
    broken = path.read_bytes()[:-40]
    path.write_bytes(broken)
    store = FolderStore.open(folder, clock=clock)  # the open incidents work; the closed history waits, named
    assert [i.number for i in store.open_incidents()] == [3, 4]
    (warning,) = [w for w in store.warnings if "was not moved" in w]
    assert str(path) in warning and "not valid JSON" in warning
    assert path.read_bytes() == broken
    # What was read before the damage is moved (each file whole); the rest waits in closed.json.
    assert _files(folder) == {1: docs[1]}
    assert not (folder / "closed.json.v1").exists()


MOVER = r'''
import sys
from storage.store import FolderStore

def progress(done, total):
    print("moved", done, total, flush=True)

print("ready", flush=True)
FolderStore.open(sys.argv[1], progress=progress)
print("finished", flush=True)
'''


def test_sigkill_during_the_move_loses_nothing(tmp_path, clock, child_env, python):
    template = tmp_path / "template"
    docs = first_layout_store(template, clock, closed=40, still_open=2)
    script = tmp_path / "mover.py"
    script.write_text(MOVER)
    rng = random.Random(7)
    outcomes = set()
    for round_ in range(12):
        folder = tmp_path / f"store{round_}"
        shutil.copytree(template, folder)
        lines = 0 if round_ == 0 else rng.randint(1, 42)
        child = subprocess.Popen([python, str(script), str(folder)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=child_env)
        try:
            assert child.stdout.readline() == b"ready\n"
            for _ in range(lines):
                if not child.stdout.readline():
                    break
            os.kill(child.pid, signal.SIGKILL)
            out, err = child.communicate(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        outcomes.add("finished" if b"finished" in out else "cut short")
        # The next open finishes the move: every incident exactly once, as it was.
        store = FolderStore.open(folder, clock=clock)
        assert _files(folder) == docs, f"round {round_}: the closed history is not whole"
        assert sorted(r.number for r in store.review_rows()) == sorted(docs)
        assert [i.number for i in store.open_incidents()] == [41, 42]
        assert not (folder / "closed.json").exists()
        assert not list(folder.glob("closed/.*.tmp")) and not list(folder.glob(".*.tmp"))
        assert not list(folder.glob("closed/.tmp/*"))
        FolderStore.open(folder, clock=clock)
        assert not (folder / "closed.json.v1").exists()  # verified, then let go
    assert "cut short" in outcomes
