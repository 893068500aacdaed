"""How a board row reads and is laid out: what its cells say, which columns fit the terminal, and the
title cell with the markers after it.

The id and the title come first; who else is on the incident (``✎ tom`` drafting an update, ``◉ dana``
looking) and an update awaiting approval (``⧗ approval``) are marked after the title, in short, so a
narrow row keeps its title readable; the board's preview says them in full
(:mod:`tui.widgets.preview`). Pure: nothing here needs a terminal.
"""

from __future__ import annotations

from pendulum import DateTime
from rich.cells import cell_len, set_cell_size

from storage.domain.audiences import CLIENT
from storage.domain.clock import Countdown, CountdownState
from storage.domain.model import Incident
from storage.domain.parts import Promise
from storage.domain.presence import DRAFTING, others_here

from ..text import clip, literal
from ..widgets.row_table import CELL_GAP

STATE_STYLE = {
    CountdownState.NONE: "dim",
    CountdownState.CALM: "",
    CountdownState.SOON: "bold yellow",
    CountdownState.DUE: "bold reverse yellow",
    CountdownState.OVERDUE: "bold red",
}

DUE_WIDTH = 22  # the "Next update" column: "in 3 h 25 min (17:25)"
COLUMNS = [("due", "Next update", DUE_WIDTH), ("sev", "Sev", 3), ("title", "Incident", 0.6),
           ("client", "Client", 0.2), ("status", "Status", 9), ("steps", "Steps", 5), ("damage", "Damage", 0.2)]
# While some incident owes word beyond its client's next update (another audience's, a hard deadline),
# the "Owed" column says what and to whom. Where it does not fit, the same words lead the incident's
# title instead: a hard deadline is never hidden.
OWED = ("owed", "Owed", 34)
# The title column keeps this many cells (the id, 20 characters of title, a marker and a name after
# them); the columns that can go are shown, in this order, only while it does.
TITLE_MIN = 37
TITLE_KEEP = 20  # characters of title a row keeps before its markers are shortened or cut
TITLE_SCRAP = 8  # cells of title worth keeping beside whole markers when the keep cannot be had
WHO_WIDTH = 12  # characters of a user's name in a row's marker
OPTIONAL = ("owed", "status", "client", "damage")
ORDER = ("due", "owed", "sev", "title", "client", "status", "steps", "damage")
GAP = 2  # blank cells between two of the board's columns
# A row's markers, after its title: someone else drafting an update, looking, an update awaiting approval.
DRAFTING_MARK, LOOKING_MARK, APPROVAL_MARK = "✎", "◉", "⧗"


def due_words(countdown: Countdown, width: int = DUE_WIDTH) -> tuple[str, str]:
    """The countdown cell: words and local due time, and its style by urgency. A time that does not
    fit is left out whole, "(…)", never cut inside its brackets."""
    if countdown.state is CountdownState.NONE:
        return "—", "dim"
    text = f"{countdown.relative} ({countdown.due_local})"
    if len(text) > width:
        text = f"{countdown.relative} (…)"
        if len(text) > width:
            text = clip(countdown.relative, width)
    return text, STATE_STYLE[countdown.state]


def beside(incident: Incident, nearest: Promise | None) -> Promise | None:
    """The hard deadline shown beside the nearest promise: the soonest open one, unless it is the nearest."""
    return next((p for p in incident.hard_deadlines() if p is not nearest), None)


def owed_words(incident: Incident, now: DateTime) -> tuple[str, str]:
    """The "Owed" cell: what the countdown runs to when not the client's update, and the hard deadline
    beside it, first (``GDPR notice: 41 h left · update to Tom Reed``), with its style; ("", "") for neither."""
    nearest = incident.nearest_promise()
    parts = []
    if nearest is not None and (nearest.audience != CLIENT or nearest.hard):
        parts.append(incident.owed_words(nearest))
    hard = beside(incident, nearest)
    if hard is not None:
        parts.insert(0, incident.deadline_words(hard, now))  # first: a cut cell never loses it
    if not parts:
        return "", ""
    shown = [p for p in (nearest, hard) if p is not None and p.hard]
    style = "bold red" if any(now > p.due for p in shown) else "bold yellow" if shown else ""
    return " · ".join(parts), style


