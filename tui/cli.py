"""The ``mishap`` command: starts the console, or runs one headless subcommand.

Start-up time matters (it is measured), so only argparse, sys and pathlib are
imported here at module level; the store and the console load inside the
functions that need them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from storage.domain.visible import json_text, visible  # stdlib only: the command stays light

EXIT_ERROR = 2
NOT_THERE_YET = "the console is not there yet; use the subcommands (mishap --help)"

DESCRIPTION = ("A console for the hours after your own mistake hurt a client. "
               "Without a subcommand, starts the full-screen console.")
EPILOG = ("WHEN is a span up to 90 days (30m, 2h, 1h30m, '2h 30m', 1d), a clock time (17:30: its next "
          "occurrence, local time), morning (the next working morning, 09:00), none (no promise), or an ISO "
          "time such as 2026-11-23T17:30 (local) or 2026-11-23T17:30+01:00. "
          "The store is --db DIR, else $MISHAP_HOME, else the user data folder.")


class UserError(Exception):
    """A mistake in what was asked; reported on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse's API
        self.exit(EXIT_ERROR, visible(f"mishap: {message} (see {self.prog} --help)") + "\n")


def _text(value: str) -> str:
    """A text argument; refuses bytes that are not UTF-8 (they could not be stored or shown)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("the text is not valid UTF-8") from None
    return value


def _severity(value: str) -> int:
    """1-4, or its name (critical, major, moderate, minor)."""
    from storage.domain.model import SEVERITY_NAMES

    names = {name: number for number, name in SEVERITY_NAMES.items()}
    text = value.strip().lower()
    if text in names:
        return names[text]
    if text in {str(number) for number in SEVERITY_NAMES}:
        return int(text)
    raise argparse.ArgumentTypeError(
        f"severity must be 1-4 (1 = critical) or {'/'.join(names)}, not {value!r}")


def _step_number(value: str) -> int:
    """A 1-based checklist step number."""
    if not value.strip().isdigit():
        raise argparse.ArgumentTypeError(f"STEP must be a step number such as 4, not {value!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``mishap`` and its subcommands."""
    parser = _Parser(prog="mishap", description=DESCRIPTION, epilog=EPILOG)
    db_help = "store folder (default: $MISHAP_HOME, else the user data folder)"
    parser.add_argument("--db", metavar="DIR", default=None, help=db_help)
    # The same option on every subcommand, so it works after the subcommand too;
    # SUPPRESS keeps a value given before the subcommand from being reset.
    db_parent = _Parser(add_help=False)
    db_parent.add_argument("--db", metavar="DIR", default=argparse.SUPPRESS, help=db_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[db_parent])

    p = command("new", "open a new incident and print its id")
    p.add_argument("title", metavar="TITLE", type=_text, help="what went wrong, in a line")
    p.add_argument("--client", metavar="NAME", type=_text, required=True, help="client organisation")
    p.add_argument("--severity", metavar="N", type=_severity, required=True, help="1 (critical) to 4 (minor)")
    p.add_argument("--contact", metavar="C", type=_text, default="", help="who at the client")
    p.add_argument("--first", choices=("us", "client"), default=None,
                   help="who learned of it first: us, or the client told us")

    p = command("list", "open incidents, most urgent first")
    p.add_argument("--closed", action="store_true", help="list closed incidents instead")
    p.add_argument("--json", action="store_true", help="a JSON array of full incident documents, each with its id")

    p = command("show", "everything about one incident")
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("--json", action="store_true", help="the stored JSON document, with its id")

    p = command("update", "log an update sent to the client")
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("summary", metavar="SUMMARY", type=_text, help="what the client was told")
    p.add_argument("--channel", metavar="C", type=_text, default="email", help="email, phone, … (default email)")
    p.add_argument("--next", metavar="WHEN", dest="next_when", type=_text, default=None,
                   help="when the next update is promised (default: by the cadence; 'none' for no promise)")

    p = command("done", "complete a checklist step")
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("step", metavar="STEP", type=_step_number, help="step number, as `mishap show` numbers them")

    p = command("close", "close an incident (root cause, fix, prevention, debrief, cost and lessons first)")
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("--reason", metavar="WHY", help="close anyway with parts of the close-out missing, and why")

    p = command("reopen", "reopen a closed incident (the timeline keeps why)")
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("--reason", metavar="WHY", type=_text, default="", help="why it is reopened")

    p = command("review", "closed incidents with their review metrics, newest closed first")
    p.add_argument("--json", action="store_true", help="a JSON array of the review rows")

    p = command("export", "export an incident's post-incident report, as Markdown or as JSON data")
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("--format", choices=("json", "md"), required=True, dest="fmt")
    p.add_argument("--audience", choices=("internal", "client"), default="internal",
                   help="client leaves out internal notes, the cost split and why it was closed "
                        "incomplete (default internal)")
    p.add_argument("--output", metavar="FILE", default=None,
                   help="write here instead of stdout (never inside the store folder)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")

    p = command("demo", "fill the store with a realistic demo set")
    p.add_argument("--force", action="store_true", help="add the demo set even if the store holds incidents")
    from tui import cli_migrate  # in a module of its own; registers as a family of subcommands does

    cli_migrate.register(lambda name, help_text, run: _HANDLERS.setdefault(name, run) and command(name, help_text))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``mishap`` with ``argv`` (default: the process arguments); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already reported on one line
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    if args.command is None:
        return _start_console(args.db)
    handler = _HANDLERS[args.command]
    from storage.domain.clock import zone_problem
    from storage.store.files import StoreError
    from storage.domain.model import ValidationError

    for stream in (sys.stdout, sys.stderr):
        # Stored text can hold a lone surrogate (a "\ud800" escape in a file): whatever slips
        # past visible() is written as that escape, and cannot stop a whole listing.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if zone_problem():
        _warn(zone_problem())
    try:
        return handler(args)
    except (UserError, StoreError, ValidationError, ValueError) as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        # The reader went away (``mishap show M-3 | head``): not an error worth a message.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130  # every write is atomic: an interrupt leaves the store as it was
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}")
    finally:
        _warn_about_store(args)


