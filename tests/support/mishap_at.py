"""Run the ``mishap`` command in this process at a given instant: ``python -m support.mishap_at SECONDS ARGS...``.

For tests that need the command in a child process of its own (its own TZ, lock or output
stream). The instant (POSIX seconds) is injected in-process, as the ``run`` fixture does for
in-process tests; the installed command has no flag or variable that sets the time.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone


def run(argv: list[str]) -> int:
    """``mishap ARGS...`` at the instant ``argv[0]`` (POSIX seconds); returns its exit status."""
    at = datetime.fromtimestamp(float(argv[0]), timezone.utc)
    from tui.cli import main

    return main(argv[1:], clock=lambda: at)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
