"""Deadlines outside the console's window: desktop notifications, the bell, the window title, the banner's list.

The app looks (``DeskReach.look``) when the store changed or when its tick reaches
``next_look``, the first instant at which anything said here can read differently; on the
ticks before it nothing is worked out. The open promises are worked out once per change of
the store (:class:`storage.readers.status.PromiseBook`) and each look reads them at its
instant. What to say and when comes from :mod:`storage.readers.reminders` and
:mod:`storage.readers.status`, the bytes from :mod:`tui.desktop`. Every byte goes through one
function the app gives (``MishapApp.write_to_terminal``): the real terminal, and what a test observes.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta
from typing import Callable, Mapping

from textual.signal import Signal

from storage.readers.reminders import HARD_BEFORE, WARN_BEFORE, ReminderThrottle
from storage.readers.status import DEFAULT_WITHIN_MINUTES, DuePromise, PromiseBook, title_text, words_change_in

from .desktop import POP_TITLE, PUSH_TITLE, notice, pick_method, title_bytes
from .widgets.banner import SHOWN

WINDOW = timedelta(minutes=DEFAULT_WITHIN_MINUTES)  # what the window title names, as `mishap status` does
FAR = timedelta(days=36500)
DUE = timedelta(0)


def words_change_at(due: DuePromise, now: datetime) -> datetime:
    """When ``12m late`` / ``in 3m`` next reads differently (each whole minute; each second under one)."""
    return now + timedelta(seconds=words_change_in(due.seconds_left))


async def run_detached(argv: list[str]) -> None:
    """Run ``argv`` (notify-send) without the event loop waiting on it; a missing program is ignored."""
    try:
        process = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.DEVNULL,
                                                       stdout=asyncio.subprocess.DEVNULL,
                                                       stderr=asyncio.subprocess.DEVNULL)
        await process.wait()
    except OSError:
        pass  # no notify-send after all: the bell was rung with it


class DeskReach:
    """What the responder sees outside the console: notifications (and the bell), the terminal's title,
    and the overdue promises the banner lists (``changed`` is published when that list's words change)."""

    def __init__(self, app, method: str, env: Mapping[str, str] | None = None,
                 run: Callable[[list[str]], None] | None = None):
        self.app = app
        self.env = dict(os.environ if env is None else env)
        self.method = pick_method(method, self.env)
        self.run = run or (lambda argv: app.run_worker(run_detached(argv), group="notify-send"))
        self.throttle = ReminderThrottle()
        self.title: str | None = None
        self.overdue: list[DuePromise] = []
        self.snoozed: dict[tuple[int, int], datetime] = {}
        self._banner_said: tuple = ()  # the banner's words at the last publish
        self._book: PromiseBook | None = None  # the open promises, as of the incidents in _seen
        self._seen: list[tuple[object, int]] = []  # (incident, its revision) the book was worked out from
        self.next_look: datetime | None = None  # before then nothing said here can change
        self.changed = Signal(app, "overdue-changed")
        self._started = False
        self._held: dict[int, frozenset] | None = None  # what the user held of each incident at the last look
        self._approvals_told: set[tuple[int, int]] = set()  # updates awaiting approval notified (awaiting_approval)

    def write(self, data: bytes) -> None:
        """Hand bytes to the app's one way to the terminal."""
        self.app.write_to_terminal(data)

    def start(self) -> None:
        """Keep the user's own title on the terminal's stack, to give it back on exit."""
        self._started = True
        self.write(PUSH_TITLE)

    def stop(self) -> None:
        """Give the user's title back."""
        if self._started:
            self._started = False
            self.write(POP_TITLE)

    def promises(self, incidents: list) -> PromiseBook:
        """The open promises of ``incidents``, worked out again only when they differ from the last look's.

        The store gives a new incident object for each change (and each saved change bumps its
        revision), so the same objects at the same revisions are the same promises. The last
        look's incidents are held, so an object's identity cannot pass to another meanwhile.
        """
        seen = self._seen
        if (self._book is None or len(incidents) != len(seen)
                or not all(i is j and i.revision == r for i, (j, r) in zip(incidents, seen))):
            self._book = PromiseBook(incidents)
            self._seen = [(i, i.revision) for i in incidents]
        return self._book

    def look(self, incidents: list, now: datetime) -> None:
        """Notify what is due a reminder, retitle the window, and refresh the banner's list, at ``now``."""
        was = self._book
        book = self.promises(incidents)
        if book is not was:  # the incidents changed: was one handed to us?
            self.handed_over(incidents, self.app.store.user)
        self.snoozed = book.snoozed(now)
        for reminder in self.throttle.due_in(book, now, self.snoozed):
            note = notice(reminder.title, reminder.body, self.method, self.env)
            if note.terminal:
                self.write(note.terminal)
            if note.argv:
                self.run(note.argv)
        urgent = book.due_within(now, WINDOW.total_seconds())
        title = title_text(urgent)
        if title != self.title:
            self.title = title
            self.write(title_bytes(title))
        self.overdue = book.overdue(now)
        named = self.overdue[:SHOWN]  # the banner names these, and counts the rest
        said = ([(d.number, d.index, d.text, d.when, (d.number, d.index) in self.snoozed) for d in named],
                len(self.overdue))
        if said != self._banner_said:  # the banner is redrawn when its words change, not every tick
            self._banner_said = said
            self.changed.publish(self)
        self.next_look = self._next_look(book, urgent[:1] + named, now)
        approval_at = self.awaiting_approval(incidents, now)
        if approval_at is not None and approval_at < self.next_look:
            self.next_look = approval_at

    def awaiting_approval(self, incidents: list, now: datetime) -> datetime | None:
        """Notify, once each, an update someone else asked approval for whose deadline is near (or past), as
        an overdue promise is: the desktop, the bell and a toast. Returns when the next one comes near."""
        from storage.readers.approvals import awaiting_others, near, next_near_at

        waiting = awaiting_others(incidents, self.app.store.user)
        if not waiting:
            return None
        for item in near(waiting, now, WARN_BEFORE):
            if item.key in self._approvals_told:
                continue
            self._approvals_told.add(item.key)
            title, body = item.title(), item.body(now)
            note = notice(title, body, self.method, self.env)
            if note.terminal:
                self.write(note.terminal)
            if note.argv:
                self.run(note.argv)
            self.app.notify(f"{body}: approve it with v, on the board or in the workspace", title=title,
                            severity="warning", timeout=15, markup=False)
        return next_near_at(waiting, now, WARN_BEFORE)

    def handed_over(self, incidents: list, user: str) -> None:
        """Notify ``user`` of each incident, or audience of one, someone else handed to them since the last
        look (``mishap handover``), as an overdue promise is: the desktop, the bell, and a toast. The
        first look only notes what the user holds."""
        held = {i.number: _held_by(i, user) for i in incidents}
        before, self._held = self._held, held
        if before is None:
            return
        for incident in incidents:
            gained = held[incident.number] - before.get(incident.number, frozenset())
            entry = incident.last_entry("handover")
            if not gained or entry is None or entry.by.casefold() == user.casefold():
                continue
            title = f"{incident.id} handed to you"
            note = notice(title, entry.text, self.method, self.env)
            if note.terminal:
                self.write(note.terminal)
            if note.argv:
                self.run(note.argv)
            self.app.notify(f"{incident.id} {incident.title}: {entry.text} (by {entry.by or 'someone'})",
                            title=title, severity="warning", timeout=15, markup=False)

    def _next_look(self, book: PromiseBook, shown: list[DuePromise], now: datetime) -> datetime:
        """The first instant at which anything said here can differ: a promise comes within the title's
        window or the warning, or falls due; the words of the title or of the promises the banner
        names change; a snooze ends; an overdue promise is due its next reminder."""
        ahead = [words_change_at(due, now) for due in shown]
        crossing = book.next_crossing(now, WINDOW, WARN_BEFORE, DUE)
        if crossing is not None:
            ahead.append(crossing)
        hard = book.next_hard_crossing(now, *HARD_BEFORE)  # a hard deadline's 24 h, 4 h and 1 h reminders
        if hard is not None:
            ahead.append(hard)
        ahead += [until for until in self.snoozed.values() if until > now]
        reminder = self.throttle.next_reminder_at()
        if reminder is not None:
            ahead.append(reminder)
        return min(ahead, default=now + FAR)


def _held_by(incident, user: str) -> frozenset:
    """What ``user`` holds of ``incident``: "incident" for the incident, and each audience's index."""
    wanted = user.casefold()
    parts = {"incident"} if incident.owner.casefold() == wanted else set()
    parts |= {index for index, a in enumerate(incident.audiences) if a.active and a.owner.casefold() == wanted}
    return frozenset(parts)
