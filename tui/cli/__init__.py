"""The ``mishap`` command: starts the console, or runs one headless subcommand.

Start-up time matters (it is measured), so only gc, importlib, os and sys are imported here at
module level; argparse loads with the parser (the console starts without one), the store and
the console inside the functions that need them.

To add subcommands, write a module with ``register(command)`` (see ``tui/cli/reading.py``)
and name it in ``FAMILIES``: ``command(name, help, run)`` returns the subcommand's parser,
and ``run(args)`` returns the exit status. Nested subcommands take ``parents=[command.db_parent]``
so ``--db`` works after them too (see ``tui/cli/editing.py``).
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

from storage.domain.visible import visible  # stdlib only: the command stays light
from tui.cli.common import EXIT_ERROR, UserError, fail, keep_calendar, move_progress, say, warn, warn_about_store

__all__ = ["DESCRIPTION", "EPILOG", "EXIT_ERROR", "FAMILIES", "NOT_THERE_YET", "UserError", "build_parser", "main"]

NOT_THERE_YET = "the console is not there yet; use the subcommands (mishap --help)"

DESCRIPTION = ("A console for the hours after your own mistake hurt a client. "
               "Without a subcommand, starts the full-screen console.")
EPILOG = ("WHEN is a span up to 90 days (30m, 2h, 1h30m, '2h 30m', 1d), a clock time (17:30: its next "
          "occurrence, local time), morning (the next working morning, 09:00), none (no promise), or an ISO "
          "time such as 2026-11-23T17:30 (local) or 2026-11-23T17:30+01:00. "
          "The store is --db (a folder, or a postgresql:// URL for a team's database), else $MISHAP_DB, else "
          "$MISHAP_HOME (a folder), else the user data folder.")

# The modules that add subcommands, in the order `mishap --help` lists them.
FAMILIES = (
    "tui.cli.reading",
    "tui.cli.deadlines",
    "tui.cli.writing",
    "tui.cli.editing",
    "tui.cli.audiences",
    "tui.cli.handover",  # mishap handover: a shift change, with its note
    "tui.cli.approval",  # mishap approve, reject, withdraw: a second pair of eyes before an update goes out
    "tui.cli.reports",
    "tui.cli.calendar",  # mishap calendar: every open deadline as an iCalendar file
    "tui.cli_migrate",  # mishap migrate: moving a store between a folder and PostgreSQL
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``mishap`` and its subcommands."""
    import argparse  # here, not at the top: starting the console needs no parser (console_only)

    class _Parser(argparse.ArgumentParser):
        """An argument parser whose errors are one line on stderr, exit status 2."""

        def error(self, message: str):  # noqa: D401 - argparse's API
            self.exit(EXIT_ERROR, visible(f"mishap: {message} (see {self.prog} --help)") + "\n")

        def format_help(self) -> str:
            # A parser with ``legal_note`` says once that hard deadlines are not legal advice. Read
            # only when help is asked for: the domain's wording loads pendulum, which `status` never does.
            if not getattr(self, "legal_note", False):
                return super().format_help()
            from storage.domain.deadlines import NOT_LEGAL_ADVICE
            from storage.store import personal_config_path

            epilog = self.epilog
            self.epilog = f"{epilog} {NOT_LEGAL_ADVICE}" if epilog else NOT_LEGAL_ADVICE
            if self.prog == "mishap":  # the top level names the user's own settings file ([mail], [calendar])
                self.epilog += f" Your own settings ([mail], [calendar]) are in {personal_config_path()}."
            try:
                return super().format_help()
            finally:
                self.epilog = epilog

    parser = _Parser(prog="mishap", description=DESCRIPTION, epilog=EPILOG)
    parser.legal_note = True
    db_help = ("the store: a folder, or a postgresql:// URL (default: $MISHAP_DB, else $MISHAP_HOME, "
               "else the user data folder)")
    parser.add_argument("--db", metavar="DIR|URL", default=None, help=db_help)
    # The same option on every subcommand, so it works after the subcommand too;
    # SUPPRESS keeps a value given before the subcommand from being reset.
    db_parent = _Parser(add_help=False)
    db_parent.add_argument("--db", metavar="DIR|URL", default=argparse.SUPPRESS, help=db_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str, run) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[db_parent])
        p.set_defaults(run=run)
        return p

    command.db_parent = db_parent  # for a family's nested subcommands (mishap promise add …)
    for family in FAMILIES:
        importlib.import_module(family).register(command)
    return parser