def _warn_about_store(args) -> None:
    """What the store could not do (a backup not refreshed), each once: warnings, never failures."""
    store = getattr(args, "store", None)
    if store is None:
        return
    for warning in store.warnings[args.warned:]:
        _warn(warning)
    args.warned = len(store.warnings)


def _say(text: str, *, file=None) -> None:
    """Print a line for a person: every control character in it made visible, line breaks kept.

    The only way the command writes text (JSON aside): stored text holds other people's
    words, and an escape sequence in them must be shown, never obeyed by the terminal.
    """
    print(visible(text, multiline=True), file=file if file is not None else sys.stdout)


def _fail(message: str) -> int:
    """Report an expected error on one line of stderr; returns the exit status."""
    one_line = " ".join(message.split())
    _say(f"mishap: {one_line}", file=sys.stderr)
    return EXIT_ERROR


def _warn(message: str) -> None:
    """A warning on one line of stderr; the command goes on."""
    _say(f"mishap: warning: {' '.join(message.split())}", file=sys.stderr)


def _move_progress():
    """What a move of a first-layout store says as it goes, on a terminal's stderr (None elsewhere)."""
    if not sys.stderr.isatty():
        return None  # the closing line (a store warning) says what was moved

    def progress(done: int, total: int) -> None:
        end = "\n" if done >= total else "\r"
        sys.stderr.write(f"mishap: moving closed incidents to one file each: {done * 100 // max(total, 1)}%{end}")
        sys.stderr.flush()

    return progress


