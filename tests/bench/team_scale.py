"""What one change costs the consoles on a small and on a large PostgreSQL store (used by tests/bench/team.py).

* A small store (3 open) and a large one (300 open + N closed, default 10,000): a ticker
  process makes changes to M-1, watcher processes (each a store's ``changes()`` stream) note
  when each change is in their view. Printed: change-to-screen latency (median, p95) and the
  rows read per change, summed over every table from ``pg_stat_user_tables``
  (``seq_tup_read + idx_tup_fetch``), each process flushing its statistics with
  ``pg_stat_force_next_flush()`` before the figures are read. Target: large <= 1.5x small.
* Ten watchers on the large store: a change is in every watcher's view (the slowest of the
  ten) in under 50 ms p50 and under 250 ms p95.
* The plans of the queries a change runs, on the large store: none may scan the incidents or
  the timeline.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WATCHER = r'''
import asyncio, json, sys, time
from storage.store import open_store
spec, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = open_store(spec, user="watcher")

def flush():
    store.session.run(lambda conn: conn.execute("SELECT pg_stat_force_next_flush()"))

async def main():
    seen = {}
    ready = asyncio.Event()
    async def watch():
        stream = store.changes(interval=1.0).__aiter__()
        first = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.5)  # connected, listening, looked once
        ready.set()
        pending = first
        while len(seen) < count:
            await pending
            now = time.time()
            for entry in store.get(1).timeline:
                if entry.text.startswith(tag):
                    seen.setdefault(int(entry.text.split()[1]), now)
            if len(seen) < count:
                pending = asyncio.ensure_future(stream.__anext__())
        await stream.aclose()
    task = asyncio.ensure_future(watch())
    await ready.wait()
    flush()
    print("ready", flush=True)
    await asyncio.wait_for(task, timeout=300)
    flush()
    print(json.dumps(seen), flush=True)

asyncio.run(main())
store.close()
'''

TICKER = r'''
import sys, time
from storage.store import open_store
spec, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = open_store(spec, user="ticker")
store.session.run(lambda conn: conn.execute("SELECT pg_stat_force_next_flush()"))
print("ready", flush=True)
sys.stdin.readline()
times = {}
for i in range(count):
    time.sleep(0.37)
    store.change("M-1", lambda inc, now, by: inc.add_note(f"{tag} {i}", now, by))
    times[i] = time.time()
store.session.run(lambda conn: conn.execute("SELECT pg_stat_force_next_flush()"))
print(__import__("json").dumps(times), flush=True)
store.close()
'''

ROWS_READ = """SELECT coalesce(sum(seq_tup_read), 0) + coalesce(sum(idx_tup_fetch), 0) FROM pg_stat_user_tables"""
BY_TABLE = """SELECT relname, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch FROM pg_stat_user_tables
ORDER BY relname"""


def q(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def rows_read(url: str) -> int:
    """Rows read from every table of the database so far, every other backend's statistics flushed."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(200):  # until the children's backends are gone (their exit flushes what is left)
            others = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid()").fetchone()[0]
            if not others:
                break
            time.sleep(0.05)
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute(ROWS_READ).fetchone()[0]


def build(url: str, open_count: int, closed_count: int) -> None:
    """``open_count`` open incidents (M-1 first, a few entries each) and ``closed_count`` closed, on a new database."""
    import psycopg

    from storage.store import open_store

    store = open_store(url, user="bench")
    for n in range(open_count):
        inc = store.create(f"Open incident {n + 1}", f"Client {n % 40}", 1 + n % 4)
        store.change(inc.id, lambda i, now, by: i.add_note("looked at the logs", now, by))
    if closed_count:
        model = store.create("Invoices sent twice", "Acme", 2)
        for text in ("called the client", "found the cause", "credit notes sent"):
            store.change(model.id, lambda i, now, by, t=text: i.add_note(t, now, by))
        store.change(model.id, lambda i, now, by: i.close(now, by, reason="a closed one for the benchmark"))
        first = 10_000
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO incidents (number, status, schema, doc, version, updated_by, closed_at, review, "
                "review_version) SELECT n, status, schema, jsonb_set(doc, '{number}', to_jsonb(n)), "
                "nextval('change_versions'), updated_by, closed_at, review, review_version "
                "FROM incidents, generate_series(%s::int, %s::int) AS n WHERE number = %s",
                [first, first + closed_count - 2, model.number])
            conn.execute("INSERT INTO timeline (number, entry, change) SELECT n, entry, 'bench' "
                         "FROM timeline, generate_series(%s::int, %s::int) AS n WHERE number = %s ORDER BY n, seq",
                         [first, first + closed_count - 2, model.number])
            conn.execute("VACUUM ANALYZE")
    store.close()


