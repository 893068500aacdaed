"""Two processes writing to one store at the same time lose nothing, and their writes interleave."""

from __future__ import annotations

import subprocess


ROUNDS = 5
PER_ROUND = 20  # 100 changes per writer, as 50 notes, 10 steps and 40 new incidents

# Each writer keeps one FolderStore open for its whole run (the long-lived case with caches). It makes
# its changes in rounds; after each round it says so and waits until the parent lets both go on.
# So each writer's round r+1 begins after both have finished round r: the writers provably
# interleave (each one's later writes land on top of the other's earlier ones, through a stale
# cache), whatever the speed of the machine. Within a round they run at the same time.
# Per round: 10 notes and 2 completed steps on M-1, and 8 incidents created; for each note the writer
# prints the position its note took in M-1's timeline, as the write returned it.
CHILD = r'''
import sys
from storage.store import open_store

spec, name, first_step = sys.argv[1], sys.argv[2], int(sys.argv[3])
rounds, per_round = int(sys.argv[4]), int(sys.argv[5])
store = open_store(spec, user=name)
print("ready", flush=True)
step = first_step
for r in range(rounds):
    sys.stdin.readline()  # "go": the other writer has finished the round before this one too
    for i in range(per_round):
        if i < 10:
            def note(inc, now, by, text=f"{name} r{r} n{i}"):
                inc.add_note(text, now, by)
                return len(inc.timeline) - 1
            print("note", store.change("M-1", note), flush=True)
        elif i < 12:
            store.change(1, lambda inc, now, by, s=step: inc.complete_step(s, now, by))
            step += 1
        else:
            print("created", store.create(f"{name} r{r} c{i}", "Client", 3).number, flush=True)
    print("round", r, flush=True)
print("done", flush=True)
'''


def _lines_until(child: subprocess.Popen, last: str) -> list[str]:
    """What ``child`` prints up to and including the line ``last``."""
    lines = []
    while True:
        line = child.stdout.readline().decode()
        assert line, f"the writer stopped early: {child.communicate(timeout=30)[1].decode()}"
        lines.append(line.strip())
        if line.strip() == last:
            return lines


def test_two_processes_interleave_and_lose_nothing(backend, tmp_path, child_env, python):
    store = backend.open(user="parent")
    shared = store.create("Shared incident", "ACME", 2)
    assert shared.number == 1 and len(shared.steps) >= 4 * ROUNDS
    script = tmp_path / "writer.py"
    script.write_text(CHILD)
    names = ("alpha", "beta")
    writers = {
        name: subprocess.Popen([python, str(script), backend.spec, name, str(first), str(ROUNDS), str(PER_ROUND)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env)
        for name, first in zip(names, (0, 2 * ROUNDS))
    }
    printed = {name: [] for name in names}
    try:
        for child in writers.values():
            assert _lines_until(child, "ready") == ["ready"]
        for r in range(ROUNDS):  # the parent is the barrier between rounds
            for child in writers.values():
                child.stdin.write(b"go\n")
                child.stdin.flush()
            for name, child in writers.items():
                printed[name] += _lines_until(child, f"round {r}")[:-1]
        for child in writers.values():
            assert _lines_until(child, "done") == ["done"]
            assert child.wait(timeout=60) == 0, child.stderr.read().decode()
    finally:
        for child in writers.values():
            if child.poll() is None:
                child.kill()
                child.wait()

    store.refresh()
    incidents = {inc.number: inc for inc in store.open_incidents()}
    # 80 created by the writers, numbered without gaps or repeats after M-1, as each writer was told.
    created = {inc.title: inc.number for inc in incidents.values() if inc.number != 1}
    assert len(created) == 2 * ROUNDS * 8 and sorted(created.values()) == list(range(2, 2 + len(created)))
    for name in names:
        told = [int(line.split()[1]) for line in printed[name] if line.startswith("created")]
        assert told == [created[f"{name} r{r} c{i}"] for r in range(ROUNDS) for i in range(12, 20)]

    m1 = incidents[1]
    # Every note is where its writer's write put it: nothing overwritten or moved by the other.
    for name in names:
        positions = [int(line.split()[1]) for line in printed[name] if line.startswith("note")]
        texts = [f"{name} r{r} n{i}" for r in range(ROUNDS) for i in range(10)]
        assert [m1.timeline[p].text for p in positions] == texts
        assert all(m1.timeline[p].by == name for p in positions)
    # The writers interleaved: in the timeline's order, rounds never go back, and each round
    # holds both writers' notes, so the note-writer changes at least once per round.
    notes = [t for t in m1.timeline if t.kind == "note"]
    rounds = [int(t.text.split()[1][1:]) for t in notes]
    assert rounds == sorted(rounds) and len(notes) == 2 * ROUNDS * 10
    for r in range(ROUNDS):
        assert {t.by for t in notes if t.text.split()[1] == f"r{r}"} == set(names)
    switches = sum(a.by != b.by for a, b in zip(notes, notes[1:]))
    assert switches >= ROUNDS
    done_by = [s.done_by for s in m1.steps[:4 * ROUNDS]]
    assert done_by == ["alpha"] * 2 * ROUNDS + ["beta"] * 2 * ROUNDS
    assert m1.revision == 2 * ROUNDS * 12  # one per change
    assert len(m1.timeline) == 1 + 2 * ROUNDS * 12
    # The same holds for a fresh reader.
    assert backend.open().get(1).to_dict() == m1.to_dict()
