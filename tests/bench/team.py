"""Team benchmark: the PostgreSQL store beside the TinyDB folder store, in the same run.

    python tests/bench/team.py [--writers 4] [--changes 50] [--closed 10000] [--latency 20] [--parts …]

A script, not a test (pytest does not collect it). It starts a throwaway PostgreSQL server
(tests/support/pg_server.py, with fsync on, like a real one) and prints, for each backend:

* N processes x M changes on one incident: changes lost (must be 0) and changes per second;
* change-to-screen latency across processes: from a change committed in one process to the
  other process's ``changes()`` yielding with it in view (median, p95); the folder is polled
  once a second, the database pushes a notification;
* one step completion's latency in one process (median, p95);
* opening the review with N closed incidents: a fresh handle's open plus ``review_rows()`` and
  ``review_patterns()`` (median of 5); the folder has its review index, the database its
  precomputed rows. Target: under 300 ms;
* what a change costs on a small (3 open) and a large (300 open + N closed) PostgreSQL store,
  and ten watchers at once (tests/bench/team_scale.py).

``--parts`` picks some of: ``writers`` (the first three), ``review``, ``scale``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from storage.store import open_store  # noqa: E402
from support.pg_server import PgServer  # noqa: E402

ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))

WRITER = r'''
import sys, time
from storage.store import open_store
spec, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(spec, user=name)
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    store.change("M-1", lambda inc, now, by: inc.add_note(f"{name} {i}", now, by))
print("done", flush=True)
'''

TICKER = r'''
import sys, time
from storage.store import open_store
spec, count, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = open_store(spec, user="ticker")
print("ready", flush=True)
sys.stdin.readline()
with open(log, "w") as out:
    for i in range(count):
        time.sleep(0.37)  # not in step with the folder's one-second poll
        store.change("M-1", lambda inc, now, by: inc.add_note(f"tick {i}", now, by))
        out.write(f"{i} {time.time()}\n")
        out.flush()
print("done", flush=True)
'''


def q(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def writers(spec: str, n: int, m: int) -> tuple[int, float]:
    """N processes x M notes on M-1 at once: (lost, changes per second)."""
    store = open_store(spec, user="bench")
    store.create("Shared", "Acme", 1)
    script = Path(tempfile.mkdtemp()) / "writer.py"
    script.write_text(WRITER)
    children = [subprocess.Popen([sys.executable, str(script), spec, f"w{k}", str(m)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, env=ENV) for k in range(n)]
    for child in children:
        assert child.stdout.readline() == "ready\n"
    start = time.perf_counter()
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        child.communicate(timeout=600)
    elapsed = time.perf_counter() - start
    notes = [t.text for t in open_store(spec).get(1).timeline if t.kind == "note"]
    return n * m - len(set(notes)), n * m / elapsed


async def _watch(store, count: int, seen: dict[int, float]) -> None:
    async for _ in store.changes(interval=1.0):
        now = time.time()
        for entry in store.get(1).timeline:
            if entry.text.startswith("tick "):
                seen.setdefault(int(entry.text.split()[1]), now)
        if len(seen) >= count:
            return


def latency(spec: str, count: int) -> list[float]:
    """Seconds from a change committed in another process to this one's changes() showing it."""
    store = open_store(spec, user="screen")
    if store.is_empty():
        store.create("Watched", "Acme", 1)
    folder = Path(tempfile.mkdtemp())
    script, log = folder / "ticker.py", folder / "ticks.log"
    script.write_text(TICKER)
    child = subprocess.Popen([sys.executable, str(script), spec, str(count), str(log)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=ENV)
    assert child.stdout.readline() == "ready\n"
    seen: dict[int, float] = {}

    async def run():
        watcher = asyncio.ensure_future(_watch(store, count, seen))
        await asyncio.sleep(0.5)
        child.stdin.write("go\n")
        child.stdin.flush()
        await asyncio.wait_for(watcher, timeout=120)

    asyncio.run(run())
    child.communicate(timeout=60)
    committed = {int(i): float(t) for i, t in (line.split() for line in log.read_text().splitlines())}
    return [seen[i] - committed[i] for i in committed]


def step_latency(spec: str, rounds: int) -> list[float]:
    store = open_store(spec, user="bench")
    inc = store.create("Steps", "Acme", 2)
    times = []
    for r in range(rounds):
        step = r % len(inc.steps)
        start = time.perf_counter()
        store.change(inc.id, lambda i, now, by: i.complete_step(step, now, by) if not i.steps[step].done
                     else i.reopen_step(step, now, by))
        times.append(time.perf_counter() - start)
    return times


REVIEW = r'''
import sys, time
from storage.store import open_store
import storage.domain.patterns, storage.domain.review_row, storage.store.postgres, psycopg, tinydb
t = time.perf_counter()
store = open_store(sys.argv[1])
opened = time.perf_counter()
rows = store.review_rows()
first = time.perf_counter()
store.review_patterns()
print(opened - t, first - opened, time.perf_counter() - first, len(rows))
'''


def review_open(spec: str, runs: int = 5) -> tuple[list[float], int]:
    """Medians for a fresh process (imports excluded): opening the store, the review's rows, its patterns.

    The console has its store open when ``r`` is pressed and shows the rows before it works
    out the patterns (tui/screens/review.py): the rows are the review's first rows.
    """
    found = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", REVIEW, spec], capture_output=True, text=True, env=ENV,
                             timeout=300)
        *seconds, count = out.stdout.split()
        found.append([float(value) for value in seconds])
    return [statistics.median(column) for column in zip(*found)], int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--closed", type=int, default=10000)
    parser.add_argument("--latency", type=int, default=20)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--parts", default="writers,review,scale")
    args = parser.parse_args()
    parts = set(args.parts.split(","))

    import psycopg

    from review import build_store
    from storage.store import copy_store, side_of

    server = PgServer(durable=True).start()
    work = Path(tempfile.mkdtemp(prefix="mishap-team-bench-"))
    try:
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            for name in ("writers", "screen", "steps", "review"):
                conn.execute(f"CREATE DATABASE {name}")
        specs = {"folder": lambda name: str(work / name), "postgres": server.url}
        print(f"PostgreSQL {server.bin.parent.name} on a unix socket (fsync on); TinyDB folder in {work}\n")
        rows = []
        results = {}
        for backend, spec in specs.items() if "writers" in parts else ():
            lost, rate = writers(spec("writers"), args.writers, args.changes)
            lat = latency(spec("screen"), args.latency)
            steps = step_latency(spec("steps"), args.steps)
            results[backend] = (lost, rate, lat, steps)
        for backend, (lost, rate, lat, steps) in results.items():
            rows.append((backend, f"{lost} lost, {rate:.0f} changes/s", f"{ms(statistics.median(lat))} / {ms(q(lat, 0.95))}",
                         f"{ms(statistics.median(steps))} / {ms(q(steps, 0.95))}"))
        if rows:
            print(f"{args.writers} processes x {args.changes} changes on one incident; change-to-screen median / p95 "
                  f"({args.latency} changes); one step completion median / p95 ({args.steps} changes)")
        for backend, a, b, c in rows:
            print(f"  {backend:<9} {a:<26} screen {b:<22} step {c}")
        if "scale" in parts:
            import team_scale

            team_scale.main(server, ENV, args.latency, args.closed)
        if "review" not in parts:
            return
        print(f"\nbuilding {args.closed} closed incidents (folder, then copied to PostgreSQL)...", flush=True)
        folder = work / "review"
        build_store(folder, args.closed)
        open_store(folder).review_rows()  # the move from the first layout, and the index, done once
        started = time.perf_counter()
        report = copy_store(side_of(str(folder)), side_of(server.url("review")))
        print(f"  mishap migrate: {time.perf_counter() - started:.1f} s, counts and checksums match: "
              f"{report.matches}")
        for backend, spec in (("folder", str(folder)), ("postgres", server.url("review"))):
            (opened, first, patterns), count = review_open(spec)
            print(f"  review, {count} closed, {backend:<9} first rows {ms(first)} (target < 300 ms); the store's "
                  f"opening before {ms(opened)}, the patterns after {ms(patterns)}; all {ms(opened + first + patterns)} "
                  f"(medians of 5 fresh processes)")
    finally:
        server.destroy()


if __name__ == "__main__":
    main()
