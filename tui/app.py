"""The mishap console: the App, its global keys, the once-a-second tick, and telling screens of changes.

The one path every write takes (``write``, ``create``, ``save_draft``) is ``WritePath``, in store_access.
"""

from __future__ import annotations

import asyncio
import gc
from functools import partial
from weakref import WeakSet
from pathlib import Path
from typing import Callable, Iterable

from textual import events, work
from textual.app import App, SystemCommand
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.screen import Screen
from textual.widgets._toast import ToastRack  # each screen's toasts (Textual's own widget)

from storage.readers.alerts import REMIND_EVERY, OverdueWatch, overdue_text
from storage.domain.clock import Clock, system_clock
from storage.domain.localzone import zone_problem
from storage.store import StoreError, settings_home
from storage.store import IncidentStore, is_postgres as is_database, open_store

from .calendar_file import ConsoleCalendar
from .messages import StoreChanged, Tick
from .reminders import DeskReach
from .commands import bindings, palette_commands, scopes_here
from .screens.board import BoardScreen
from .screens.problem import StoreProblemScreen
from .screens.too_small import FitsTerminal
from .widgets.banner import OverdueBanner
from .preferences import ThemeMemory
from .store_access import StoreAccess, WritePath
from .text import literal

TICK_SECONDS = 1.0
CHANGES_SECONDS = 1.0  # how often a folder store is looked at for other processes' writes
WATCH_GROUP = "store-watch"  # the worker that runs as long as the app, over store.changes()


