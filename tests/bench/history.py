"""History benchmark: what a long closed history costs, against the same store with none.

    python tests/bench/history.py [--closed 10000] [--repeats 15]

A script, not a test. It builds two stores of the first layout with
``tests/bench/review.py``'s builder (10 open incidents, and either none or N closed ones of
about 8.6 KB each in one closed.json), then in the same run:

1. the move to one file per closed incident: time and peak memory of the whole process;
2. in this process: close, reopen, a look at one closed incident from a fresh store, a
   step completion, and the review's rows and patterns from a fresh store, also right
   after another process closed an incident (medians);
3. whole processes, as a user runs them: ``mishap close``, ``mishap reopen``,
   ``mishap show`` of a closed incident and ``mishap review --json`` (wall time and peak
   RSS, medians);
4. the console: ctrl+s in the close form until the workspace shows the incident closed.

Each figure is printed beside the same one with no closed history, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from review import build_store  # noqa: E402

PEAK = r"""
import atexit, sys, time
start = time.perf_counter()
def report():
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    sys.stderr.write("BENCH %f %s\n" % (time.perf_counter() - start, fields["VmHWM"].split()[0]))
atexit.register(report)
"""


def whole_process(args: list[str], env: dict) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one ``mishap`` command run in a fresh Python."""
    code = PEAK + "sys.argv = ['mishap', *sys.argv[1:]]\nfrom tui.cli import main\nmain()\n"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("BENCH ")]
    if done.returncode != 0 or not line:
        raise SystemExit(f"mishap {' '.join(args)} failed: {done.stderr}")
    return wall, int(line[-1].split()[2]) / 1024


def move(folder: Path, env: dict) -> tuple[float, float]:
    """(seconds, peak MB) of the first open, which moves closed.json to one file per incident."""
    code = PEAK + f"from storage.store import FolderStore\nFolderStore.open({str(folder)!r})\n"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("BENCH ")]
    if done.returncode != 0 or not line:
        raise SystemExit(f"the move failed: {done.stderr}")
    return time.perf_counter() - started, int(line[-1].split()[2]) / 1024


def med(values: list[float]) -> float:
    return statistics.median(values)


