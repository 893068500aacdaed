"""Subcommands about closed incidents and reports: ``review``, ``export``, and the ``demo`` set."""

from __future__ import annotations

import sys
from pathlib import Path

from storage.domain.visible import json_text
from tui.cli.common import (EXIT_INCOMPLETE, UserError, columns, one_line, open_store, print_json, say, stamp_ts, warn,
                            with_id)


def register(command) -> None:
    """Add this family's subcommands to the parser (see ``tui.cli.FAMILIES``)."""
    p = command("review", "closed incidents with their review metrics, newest closed first; exit 1 if a closed "
                          "incident's file could not be read (the others are shown)", run_review)
    p.add_argument("--json", action="store_true", help="a JSON array of the review rows")

    p = command("export", "export an incident's post-incident report, as Markdown or as JSON data", run_export)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("--format", choices=("json", "md"), required=True, dest="fmt")
    p.add_argument("--audience", choices=("internal", "client"), default="internal",
                   help="client leaves out internal notes, the cost split and why it was closed "
                        "incomplete (default internal)")
    p.add_argument("--output", metavar="FILE", default=None,
                   help="write here instead of stdout (never inside the store folder)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")

    p = command("demo", "fill the store with a realistic demo set", run_demo)
    p.add_argument("--force", action="store_true", help="add the demo set even if the store holds incidents")


def run_review(args) -> int:
    """``mishap review``: closed incidents with their metrics, newest closed first."""
    from storage.domain.metrics import summarize
    from storage.domain.spans import compact_span
    from storage.readers.review_query import sort_rows

    store = open_store(args)
    rows = sort_rows(store.review_rows(), "closed", True)
    patterns = store.review_patterns()
    problems = store.review_problems()
    for problem in problems:
        warn(f"left out of the review: {problem}")
    store.save_review_index()
    status = EXIT_INCOMPLETE if problems else 0  # what could be read is shown; the status says it is not all
    if args.json:
        print_json([with_id({**r._asdict(), "words": r.words.split(),
                             "pattern": patterns[r.number].describe(r.client) if r.number in patterns else ""})
                    for r in rows])
        return status
    if not rows:
        say("No closed incidents.")
        return status
    table = []
    for r in rows:
        share = "—" if r.on_time_share is None else f"{r.on_time_share:.0%}"
        first = {True: "us", False: "client", None: "—"}[r.us_first]
        flag = "*" if r.number in patterns else ""
        table.append([r.id + flag, stamp_ts(r.closed_at), str(r.severity), compact_span(r.duration),
                      compact_span(r.ack), compact_span(r.first_contact), first, share, compact_span(r.silence),
                      str(r.broken), f"{r.credits:g}+{r.hours:g}h", one_line(r.client), one_line(r.title)])
    say("\n".join(columns(["ID", "CLOSED", "SEV", "OPEN", "ACK", "CONTACT", "FIRST", "ONTIME", "SILENCE",
                           "BROKEN", "COST", "CLIENT", "TITLE"], table)))
    s = summarize(rows)
    on_time = f"{s.on_time_share:.0%} ({s.updates_on_time} of {s.updates_due})" if s.updates_due else "—"
    say(f"\n{s.count} closed · medians: open {compact_span(s.median_duration)}, ack "
        f"{compact_span(s.median_ack)}, first contact {compact_span(s.median_first_contact)}, longest silence "
        f"{compact_span(s.median_silence)} · updates on time {on_time} · client found out first: "
        f"{s.client_first} · promises broken: {s.broken}")
    for r in rows:
        if r.number in patterns:
            say(f"* {r.id}: {one_line(patterns[r.number].describe(r.client))}")
    return status


def run_export(args) -> int:
    """``mishap export``: an incident's report as Markdown or JSON, to stdout or a file."""
    store = open_store(args)
    from storage.readers.export import document, markdown
    from storage.readers.report import build_report

    incident = store.get(args.id)  # open or closed; a closed one reads only its own file
    report = build_report(incident, args.audience)
    text = json_text(document(report)) + "\n" if args.fmt == "json" else markdown(report)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    import os

    from storage.store import inside_store, write_atomically

    path = Path(args.output).expanduser()
    if path.is_dir():
        raise UserError(f"{path} is a folder: give a file name")
    if store.folder is not None and inside_store(path, store.folder):  # a database has no folder
        real = Path(os.path.realpath(path))
        leads = f" (it leads to {real})" if real != path.absolute() else ""
        raise UserError(f"{path} is inside the store folder {store.folder}{leads}, where a report could take the "
                        f"place of the store's own files, even with --force: write it somewhere else")
    if (path.exists() or path.is_symlink()) and not args.force:
        raise UserError(f"{path} exists: add --force to replace it, or give another file name")
    # backslashreplace: a lone surrogate in stored text is written as its escape, not refused.
    write_atomically(path, text.encode("utf-8", "backslashreplace"))
    say(f"{incident.id}: report written to {path}", file=sys.stderr)
    return 0


def run_demo(args) -> int:
    """``mishap demo``: fill the store with the demo set."""
    from storage.readers.demo import fill_demo

    store = open_store(args)
    created = fill_demo(store, force=args.force)
    open_n = sum(1 for i in created if not i.is_closed)
    say(f"demo set added to {store.location}: {open_n} open and {len(created) - open_n} closed incidents "
        f"({', '.join(i.id for i in created)})")
    return 0
