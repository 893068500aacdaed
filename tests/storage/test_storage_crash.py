"""SIGKILL a writing process at random moments; the store must open and hold every write that returned."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from storage.store import Store

KILLS = 30

# The child reports each write only after store.create / store.change has returned.
CHILD = r'''
import random, sys
import pendulum
from storage.store import Store

folder, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
ticks = [0]
start = pendulum.datetime(2026, 3, 8, 6, 0, tz="UTC").add(hours=seed)

def clock():
    ticks[0] += 1
    return start.add(seconds=ticks[0])

print("ready", flush=True)  # before Store.open, so some kills land inside it
store = Store.open(folder, clock=clock, user=f"child{seed}")
k = 0
while True:
    k += 1
    opened = store.open_incidents()
    r = rng.random()
    if len(opened) < 3 or r < 0.15:
        title = f"s{seed}-c{k} [/] \x1b[0m"
        inc = store.create(title, "Client", rng.randint(1, 4))
        print(f"create {inc.number} s{seed}-c{k}", flush=True)
    elif r < 0.22:
        n = rng.choice(opened).number
        store.change(n, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
        print(f"close {n}", flush=True)
    elif r < 0.27 and store.closed_incidents():
        n = rng.choice(store.closed_incidents()).number
        store.change(n, lambda i, now, by: i.set_status("open", now, by))
        print(f"reopen {n}", flush=True)
    else:
        n = rng.choice(opened).number
        text = f"s{seed}-n{k}"
        store.change(n, lambda i, now, by: i.add_note(text, now, by))
        print(f"note {n} {text}", flush=True)
'''


def _temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


def test_sigkill_at_random_moments_loses_no_returned_write(tmp_path, child_env, python):
    folder = tmp_path / "store"
    script = tmp_path / "writer.py"
    script.write_text(CHILD)
    rng = random.Random(20260308)
    reported: list[list[str]] = []
    rounds_leaving_temps = 0
    deadline = time.monotonic() + 90
    for round_ in range(KILLS):
        assert time.monotonic() < deadline, "crash test ran out of time"
        child = subprocess.Popen([python, str(script), str(folder), str(round_)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=child_env)
        try:
            ready = child.stdout.readline()
            assert ready == b"ready\n", child.communicate(timeout=10)[1].decode()
            # Mostly mid-stream, sometimes inside Store.open (which finishes cut-short closes).
            time.sleep(rng.choice([rng.uniform(0, 0.004), rng.uniform(0.005, 0.1)]))
            os.kill(child.pid, signal.SIGKILL)
            out, err = child.communicate(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == -signal.SIGKILL, f"the writer died on its own:\n{err.decode()}"
        # A line cut off by the kill has no newline: that write is not known to have returned.
        lines = out.decode().split("\n")[:-1]
        reported.extend(line.split(" ") for line in lines)
        rounds_leaving_temps += bool(_temps(folder))

    store = Store.open(folder)
    assert _temps(folder) == [], "Store.open left stale temporary files (copies of client data)"
    assert len(reported) > 60, "the writers hardly wrote anything: the test proves nothing"

    open_ = {inc.number: inc for inc in store.open_incidents()}
    closed = {inc.number: inc for inc in store.closed_incidents()}
    assert not open_.keys() & closed.keys()
    assert all(not inc.is_closed for inc in open_.values())
    assert all(inc.is_closed for inc in closed.values())
    everything = {**open_, **closed}

    created = [r for r in reported if r[0] == "create"]
    numbers = [int(r[1]) for r in created]
    assert len(numbers) == len(set(numbers)), "an incident number was handed out twice"
    for _, number, title in created:
        assert everything[int(number)].title.startswith(title + " "), f"lost create of M-{number}"
    for kind, number, *rest in reported:
        if kind == "note":
            texts = [t.text for t in everything[int(number)].timeline if t.kind == "note"]
            assert rest[0] in texts, f"lost note {rest[0]} on M-{number}"
    # Every file the store keeps is readable, and the backup is the last good open.json.
    assert (folder / "open.json.bak").read_bytes() == (folder / "open.json").read_bytes()
    print(f"{len(reported)} writes reported over {KILLS} kills; "
          f"{rounds_leaving_temps} kills left a temp file behind")