def _start_console(db: str | None) -> int:
    from storage.store.folder import default_folder

    folder = default_folder(db)
    if (folder / "closed.json").exists():
        # A store of the first layout: moved here, with its progress on the terminal, before the
        # console starts (the console would otherwise sit on a blank screen while it moves).
        from storage.store import open_store

        for warning in open_store(db, progress=_move_progress()).warnings:
            _warn(warning)
    try:
        from tui.app import run
    except ImportError as exc:
        if exc.name != "tui.app":
            raise
        _say(NOT_THERE_YET)
        return 0
    return run(folder)


def _open_store(args):
    from storage.store import open_store

    store = open_store(args.db, progress=_move_progress())
    if store.config.problem:
        _warn(store.config.problem)  # as the console does at start: the defaults are in force
    args.store, args.warned = store, 0  # kept for its warnings
    _warn_about_store(args)  # before anything else the command says, so an error stays the last line
    return store


# -- the subcommands ------------------------------------------------------------------------


def _cmd_new(args) -> int:
    store = _open_store(args)
    if store.playbook.problem:
        _warn(store.playbook.problem)
    incident = store.create(args.title, args.client, args.severity,
                            client_contact=args.contact, first_learned_by=args.first)
    _say(incident.id)
    return 0


def _cmd_list(args) -> int:
    from storage.readers.alerts import by_urgency

    store = _open_store(args)
    now = store.clock()
    if args.closed:
        incidents = sorted(store.closed_incidents(), key=_recently_closed)
    else:
        incidents = by_urgency(store.open_incidents(), now)  # the board's order, to the second
    if args.json:
        _print_json([_with_id(i.to_dict()) for i in incidents])
        return 0
    lines = _closed_table(incidents, now) if args.closed else _open_table(incidents, now)
    _say("\n".join(lines))
    return 0


def _cmd_show(args) -> int:
    store = _open_store(args)
    incident = store.get(args.id)
    if args.json:
        _print_json(_with_id(incident.to_dict()))
    else:
        _say("\n".join(_show_lines(incident, store.clock())))
    return 0


def _cmd_update(args) -> int:
    from storage.domain.clock import Countdown, read_when

    store = _open_store(args)
    target = store.get(args.id)
    when = args.next_when
    if when is not None:
        # A bad WHEN fails here, before the store is locked.
        no_promise = read_when(when, store.clock(), allow_none=True).is_none
        if target.is_closed and not no_promise:
            raise UserError(f"{target.id} is closed: there is no next update to promise")

    def log(incident, now, by):
        if incident.is_closed:
            promised = None  # a closed incident has no countdown
        elif when is not None:
            # Read against the instant the update is logged at, so "2h" is exactly 2 h after it.
            promised = read_when(when, now, allow_none=True).at
        else:
            promised = incident.next_update_after(now)
        return incident.log_update(args.channel, args.summary, promised, now, by)

    update = store.change(args.id, log)
    if update.next_promised is None:
        _say(f"{target.id}: update logged; no next update promised")
    else:
        countdown = Countdown.at(update.next_promised, store.clock())
        _say(f"{target.id}: update logged; next update due {countdown.due_local} ({countdown.relative})")
    return 0


def _cmd_done(args) -> int:
    store = _open_store(args)

    def complete(incident, now, by):
        return incident.complete_step(args.step - 1, now, by), incident.steps[args.step - 1]

    already, step = store.change(args.id, complete)
    incident = store.get(args.id)
    if already is not None:
        # "done" means "mark it done": already so on disk is success, and nothing is written.
        _say(f"{incident.id}: {already.message(store.clock())}; nothing written")
        return 0
    done, total = incident.progress()
    _say(f"{incident.id}: step {args.step} done ({step.phase}: {step.text}); {done}/{total} done")
    return 0


def _cmd_close(args) -> int:
    from storage.domain.model import ValidationError

    store = _open_store(args)

    def close(incident, now, by):
        if incident.is_closed:
            raise ValidationError(f"{incident.id} is already closed")
        incident.close(now, by, reason=args.reason or "")
        return incident.id, incident.close_reason

    number, reason = store.change(args.id, close)
    _say(f"{number}: closed" + (f" (without a full close-out: {reason})" if reason else ""))
    return 0


