"""When to remind the responder of a promise away from the console: the throttle, with no terminal.

A promise is announced three ways, each once per promised instant: 5 minutes before it is
due, when it goes overdue, and then every 10 minutes while it stays overdue (the toast's
rhythm, :data:`storage.readers.alerts.REMIND_EVERY`). A hard deadline (set by law or a
contract) is announced besides 24 h, 4 h and 1 h before it (:data:`HARD_BEFORE`), each once;
a console started 3 h before one says the 1 h reminder, not the 24 h and 4 h it missed. A snoozed promise is silent until
its snooze ends; snoozing never moves it. Moving a promise (a new due instant) arms it
afresh. Pure: the caller passes the instant, so a fake clock drives it in tests.

How the console uses it, at each instant something may be due (``tui.reminders.DeskReach``)::

    throttle = ReminderThrottle()            # once, when the console starts
    book = PromiseBook(incidents)            # once per change of the store
    for reminder in throttle.due_in(book, now, book.snoozed(now)):
        write(tui.desktop.notice(reminder.title, reminder.body, method, os.environ))

``snoozed`` maps ``(incident number, promise index)`` to the instant the snooze ends. The
console's next look must include the hard deadlines' crossings too::

    book.next_hard_crossing(now, *HARD_BEFORE)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Mapping, NamedTuple

from .alerts import REMIND_EVERY
from .status import DuePromise, PromiseBook, piece, said_key

WARN_BEFORE = timedelta(minutes=5)
SOON, OVERDUE, STILL_OVERDUE = "soon", "overdue", "still overdue"
# Before a hard deadline, besides SOON: (how long before, the reminder's kind), farthest first.
HARD_BEFORE = (timedelta(hours=24), timedelta(hours=4), timedelta(hours=1))
HARD_KINDS = {timedelta(hours=24): "24 h before", timedelta(hours=4): "4 h before", timedelta(hours=1): "1 h before"}
# The order the reminders before a promise come in: one already said is never said again.
_STAGE = {kind: n for n, kind in enumerate([*HARD_KINDS.values(), SOON])}


class Reminder(NamedTuple):
    """One notification to give: which promise, and why now."""

    kind: str  # soon, overdue or still overdue
    promise: DuePromise

    @property
    def title(self) -> str:
        """``mishap ‼ M-5 12m late``, ``mishap M-6 in 4m``, ``mishap M-7 GDPR notice to ICO in 3h59m``."""
        return f"mishap {piece(self.promise)}"

    @property
    def body(self) -> str:
        """What was promised, as typed (the notification methods strip control characters)."""
        return self.promise.text


class ReminderThrottle:
    """Decides which promises to announce at each look; remembers what it said, per promised instant."""

    def __init__(self) -> None:
        self._said: dict[tuple[int, int, float], tuple[str, datetime]] = {}  # said_key -> (kind, when)
        self.primed = False

    def due(self, incidents: Iterable, now: datetime,
            snoozed: Mapping[tuple[int, int], datetime] | None = None) -> list[Reminder]:
        """The reminders to give at ``now`` about ``incidents`` (see :meth:`due_in`)."""
        return self.due_in(PromiseBook(incidents), now, snoozed)

    def due_in(self, book: PromiseBook, now: datetime,
               snoozed: Mapping[tuple[int, int], datetime] | None = None) -> list[Reminder]:
        """The reminders to give at ``now`` about the promises in ``book``.

        The first look only primes: what is already late or close when the console starts is
        on the screen, and its next reminder follows the usual rhythm from then on.
        """
        snoozed = snoozed or {}
        # What was said of a promise still open is kept; of one kept, released or moved, forgotten.
        remembered = {key: last for key, last in self._said.items() if key in book.keys}
        out = []
        # Only a late promise or one due within the warning can be due a reminder (a hard deadline:
        # within 24 h): the others are not read.
        near = book.owed_within(now, WARN_BEFORE.total_seconds())
        seen = {said_key(p) for p in near}
        near += [p for p in book.hard_within(now, HARD_BEFORE[0].total_seconds()) if said_key(p) not in seen]
        for promise in near:
            key = said_key(promise)
            kind = self._kind(promise, now, remembered.get(key))
            until = snoozed.get((promise.number, promise.index))
            if kind is None or (until is not None and until > now):
                continue
            remembered[key] = (kind, now)
            if self.primed:
                out.append(Reminder(kind, promise))
        self._said = remembered
        self.primed = True
        return out

    def next_reminder_at(self) -> datetime | None:
        """When a promise already announced overdue is next due its 10-minute reminder (None: none is)."""
        overdue = [at + REMIND_EVERY for kind, at in self._said.values() if kind in (OVERDUE, STILL_OVERDUE)]
        return min(overdue, default=None)

    @staticmethod
    def _kind(promise: DuePromise, now: datetime, last: tuple[str, datetime] | None) -> str | None:
        if promise.late:
            if last is None or last[0] in _STAGE:  # said before it was due (SOON, or a hard deadline's)
                return OVERDUE
            return STILL_OVERDUE if now - last[1] >= REMIND_EVERY else None
        stage = SOON if promise.seconds_left <= WARN_BEFORE.total_seconds() else None
        if stage is None and promise.hard:
            stage = next((HARD_KINDS[span] for span in reversed(HARD_BEFORE)
                          if promise.seconds_left <= span.total_seconds()), None)
        if stage is None:
            return None
        if last is None or (last[0] in _STAGE and _STAGE[last[0]] < _STAGE[stage]):
            return stage
        return None