def main(argv: list[str] | None = None, *, clock=None) -> int:
    """Run ``mishap`` with ``argv`` (default: the process arguments); returns the exit status.

    ``clock`` (a callable returning an aware ``datetime``) is the current instant for a headless
    command; the real clock when None. It is given in-process only, by tests: no flag or
    environment variable of the command sets the time, so nobody can backdate a record.
    """
    argv = sys.argv[1:] if argv is None else argv
    console = console_only(argv)
    if console is not None:
        return _start_console(console[0])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already reported on one line
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    if args.command is None:
        return _start_console(args.db)
    args.clock = clock
    for stream in (sys.stdout, sys.stderr):
        # Stored text can hold a lone surrogate (a "\ud800" escape in a file): whatever slips
        # past visible() is written as that escape, and cannot stop a whole listing.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if not getattr(args, "light", False):  # the light commands show no local time, and skip pendulum
        from storage.domain.localzone import zone_problem

        if zone_problem():
            warn(zone_problem())
    try:
        return args.run(args)
    except BrokenPipeError:
        # The reader went away (``mishap show M-3 | head``): not an error worth a message.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130  # every write is atomic: an interrupt leaves the store as it was
    except Exception as exc:
        if _expected(exc):
            return fail(str(exc))
        if isinstance(exc, OSError):
            where = f": {exc.filename}" if exc.filename else ""
            return fail(f"{exc.strerror or exc}{where}")
        raise
    finally:
        keep_calendar(args)  # the user's calendar file, after a change (tui.calendar_file)
        warn_about_store(args)


def console_only(argv: list[str]) -> tuple[str | None] | None:
    """``(db,)`` when ``argv`` asks for the console and nothing else (``--db DIR`` at most), else None.

    The console then starts without the full parser: building it loads every subcommand's module
    and makes twenty parsers, a twentieth of the time to the board. Anything else (a subcommand,
    ``--help``, a mistake) goes through ``build_parser``, which reads these forms the same way.
    """
    if not argv:
        return (None,)
    if len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > len("--db="):
        return (argv[0][len("--db="):],)
    if len(argv) == 2 and argv[0] == "--db" and argv[1] and not argv[1].startswith("-"):
        return (argv[1],)
    return None


def _expected(exc: Exception) -> bool:
    """A mistake in what was asked or a store problem (said on one line), not a bug.

    StoreError is looked up only if its module is loaded: raising one loaded it, and the
    light commands must not load the store to find out.
    """
    errors = sys.modules.get("storage.store.errors")
    return isinstance(exc, (UserError, ValueError)) or (errors is not None and isinstance(exc, errors.StoreError))


def _start_console(db: str | None) -> int:
    # No garbage collection until the board's first frame (the app turns it back on): start-up
    # builds some 200,000 objects that live as long as the console, and collecting while they
    # pile up took about a tenth of the time to the first frame, finding nothing to free.
    gc.disable()
    try:
        return _console(db)
    finally:
        gc.enable()  # on every way out, the app's included (a no-op once it has done so)


def _console(db: str | None) -> int:
    from storage.store import POSTGRES_SCHEMES, default_folder

    named = db or os.environ.get("MISHAP_DB", "")
    folder = named if named.startswith(POSTGRES_SCHEMES) else default_folder(db)
    if not isinstance(folder, str) and (folder / "closed.json").exists():
        # A store of the first layout: moved here, with its progress on the terminal, before the
        # console starts (the console would otherwise sit on a blank screen while it moves). It
        # reads thousands of documents: the collector runs meanwhile.
        from storage.store import open_store

        gc.enable()
        for warning in open_store(db, progress=move_progress()).warnings:
            warn(warning)
        gc.disable()
    try:
        from tui.app import run
    except ImportError as exc:
        if exc.name != "tui.app":
            raise
        say(NOT_THERE_YET)
        return 0
    return run(folder)
