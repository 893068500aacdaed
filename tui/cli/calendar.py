"""``mishap calendar``: every open deadline as an iCalendar file, for the calendar on a phone.

Writes to stdout, or ``--output FILE`` (atomically; a file that is not a calendar mishap wrote is
refused unless ``--force``). The events are storage.readers.calendar's; the file is written as
tui.calendar_file writes the one the user's config keeps current.
"""

from __future__ import annotations

import sys

from tui.cli.common import UserError, open_store, say


def register(command) -> None:
    """Add this family's subcommands to the parser (see ``tui.cli.FAMILIES``)."""
    p = command("calendar", "write every open deadline (updates owed, other promises, hard deadlines) as an "
                            "iCalendar file, one event each with an alarm 10 minutes before; to stdout unless "
                            "--output", run_calendar)
    p.add_argument("--output", "-o", metavar="FILE", default=None,
                   help="write it to FILE (replacing only an iCalendar file mishap wrote)")
    p.add_argument("--force", action="store_true",
                   help="with --output: replace FILE even if it is not a calendar mishap wrote")


def run_calendar(args) -> int:
    """``mishap calendar``: the file on stdout, or written to ``--output`` with a line saying so."""
    import os
    from pathlib import Path

    if args.force and args.output is None:
        raise UserError("--force goes with --output FILE (stdout is never refused)")
    store = open_store(args)
    incidents = store.open_incidents()
    if args.output is None:
        from storage.readers.calendar import calendar_bytes

        data = calendar_bytes(incidents)
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is None:  # a text-only stream: the same bytes, decoded
            sys.stdout.write(data.decode("utf-8"))
        else:
            out.write(data)
            out.flush()
        return 0
    from storage.readers.calendar import deadline_events
    from storage.store import inside_store
    from tui.calendar_file import NotOurs, write_calendar

    path = Path(args.output).expanduser()
    if store.folder is not None and inside_store(path, store.folder):  # a database has no folder
        real = Path(os.path.realpath(path))
        leads = f" (it leads to {real})" if real != path.absolute() else ""
        raise UserError(f"{path} is inside the store folder {store.folder}{leads}, where it could take the place "
                        "of the store's own files, even with --force: write it somewhere else")
    try:
        changed = write_calendar(path, incidents, force=args.force)
    except NotOurs as exc:
        raise UserError(f"{exc}: it was left as it is (--force replaces it)") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder: give a file name") from None
    count = len(deadline_events(incidents))
    said = "written" if changed else "already up to date"
    say(f"{path}: {count} open deadline{'' if count == 1 else 's'}, {said}", file=sys.stderr)
    return 0
