"""Calendar benchmark: what keeping ``[calendar] file`` current adds to a command.

    python tests/bench/ics_file.py [--open 20] [--runs 15]

A script, not a test. It builds a folder store with N open incidents (each with a commitment
besides its update promise), then times whole processes, interleaved so that a busy machine
slows all alike:

- ``mishap list`` without a calendar configured, and with one: a command that changes nothing
  never writes the file (the two should match: the ratio near 1);
- ``mishap promise add`` without and with: a change, then the file rendered and written
  atomically (icalendar's import, the render, one fsync).

It prints each median and the ratio with to without, and checks the file parses with one
event per open promise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SCRIPT = "import sys\nfrom tui.cli import main\nsys.exit(main(sys.argv[1:]))\n"  # what the installed script does


def wall(argv: list[str], env: dict) -> float:
    """Seconds of one process, start to exit."""
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=20, dest="count")
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()

    import pendulum
    from icalendar import Calendar

    from storage.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        folder, ics = Path(tmp) / "store", Path(tmp) / "synced" / "mishap.ics"
        ics.parent.mkdir()
        store = open_store(str(folder), user="bench")
        for n in range(options.count):
            inc = store.create(f"Incident {n}", "Acme", 2)
            store.change(inc.number, lambda i, now, by: i.add_promise("credit note", now + pendulum.duration(hours=5),
                                                                       now, by))
        store.close()
        (Path(tmp) / "with" / "mishap").mkdir(parents=True)
        (Path(tmp) / "with" / "mishap" / "config.toml").write_text(f'[calendar]\nfile = "{ics}"\n')
        env = {"without": dict(os.environ, XDG_CONFIG_HOME=str(Path(tmp) / "without"), PYTHONPATH=str(ROOT)),
               "with": dict(os.environ, XDG_CONFIG_HOME=str(Path(tmp) / "with"), PYTHONPATH=str(ROOT))}
        command = [sys.executable, "-c", SCRIPT, "--db", str(folder)]
        times: dict[tuple[str, str], list[float]] = {}
        wall([*command, "list"], env["with"])  # writes the file, missing so far: every later run finds it
        for run in range(options.runs):
            sides = ("without", "with") if run % 2 else ("with", "without")  # neither always runs first
            for side in sides:
                times.setdefault(("list", side), []).append(wall([*command, "list"], env[side]))
            for side in sides:
                times.setdefault(("promise add", side), []).append(
                    wall([*command, "promise", "add", "M-1", f"{side} {run}", "--due", f"{2 + run}h"], env[side]))
        for name in ("list", "promise add"):
            without, with_ = (statistics.median(times[(name, side)]) for side in ("without", "with"))
            print(f"mishap {name}: {without * 1000:.0f} ms without a calendar, {with_ * 1000:.0f} ms with one "
                  f"(ratio {with_ / without:.2f})")
        wall([*command, "promise", "add", "M-1", "last", "--due", "1h"], env["with"])  # the file shows every promise
        events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
        owed = sum(1 for i in open_store(str(folder)).open_incidents() for p in i.promises if p.is_open)
        assert len(events) == owed, (len(events), owed)
        print(f"the file: {len(events)} events, {ics.stat().st_size} bytes")


if __name__ == "__main__":
    main()
