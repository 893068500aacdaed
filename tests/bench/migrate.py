"""migrate benchmark: this checkout's ``copy_store`` against an older commit's, folder -> PostgreSQL, in one run.

    python tests/bench/migrate.py [--closed 10000] [--baseline b277ab3] [--runs 1]

A script, not a test. It builds a folder of N closed incidents (tests/bench/review.py's
``build_store``), extracts the baseline commit's ``storage`` package with ``git archive`` into
a temporary folder, starts a throwaway PostgreSQL server with fsync on, and copies the folder
into a fresh database with each, alternately, each copy in a fresh process. Printed: the
seconds of each (the copy and the checksums of both sides), the load average before each,
and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from support.pg_server import PgServer  # noqa: E402

COPY = r'''
import sys, time
sys.path.insert(0, sys.argv[1])
from storage.store import copy_store, side_of
started = time.perf_counter()
report = copy_store(side_of(sys.argv[2]), side_of(sys.argv[3]))
print(time.perf_counter() - started, report.matches, report.copied)
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=10000)
    parser.add_argument("--baseline", default="b277ab3")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    import psycopg

    from review import build_store
    from storage.store import open_store

    work = Path(tempfile.mkdtemp(prefix="mishap-migrate-bench-"))
    folder, old = work / "source", work / "baseline"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline, "storage"], capture_output=True,
                             check=True)
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    print(f"building {args.closed} closed incidents...", flush=True)
    build_store(folder, args.closed)
    open_store(folder).review_rows()  # the move from the first layout, and the index, done once
    server = PgServer(durable=True).start()
    found: dict[str, list[float]] = {"this checkout": [], f"baseline {args.baseline}": []}
    try:
        trees = [("this checkout", ROOT), (f"baseline {args.baseline}", old)] * args.runs
        for n, (label, tree) in enumerate(trees):
            with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE copy{n}")
            load = os.getloadavg()[0]
            out = subprocess.run([sys.executable, "-c", COPY, str(tree), str(folder), server.url(f"copy{n}")],
                                 capture_output=True, text=True, timeout=1800, cwd=work)
            seconds, matches, copied = out.stdout.split()
            found[label].append(float(seconds))
            print(f"  {label:<20} {float(seconds):6.1f} s for {copied} incidents, checksums match: {matches} "
                  f"(load average {load:.1f} before)", flush=True)
    finally:
        server.destroy()
    ours, theirs = (statistics.median(values) for values in found.values())
    print(f"mishap migrate, {args.closed} closed, folder -> PostgreSQL: {ours:.1f} s against {theirs:.1f} s "
          f"({theirs / ours:.1f}x faster; target <= 15 s)")


if __name__ == "__main__":
    main()