def _cmd_reopen(args) -> int:
    from storage.domain.clock import Countdown
    from storage.domain.model import ValidationError

    store = _open_store(args)

    def reopen(incident, now, by):
        if not incident.is_closed:
            raise ValidationError(f"{incident.id} is not closed")
        incident.reopen(now, by, args.reason)
        return incident.id, incident.next_deadline

    number, due = store.change(args.id, reopen)
    countdown = Countdown.at(due, store.clock()) if due else None
    _say(f"{number}: reopened" + (f"; next client update due {countdown.due_local} ({countdown.relative})"
                                   if countdown else ""))
    return 0


def _cmd_review(args) -> int:
    from storage.readers.metrics import compact_span, summarize
    from storage.readers.review_query import sort_rows

    store = _open_store(args)
    rows = sort_rows(store.review_rows(), "closed", True)
    patterns = store.review_patterns()
    for problem in store.review_problems():
        _warn(f"left out of the review: {problem}")
    store.save_review_index()
    if args.json:
        _print_json([_with_id({**r._asdict(), "words": r.words.split(),
                               "pattern": patterns[r.number].describe(r.client) if r.number in patterns else ""})
                     for r in rows])
        return 0
    if not rows:
        _say("No closed incidents.")
        return 0
    table = []
    for r in rows:
        share = "—" if r.on_time_share is None else f"{r.on_time_share:.0%}"
        first = {True: "us", False: "client", None: "—"}[r.us_first]
        flag = "*" if r.number in patterns else ""
        table.append([r.id + flag, _stamp_ts(r.closed_at), str(r.severity), compact_span(r.duration),
                      compact_span(r.ack), compact_span(r.first_contact), first, share, compact_span(r.silence),
                      str(r.broken), f"{r.credits:g}+{r.hours:g}h", _one_line(r.client), _one_line(r.title)])
    _say("\n".join(_columns(["ID", "CLOSED", "SEV", "OPEN", "ACK", "CONTACT", "FIRST", "ONTIME", "SILENCE",
                              "BROKEN", "COST", "CLIENT", "TITLE"], table)))
    s = summarize(rows)
    on_time = f"{s.on_time_share:.0%} ({s.updates_on_time} of {s.updates_due})" if s.updates_due else "—"
    _say(f"\n{s.count} closed · medians: open {compact_span(s.median_duration)}, ack "
          f"{compact_span(s.median_ack)}, first contact {compact_span(s.median_first_contact)}, longest silence "
          f"{compact_span(s.median_silence)} · updates on time {on_time} · client found out first: "
          f"{s.client_first} · promises broken: {s.broken}")
    for r in rows:
        if r.number in patterns:
            _say(f"* {r.id}: {_one_line(patterns[r.number].describe(r.client))}")
    return 0


def _stamp_ts(seconds: float | None) -> str:
    """POSIX seconds on the user's wall clock, with the date."""
    import pendulum

    return "—" if seconds is None else _stamp(pendulum.from_timestamp(seconds))


def _cmd_export(args) -> int:
    store = _open_store(args)
    from storage.readers.export import document, markdown
    from storage.readers.report import build_report

    incident = store.get(args.id)  # open or closed; a closed one reads only its own file
    report = build_report(incident, args.audience)
    text = json_text(document(report)) + "\n" if args.fmt == "json" else markdown(report)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    import os

    from storage.store.files import inside_store, write_atomically

    path = Path(args.output).expanduser()
    if path.is_dir():
        raise UserError(f"{path} is a folder: give a file name")
    if store.folder is not None and inside_store(path, store.folder):
        real = Path(os.path.realpath(path))
        leads = f" (it leads to {real})" if real != path.absolute() else ""
        raise UserError(f"{path} is inside the store folder {store.folder}{leads}, where a report could take the "
                        f"place of the store's own files, even with --force: write it somewhere else")
    if (path.exists() or path.is_symlink()) and not args.force:
        raise UserError(f"{path} exists: add --force to replace it, or give another file name")
    # backslashreplace: a lone surrogate in stored text is written as its escape, not refused.
    write_atomically(path, text.encode("utf-8", "backslashreplace"))
    _say(f"{incident.id}: report written to {path}", file=sys.stderr)
    return 0


