"""SIGKILL a writing process at random points; the store must open and hold every write that returned.

The kill comes after a random number of writes the child has reported, never after a
random wall-clock time, so a busy machine changes nothing but the duration.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
from pathlib import Path


KILLS = 30

# The child says what it is about to do ("will …"), then reports it only after the store
# returned ("done …"): a write in flight at the kill may or may not have happened.
CHILD = r'''
import random, sys
import pendulum
from storage.store import open_store
from support.clock import FakeClock

spec, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
start = pendulum.datetime(2026, 3, 8, 6, 0, tz="UTC").add(hours=seed)
clock = FakeClock(start, step=pendulum.duration(seconds=1))  # no two writes share an instant

def say(*words):
    print(*words, flush=True)

say("ready")  # before opening, so some kills land inside it (it finishes cut-short closes)
store = open_store(spec, clock=clock, user=f"child{seed}")
k = 0
while True:
    k += 1
    opened = store.open_incidents()
    closed = store.review_rows()
    r = rng.random()
    if len(opened) < 3 or r < 0.15:
        title = f"s{seed}-c{k}"
        say("will", "create", title)
        inc = store.create(title + " [/] \x1b[0m", "Client", rng.randint(1, 4))
        say("done", "create", inc.number, title)
    elif r < 0.25:
        n = rng.choice(opened).number
        say("will", "close", n)
        store.change(n, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
        say("done", "close", n)
    elif r < 0.33 and closed:
        n = rng.choice(closed).number
        say("will", "reopen", n)
        store.change(n, lambda i, now, by: i.set_status("open", now, by))
        say("done", "reopen", n)
    else:
        n = rng.choice(opened).number
        text = f"s{seed}-n{k}"
        say("will", "note", n, text)
        store.change(n, lambda i, now, by: i.add_note(text, now, by))
        say("done", "note", n, text)
'''


def _temps(folder: Path) -> list[Path]:
    return sorted([*folder.glob(".*.tmp"), *folder.glob("closed/.*.tmp"), *folder.glob("closed/.tmp/.*.tmp")])


def _run_and_kill(python, script, args, env, lines_before_kill: int) -> list[list[str]]:
    """Start the child, read ``lines_before_kill`` lines after its "ready", SIGKILL it; its lines."""
    child = subprocess.Popen([python, str(script), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    lines = []
    try:
        ready = child.stdout.readline()
        assert ready == b"ready\n", child.communicate(timeout=30)[1].decode()
        for _ in range(lines_before_kill):
            line = child.stdout.readline()
            if not line:
                break
            lines.append(line)
        os.kill(child.pid, signal.SIGKILL)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, f"the child died on its own:\n{err.decode()}"
    # A line cut off by the kill has no newline: that step is not known to have returned.
    text = b"".join(lines).decode() + out.decode()
    return [line.split(" ") for line in text.split("\n")[:-1]]


def test_sigkill_after_random_writes_loses_no_returned_write(backend, tmp_path, child_env, python):
    script = tmp_path / "writer.py"
    script.write_text(CHILD)
    rng = random.Random(20260308)
    reported: list[list[str]] = []
    for round_ in range(KILLS):
        # 0: the kill lands inside opening or the first write; otherwise after some writes.
        lines = rng.choice([0, 1, rng.randint(2, 40)])
        reported.extend(_run_and_kill(python, script, [backend.spec, str(round_)], child_env, lines))

    store = backend.open()
    if backend.name == "folder":
        folder = Path(backend.spec)
        assert _temps(folder) == [], "opening left stale temporary files (copies of client data)"
    done = [r[1:] for r in reported if r[0] == "done"]
    assert len(done) > 60, "the writers hardly wrote anything: the test proves nothing"

    open_ = {inc.number: inc for inc in store.open_incidents()}
    closed = {inc.number: inc for inc in store.closed_incidents()}
    assert not open_.keys() & closed.keys()
    assert all(not inc.is_closed for inc in open_.values())
    assert all(inc.is_closed for inc in closed.values())
    assert sorted(r.number for r in store.review_rows()) == sorted(closed), "the review index lost its way"
    everything = {**open_, **closed}

    created = [r for r in done if r[0] == "create"]
    numbers = [int(r[1]) for r in created]
    assert len(numbers) == len(set(numbers)), "an incident number was handed out twice"
    for _, number, title in created:
        assert everything[int(number)].title.startswith(title + " "), f"lost create of M-{number}"
    for kind, number, *rest in done:
        if kind == "note":
            texts = [t.text for t in everything[int(number)].timeline if t.kind == "note"]
            assert rest[0] in texts, f"lost note {rest[0]} on M-{number}"

    # The last close or reopen of each incident that returned decides where it is, unless a
    # later one was in flight at a kill (then either place is right).
    last: dict[int, tuple[str, bool]] = {}
    for line in reported:
        if line[1] in ("close", "reopen"):
            number = int(line[2])
            if line[0] == "done":
                last[number] = (line[1], True)
            else:
                last[number] = (line[1], False)
    checked = 0
    for number, (kind, returned) in last.items():
        if returned:
            assert (number in closed) == (kind == "close"), f"M-{number}: its last {kind} was lost"
            checked += 1
    assert checked > 5, "too few closes and reopens to prove anything"
    if backend.name == "folder":
        # Every file the store keeps is readable, and the backup is the last good open.json.
        assert (folder / "open.json.bak").read_bytes() == (folder / "open.json").read_bytes()
    print(f"{len(done)} writes returned over {KILLS} kills; {checked} closes/reopens checked")
