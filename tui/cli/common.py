"""What every subcommand shares: the one output function, the store, argument types, table cells.

Only stdlib and storage.domain.visible are imported at module level: the command's start-up
time is measured, so the store loads inside the functions that need it.
"""

from __future__ import annotations

import sys

from storage.domain.visible import json_text, visible  # stdlib only: the command stays light

EXIT_ERROR = 2
# Printed what it could read, but some of it could not be read (as ls does): a script can tell.
EXIT_INCOMPLETE = 1


class UserError(Exception):
    """A mistake in what was asked; reported on one line, exit status 2."""


# -- output --------------------------------------------------------------------------------


def say(text: str, *, file=None) -> None:
    """Print a line for a person: every control character in it made visible, line breaks kept.

    The only way the command writes text (JSON aside): stored text holds other people's
    words, and an escape sequence in them must be shown, never obeyed by the terminal.
    """
    print(visible(text, multiline=True), file=file if file is not None else sys.stdout)


def fail(message: str) -> int:
    """Report an expected error on one line of stderr; returns the exit status."""
    one_line = " ".join(message.split())
    say(f"mishap: {one_line}", file=sys.stderr)
    return EXIT_ERROR


def warn(message: str) -> None:
    """A warning on one line of stderr; the command goes on."""
    say(f"mishap: warning: {' '.join(message.split())}", file=sys.stderr)


def print_json(value) -> None:
    """Print a JSON value exactly: it reads back to the stored strings (controls as \\uXXXX)."""
    print(json_text(value))


def with_id(row: dict) -> dict:
    """A JSON row with the id users type (``M-12``) beside its number."""
    return {"number": row["number"], "id": f"M-{row['number']}", **row}


# -- the store -----------------------------------------------------------------------------


def move_progress():
    """What a move of a first-layout store says as it goes, on a terminal's stderr (None elsewhere)."""
    if not sys.stderr.isatty():
        return None  # the closing line (a store warning) says what was moved

    def progress(done: int, total: int) -> None:
        end = "\n" if done >= total else "\r"
        sys.stderr.write(f"mishap: moving closed incidents to one file each: {done * 100 // max(total, 1)}%{end}")
        sys.stderr.flush()

    return progress


def warn_about_store(args) -> None:
    """What the store could not do (a backup not refreshed), each once: warnings, never failures."""
    store = getattr(args, "store", None)
    if store is None:
        return
    for warning in store.warnings[args.warned:]:
        warn(warning)
    args.warned = len(store.warnings)


def now(args):
    """The current instant, as an aware ``datetime``: the injected clock's (tests), else the real one."""
    clock = getattr(args, "clock", None)
    if clock is not None:
        return clock()
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def store_clock(args):
    """The clock a store opened by the command stamps its changes with (None: the store's own)."""
    clock = getattr(args, "clock", None)
    if clock is None:
        return None
    import pendulum

    return lambda: pendulum.instance(clock()).in_timezone("UTC")


def open_store(args):
    """The store the command works on (--db, $MISHAP_HOME or the user data folder), its warnings said."""
    from storage.store import open_store as open_it

    store = open_it(args.db, clock=store_clock(args), progress=move_progress())
    if store.config.problem:
        warn(store.config.problem)  # as the console does at start: the defaults are in force
    args.store, args.warned = store, 0  # kept for its warnings
    warn_about_store(args)  # before anything else the command says, so an error stays the last line
    from tui.calendar_file import watch_for_command

    args.calendar = watch_for_command(store)  # None unless the user's config names a calendar file
    return store


def keep_calendar(args) -> None:
    """After the command: the user's calendar file rewritten if it changed the store; a failure is a warning.

    Never raises: the change is made and durable already, and a calendar that could not be written
    must not turn it into a failure.
    """
    watch = getattr(args, "calendar", None)
    if watch is None:
        return
    args.calendar = None  # once per command
    try:
        problem = watch.after_command()
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the change stands; said on one line
        problem = f"calendar not updated: {exc}"
    if problem:
        warn(problem)


# -- argument types ------------------------------------------------------------------------


def _refused(message: str) -> Exception:
    """argparse's error for a bad argument value (argparse is loaded by then: it is what calls these)."""
    import argparse

    return argparse.ArgumentTypeError(message)


def text_arg(value: str) -> str:
    """A text argument; refuses bytes that are not UTF-8 (they could not be stored or shown)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _refused("the text is not valid UTF-8") from None
    return value


def severity_arg(value: str) -> int:
    """1-4, or its name (critical, major, moderate, minor)."""
    from storage.domain.model import SEVERITY_NAMES

    names = {name: number for number, name in SEVERITY_NAMES.items()}
    text = value.strip().lower()
    if text in names:
        return names[text]
    if text in {str(number) for number in SEVERITY_NAMES}:
        return int(text)
    raise _refused(
        f"severity must be 1-4 (1 = critical) or {'/'.join(names)}, not {value!r}")


def counting_arg(what: str, example: int):
    """An argument type for a whole number from 1: ``counting_arg("a promise number", 2)``."""

    def read(value: str) -> int:
        if not (value.strip().isascii() and value.strip().isdigit()) or int(value) < 1:
            raise _refused(f"N must be {what} such as {example}, not {value!r}")
        return int(value)

    return read


def step_number_arg(value: str) -> int:
    """A 1-based checklist step number."""
    if not value.strip().isdigit():
        raise _refused(f"STEP must be a step number such as 4, not {value!r}")
    return int(value)


# -- text views ----------------------------------------------------------------------------
# User text is printed as typed (no markup is interpreted anywhere in the command), with
# control characters made visible (say); the one-row-per-incident tables fold line
# breaks so each incident stays one line, and make cells visible before measuring them.


def one_line(text: str) -> str:
    """A table cell: line breaks folded to spaces, control characters visible (so widths are right)."""
    return " ".join(visible(text, multiline=True).split("\n"))


def columns(header: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned columns; the last one is not padded."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(r, widths)), r[-1]]).rstrip() for r in [header, *rows]]


def stamp(instant) -> str:
    """An instant on the user's wall clock, with the date."""
    from storage.domain.clock import local_stamp

    return local_stamp(instant)


def stamp_ts(seconds: float | None) -> str:
    """POSIX seconds on the user's wall clock, with the date."""
    import pendulum

    return "—" if seconds is None else stamp(pendulum.from_timestamp(seconds))


def indented(text: str, prefix: str = "    ") -> list[str]:
    """Each line of ``text`` behind ``prefix`` (an empty text is one empty line)."""
    lines = text.splitlines() or [""]
    return [prefix + line for line in lines]
