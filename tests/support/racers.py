"""Child processes that race on one store in lockstep: each says "ready", then for every round all are
released together ("go" on their stdin) and each answers one line. Used by the concurrency tests of
both backends (approvals, steps, hand-over)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def race_in_rounds(python: str, script: Path, args: dict[str, list[str]], rounds: int,
                   env: dict) -> dict[str, list[str]]:
    """Start ``script`` once per name with its ``args``, release them together ``rounds`` times, and
    return what each answered per round (stripped). Fails with a child's stderr if one stops early."""
    children = {name: subprocess.Popen([python, str(script), *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, env=env, text=True)
                for name, argv in args.items()}
    said: dict[str, list[str]] = {name: [] for name in args}
    try:
        for child in children.values():
            assert child.stdout.readline() == "ready\n", child.communicate(timeout=60)[1]
        for _ in range(rounds):
            for child in children.values():
                child.stdin.write("go\n")
                child.stdin.flush()
            for name, child in children.items():
                line = child.stdout.readline()
                assert line, child.communicate(timeout=60)[1]
                said[name].append(line.strip())
        for child in children.values():
            child.stdin.close()
            assert child.wait(timeout=60) == 0, child.stderr.read()
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
                child.wait()
    return said
