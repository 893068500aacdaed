"""Idle CPU of the real console in a real terminal (tmux), beside the minimal Textual app, in one run.

    python tests/bench/idle.py [--seconds 20] [--open 300]

Each case starts a fresh process in its own 140x40 tmux session, waits until its screen
shows, lets it settle, then reads the process's CPU time (user + system, from
/proc/PID/stat) at the start and the end of a window and prints it as a share of one core:

1. the minimal Textual app (/work/shared/tools/floor_app.py: Header, Static, Footer);
2. mishap's board with ``--open`` open incidents, each with a live countdown;
3. the same console with the client update composer open over the first incident.

A real terminal, not headless: what costs at idle (cursor blink, the tick's redraws) is what
Textual writes to the terminal, and a headless app renders nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
FLOOR_APP = Path("/work/shared/tools/floor_app.py")
TICKS = os.sysconf("SC_CLK_TCK")


def build_store(folder: Path, count: int) -> None:
    """``count`` open incidents, each promised an update at a different time (minutes to hours ahead)."""
    import pendulum

    from storage.store.folder import Store

    store = Store.open(folder, user="bench")
    for i in range(count):
        inc = store.create(f"Open incident {i}", f"Client {i % 7}", 1 + i % 4)
        due = pendulum.now("UTC").add(minutes=5 + 7 * i)
        store.change(inc.number, lambda x, now, by: x.log_update("email", "update", due, now, by))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def wait_for(session: str, marker: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if marker in screen(session):
            return
        time.sleep(0.05)
    raise SystemExit(f"{marker!r} never showed in tmux session {session}:\n{screen(session)}")


def idle_share(command: str, marker: str, seconds: float, keys: list[tuple[str, str]] = ()) -> float:
    """CPU share of one core (percent) of ``command`` idling for ``seconds`` once ``marker`` (and each key's) shows."""
    session = f"idle{os.getpid()}{time.monotonic_ns() % 10**6}"
    for attempt in range(3):  # "server exited unexpectedly": another tmux client was starting the server
        started = subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "140", "-y", "40",
                                  f"exec {command}"], env=dict(os.environ, PYTHONPATH=str(ROOT)))
        if started.returncode == 0:
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"tmux could not start a session for: {command}")
    try:
        wait_for(session, marker)
        for key, shows in keys:
            subprocess.run(["tmux", "send-keys", "-t", session, key], check=True)
            wait_for(session, shows)
        pid = int(subprocess.run(["tmux", "display", "-p", "-t", session, "#{pane_pid}"], capture_output=True,
                                 text=True, check=True).stdout)
        time.sleep(2)  # start-up work (an index write, the first tick) is not idling
        before, start = cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        used, elapsed = cpu_seconds(pid) - before, time.monotonic() - start
        return used / elapsed * 100
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="length of each measuring window")
    parser.add_argument("--open", type=int, default=300, help="open incidents on the board")
    parser.add_argument("--command", help="run this instead of mishap (the store folder is appended)")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "store"
        build_store(folder, args.open)
        mishap = f"{python} -c 'from tui.app import run; run(\"{folder}\")'"
        if args.command:
            mishap = f"{args.command} {folder}"
        floor = idle_share(f"{python} {FLOOR_APP}", "floor-ready", args.seconds)
        board = idle_share(mishap, "Open incident 0", args.seconds)
        composer = idle_share(mishap, "Open incident 0", args.seconds,
                              keys=[("Enter", "Checklist"), ("u", "Client update ·")])
    print(f"idle CPU over {args.seconds:.0f} s, share of one core (real terminal: tmux 140x40)")
    print(f"  minimal Textual app                    {floor:6.2f} %")
    print(f"  mishap board, {args.open} open incidents       {board:6.2f} %   (target < 1 %)")
    print(f"  mishap composer open over incident 0   {composer:6.2f} %   (target < 1 %)")


if __name__ == "__main__":
    main()
