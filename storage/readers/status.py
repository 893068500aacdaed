"""The status line: which promises are due soon or late, in urgency order, as plain text, tmux or JSON.

Pure and standard library only: it takes incidents (full :class:`~storage.domain.model.Incident`
objects or the light ones of :mod:`storage.store.folder.glance`; anything with ``number``,
``severity``, ``promises`` and ``next_deadline``) and the current instant, and returns
text. ``mishap status``, ``mishap overdue``, the terminal's window title and the desktop
reminders all read a :class:`PromiseBook`: the open promises worked out once, read at any
instant (the console keeps one per change of the store; a command builds one and reads it once).

Promises are owed to audiences (the client, our management, a regulator): every line names
the audience whenever it is not the client (``M-5 update to Tom Reed in 3m``). A hard deadline
(kind ``deadline``, a playbook rule) is never hidden behind a nearer routine promise:
``mishap status`` shows one beside its incident's nearest once it is within
:data:`HARD_WITHIN_SECONDS`. A light incident names an audience when its promises carry
``audience`` (an index) and it carries ``audiences`` (names); without them, the client is assumed.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import datetime, timedelta
from typing import Iterable, NamedTuple

from ..domain.spans import compact_span
from ..domain.urgency import by_urgency
from ..domain.visible import visible

LATE_MARK = "‼"
SEPARATOR = " · "
DEFAULT_WITHIN_MINUTES = 30
DEFAULT_LIMIT = 3
TEXT_KEPT = 24  # characters of a promise's text in the long line
NAMED_KEPT = 40  # characters of what a promise is when it names its audience (``GDPR notice to ICO``)
HARD_WITHIN_SECONDS = 24 * 3600  # `mishap status` shows an open hard deadline once it is this near

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
    audience: str = ""  # the audience's name when it is not the client's
    hard: bool = False  # a hard deadline (set by law or contract)
    owed: str = ""  # what it is, naming its audience: ``update to Tom Reed``, ``GDPR notice to ICO``

    @property
    def named(self) -> str:
        """What the short line says of it: its owed words for another audience or a hard deadline, else ""."""
        return self.owed if (self.audience or self.hard) else ""

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


class _Owed(NamedTuple):
    """One open promise as the book keeps it: everything but the instant it is read at."""

    due_at: float  # its POSIX timestamp: what every reading compares
    promise: DuePromise  # seconds_left 0: filled in when read at an instant


def words_change_in(seconds_left: float) -> float:
    """Seconds until a countdown ``seconds_left`` from its instant (negative: late) first reads differently.

    Every countdown's words (``in 12m``, ``4 min late``, ``45s``) are whole minutes, or whole
    seconds under one minute, cut toward zero: before the instant they change just after the
    time left drops below the next whole unit down (``in 0s`` reads ``0s late`` just after the
    instant itself); once late, when the lateness reaches the next whole unit. (Beyond a day
    the words change by the hour: a minute is then early, never late.)
    """
    unit = 1 if -60 < seconds_left < 60 else 60
    if seconds_left >= 0:
        return seconds_left - unit * math.floor(seconds_left / unit) + 1e-6
    late = -seconds_left
    return unit * (math.floor(late / unit) + 1) - late


def owed_of(incident, promise) -> tuple[str, bool, str]:
    """(audience name unless the client's, hard, owed words) of one promise of a full or light incident."""
    hard = promise.kind == "deadline"
    words = getattr(incident, "owed_words", None)
    if words is not None:  # a full incident knows its audiences and rules
        return (incident.audience_name(promise.audience) if promise.audience else ""), hard, words(promise)
    audience = getattr(promise, "audience", 0) or 0
    names = getattr(incident, "audiences", None) or ()
    name = names[audience] if 0 < audience < len(names) else ""
    name = getattr(name, "name", name)
    to = f" to {name}" if name else ""
    if hard:
        return name, True, f"{getattr(promise, 'label', '') or promise.text}{to}"
    if promise.kind == "update":
        return name, False, f"update{to}" if name else "client update"
    return name, False, f"{promise.text}{to}"


def said_key(due: DuePromise) -> tuple[int, int, float]:
    """What a reminder is said for: the promise (incident number, index) at its due instant; moved, it is
    another."""
    return (due.number, due.index, due.due.timestamp())


class PromiseBook:
    """Every open promise of a set of incidents, worked out once and read at any instant.

    Built again when the incidents change (a write, another process's change), never on a
    tick: between two changes of the store nothing in it moves but the clock. The order is
    the board's (:func:`~storage.domain.urgency.by_urgency`), which does not change with
    time, and within an incident the soonest due first.
    """

    def __init__(self, incidents: Iterable):
        self._incidents: list[tuple[float | None, list[_Owed]]] = []  # (deadline, its open promises), by urgency
        self.snoozes: list[tuple[tuple[int, int], datetime, float]] = []  # ((number, index), until, its timestamp)
        self.keys: set[tuple[int, int, float]] = set()  # each open promise's :func:`said_key`
        dues, hard_dues = [], []
        for incident in by_urgency(incidents):
            owed = []
            for index, p in enumerate(incident.promises):
                if not p.is_open:
                    continue
                at = p.due.timestamp()
                name, hard, words = owed_of(incident, p)
                owed.append(_Owed(at, DuePromise(incident.number, index, p.text, p.kind, p.due, 0.0,
                                                 incident.severity, name, hard, words)))
                self.keys.add((incident.number, index, at))
                dues.append((at, p.due))
                if hard:
                    hard_dues.append((at, p.due))
                until = getattr(p, "snoozed_until", None)  # the light incidents of ``mishap status`` have none
                if until is not None:
                    self.snoozes.append(((incident.number, index), until, until.timestamp()))
            owed.sort(key=lambda o: (o.due_at, o.promise.index))
            deadline = incident.next_deadline
            self._incidents.append((None if deadline is None else deadline.timestamp(), owed))
        dues.sort(key=lambda d: d[0])
        self._due_at = [at for at, _ in dues]
        self._due = [due for _, due in dues]
        hard_dues.sort(key=lambda d: d[0])
        self._hard_at = [at for at, _ in hard_dues]
        self._hard = [due for _, due in hard_dues]

    @staticmethod
    def _at(owed: _Owed, now_at: float) -> DuePromise:
        return owed.promise._replace(seconds_left=owed.due_at - now_at)

    def due_within(self, now: datetime, within_seconds: float, hard_within: float = 0.0) -> list[DuePromise]:
        """Each incident's first promise if late or due within ``within_seconds`` of ``now``
        (:func:`due_promises`); with ``hard_within``, each open hard deadline due within that
        too, beside its incident's first (a nearer routine promise never hides one)."""
        now_at, found = now.timestamp(), []
        for deadline, owed in self._incidents:
            near = deadline is not None and deadline - now_at <= within_seconds
            if not near and hard_within <= within_seconds:
                break  # in deadline order: none after it is closer
            if near and owed:
                found.append(self._at(owed[0], now_at))
            found += [self._at(o, now_at) for o in owed if o.promise.hard and o.due_at - now_at <= hard_within
                      and not (near and o is owed[0])]
        return found

    def hard_within(self, now: datetime, within_seconds: float) -> list[DuePromise]:
        """Every open hard deadline late or due within ``within_seconds`` of ``now``, in the board's order."""
        now_at = now.timestamp()
        return [self._at(o, now_at) for _, owed in self._incidents for o in owed
                if o.promise.hard and o.due_at - now_at <= within_seconds]

    def owed_within(self, now: datetime, within_seconds: float) -> list[DuePromise]:
        """Every open promise late or due within ``within_seconds`` of ``now``, in :func:`open_promises`' order."""
        now_at, found = now.timestamp(), []
        for deadline, owed in self._incidents:
            if deadline is None or deadline - now_at > within_seconds:
                break
            for o in owed:
                if o.due_at - now_at > within_seconds:
                    break
                found.append(self._at(o, now_at))
        return found

    def every(self, now: datetime) -> list[DuePromise]:
        """Every open promise at ``now`` (:func:`open_promises`)."""
        now_at = now.timestamp()
        return [self._at(o, now_at) for _, owed in self._incidents for o in owed]

    def overdue(self, now: datetime) -> list[DuePromise]:
        """Every open promise whose time has passed at ``now`` (:func:`overdue_promises`)."""
        return [d for d in self.owed_within(now, 0.0) if d.late]

    def snoozed(self, now: datetime) -> dict[tuple[int, int], datetime]:
        """(incident number, promise index) → the end of its snooze, for each promise snoozed at ``now``."""
        now_at = now.timestamp()
        return {where: until for where, until, at in self.snoozes if at > now_at}

    def next_crossing(self, now: datetime, *before: timedelta) -> datetime | None:
        """The first instant after ``now`` at which some promise is ``before`` its due time (or falls due,
        for a zero span): where lists of due and late promises change. None if no such instant is ahead."""
        now_at, ahead = now.timestamp(), []
        for span in before:
            # The first due instant whose ``due - span`` is still ahead of now.
            i = bisect_right(self._due_at, now_at + span.total_seconds())
            if i < len(self._due):
                ahead.append(self._due[i] - span)
        return min(ahead, default=None)

    def next_hard_crossing(self, now: datetime, *before: timedelta) -> datetime | None:
        """As :meth:`next_crossing`, over the hard deadlines only (their 24 h, 4 h and 1 h reminders)."""
        now_at, ahead = now.timestamp(), []
        for span in before:
            i = bisect_right(self._hard_at, now_at + span.total_seconds())
            if i < len(self._hard):
                ahead.append(self._hard[i] - span)
        return min(ahead, default=None)


def due_promises(incidents: Iterable, now: datetime, within_seconds: float,
                 hard_within: float = HARD_WITHIN_SECONDS) -> list[DuePromise]:
    """Each incident's first promise (the one its countdown runs to) if late or due within the span,
    and beside it each open hard deadline due within ``hard_within`` (24 h: ``mishap status``).

    Most urgent first, in the board's order: the most late first, then the soonest due,
    the most severe first at the same time.
    """
    return PromiseBook(incidents).due_within(now, within_seconds, hard_within)


def open_promises(incidents: Iterable, now: datetime) -> list[DuePromise]:
    """Every open promise, by incident urgency, then soonest due (the most late first)."""
    return PromiseBook(incidents).every(now)


def overdue_promises(incidents: Iterable, now: datetime) -> list[DuePromise]:
    """Every open promise whose time has passed, by incident urgency, then the most late first."""
    return PromiseBook(incidents).overdue(now)


def piece(due: DuePromise, *, long: bool = False) -> str:
    """One item of the line: ``‼ M-5 12m late``, ``M-6 in 3m``, ``M-7 GDPR notice to ICO in 20h``
    (the audience named when not the client's); with ``long``, the promise's text too."""
    named = due.named
    if long:
        words = f"{due.id} {clip(named, NAMED_KEPT) if named else clip(due.text)} {due.when}"
    else:
        words = f"{due.id} {clip(named, NAMED_KEPT)} {due.when}" if named else f"{due.id} {due.when}"
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


def problem_line(words: str, fmt: str) -> str:
    """What stands for the line when the store could not be read (``mishap: offline``), in the late style."""
    return f"{TMUX_LATE}{tmux_safe(words)}{TMUX_PLAIN}" if fmt == "tmux" else words


def problem_rows(words: str) -> list[dict]:
    """The JSON for a store that could not be read: one row naming the problem, with the words to show."""
    return [{"problem": words.removeprefix("mishap: "), "words": words}]


def json_rows(items: list[DuePromise]) -> list[dict]:
    """JSON-ready rows: id, promise number (1-based), text, kind, due (UTC ISO), seconds left, late,
    the audience (its name; null for the client), whether it is a hard deadline, and its owed words."""
    return [{"id": d.id, "number": d.number, "promise": d.index + 1, "text": d.text, "kind": d.kind,
             "due": d.due.isoformat(), "seconds_left": int(d.seconds_left), "late": d.late,
             "severity": d.severity, "audience": d.audience or None, "hard": d.hard, "owed": d.owed,
             "words": piece(d)} for d in items]


def title_text(items: list[DuePromise]) -> str:
    """The terminal window's title: ``mishap ‼ M-5 12m late`` (the most urgent only), else ``mishap``."""
    return f"mishap {piece(items[0])}" if items else "mishap"
