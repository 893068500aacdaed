"""Subcommands for shell prompts, status bars and cron: ``status`` and ``overdue``.

Both read only open.json, with :func:`storage.store.folder.glance.glance`: no lock, no upkeep, no
closed history, no pendulum, so ``mishap status`` can run on every prompt.
"""

from __future__ import annotations

import argparse

from tui.cli.common import EXIT_ERROR, counting_arg, now, print_json, say, store_clock, warn

FORMATS = ("plain", "tmux", "json")


def register(command) -> None:
    """Add this family's subcommands to the parser (see ``tui.cli.FAMILIES``)."""
    from storage.readers.status import DEFAULT_LIMIT, DEFAULT_WITHIN_MINUTES

    p = command("status", "one line of the most urgent promises, for a tmux status bar or a shell prompt "
                          "(always exits 0; a store it cannot read prints 'mishap: offline' or "
                          "'mishap: store unreadable', in JSON one row with a 'problem' field)", run_status)
    p.add_argument("--within", metavar="SPAN", type=_span_seconds, default=DEFAULT_WITHIN_MINUTES * 60,
                   help=f"show promises due within this span, and late ones (default {DEFAULT_WITHIN_MINUTES}m)")
    p.add_argument("--format", choices=FORMATS, default="plain", dest="fmt",
                   help="plain text, tmux styles (#[fg=…]), or a JSON array (default plain)")
    p.add_argument("--max", metavar="N", type=counting_arg("a whole number", 3), default=DEFAULT_LIMIT, dest="limit",
                   help=f"at most N promises on the line, then '+K more' (default {DEFAULT_LIMIT})")
    p.add_argument("--long", action="store_true", help="add each promise's text")
    p.set_defaults(light=True)

    p = command("overdue", "list the promises whose time has passed (for scripts and cron); exit status: "
                           "0 nothing is overdue, 1 something is, 2 the store could not be read (offline, "
                           "unreadable) or the command was wrong", run_overdue)
    p.add_argument("--json", action="store_true", help="a JSON array of the overdue promises")


def _span_seconds(value: str) -> int:
    from storage.domain.spans import span_minutes

    try:
        return span_minutes(value) * 60
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _CouldNotLook(Exception):
    """The store could not be read at all: ``words`` is the short line a status bar shows instead."""

    def __init__(self, words: str):
        super().__init__(words)
        self.words = words


def _open_incidents(args):
    """The open incidents of the store the command names, its problems said on stderr.

    Raises _CouldNotLook when the store cannot be read at all (a PostgreSQL server down, an
    unreadable open.json): then nobody knows what is due, which is not "nothing is due".
    """
    import os

    from storage.store import POSTGRES_SCHEMES, Glance, glance, open_incident, store_folder

    if (args.db or os.environ.get("MISHAP_DB", "")).startswith(POSTGRES_SCHEMES):
        # A database: its open incidents through the store (one query); no closed history either.
        from storage.store import StoreError, open_store

        try:
            store = open_store(args.db, clock=store_clock(args))
            try:
                seen = Glance()
                seen.incidents = [i for i in map(open_incident, (inc.to_dict() for inc in store.open_incidents()))
                                  if i is not None]
            finally:
                store.close()
        except StoreError as exc:
            warn(str(exc))
            raise _CouldNotLook("mishap: offline" if str(exc).startswith("offline") else
                                "mishap: store unreadable") from None
    else:
        seen = glance(store_folder(args.db))
    for problem in seen.problems:
        warn(problem)
    if seen.unreadable:
        raise _CouldNotLook("mishap: store unreadable")
    return seen.incidents


def run_status(args) -> int:
    """``mishap status``: the line, or nothing when nothing is due; exit 0 whatever the store holds.

    A store that cannot be read prints a short line saying so (JSON: one row with ``problem``).
    """
    from storage.readers.status import due_promises, json_rows, plain_line, problem_line, problem_rows, tmux_line

    try:
        incidents = _open_incidents(args)
    except _CouldNotLook as exc:
        if args.fmt == "json":
            print_json(problem_rows(exc.words))
        else:
            say(problem_line(exc.words, args.fmt))
        return 0
    items = due_promises(incidents, now(args), args.within)
    if args.fmt == "json":
        print_json(json_rows(items))
        return 0
    line = (tmux_line if args.fmt == "tmux" else plain_line)(items, limit=args.limit, long=args.long)
    if line:
        say(line)
    return 0


def run_overdue(args) -> int:
    """``mishap overdue``: one line per late promise and exit 1; nothing and 0; 2 if it could not look."""
    from storage.readers.status import json_rows, overdue_promises

    try:
        incidents = _open_incidents(args)
    except _CouldNotLook:
        return EXIT_ERROR  # said on stderr already; not "nothing is overdue"
    items = overdue_promises(incidents, now(args))
    if args.json:
        print_json(json_rows(items))
    elif items:
        from storage.domain.clock import local_stamp
        from storage.domain.spans import human_span
        import pendulum

        say("\n".join(f"{d.id}  promise {d.index + 1}  {human_span(d.seconds_left)} late  "
                      f"(due {local_stamp(pendulum.instance(d.due))})  {d.named or d.text}" for d in items))
    return 1 if items else 0
