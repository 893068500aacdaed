"""Two processes writing to one store at the same time lose nothing."""

from __future__ import annotations

import subprocess

from storage.store.folder import Store

CHANGES = 100

# Each writer keeps one Store open for its whole run (the long-lived case with caches),
# waits for "go" so both start together, then makes 100 changes:
# 50 notes and 10 completed steps on the shared incident M-1, and 40 new incidents.
CHILD = r'''
import sys
from storage.store.folder import Store

folder, name, first_step = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = Store.open(folder, user=name)
print("ready", flush=True)
sys.stdin.readline()
step = first_step
for i in range(%d):
    kind = i %% 10
    if kind < 5:
        store.change("M-1", lambda inc, now, by: inc.add_note(f"{name}-{i}", now, by))
    elif kind < 9:
        inc = store.create(f"{name}-{i}", "Client", 3)
        print(inc.number, flush=True)
    else:
        store.change(1, lambda inc, now, by, s=step: inc.complete_step(s, now, by))
        step += 1
print("done", flush=True)
''' % CHANGES


def test_two_processes_lose_nothing(tmp_path, child_env, python):
    folder = tmp_path / "store"
    store = Store.open(folder, user="parent")
    shared = store.create("Shared incident", "ACME", 2)
    assert shared.number == 1 and len(shared.steps) >= 20
    script = tmp_path / "writer.py"
    script.write_text(CHILD)

    writers = {
        name: subprocess.Popen([python, str(script), str(folder), name, str(first)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=child_env)
        for name, first in (("alpha", 0), ("beta", 10))
    }
    try:
        for child in writers.values():
            assert child.stdout.readline() == b"ready\n", child.communicate(timeout=30)[1].decode()
        for child in writers.values():
            child.stdin.write(b"go\n")
            child.stdin.flush()
        outputs = {name: child.communicate(timeout=60) for name, child in writers.items()}
    finally:
        for child in writers.values():
            if child.poll() is None:
                child.kill()
                child.wait()
    for name, (out, err) in outputs.items():
        assert writers[name].returncode == 0, err.decode()
        assert out.decode().splitlines()[-1] == "done"

    assert store.changed()
    store.refresh()
    incidents = {inc.number: inc for inc in store.open_incidents()}
    # 80 created by the writers, numbered without gaps or repeats after M-1.
    created = {inc.title: inc.number for inc in incidents.values() if inc.number != 1}
    assert len(created) == 80 and sorted(created.values()) == list(range(2, 82))
    for name, (out, _) in outputs.items():
        printed = [int(n) for n in out.decode().split()[:-1]]
        assert len(printed) == 40
        assert {created[f"{name}-{i}"] for i in range(CHANGES) if 5 <= i % 10 < 9} == set(printed)

    m1 = incidents[1]
    notes = sorted(t.text for t in m1.timeline if t.kind == "note")
    assert notes == sorted(f"{name}-{i}" for name in writers for i in range(CHANGES) if i % 10 < 5)
    assert [s.done_by for s in m1.steps[:20]] == ["alpha"] * 10 + ["beta"] * 10
    assert m1.revision == 120
    assert len(m1.timeline) == 1 + 100 + 20
    # The same holds for a fresh reader.
    assert Store.open(folder).get(1).to_dict() == m1.to_dict()