def run(url: str, env: dict, changes: int, watchers: int) -> tuple[list[list[float]], int]:
    """A ticker making ``changes`` changes to M-1 and ``watchers`` watchers: (latencies per change, rows read)."""
    folder = Path(tempfile.mkdtemp())
    (folder / "watcher.py").write_text(WATCHER)
    (folder / "ticker.py").write_text(TICKER)
    rows_read(url)  # every earlier backend gone, its statistics flushed: they are not this run's
    tag = f"tick-{time.monotonic_ns()}"  # a run's changes are not a former run's
    procs = [subprocess.Popen([sys.executable, str(folder / "watcher.py"), url, str(changes), tag],
                              stdout=subprocess.PIPE, text=True, env=env) for _ in range(watchers)]
    ticker = subprocess.Popen([sys.executable, str(folder / "ticker.py"), url, str(changes), tag],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    for proc in [*procs, ticker]:
        assert proc.stdout.readline() == "ready\n"
    before, tables = rows_read_now(url), by_table(url)
    ticker.stdin.write("go\n")
    ticker.stdin.flush()
    committed = {int(k): v for k, v in json.loads(ticker.stdout.readline()).items()}
    seen = [{int(k): v for k, v in json.loads(proc.stdout.readline()).items()} for proc in procs]
    for proc in [*procs, ticker]:
        proc.wait(timeout=120)
    after = rows_read(url)
    if os.environ.get("MISHAP_BENCH_TABLES"):
        print("  per table (seq scans, rows, index scans, rows):",
              {name: [b - a for a, b in zip(tables.get(name, (0,) * 4), now)] for name, now in by_table(url).items()})
    per_change = [[view[i] - committed[i] for view in seen] for i in sorted(committed)]
    return per_change, (after - before) / changes


def rows_read_now(url: str) -> int:
    """Rows read so far (while the children are connected, their statistics already flushed)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute(ROWS_READ).fetchone()[0]


def by_table(url: str) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return {row[0]: row[1:] for row in conn.execute(BY_TABLE)}


def plans(url: str) -> list[str]:
    """Each query a change runs, and whether its plan scans a whole table (a Seq Scan on incidents or timeline)."""
    import psycopg

    from storage.store.postgres.store import LAST_SEQ
    from storage.store.postgres.view import NEWER, ONE, OTHERS, SINCE, XMIN

    found = []
    with psycopg.connect(url, autocommit=True) as conn:
        xmin = conn.execute(XMIN).fetchone()[0]
        queries = {"catch-up (notification)": (NEWER, {"number": 1, "version": 0, "seq": 0}),
                   "poll: rows written since": (SINCE, [xmin]), "poll: drafts and team files": (OTHERS, None),
                   "writer: the incident": (ONE, [1]), "writer: last entry": (LAST_SEQ, [1]),
                   "writer: newer mishap?": ("SELECT EXISTS (SELECT 1 FROM incidents WHERE schema > 3)", None)}
        for name, (sql, params) in queries.items():
            plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql, params))
            scans = [table for table in ("incidents", "timeline") if f"Seq Scan on {table}" in plan]
            found.append(f"{name}: {'SCANS ' + ', '.join(scans) if scans else 'by index'}")
    return found


def main(server, env: dict, changes: int, closed: int) -> None:
    """Print the small and large store's figures, the ten-watcher figures and the plans."""
    import psycopg

    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        for name in ("small", "large"):
            conn.execute(f"CREATE DATABASE {name}")
    print(f"\nbuilding a small store (3 open) and a large one (300 open + {closed} closed)...", flush=True)
    build(server.url("small"), 3, 0)
    build(server.url("large"), 300, closed)
    figures = {}
    for name in ("small", "large"):
        per_change, rows = run(server.url(name), env, changes, 1)
        figures[name] = ([lat[0] for lat in per_change], rows)
    print(f"one watcher, {changes} changes to M-1, change-to-screen median / p95, rows read per change:")
    for name, (lat, rows) in figures.items():
        print(f"  {name:<6} {statistics.median(lat) * 1000:6.1f} ms / {q(lat, 0.95) * 1000:6.1f} ms   "
              f"{rows:7.1f} rows")
    small, large = figures["small"], figures["large"]
    print(f"  large / small: latency {statistics.median(large[0]) / statistics.median(small[0]):.2f}x, "
          f"rows read {large[1] / small[1]:.2f}x (target <= 1.5x)")
    per_change, rows = run(server.url("large"), env, changes, 10)
    slowest = [max(lat) for lat in per_change]
    every = [value for lat in per_change for value in lat]
    print(f"ten watchers on the large store: in every view p50 {statistics.median(slowest) * 1000:.1f} ms, "
          f"p95 {q(slowest, 0.95) * 1000:.1f} ms (target < 50 / < 250 ms); each view p50 "
          f"{statistics.median(every) * 1000:.1f} ms; {rows:.1f} rows read per change")
    print("plans on the large store:")
    for line in plans(server.url("large")):
        print(f"  {line}")
