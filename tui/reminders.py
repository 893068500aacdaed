"""Deadlines outside the console's window: desktop notifications, the bell, the window title, the banner's list.

The app looks (``DeskReach.look``) when its tick finds something may have changed; what
to say and when comes from :mod:`storage.readers.reminders` and :mod:`storage.readers.status`,
the bytes from :mod:`tui.desktop`. Every byte goes through one function the app gives
(``MishapApp.write_to_terminal``): the real terminal, and what a test observes.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta
from typing import Callable, Iterable, Mapping

from textual.signal import Signal

from storage.readers.reminders import WARN_BEFORE, ReminderThrottle
from storage.readers.status import (DEFAULT_WITHIN_MINUTES, DuePromise, due_promises, open_promises,
                                    overdue_promises, title_text)

from .desktop import POP_TITLE, PUSH_TITLE, notice, pick_method, title_bytes

WINDOW = timedelta(minutes=DEFAULT_WITHIN_MINUTES)  # what the window title names, as `mishap status` does
FAR = timedelta(days=36500)


def snoozes(incidents: Iterable, now: datetime) -> dict[tuple[int, int], datetime]:
    """(incident number, promise index) → the end of its snooze, for each promise snoozed at ``now``."""
    return {(incident.number, index): promise.snoozed_until for incident in incidents
            for index, promise in enumerate(incident.promises) if promise.is_open and promise.snoozed_at(now)}


def words_change_at(due: DuePromise, now: datetime) -> datetime:
    """When ``12m late`` / ``in 3m`` next reads differently (each whole minute; each second under one)."""
    seconds = abs(due.seconds_left)
    if seconds < 60:
        return now + timedelta(seconds=1)  # ``45s``: the next tick
    wait = 60 - seconds % 60 if due.late else (seconds % 60 or 1)
    return now + timedelta(seconds=wait)


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
        self._banner_said: list = []  # the banner's words at the last publish
        self.next_look: datetime | None = None  # before then nothing said here can change
        self.changed = Signal(app, "overdue-changed")
        self._started = False

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

    def look(self, incidents: list, now: datetime) -> None:
        """Notify what is due a reminder, retitle the window, and refresh the banner's list, at ``now``."""
        self.snoozed = snoozes(incidents, now)
        for reminder in self.throttle.due(incidents, now, self.snoozed):
            note = notice(reminder.title, reminder.body, self.method, self.env)
            if note.terminal:
                self.write(note.terminal)
            if note.argv:
                self.run(note.argv)
        urgent = due_promises(incidents, now, WINDOW.total_seconds())
        title = title_text(urgent)
        if title != self.title:
            self.title = title
            self.write(title_bytes(title))
        self.overdue = overdue_promises(incidents, now)
        said = [(d.number, d.index, d.text, d.when, (d.number, d.index) in self.snoozed) for d in self.overdue]
        if said != self._banner_said:  # the banner is redrawn when its words change, not every tick
            self._banner_said = said
            self.changed.publish(self)
        self.next_look = self._next_look(incidents, urgent + self.overdue, now)

    def _next_look(self, incidents: list, shown: list[DuePromise], now: datetime) -> datetime:
        ahead = [at for due in open_promises(incidents, now)
                 for at in (due.due - WINDOW, due.due - WARN_BEFORE, due.due) if at > now]
        ahead += [words_change_at(due, now) for due in shown]
        ahead += [until for until in self.snoozed.values() if until > now]
        reminder = self.throttle.next_reminder_at()
        if reminder is not None:
            ahead.append(reminder)
        return min(ahead, default=now + FAR)
