"""The console's data flow: the app tells screens by message, one worker watches the store, and
every write goes through one path off the event loop, so another process's lock never freezes it."""

from __future__ import annotations

import filelock
from textual.screen import Screen
from textual.widgets import Input, Label, TextArea
from tui_support import close_one, reread, settle, table_rows, toasts, until

import tui.screens.composer
from storage.store import FolderStore
from storage.store.folder.layout import LOCK_FILE
from tui.messages import StoreChanged, Tick
from tui.screens.closed_view import ClosedIncidentScreen
from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui.screens.modals import NewIncidentForm, TextForm


class Listening(Screen):
    """A screen that only listens: what the app tells it is kept."""

    def __init__(self):
        super().__init__()
        self.heard: list = []

    def on_tick(self, message: Tick) -> None:
        self.heard.append(("tick", message.now))

    def on_store_changed(self, message: StoreChanged) -> None:
        self.heard.append(("store", message.number))


async def test_a_screen_that_handles_the_tick_message_gets_it(store, make_app, clock):
    # The app used to look for a method named "tick" on each screen; a screen now handles a message.
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = Listening()
        await app.push_screen(screen)
        clock.advance(minutes=1)
        app.tick()
        await pilot.pause()
        assert ("tick", clock.now) in screen.heard


async def test_another_process_write_reaches_a_listening_screen_through_the_watcher(store, make_app, folder, clock,
                                                                                  watched):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = Listening()
        await app.push_screen(screen)
        FolderStore.open(folder, clock=clock, user="bob").create("Added elsewhere", "Other Co", 3)
        await until(pilot, lambda: ("store", None) in screen.heard, "the watcher told the screen")
        assert [i.title for i in app.store.open_incidents()] == ["Added elsewhere"]
        assert not [kind for kind, _ in screen.heard if kind == "tick"]  # the watcher, not the tick


async def test_a_write_waiting_on_another_process_lock_leaves_the_console_working(store, make_app, folder, clock):
    store.create("Wrong invoice run", "Acme", 1)  # first client contact due in 15 min
    app = make_app()
    lock = filelock.FileLock(str(folder / LOCK_FILE), timeout=0)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        board = app.screen
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewIncidentForm)
        form.query_one("#title", Input).value = "Second mistake"
        form.query_one("#client", Input).value = "Beta GmbH"
        form.query_one("#contact", Input).focus()
        lock.acquire()  # another mishap is writing
        try:
            await pilot.press("ctrl+s")
            await pilot.pause()
            # The write waits for the lock on the store thread; meanwhile keys and the tick are handled.
            await pilot.press("J", "o")
            assert form.query_one("#contact", Input).value == "Jo"
            clock.advance(minutes=10)
            app.tick()
            await pilot.pause()
            assert table_rows(board.table)[0][0].startswith("in 15 min")  # under the form's veil: not drawn
            assert app.screen is form
            assert [i.title for i in reread(folder).open_incidents()] == ["Wrong invoice run"]  # not yet written
        finally:
            lock.release()
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen), "the incident written and opened")
        await settle(pilot)
        assert sorted(i.title for i in board.visible_incidents(clock())) == ["Second mistake", "Wrong invoice run"]
        await pilot.press("escape")  # back on the board: drawn for the instant the clock reached meanwhile
        await until(pilot, lambda: app.screen is board, "the board on top")
        await until(pilot, lambda: table_rows(board.table)[0][0].startswith("in 5 min"), "the board caught up")
    assert sorted(i.title for i in reread(folder).open_incidents()) == ["Second mistake", "Wrong invoice run"]


async def test_a_draft_saved_while_another_process_holds_the_lock_lands_when_it_is_free(store, make_app, folder,
                                                                                      monkeypatch):
    monkeypatch.setattr(tui.screens.composer, "AUTOSAVE_SECONDS", 0.01)  # the test waits for the save, not a second
    incident = store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    lock = filelock.FileLock(str(folder / LOCK_FILE), timeout=0)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter", "u")
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        lock.acquire()
        try:
            composer.query_one("#section-happened", TextArea).text = "We sent the wrong file"
            await until(pilot, lambda: app.access.in_flight > 0, "the autosave handed to the store thread")
            await pilot.press("end", *" today")  # the composer still takes keys
            assert composer.query_one("#section-happened", TextArea).text.endswith(" today")
            assert reread(folder).draft(incident.id) is None
        finally:
            lock.release()
        await until(pilot, lambda: (reread(folder).draft(incident.id) or {}).get("section-happened", "")
                    .endswith(" today"), "the drafts saved once the lock was free")
        assert app.screen is composer and not [t for t in toasts(app) if "not saved" in t]


async def test_a_refused_reopen_keeps_the_reason_typed(store, make_app, folder, clock):
    close_one(store, clock, "Report sent to the wrong client", "Acme", 2)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ClosedIncidentScreen)
        await pilot.press("R")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TextForm)
        await pilot.press(*"Calder found more")
        # Meanwhile another console reopens it: ours is refused, and says why.
        FolderStore.open(folder, clock=clock, user="bob").change("M-1", lambda i, now, by: i.reopen(now, by, "bob"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#text", Input).value == "Calder found more"
        assert "M-1 is not closed" in str(form.query_one("#form-error", Label).render())
    assert reread(folder).get("M-1").timeline[-1].text == "Reopened (closed → open) — bob"
