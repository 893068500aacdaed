"""The status line: which promises are due soon or late, in urgency order, as plain text, tmux or JSON.

Pure and standard library only: it takes incidents (full :class:`~storage.domain.model.Incident`
objects or the light ones of :mod:`storage.store.glance`; anything with ``number``,
``severity``, ``promises`` and ``next_deadline``) and the current instant, and returns
text. ``mishap status``, ``mishap overdue``, the terminal's window title and the desktop
reminders all build on :func:`due_promises`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, NamedTuple

from ..domain.spans import compact_span
from ..domain.urgency import by_urgency, seconds_until
from ..domain.visible import visible

LATE_MARK = "‼"
SEPARATOR = " · "
DEFAULT_WITHIN_MINUTES = 30
DEFAULT_LIMIT = 3
TEXT_KEPT = 24  # characters of a promise's text in the long line

# tmux styles: late in bold red, due soon in yellow; #[default] after each piece.
TMUX_LATE = "#[fg=red,bold]"
TMUX_SOON = "#[fg=yellow]"
TMUX_PLAIN = "#[default]"


class DuePromise(NamedTuple):
    """An open promise and how long until it is due (negative: how late it is)."""

    number: int  # the incident's
    index: int  # the promise's place in the incident's stored list (1-based in what users see)
    text: str
    kind: str
    due: datetime
    seconds_left: float
    severity: int

    @property
    def id(self) -> str:
        """The incident's id, ``M-5``."""
        return f"M-{self.number}"

    @property
    def late(self) -> bool:
        """Its time has passed."""
        return self.seconds_left < 0

    @property
    def when(self) -> str:
        """``12m late`` or ``in 3m`` (exact, truncated as every countdown is)."""
        span = compact_span(abs(self.seconds_left))
        return f"{span} late" if self.late else f"in {span}"


def _owed(incident, now: datetime) -> list[DuePromise]:
    return [DuePromise(incident.number, index, p.text, p.kind, p.due, seconds_until(p.due, now),
                       incident.severity)
            for index, p in enumerate(incident.promises) if p.is_open]


def due_promises(incidents: Iterable, now: datetime, within_seconds: float) -> list[DuePromise]:
    """Each incident's first promise (the one its countdown runs to) if late or due within the span.

    Most urgent first, in the board's order: the most late first, then the soonest due,
    the most severe first at the same time.
    """
    found = []
    for incident in by_urgency(incidents, now):
        deadline = incident.next_deadline
        if deadline is None or seconds_until(deadline, now) > within_seconds:
            continue
        first = min(_owed(incident, now), key=lambda d: (d.due, d.index), default=None)
        if first is not None:
            found.append(first)
    return found


def open_promises(incidents: Iterable, now: datetime) -> list[DuePromise]:
    """Every open promise, by incident urgency, then soonest due (the most late first)."""
    return [d for incident in by_urgency(incidents, now)
            for d in sorted(_owed(incident, now), key=lambda d: (d.due, d.index))]


def overdue_promises(incidents: Iterable, now: datetime) -> list[DuePromise]:
    """Every open promise whose time has passed, by incident urgency, then the most late first."""
    return [d for d in open_promises(incidents, now) if d.late]


def piece(due: DuePromise, *, long: bool = False) -> str:
    """One item of the line: ``‼ M-5 12m late``, ``M-6 in 3m``; with ``long``, the promise's text too."""
    words = f"{due.id} {clip(due.text)} {due.when}" if long else f"{due.id} {due.when}"
    return f"{LATE_MARK} {words}" if due.late else words


def clip(text: str, width: int = TEXT_KEPT) -> str:
    """User text for one line: controls visible, spaces folded, cut at ``width`` with an ellipsis."""
    text = " ".join(visible(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _shown(items: list[DuePromise], limit: int) -> tuple[list[DuePromise], int]:
    limit = max(1, limit)
    return items[:limit], max(0, len(items) - limit)


def plain_line(items: list[DuePromise], *, limit: int = DEFAULT_LIMIT, long: bool = False) -> str:
    """``‼ M-5 12m late · M-6 in 3m · +2 more``; empty when nothing is due."""
    shown, more = _shown(items, limit)
    parts = [piece(d, long=long) for d in shown] + ([f"+{more} more"] if more else [])
    return SEPARATOR.join(parts)


def tmux_safe(text: str) -> str:
    """Text tmux shows as written: controls visible, every ``#`` doubled (no ``#[``, ``#(``, ``#{`` or ``#H``)."""
    return visible(text).replace("#", "##")


def tmux_line(items: list[DuePromise], *, limit: int = DEFAULT_LIMIT, long: bool = False) -> str:
    """The line for tmux's ``status-right``: each piece styled, user text made safe; empty when nothing is due."""
    shown, more = _shown(items, limit)
    parts = [f"{TMUX_LATE if d.late else TMUX_SOON}{tmux_safe(piece(d, long=long))}{TMUX_PLAIN}" for d in shown]
    if more:
        parts.append(f"+{more} more")
    return SEPARATOR.join(parts)


def json_rows(items: list[DuePromise]) -> list[dict]:
    """JSON-ready rows: id, promise number (1-based), text, kind, due (UTC ISO), seconds left, late."""
    return [{"id": d.id, "number": d.number, "promise": d.index + 1, "text": d.text, "kind": d.kind,
             "due": d.due.isoformat(), "seconds_left": int(d.seconds_left), "late": d.late,
             "severity": d.severity, "words": piece(d)} for d in items]


def title_text(items: list[DuePromise]) -> str:
    """The terminal window's title: ``mishap ‼ M-5 12m late`` (the most urgent only), else ``mishap``."""
    return f"mishap {piece(items[0])}" if items else "mishap"
