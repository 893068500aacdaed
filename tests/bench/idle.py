"""Idle CPU of the real console in a real terminal (tmux), beside the minimal Textual app, in one run.

    python tests/bench/idle.py [--seconds 30] [--runs 3] [--open 300]

Each case starts a fresh process in its own 140x40 tmux session, waits until its screen
shows and then until it settles (its text unchanged for a few seconds: a start-up toast
gone, the first tick's redraws done), then reads the process's CPU time (user + system,
from /proc/PID/stat) at the start and the end of a window and prints it as a share of one core:

1. the floor: the minimal Textual app (/work/shared/tools/floor_app.py: Header, Static, Footer);
2. the same app with a focused TextArea, its cursor blinking for ever: what a blink costs in
   Textual by itself;
3. mishap's board with ``--open`` open incidents, each with a live countdown;
4. the client update composer open on the demo data (over the overdue incident's workspace).

The floor is a few clock ticks in a window, so the cases run interleaved (``--runs`` rounds
of all four) and the medians are compared: the target of each case is at most 1.5x its
floor's median, or that median plus 0.3 points, whichever is larger. The board's floor is
the minimal app, and so is the composer's. The composer's cursor blinks for 10 s after the
last key (tui/widgets/text_field.py), then rests, shown: a window that starts as the screen
settles holds the last seconds of that blink. Case 2, the minimal app with a TextArea whose
cursor blinks for ever, shows what such a blink costs in Textual by itself; the bench prints
how the composer stands against it too.

A real terminal, not headless: what costs at idle (cursor blink, the tick's redraws) is what
Textual writes to the terminal, and a headless app renders nothing.
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
FLOOR_APP = Path("/work/shared/tools/floor_app.py")
TICKS = os.sysconf("SC_CLK_TCK")
BLINKING_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static, TextArea


class BlinkingFloor(App):
    def compose(self):
        yield Header()
        yield Static("floor-ready")
        yield TextArea("a blinking cursor")
        yield Footer()

    def on_mount(self):
        self.query_one(TextArea).focus()


BlinkingFloor().run()
"""
SETTLED_SECONDS = 3.0  # the screen's text unchanged this long: start-up is over
FIRST_DUE_MINUTES = 15  # no countdown reaches zero during a run of the bench


def build_store(folder: Path, count: int) -> None:
    """``count`` open incidents, each promised an update at a different time (minutes to hours ahead).

    The first is due ``FIRST_DUE_MINUTES`` after the build starts, so no promise falls due
    (and no reminder fires) while the bench measures: every case idles in the same state.
    """
    import pendulum

    from storage.store import FolderStore as Store

    start = pendulum.now("UTC")
    store = Store.open(folder, user="bench")
    for i in range(count):
        inc = store.create(f"Open incident {i}", f"Client {i % 7}", 1 + i % 4)
        due = start.add(minutes=FIRST_DUE_MINUTES + 7 * i, seconds=i % 60)  # countdowns turn at different seconds
        store.change(inc.number, lambda x, now, by: x.log_update("email", "update", due, now, by))


def build_demo(folder: Path) -> None:
    """The demo set (``mishap demo``): an overdue incident, one due in minutes, calm ones, closed ones."""
    from storage.readers.demo import fill_demo
    from storage.store import FolderStore as Store

    fill_demo(Store.open(folder, user="bench"))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def screen(session: str) -> str:
    """The text on the session's screen now."""
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def wait_for(session: str, marker: str, timeout: float = 30) -> None:
    """Wait until ``marker`` shows on the session's screen."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if marker in screen(session):
            return
        time.sleep(0.05)
    raise SystemExit(f"{marker!r} never showed in tmux session {session}:\n{screen(session)}")


def settle(session: str, timeout: float = 30) -> None:
    """Wait until the screen's text stays the same for ``SETTLED_SECONDS`` (toasts gone, first ticks drawn)."""
    end = time.monotonic() + timeout
    last, since = screen(session), time.monotonic()
    while time.monotonic() < end and time.monotonic() - since < SETTLED_SECONDS:
        time.sleep(0.25)
        now = screen(session)
        if now != last:
            last, since = now, time.monotonic()