class MishapApp(FitsTerminal, ThemeMemory, WritePath, App):
    """Full-screen console over one store folder."""

    CSS_PATH = Path(__file__).resolve().parent / "mishap.tcss"
    TITLE = "mishap"
    BINDINGS = bindings("app")
    # Screens get these classes from the terminal's size; the .tcss files lay out small terminals with them.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-medium"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    def __init__(self, folder: Path | str, *, clock: Clock = system_clock, user: str | None = None,
                 offer_demo: bool = True):
        """``folder``: the store as --db names it, a folder or a ``postgresql://`` URL."""
        super().__init__()
        self.spec = str(folder)
        # A database has no folder: the console's own preferences then live in the user's config folder.
        self.folder = None if is_database(self.spec) else Path(folder)
        self.settings_folder = self.folder or settings_home()
        self.clock = clock
        self.user = user
        self.offer_demo = offer_demo
        self.store: IncidentStore | None = None  # gated: see tui.store_access
        self.access: StoreAccess | None = None
        self._open_problem = "the store was not opened"
        self.watch_overdue = OverdueWatch()
        # The next instant an overdue alert can be due (None: at the next tick); with the desk reach's
        # own next look, a tick before the sooner of the two costs a comparison.
        self._ring_at = None
        self.reach: DeskReach | None = None  # notifications, the window title, the banner's list
        self.presence = None  # who else is here, once the store is open (tui.presence.PresenceWatch)
        self.calendar = ConsoleCalendar(self)  # the user's calendar file, if their config names one
        self._settings_ok = True
        self._watching_size = False  # from the first screen on (an early resize has nothing to cover)
        self._warnings_shown = 0  # how many of the store's warnings were shown already
        self._missed_ticks: WeakSet = WeakSet()  # screens under a dialog that missed a tick: they catch up on top
        self._overdue_toasts: list[Notification] = []  # taken back when a dialog opens
        self._overdue_unsaid: set[int] = set()  # incidents whose overdue toast a dialog held back
        self._collect_after_first_frame = not gc.isenabled()  # the launcher paused collection (tui.cli)

    # -- start-up ------------------------------------------------------------------------

    async def on_load(self) -> None:
        # Before the first screen is built, so the board is the default screen (one screen
        # rendered at start, not an empty one and then the board). Opening never waits for
        # the lock: another process writing leaves our upkeep waiting, not the board. What
        # opening writes (the folder, the upkeep after a killed writer) is done on the store
        # thread, and done before anything reads the store.
        try:
            self.access = await StoreAccess.opening(
                partial(open_store, self.spec, clock=self.clock, user=self.user))
        except (StoreError, OSError) as exc:
            self._open_problem = str(exc)
            return
        self.store = self.access.store
        self.reach = DeskReach(self, self.store.config.notify)

    def get_default_screen(self) -> Screen:
        if self.store is None:
            return self.sized(StoreProblemScreen(self._open_problem))
        return self.sized(BoardScreen())

    def on_ready(self) -> None:
        """The first frame is on the terminal: garbage collection resumes if the launcher paused it, and
        the overdue toast shows.

        What start-up built lives as long as the console, so it is frozen first: the collector
        then never walks it again, and a full collection stays short however long mishap runs.
        """
        if self._collect_after_first_frame:
            self._collect_after_first_frame = False
            gc.freeze()
            gc.enable()
        if self.store is not None:
            # The overdue toast comes one frame after the board (which shows the same in its banner).
            self._say_overdue({n for n, _ in self.watch_overdue.overdue})
            self.keep_calendar()  # its setting is read on the store thread, after the first frame

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._screen_changed)
        if zone_problem():
            self.notify(zone_problem(), title="Time zone", severity="warning", timeout=15, markup=False)
        self._watching_size = True
        self.call_after_refresh(self.fit_terminal)
        if self.store is None:
            return
        self._restore_theme()
        self._show_store_warnings()
        if self.store.read_only:
            self.notify(self.store.read_only_reason, title="Read-only", severity="warning", timeout=10, markup=False)
        if self.store.playbook.problem:
            self.notify(self.store.playbook.problem, title="Playbook", severity="warning", timeout=10, markup=False)
        if self.store.config.problem:
            self.notify(self.store.config.problem, title="Config", severity="warning", timeout=10, markup=False)
        self.watch_overdue.crossed(self.store.open_incidents(), self.now())  # primes the watch
        self.reach.start()
        self.reach.look(self.store.open_incidents(), self.now())  # primes it, and titles the window
        self.set_interval(TICK_SECONDS, self.tick)
        self.watch_store()
        from .presence import PresenceWatch

        self.presence = PresenceWatch(self, self.store.backend, self.user)  # who else is here (tui.presence)
        self.presence.start()
        if self.offer_demo and self.store_is_empty() and not self.store.read_only:
            from .screens.modals import ConfirmModal

            self.push_screen(ConfirmModal("The store is empty. Load the demo set to look around?"),
                             self._demo_answered)

    def on_unmount(self) -> None:
        if self.presence is not None:
            self.presence.stop()  # the others stop showing us at once
        if self.reach is not None:
            self.reach.stop()  # the user's own window title back
        if self.access is not None:
            self.access.close()  # a write already handed to the store thread is finished, not lost

    def store_is_empty(self) -> bool:
        """No open incidents and no closed file yet (never reads the closed file)."""
        return self.store.is_empty()

    @work(group="demo")
    async def _demo_answered(self, yes: bool | None) -> None:
        if not yes:
            return
        from storage.readers.demo import fill_demo

        result = await self.access.call(fill_demo)
        if not result.ok:
            self.notify(f"Demo data not loaded: {result.message}", severity="error", markup=False)
        self.store_changed()  # the overdue watch looks again at the next tick, as after any write

    # -- text from outside: toasts and pastes ------------------------------------------------

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = True) -> Notification:
        """Show a toast, and return it; user text in it (a title, a promise) has its control characters made visible."""
        if timeout is None:
            timeout = self.NOTIFICATION_TIMEOUT
        # As App.notify does, keeping the notification: an overdue toast is taken back when a dialog opens.
        notification = Notification(literal(message), literal(title, multiline=False), severity, timeout,
                                    markup=markup)
        self.post_message(Notify(notification))
        return notification

    # -- overdue toasts and dialogs ------------------------------------------------------------
    # A toast over a dialog would hide the dialog's keys, and an overdue toast says what the
    # banner of the board and the workspace says: while a dialog is open none is raised (the
    # bell rings and the desktop is notified all the same), and one showing is taken back when
    # a dialog opens. Only a screen without the banner (the review) is told when the dialog closes.
    # Other toasts over a dialog are drawn at the top of the screen (modals.tcss).

    def _say_overdue(self, numbers: set[int], *, title: str = "Overdue", message: str | None = None,
                     timeout: float = 8) -> None:
        """The overdue toast for incidents ``numbers``, or, while a dialog is open, kept for when it closes."""
        if not numbers:
            return
        if self.screen.is_modal:
            self._overdue_unsaid |= numbers
            return
        if message is None:
            message = "Client update overdue: " + ", ".join(f"M-{n}" for n in sorted(numbers))
        self._overdue_toasts = [n for n in self._overdue_toasts if not n.has_expired]
        self._overdue_toasts.append(self.notify(message, title=title, severity="error", timeout=timeout,
                                                markup=False))

    def _screen_changed(self, _screen: Screen) -> None:
        if not self.screen_stack:
            return  # the console is closing
        screen = self.screen  # the top screen now (the signal was queued)
        if screen in self._missed_ticks:
            # Back on top after a dialog: what shows time is drawn for now, not a tick later.
            self._missed_ticks.discard(screen)
            screen.post_message(Tick(self.now()))
        if screen.is_modal:
            for notification in self._overdue_toasts:
                # Textual's own way to drop a toast (what a click on it or its timeout calls).
                self._unnotify(notification)
            if self._overdue_toasts:
                # The screens below drop theirs now, while the dialog's opening redraws anyway: left
                # to its own timer, a hidden toast would redraw the whole screen seconds later.
                for below in self.screen_stack[:-1]:
                    for rack in below.query(ToastRack):
                        rack.show(self._notifications)
            self._overdue_toasts = []
            return
        unsaid, self._overdue_unsaid = self._overdue_unsaid, set()
        if unsaid and not screen.query(OverdueBanner):
            self._say_overdue(unsaid & {n for n, _ in self.watch_overdue.overdue})

    async def on_event(self, event: events.Event) -> None:
        # A terminal paste can carry escape sequences: fields receive them made visible, so
        # an Input or TextArea never renders (or stores) a raw ESC.
        if isinstance(event, events.Paste) and not event.is_forwarded:
            event.text = literal(event.text)
        await super().on_event(event)

    # -- time, the tick, and other processes' changes --------------------------------------------

    def now(self):
        """The current instant from the injected clock."""
        return self.clock()

    def _show_store_warnings(self) -> None:
        """Each new warning from the store (a backup not refreshed) once, as a toast."""
        for warning in self.store.warnings[self._warnings_shown:]:
            self.notify(warning, title="Store", severity="warning", timeout=10, markup=False)
        self._warnings_shown = len(self.store.warnings)

    @work(exclusive=True, group="upkeep")
    async def _retry_upkeep(self) -> None:
        """Opening found the lock held: try the upkeep again (never waits), on the store thread."""
        result = await self.access.call(lambda store: store.upkeep(), wait_for_writers=False)
        if not result.ok:
            self.store.upkeep_waiting = False
            self.notify(f"Could not re-read the store: {result.message}", severity="error", markup=False)
        elif result.value:
            # Another mishap at work is routine: nothing to say, only the board to bring up to date.
            self.store_changed()

    def tick(self) -> None:
        """Once a second: the screens redraw what shows time, and an overdue promise rings."""
        now = self.now()
        self.tell_screens(Tick(now))
        if self.store is None:
            return
        if self.store.upkeep_waiting:
            self._retry_upkeep()
        self._show_store_warnings()
        self.show_connection()
        if self._ring_at is not None and now < min(self._ring_at, self.reach.next_look):
            return  # nothing can go overdue, nor be due a reminder, before then: a tick costs nothing
        with self.access.if_free() as free:  # a write of ours is on its way to disk: ring next tick
            if not free:
                return
            incidents = self.store.open_incidents()
        if self._ring_at is None or now >= self._ring_at:
            # Not on every look of the reach: around a deadline the banner's words change each
            # second, and this reads every incident's countdown.
            for incident in self.watch_overdue.crossed(incidents, now):
                self.remind(incident, now)
            self._ring_at = next_ring(self.watch_overdue, incidents, now)
        self.reach.look(incidents, now)

    @work(exclusive=True, group=WATCH_GROUP)
    async def watch_store(self) -> None:
        """The one watcher of other processes' writes, whatever the backend: a folder is polled,
        a database pushes; each change is told to the screens on view."""
        while True:
            try:
                async for _ in self.store.changes(CHANGES_SECONDS):
                    self.store_changed()
            except (StoreError, OSError) as exc:  # a file turned bad mid-read: said, and watched again
                self.notify(f"Could not re-read the store: {exc}", severity="error", markup=False)
                await asyncio.sleep(CHANGES_SECONDS)

    def store_changed(self, number: int | None = None) -> None:
        """Tell the screens on view that the store changed (``number``: the incident we wrote)."""
        self._ring_at = None  # a promise may have been made or kept: look at the next tick
        self._show_store_warnings()
        self.show_connection()
        self.tell_screens(StoreChanged(number))
        self.keep_calendar()

    def keep_calendar(self) -> None:
        """The user's calendar file brought up to date on the store thread, a burst of changes once
        (tui.calendar_file.ConsoleCalendar); nothing when their config names none."""
        self.calendar.changed()

    def show_connection(self) -> None:
        """The header says when a database cannot be reached (its watcher retries with backoff)."""
        problem = self.store.connection_problem if self.store is not None else None
        title = f"mishap · OFFLINE ({literal(problem)})" if problem else "mishap"
        if self.title != title:
            self.title = title
            if problem:
                self.notify(f"{problem}. Changes are refused until it is back; what you type is kept.",
                            title="Offline", severity="error", timeout=8, markup=False)
            else:
                self.notify("Connected again: the screens show the latest state.", title="Online",
                            timeout=4, markup=False)

    def remind(self, incident, now) -> None:
        """Say which promise to the client is late (unless snoozed; the bell is rung with the desktop
        notification, by ``reach``); the first time, mark it broken."""
        promise = incident.nearest_promise()
        if promise is None or not promise.snoozed_at(now):
            # Names the audience whenever it is not the client (storage.readers.alerts).
            self._say_overdue({incident.number}, title="Promise overdue", timeout=10,
                              message=overdue_text(incident, now))
        if promise is not None and promise.broken_at is None and not self.store.read_only:
            # Recorded, so the review knows; a second console finds nothing left to mark.
            self.request_write(incident.number, lambda inc, at, by: inc.mark_broken(at, "mishap"))

    def write_to_terminal(self, data: bytes) -> None:
        """The one way mishap's own sequences (notifications, the bell, the title) reach the real terminal."""
        # Textual gives no public handle on its output; it writes its own bell and clipboard this way.
        if data and self._driver is not None:
            self._driver.write(data.decode("utf-8"))

    def visible_screens(self) -> list[Screen]:
        """The top screen and, under modals, the screens still showing through."""
        visible = []
        for screen in reversed(self.screen_stack):
            visible.append(screen)
            if not screen.is_modal:
                break
        return visible

    def tell_screens(self, message: Message) -> None:
        """Post ``message`` to each screen on view (the others redraw when they come back).

        A screen seen dimmed under a dialog is not ticked: its times are not read there, and
        any repaint of it under the dialog's veil lays out and draws the whole dialog again,
        over the screen below blended (100 ms at 140x40, tests/bench/idle.py). It catches up
        as it comes back on top (``_screen_changed``), drawn for the instant then. What the
        store tells (another console's change) still reaches it.
        """
        visible = self.visible_screens()
        tick = isinstance(message, Tick)
        for screen in visible:
            if tick and screen is not visible[0]:
                self._missed_ticks.add(screen)
                continue
            if tick and not hasattr(screen, Tick.handler_name):
                continue  # it shows no time (a form, the help): not woken each second for nothing
            screen.post_message(message)

    def redraw(self, screen: Screen, reload: Callable[[], None]) -> None:
        """Run a screen's ``reload``; if its incident cannot be read any more, say so and leave the screen."""
        try:
            reload()
        except (StoreError, OSError) as exc:  # e.g. the incident was removed by another process
            self.notify(str(exc), severity="error", markup=False)
            if screen is self.screen and not isinstance(screen, BoardScreen):
                self.pop_screen()

    # -- navigation ----------------------------------------------------------------------------

    def open_incident(self, number: int) -> None:
        """Show the workspace of one incident."""
        from .screens.incident import IncidentScreen

        self.push_screen(IncidentScreen(number))

    def action_new_incident(self) -> None:
        """Open the new-incident form."""
        from .screens.modals import NewIncidentForm

        def submit(title, client, severity, contact, learned, zone=""):
            return self.create(title, client, severity, client_contact=contact, first_learned_by=learned,
                               client_tz=zone)

        def created(incident) -> None:
            if incident is not None:
                self.notify(f"{incident.id} opened — first client contact due soon", markup=False)
                self.open_incident(incident.number)

        self.push_screen(NewIncidentForm(submit), created)

    def action_review(self) -> None:
        """Closed incidents: the review screen (metrics, sort, filter, patterns)."""
        from .screens.review import ReviewScreen

        self.push_screen(ReviewScreen())

    def action_help(self) -> None:
        """Show every key."""
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(scopes_here(self.screen)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette lists each registry command the current screen's keys offer, then the system ones."""
        for command, node, binding in palette_commands(screen):
            yield SystemCommand(f"{command.label}  ({command.shown})", command.sentence,
                                partial(self.run_action, binding.action, node))
        yield from super().get_system_commands(screen)


def next_ring(watch: OverdueWatch, incidents: list, now):
    """The first instant after ``now`` at which ``watch.crossed`` can return an incident: a promise
    falling due, or a reminder 10 minutes after the last; far away if neither is ahead."""
    # A promise due exactly now is not late yet: it is looked at again at the next tick.
    ahead = [i.next_deadline for i in incidents if i.next_deadline is not None and i.next_deadline >= now]
    ahead += [last + REMIND_EVERY for last in watch.last_alert.values()]
    return min(ahead, default=now.add(years=100))


def run(folder: Path | str) -> int:
    """Start the console on the store in ``folder``; returns the exit code."""
    app = MishapApp(folder)
    app.run()
    return app.return_code or 0
