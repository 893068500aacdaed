"""Fixtures for console tests: the shared fake clock at the console's start, a pinned time zone, a tick only
the test drives, and a store in tmp_path."""

from __future__ import annotations

import asyncio
import time

import pendulum
import pytest
import textual.app
import textual.pilot
import textual.screen
from textual._context import active_app
from tui_support import START, ObservedApp

import tui.app
from storage.store import FolderStore


@pytest.fixture(autouse=True)
def berlin_time():
    """Screens show local time: pin the zone so results do not depend on the machine."""
    pendulum.set_local_timezone(pendulum.timezone("Europe/Berlin"))
    yield
    pendulum.set_local_timezone()


@pytest.fixture(autouse=True)
def tests_drive_the_tick(monkeypatch):
    """The once-a-second tick never fires by itself in a test: the test calls app.tick() after moving
    the clock, so what a screen shows never depends on how fast the machine is."""
    monkeypatch.setattr(tui.app, "TICK_SECONDS", 24 * 3600)
    # Nor does the watcher look for other processes' writes unless the test asks (``watched``).
    monkeypatch.setattr(tui.app, "CHANGES_SECONDS", 24 * 3600)


# How the Pilot decides the console is idle after a key or a pause (textual._wait.wait_for_idle): it
# sleeps a window and looks whether the process used the CPU meanwhile. Textual's window is 20 ms,
# a little over the 16.7 ms between two of the screen's refreshes at its 60 frames a second, so a
# refresh already asked for always lands inside it. Both are taken four times shorter here, in the
# same ratio: the screen refreshes every 1/240 s and the window is 5 ms. A console test presses keys
# by the hundred, two idle waits a key, so the suite spent most of its time in those windows.
FAST_FRAME = 1 / 240
FAST_WINDOW = 0.005
TEXTUAL_WINDOW = 0.02


async def _wait_until_idle(min_sleep: float = 0.0, max_sleep: float = 1.0) -> None:
    """``wait_for_idle`` with the shorter window; Textual's own while the console has a write on its store
    thread (``StoreAccess.in_flight``), which may wait on an fsync or a lock without using the CPU.

    A window in which the process was not given a core at all (a loaded machine) also uses no CPU, so
    it is taken as idle only if the console has nothing left to do that it knows of: no message
    waiting for the app, its screen or a widget on it, and no refresh the screen has been asked for.
    """
    start = time.monotonic()
    while True:
        app = active_app.get(None)
        access = getattr(app, "access", None)
        window = TEXTUAL_WINDOW if getattr(access, "in_flight", 0) else FAST_WINDOW
        cpu = time.process_time()
        await asyncio.sleep(window)
        used = time.process_time() - cpu
        elapsed = time.monotonic() - start
        if elapsed >= max_sleep or (elapsed > min_sleep and used < window / 20 and not _work_waiting(app)):
            return


def _work_waiting(app) -> bool:
    """Whether the console has a message queued or a refresh of its screen pending."""
    if app is None or not app.is_running:
        return False
    try:
        screen = app.screen
    except Exception:  # no screen yet, or the last one gone
        return False
    if any(getattr(screen, flag, False) for flag in _REFRESH_PENDING):
        return True
    return any(node.message_queue_size for node in (app, *screen.walk_children(with_self=True)))


# The screen's own marks for a refresh asked for and not yet done (textual.screen.Screen._on_idle reads them).
_REFRESH_PENDING = ("_layout_required", "_scroll_required", "_repaint_required", "_recompose_required",
                    "_dirty_widgets", "_callbacks")


@pytest.fixture(autouse=True)
def quick_idle(monkeypatch):
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", FAST_FRAME)
    monkeypatch.setattr(textual.pilot, "wait_for_idle", _wait_until_idle)
    monkeypatch.setattr(textual.app, "wait_for_idle", _wait_until_idle)


@pytest.fixture
def watched(monkeypatch):
    """The store's watcher looks for other processes' writes at once: a test waits for what it shows
    (``until``), never for a second."""
    monkeypatch.setattr(tui.app, "CHANGES_SECONDS", 0.01)


@pytest.fixture
def clock_start():
    """The console's snapshots were taken at this instant: the shared clock starts there."""
    return START


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def store(folder, clock):
    return FolderStore.open(folder, clock=clock, user="ana")


@pytest.fixture
def make_app(folder, clock):
    def make(**kwargs) -> ObservedApp:
        kwargs.setdefault("offer_demo", False)
        return ObservedApp(folder, clock=clock, user="ana", **kwargs)

    return make


@pytest.fixture
def writes_land(monkeypatch):
    """A key's write runs on the store thread: ``pilot.pause()`` also waits until the writes it started
    have landed (not for a fixed time), so a test that presses a key and then reads the store never
    races the write. Not for tests that hold another process's lock on purpose."""
    import asyncio

    from textual.pilot import Pilot

    pause = Pilot.pause

    async def pause_until_written(self, delay=None):
        await pause(self, delay)
        while busy := [w for w in self.app.workers if w.group == "writes" and not w.is_finished]:
            await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
            await pause(self, None)

    monkeypatch.setattr(Pilot, "pause", pause_until_written)