def _title_cells(columns: list[tuple[str, str, int | float]], width: int) -> int:
    """The title column's width among ``columns`` in a table ``width`` cells wide, shared out as
    :meth:`tui.widgets.row_table.RowTable.widths` shares it."""
    fixed = sum(size for _, _, size in columns if isinstance(size, int))
    shares = sum(size for _, _, size in columns if isinstance(size, float)) or 1.0
    free = max(8, width - fixed - CELL_GAP - GAP * len(columns))
    return next(max(4, int(free * size / shares)) for key, _, size in columns if key == "title")


def board_columns(width: int, steps_width: int = 5, owed: bool = False) -> list[tuple[str, str, int | float]]:
    """The columns for a table ``width`` cells wide; the steps column fits the longest "done/total";
    with ``owed`` (some row owes more than its client's update), the "Owed" column where it fits.

    The id, countdown, severity, title and steps are always shown; each of :data:`OPTIONAL` in turn
    only if the title keeps :data:`TITLE_MIN` cells with it.
    """
    every = {key: (key, label, max(size, steps_width) if key == "steps" else size) for key, label, size in COLUMNS}
    every["owed"] = OWED
    shown = {"due", "sev", "title", "steps"}
    for key in OPTIONAL:
        if key == "owed" and not owed:
            continue
        trial = shown | {key}
        if _title_cells([every[k] for k in ORDER if k in trial], width) >= TITLE_MIN:
            shown = trial
    return [every[k] for k in ORDER if k in shown]


def _cut(text: str, cells: int) -> str:
    """``text`` shown literally in at most ``cells`` cells (a wide character counts two), "…" where it was cut."""
    shown = literal(text[: cells * 2], multiline=False)  # a 1 MB paste is never read whole
    if cell_len(shown) <= cells and len(text) <= cells * 2:
        return shown
    return set_cell_size(shown, max(0, cells - 1)).rstrip() + "…"


def row_title(head: str, title: str, marks: tuple[str, ...], width: int) -> str:
    """A row's title cell ``width`` cells wide: ``head`` (the id, and any owed words), the title, then
    ``marks`` (the markers, fullest form first). The title gives way to the markers only down to its
    first :data:`TITLE_KEEP` characters; then the shortest markers follow. Where that does not fit (the
    owed words lead a narrow row), the shortest markers are kept whole if :data:`TITLE_SCRAP` cells of the
    title still show, else the cell cuts them."""
    if not marks:
        return head + title  # as before: the table shows it literally, cut to the cell
    head, title = literal(head, multiline=False), literal(title[: width * 2], multiline=False)
    keep = min(cell_len(title), TITLE_KEEP)
    for mark in marks:
        tail = f" {literal(mark, multiline=False)}"
        room = width - cell_len(head) - cell_len(tail)
        if cell_len(title) <= room:
            return head + title + tail
        if room > keep:  # the keep, and "…"
            return head + _cut(title, room) + tail
    if room >= TITLE_SCRAP:  # the owed words left too little of the title: the markers go whole
        return head + _cut(title, room) + tail
    return head + _cut(title, keep + 1) + tail


def others_mark(notes, number: int, console: str, user: str, short: bool = False) -> str:
    """The row's marker for the others on incident ``number``: ``✎ tom`` (drafting), ``◉ dana``
    (looking), ``✎ tom +1`` for more than one; ``short``: the first one's name cut shorter."""
    others = [n for n in others_here(notes, number, console) if n.user != user]
    if not others:
        return ""
    first = min(others, key=lambda n: n.doing != DRAFTING)  # someone drafting first
    mark = DRAFTING_MARK if first.doing == DRAFTING else LOOKING_MARK
    said = f"{mark} {_cut(first.user, 6 if short else WHO_WIDTH)}"
    return f"{said} +{len(others) - 1}" if len(others) > 1 else said


def approval_mark(incident: Incident, short: bool = False) -> str:
    """``⧗ approval`` (``⧗ 2 approvals``) while updates await approval; ``⧗`` when ``short``; else ""."""
    pending = len(incident.pending_updates()) if incident.approvals else 0
    if not pending:
        return ""
    if short:
        return APPROVAL_MARK
    return f"{APPROVAL_MARK} approval" if pending == 1 else f"{APPROVAL_MARK} {pending} approvals"
