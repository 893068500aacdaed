"""SIGKILL a writing process at random points; the store must open and hold every write that returned.

The kill comes after a random number of writes the child has reported, never after a
random wall-clock time, so a busy machine changes nothing but the duration.

Each writer is a process forked from a parent that has imported mishap once (the store
itself is opened in the writer, after the fork): starting a fresh interpreter for each of
the kills took most of the test's time.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
from pathlib import Path


KILLS = 30

# The parent forks one writer at a time on request ("SPEC SEED" on its stdin) and passes on
# what the writer prints, a line at a time: "pid N" first, "line …" for each line, "cut …" for
# a last line the writer did not finish, and "gone" when the writer's output ends. Only when
# told ("reap") does it collect the writer, and say "ended S" with the signal that ended it:
# until then the pid cannot be given to another process, so killing it is safe.
#
# The writer says what it is about to do ("will …"), then reports it only after the store
# returned ("done …"): a write in flight at the kill may or may not have happened.
CHILD = r"""
import os, random, sys, traceback
import pendulum
from storage.store import open_store
import storage.store.folder.store, storage.store.postgres.store  # loaded once, before any fork
from support.clock import FakeClock


def write_forever(spec, seed):
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


def tell(*words):
    sys.stdout.write(" ".join(map(str, words)) + "\n")
    sys.stdout.flush()


for request in sys.stdin:
    spec, seed = request.split()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer: its stdout is the pipe, and it never returns here
        try:
            os.close(read_end)
            os.dup2(write_end, 1)
            sys.stdout = os.fdopen(1, "w", closefd=False)
            write_forever(spec, int(seed))
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(1)
    os.close(write_end)
    tell("pid", pid)
    with os.fdopen(read_end, "rb") as writer_out:
        for line in writer_out:
            if line.endswith(b"\n"):
                tell("line", line[:-1].decode())
            else:
                tell("cut", line.decode(errors="replace"))  # the kill fell inside this line
    tell("gone")
    sys.stdin.readline()  # "reap"
    _, status = os.waitpid(pid, 0)
    tell("ended", os.WTERMSIG(status) if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}")
"""


def _temps(folder: Path) -> list[Path]:
    return sorted([*folder.glob(".*.tmp"), *folder.glob("closed/.*.tmp"), *folder.glob("closed/.tmp/.*.tmp")])


def _run_and_kill(parent: subprocess.Popen, errors: Path, spec: str, seed: int,
                  lines_before_kill: int) -> list[list[str]]:
    """Have ``parent`` fork a writer, read ``lines_before_kill`` lines after its "ready", SIGKILL it; its lines.

    ``errors`` is the file the parent and its writers print their errors to.
    """
    parent.stdin.write(f"{spec} {seed}\n")
    parent.stdin.flush()

    def relayed() -> tuple[str, str]:
        kind, _, rest = parent.stdout.readline().rstrip("\n").partition(" ")
        assert kind, f"the forking parent died:\n{errors.read_text()}"
        return kind, rest

    kind, pid = relayed()
    assert kind == "pid", (kind, pid)
    assert relayed() == ("line", "ready")
    lines, kind = [], "line"
    while kind != "gone" and len(lines) < lines_before_kill:
        kind, rest = relayed()
        if kind == "line":
            lines.append(rest)
    os.kill(int(pid), signal.SIGKILL)
    while kind != "gone":  # what it wrote before the kill; a line it did not finish is not known to have returned
        kind, rest = relayed()
        if kind == "line":
            lines.append(rest)
    parent.stdin.write("reap\n")
    parent.stdin.flush()
    kind, ended = relayed()
    assert (kind, ended) == ("ended", str(int(signal.SIGKILL))), f"the writer died on its own:\n{errors.read_text()}"
    return [line.split(" ") for line in lines]


def test_sigkill_after_random_writes_loses_no_returned_write(backend, tmp_path, child_env, python):
    script = tmp_path / "writer.py"
    script.write_text(CHILD)
    rng = random.Random(20260308)
    reported: list[list[str]] = []
    errors = tmp_path / "writers.err"
    with open(errors, "w") as err:
        parent = subprocess.Popen([python, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=err, env=child_env, text=True)
    try:
        for round_ in range(KILLS):
            # 0: the kill lands inside opening or the first write; otherwise after some writes.
            lines = rng.choice([0, 1, rng.randint(2, 40)])
            reported.extend(_run_and_kill(parent, errors, backend.spec, round_, lines))
    finally:
        parent.stdin.close()
        try:
            parent.wait(timeout=30)
        except subprocess.TimeoutExpired:
            parent.kill()
            parent.wait()

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
