"""Two consoles marking the same steps at the same moment: each step done once, never toggled back, nothing lost.

Two processes, each with its own store handle (its own connection, on a database), race
through the same checklist: for each step both press "done", then each adds a note. Whoever
writes first marks the step; the other's press finds it done and writes nothing (the intent
is "done", not "toggle"). Runs on every backend (the ``backend`` fixture).
"""

from __future__ import annotations

from support.racers import race_in_rounds

STEPS = 6

CONSOLE = r'''
import sys
from storage.domain import model
from storage.store import open_store

spec, name, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(spec, user=name)
print("ready", flush=True)
for step in range(steps):
    sys.stdin.readline()  # both go together, step by step
    outcome = store.change(1, lambda inc, now, by: inc.complete_step(step, now, by))
    wrote = not isinstance(outcome, model.Unchanged)
    store.change(1, lambda inc, now, by: inc.add_note(f"{name} after step {step}", now, by))
    print("done" if wrote else f"already {outcome.by}", flush=True)
'''


def test_two_processes_marking_the_same_steps_keep_the_intent_and_lose_nothing(backend, tmp_path, child_env,
                                                                              python):
    backend.open(user="lead").create("Payroll file sent with last month's rates", "Acme Ltd", 2)
    script = tmp_path / "console.py"
    script.write_text(CONSOLE)
    names = ("lena", "omar")
    said = race_in_rounds(python, script, {name: [backend.spec, name, str(STEPS)] for name in names}, STEPS, child_env)

    incident = backend.open().get(1)
    for step in range(STEPS):
        # Exactly one of the two wrote it; the other was told who had.
        writers = [name for name in names if said[name][step] == "done"]
        assert len(writers) == 1, (step, said)
        other = next(name for name in names if name not in writers)
        assert said[other][step] == f"already {writers[0]}"
        assert incident.steps[step].done_by == writers[0] and incident.steps[step].done_at is not None
    step_entries = [t for t in incident.timeline if t.kind == "step"]
    assert len(step_entries) == STEPS  # done once each, never undone
    assert all(text.startswith("Done: ") for text in (t.text for t in step_entries))
    notes = sorted(t.text for t in incident.timeline if t.kind == "note")
    assert notes == sorted(f"{name} after step {step}" for name in names for step in range(STEPS))
    assert incident.revision == STEPS + 2 * STEPS