def idle_share(command: str, marker: str, seconds: float, keys: list[tuple[str, str]] = ()) -> float:
    """CPU share of one core (percent) of ``command`` idling for ``seconds`` once ``marker`` (and each key's) shows."""
    session = f"idle{os.getpid()}{time.monotonic_ns() % 10**6}"
    for attempt in range(3):  # "server exited unexpectedly": another tmux client was starting the server
        started = subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "140", "-y", "40",
                                  f"exec {command}"], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                                 capture_output=True, text=True)
        if started.returncode == 0:
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"tmux could not start a session for: {command}\n{started.stderr}")
    try:
        wait_for(session, marker)
        for key, shows in keys:
            subprocess.run(["tmux", "send-keys", "-t", session, key], check=True)
            wait_for(session, shows)
        pid = int(subprocess.run(["tmux", "display", "-p", "-t", session, "#{pane_pid}"], capture_output=True,
                                 text=True, check=True).stdout)
        settle(session)
        before, start = cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        used, elapsed = cpu_seconds(pid) - before, time.monotonic() - start
        return used / elapsed * 100
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def mishap_command(folder: Path) -> str:
    """The console as a user starts it (the installed ``mishap`` beside this Python, if there is one)."""
    installed = Path(sys.executable).with_name("mishap")
    if installed.exists():
        return f"{installed} --db {folder}"
    return f"{sys.executable} -c 'from tui.app import run; run(\"{folder}\")'"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30, help="length of each measuring window")
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds of every case")
    parser.add_argument("--open", type=int, default=300, help="open incidents on the board")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        board_store, demo_store, blinking = Path(tmp) / "board", Path(tmp) / "demo", Path(tmp) / "blinking.py"
        build_store(board_store, args.open)
        build_demo(demo_store)
        blinking.write_text(BLINKING_APP, encoding="utf-8")
        floor_name, blinking_name = "floor (minimal Textual app)", "floor + a blinking cursor"
        cases = {
            floor_name: (f"{sys.executable} {FLOOR_APP}", "floor-ready", []),
            blinking_name: (f"{sys.executable} {blinking}", "floor-ready", []),
            f"board, {args.open} open": (mishap_command(board_store), "Open incident 0", []),
            "composer on the demo data": (mishap_command(demo_store), "March payroll",
                                          [("Enter", "Checklist"), ("u", "Client update ·")]),
        }
        floors = {f"board, {args.open} open": floor_name, "composer on the demo data": floor_name}
        shares: dict[str, list[float]] = {name: [] for name in cases}
        for run in range(args.runs):
            for name, (command, marker, keys) in cases.items():
                shares[name].append(idle_share(command, marker, args.seconds, keys))
            print(f"run {run + 1}: " + "  ".join(f"{name} {values[-1]:.2f} %" for name, values in shares.items()),
                  flush=True)
    medians = {name: statistics.median(values) for name, values in shares.items()}
    print(f"\nidle CPU, share of one core: median of {args.runs} interleaved runs of {args.seconds:.0f} s "
          f"(tmux 140x40)")
    for name, values in shares.items():
        runs = " ".join(f"{v:5.2f}" for v in values)
        median = medians[name]
        if name not in floors:
            print(f"  {name:32} {median:5.2f} %   runs {runs}")
            continue
        floor = medians[floors[name]]
        limit = max(1.5 * floor, floor + 0.3)
        verdict = "ok" if median <= limit else "OVER"
        print(f"  {name:32} {median:5.2f} %   runs {runs}   against {floors[name]} {floor:.2f} %: "
              f"{median / floor if floor else float('inf'):.1f}x, target <= {limit:.2f} %: {verdict}")
        if name == "composer on the demo data":
            print(f"  {'':32} {'':7}   {'':{len(runs) + 5}}   against {blinking_name} "
                  f"{medians[blinking_name]:.2f} %: "
                  f"{median / medians[blinking_name] if medians[blinking_name] else float('inf'):.1f}x")


if __name__ == "__main__":
    main()