def _cmd_demo(args) -> int:
    from storage.readers.demo import fill_demo

    store = _open_store(args)
    created = fill_demo(store, force=args.force)
    open_n = sum(1 for i in created if not i.is_closed)
    _say(f"demo set added to {store.location}: {open_n} open and {len(created) - open_n} closed incidents "
          f"({', '.join(i.id for i in created)})")
    return 0


def _with_id(row: dict) -> dict:
    """A JSON row with the id users type (``M-12``) beside its number."""
    return {"number": row["number"], "id": f"M-{row['number']}", **row}


def _print_json(value) -> None:
    # Exact, not made visible: it reads back to the stored strings; what a terminal would
    # obey is escaped as \uXXXX.
    print(json_text(value))


# -- text views --------------------------------------------------------------------------
# User text is printed as typed (no markup is interpreted anywhere in the command), with
# control characters made visible (_say); the one-row-per-incident tables fold line
# breaks so each incident stays one line, and make cells visible before measuring them.


def _recently_closed(incident) -> tuple:
    closed = incident.closed_at
    return (closed is None, -closed.timestamp() if closed else 0.0, incident.number)


def _one_line(text: str) -> str:
    """A table cell: line breaks folded to spaces, control characters visible (so widths are right)."""
    return " ".join(visible(text, multiline=True).split("\n"))