def in_process(folder: Path, repeats: int, env: dict) -> dict[str, float]:
    """Medians (seconds) of the store's own operations."""
    from storage.store import FolderStore

    store = FolderStore.open(folder, user="bench")
    got: dict[str, list[float]] = {k: [] for k in ("close", "reopen", "get closed", "step", "review",
                                                   "review after a close elsewhere")}
    for _ in range(repeats):
        inc = store.create("Bench incident", "Bench client", 2)
        t = time.perf_counter()
        store.change(inc.number, lambda i, now, by: i.complete_step(0, now, by))
        got["step"].append(time.perf_counter() - t)
        t = time.perf_counter()
        store.change(inc.number, lambda i, now, by: i.close(now, by, reason="bench"))
        got["close"].append(time.perf_counter() - t)
        t = time.perf_counter()
        fresh = FolderStore.open(folder)
        fresh.get(inc.number)
        got["get closed"].append(time.perf_counter() - t)
        t = time.perf_counter()
        store.change(inc.number, lambda i, now, by: i.reopen(now, by, "bench"))
        got["reopen"].append(time.perf_counter() - t)
        store.change(inc.number, lambda i, now, by: i.close(now, by, reason="bench"))
    for _ in range(max(3, repeats // 3)):
        t = time.perf_counter()
        fresh = FolderStore.open(folder)
        fresh.review_rows()
        fresh.review_patterns()
        got["review"].append(time.perf_counter() - t)
        fresh.save_review_index()
        # Another process closes one more: the review already open reads only that.
        other = subprocess.run([sys.executable, "-c",
                                "import sys\nsys.argv=['mishap','close','%s','--reason','bench']\n"
                                "from tui.cli import main\nmain()" % _one_open(folder)],
                               capture_output=True, text=True, env=env)
        assert other.returncode == 0, other.stderr
        t = time.perf_counter()
        fresh.review_rows()
        fresh.review_patterns()
        got["review after a close elsewhere"].append(time.perf_counter() - t)
        FolderStore.open(folder).create("Refill", "Bench client", 3)
    return {k: med(v) for k, v in got.items()}


def _one_open(folder: Path) -> str:
    from storage.store import FolderStore

    return FolderStore.open(folder).open_incidents()[0].id


def processes(folder: Path, repeats: int, env: dict) -> dict[str, tuple[float, float]]:
    """Medians of whole ``mishap`` commands: (seconds, peak MB)."""
    from storage.store import FolderStore

    env = {**env, "MISHAP_HOME": str(folder)}
    figures: dict[str, list[tuple[float, float]]] = {k: [] for k in ("mishap close", "mishap reopen",
                                                                      "mishap show (closed)", "mishap review --json")}
    for _ in range(repeats):
        inc = FolderStore.open(folder).create("Process bench", "Bench client", 2)
        figures["mishap close"].append(whole_process(["close", inc.id, "--reason", "bench"], env))
        figures["mishap show (closed)"].append(whole_process(["show", inc.id], env))
        figures["mishap reopen"].append(whole_process(["reopen", inc.id, "--reason", "bench"], env))
        figures["mishap review --json"].append(whole_process(["review", "--json"], env))
        whole_process(["close", inc.id, "--reason", "bench"], env)
    return {k: (med([a for a, _ in v]), med([b for _, b in v])) for k, v in figures.items()}


def console_close(folder: Path, repeats: int) -> float:
    """Median seconds from ctrl+s in the close form to the workspace showing the incident closed."""
    from storage.store import FolderStore
    from tui.app import MishapApp

    times = []

    async def one() -> None:
        inc = FolderStore.open(folder).create("Console close bench", "Bench client", 2)
        app = MishapApp(folder=folder, offer_demo=False)
        async with app.run_test(size=(140, 45)) as pilot:
            from tui.screens.incident import IncidentScreen

            app.push_screen(IncidentScreen(inc.number))
            await pilot.pause()
            await pilot.press("c")
            await pilot.pause()
            screen = app.screen
            reason = screen.query_one("#reason")
            reason.value = "bench: closing with gaps"
            await pilot.pause()
            # The key goes in as a task and the screen is watched meanwhile: awaiting the press
            # itself would add the Pilot's own waits for idle to the figure.
            t = time.perf_counter()
            pressing = asyncio.create_task(pilot.press("ctrl+s"))
            while not (isinstance(app.screen, IncidentScreen) and app.screen.sub_title.startswith("closed")):
                await asyncio.sleep(0.001)
            times.append(time.perf_counter() - t)
            await pressing
            assert FolderStore.open(folder).get(inc.number).status == "closed"

    for _ in range(repeats):
        asyncio.run(one())
    return med(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-console", action="store_true", help="skip the console measurement")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        stores = {}
        for size in (0, args.closed):
            folder = Path(tmp) / f"store-{size}"
            print(f"building a first-layout store with {size:,} closed incidents …", flush=True)
            build_store(folder, size, open_count=10)
            stores[size] = folder
        legacy = stores[args.closed] / "closed.json"
        print(f"closed.json with {args.closed:,}: {legacy.stat().st_size / 1e6:.1f} MB\n")

        print("1. The move to one file per closed incident (first open; whole process)")
        for size, folder in stores.items():
            seconds, peak = move(folder, env)
            print(f"   {size:>6,} closed: {seconds:6.2f} s, peak RSS {peak:6.1f} MB")
        kept = stores[args.closed] / "closed.json.v1"
        print(f"   ({len(os.listdir(stores[args.closed] / 'closed')) - 2:,} files; "
              f"closed.json kept as {kept.name}: {kept.exists()})\n")
        for folder in stores.values():
            from storage.store import FolderStore

            FolderStore.open(folder)  # the verifying open: the old file is let go

        base, big = in_process(stores[0], args.repeats, env), in_process(stores[args.closed], args.repeats, env)
        print(f"2. In process (medians of {args.repeats})")
        print(f"   {'what':34} {'0 closed':>10} {f'{args.closed:,} closed':>14} {'ratio':>7}")
        for key in base:
            print(f"   {key:34} {base[key] * 1000:8.2f} ms {big[key] * 1000:12.2f} ms {big[key] / base[key]:6.2f}x")

        reps = max(3, args.repeats // 3)
        base_p, big_p = processes(stores[0], reps, env), processes(stores[args.closed], reps, env)
        print(f"\n3. Whole processes (medians of {reps}; wall time and peak RSS)")
        for key in base_p:
            (t0, m0), (t1, m1) = base_p[key], big_p[key]
            print(f"   {key:24} {t0:6.3f} s {m0:6.1f} MB | {t1:6.3f} s {m1:6.1f} MB | "
                  f"time {t1 / t0:4.2f}x, memory {m1 / m0:4.2f}x")

        if not args.no_console:
            c0, c1 = console_close(stores[0], reps), console_close(stores[args.closed], reps)
            print(f"\n4. Console: ctrl+s in the close form to the workspace showing it closed (median of {reps})")
            print(f"   0 closed: {c0 * 1000:.1f} ms; {args.closed:,} closed: {c1 * 1000:.1f} ms "
                  f"({c1 / c0:.2f}x; target < 100 ms)")


if __name__ == "__main__":
    main()
