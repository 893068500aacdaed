"""Status benchmark: the work of ``mishap status`` with 10 open and 10,000 closed incidents.

    python tests/bench/status.py [--closed 10000] [--runs 40]

A script, not a test. It builds a store with ``tests/bench/review.py``'s builder (10 open
incidents, N closed ones of about 8.6 KB each), once as the first layout leaves it (one
closed.json, not moved yet: status must neither move it nor read it) and once moved to
one file per closed incident. Then, in the same run and interleaved so that a busy machine
slows all alike, it times whole processes:

- ``python -c pass``: the interpreter's own start, the floor of any command;
- ``mishap status`` on each store (as the installed script runs it: import tui.cli, main()).

The work of ``mishap status`` is its median wall time minus that of ``python -c pass``;
the target is under 50 ms. It also checks that status left both stores byte for byte as
they were (no move, no backup, no lock file made).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
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

from review import build_store  # noqa: E402

SCRIPT = "import sys\nfrom tui.cli import main\nsys.exit(main(sys.argv[1:]))\n"  # what the installed script does


def wall(argv: list[str], env: dict) -> float:
    """Seconds of one process, start to exit."""
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()}")
    return took


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40)
    options = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT), MISHAP_HOME="/nonexistent")
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / "first-layout"
        print(f"building a store of 10 open and {options.closed} closed incidents …", flush=True)
        build_store(first, options.closed)
        moved = Path(tmp) / "moved"
        shutil.copytree(first, moved)
        from storage.store import FolderStore

        FolderStore.open(moved)  # the move to one file per closed incident, and its upkeep
        FolderStore.open(moved)
        before = {first: fingerprint(first), moved: fingerprint(moved)}
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "mishap status (moved)": [sys.executable, "-c", SCRIPT, "status", "--db", str(moved)],
            "mishap status (first layout, not moved)": [sys.executable, "-c", SCRIPT, "status", "--db", str(first)],
            "mishap status --format tmux (moved)": [sys.executable, "-c", SCRIPT, "status", "--format", "tmux",
                                                    "--db", str(moved)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for name, argv in commands.items():
            wall(argv, env)  # warm the page cache once
        for _ in range(options.runs):
            for name, argv in commands.items():
                times[name].append(wall(argv, env))
        floor = statistics.median(times["python -c pass"])
        print(f"\n{'command':<42} {'median':>9} {'work':>9} {'ratio':>7}")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"{name:<42} {median * 1000:7.1f}ms {(median - floor) * 1000:7.1f}ms {median / floor:6.2f}×")
        work = statistics.median(times["mishap status (moved)"]) - floor
        print(f"\nwork of mishap status: {work * 1000:.1f} ms (target under 50 ms): "
              f"{'met' if work < 0.050 else 'NOT met'}")
        untouched = all(fingerprint(folder) == prints for folder, prints in before.items())
        print(f"stores left byte for byte as they were: {'yes' if untouched else 'NO'}")


if __name__ == "__main__":
    main()