def _columns(header: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned columns; the last one is not padded."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(r, widths)), r[-1]]).rstrip() for r in [header, *rows]]


def _open_table(incidents, now) -> list[str]:
    from storage.domain.clock import Countdown

    if not incidents:
        return ["No open incidents."]
    rows = []
    for inc in incidents:
        countdown = Countdown.at(inc.next_deadline, now, inc.cadence)
        due = f"{countdown.relative} ({countdown.due_local})" if inc.next_deadline else countdown.relative
        done, total = inc.progress()
        rows.append([inc.id, due, str(inc.severity), inc.status, f"{done}/{total}",
                     _one_line(inc.client_org), _one_line(inc.title)])
    return _columns(["ID", "NEXT UPDATE", "SEV", "STATUS", "DONE", "CLIENT", "TITLE"], rows)


def _closed_table(incidents, now) -> list[str]:
    from storage.domain.clock import human_span

    if not incidents:
        return ["No closed incidents."]
    rows = []
    for inc in incidents:
        took = human_span((inc.closed_at - inc.discovered_at).total_seconds()) if inc.closed_at else "?"
        done, total = inc.progress()
        rows.append([inc.id, _stamp(inc.closed_at), took, str(inc.severity), f"{done}/{total}",
                     _one_line(inc.client_org), _one_line(inc.title)])
    return _columns(["ID", "CLOSED", "OPEN FOR", "SEV", "DONE", "CLIENT", "TITLE"], rows)


def _stamp(instant) -> str:
    """An instant on the user's wall clock, with the date."""
    from storage.domain.clock import local_stamp

    return local_stamp(instant)


def _indented(text: str, prefix: str = "    ") -> list[str]:
    lines = text.splitlines() or [""]
    return [prefix + line for line in lines]


def _show_lines(inc, now) -> list[str]:
    """Everything about one incident, as lines of plain text."""
    from storage.domain.clock import Countdown
    from storage.readers.report import build_report

    report = build_report(inc)  # the internal report: the same words and figures as the export
    countdown = Countdown.at(inc.next_deadline, now, inc.cadence)
    if inc.next_deadline:
        next_update = f"{countdown.relative} ({_stamp(inc.next_deadline)}), {countdown.state.value}"
    else:
        next_update = countdown.relative
    learned = {"us": "us", "client": "the client (they told us)", None: "not recorded"}[inc.first_learned_by]
    contact = f" — {inc.client_contact}" if inc.client_contact else ""
    out = [f"{inc.id}  {inc.title}", ""]
    fields = [
        ("Client", f"{inc.client_org}{contact}"),
        ("Severity", report.severity_words),
        ("Status", inc.status),
        ("Owner", inc.owner or "—"),
        ("Next update", next_update),
        ("Cadence", report.cadence),
        ("Happened", _stamp(inc.happened_at)),
        ("Discovered", _stamp(inc.discovered_at)),
        ("Acknowledged", _stamp(inc.acknowledged_at)),
        ("First to know", learned),
        ("Closed", _stamp(inc.closed_at)),
    ]
    out += [f"  {name:<14}{value}" for name, value in fields]

    done, total = inc.progress()
    out += ["", f"Checklist ({done}/{total} done)"]
    phase = None
    for number, step in enumerate(inc.steps, start=1):
        if step.phase != phase:
            phase = step.phase
            out.append(f"  {phase}")
        mark = "x" if step.done else " "
        line = f"    [{mark}] {number:>2}. {step.text}"
        if step.done:
            line += f" — {step.done_by or 'someone'}, {_stamp(step.done_at)}"
            if step.note:
                line += f" ({step.note})"
        out.append(line)

    out += ["", f"Damage: {inc.damage_summary()}"]
    for number, item in enumerate(inc.damage, start=1):
        impact = f" — {item.impact}" if item.impact else ""
        out.append(f"  {number:>2}. [{item.state}] {item.what}{impact} (severity {item.severity})")
    if inc.questions:
        out.append("Open questions")
        for number, q in enumerate(inc.questions, start=1):
            status = f"answered: {q.answer}" if q.answered_at else "open"
            out.append(f"  {number:>2}. {q.text} — {status}")

    out += ["", "Client updates" if inc.updates else "Client updates: none yet"]
    for update in report.updates:
        promise = f"; next promised {_stamp(update.next_promised)}" if update.next_promised else ""
        out.append(f"  {_stamp(update.sent_at)}  {update.channel}, {update.punctuality}{promise}")
        out += _indented(update.summary)

    out += ["", "Promises" if inc.promises else "Promises: none"]
    for promise in sorted(inc.promises, key=lambda p: p.due):
        moved = f", moved {len(promise.renegotiations)}×" if promise.renegotiations else ""
        out.append(f"  [{promise.state(now)}] {promise.text} — due {_stamp(promise.due)}{moved}")
        for change in promise.renegotiations:
            out.append(f"      moved from {_stamp(change.old_due)} to {_stamp(change.new_due)}: {change.reason}")

    for title, text in (("Root cause", inc.root_cause), ("Fix", inc.fix)):
        out += ["", title] + (_indented(text, "  ") if text else ["  —"])
    out += ["", "Prevention"]
    for action in inc.prevention:
        who = f", {action.owner}" if action.owner else ""
        due = f", due {_stamp(action.due)}" if action.due else ""
        out.append(f"  - {action.text}{who}{due}")
    if not inc.prevention:
        out.append("  —")
    out += ["", f"Cost: {report.cost.words()}"]
    out += ["", "Lessons"] + (_indented(inc.lessons, "  ") if inc.lessons else ["  —"])

    out += ["", "Timeline"]
    for entry in inc.timeline:
        by = f" ({entry.by})" if entry.by else ""
        out.append(f"  {_stamp(entry.at)}  {entry.kind:<8} {entry.text}{by}")
    return out


_HANDLERS = {
    "new": _cmd_new,
    "list": _cmd_list,
    "show": _cmd_show,
    "update": _cmd_update,
    "done": _cmd_done,
    "close": _cmd_close,
    "reopen": _cmd_reopen,
    "review": _cmd_review,
    "export": _cmd_export,
    "demo": _cmd_demo,
}


if __name__ == "__main__":
    sys.exit(main())
