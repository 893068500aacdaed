"""The console on a store with problems: a bad closed document, an empty or odd file, a held lock.

Issue 8, items 2, 5, 8 and 10: each is a message on screen, the console keeps running,
and nothing on disk changes that should not.
"""

from __future__ import annotations

import json

import filelock
import pytest
from textual.widgets import Input, Label
from textual.worker import Worker, WorkerState

from storage.store.folder.layout import LOCK_FILE
from tui.screens.board import BoardScreen
from tui.screens.closed_view import ClosedIncidentScreen
from tui.screens.export_form import ExportForm
from tui.screens.review import ReviewScreen
from tui.widgets.row_table import RowTable
from tui_support import settle, table_rows, toasts, until

REASON = "closed for the test"
FINISHED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)  # a worker that has ended


@pytest.fixture
def closed_two(store, clock):
    """M-1 and M-2 closed, M-3 open."""
    for title in ("Wrong VAT rate", "Doubled order", "Report to the wrong client"):
        store.create(title, "Oak & Ivy", 2)
    for number in (1, 2):
        clock.advance(minutes=5)
        store.change(number, lambda i, now, by: i.close(now, by, reason=REASON))
    return store


async def open_review(app, pilot) -> ReviewScreen:
    await pilot.pause()
    await pilot.press("r")
    await settle(pilot)  # the patterns are worked out in a thread, after the rows are shown
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


def backup_is_current(folder) -> bool:
    bak = folder / "open.json.bak"
    return bak.exists() and bak.read_bytes() == (folder / "open.json").read_bytes()


def summary(screen: ReviewScreen) -> str:
    return str(screen.query_one("#review-summary", Label).render())


async def test_enter_on_an_invalid_closed_document_is_a_message(closed_two, folder, make_app):
    path = folder / "closed" / "M-2.json"
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        assert screen.table.current.number == 2  # the newest closed is on top
        # Spoiled after the review read its row (by hand, or by another tool): the row still shows.
        data = json.loads(path.read_text())
        data["incidents"]["2"]["severity"] = 9
        path.write_text(json.dumps(data))
        before = path.read_bytes()
        await pilot.press("enter")  # the old console crashed here, printing the document
        await pilot.pause()
        assert app.is_running and app.screen is screen
        assert any(f"Cannot open M-2: Cannot open {path}: document 2 is not a valid incident" in t
                   for t in toasts(app))
        await pilot.press("down", "enter")  # the good one still opens
        await pilot.pause()
        assert isinstance(app.screen, ClosedIncidentScreen) and app.screen.number == 1
    assert path.read_bytes() == before


async def test_an_empty_closed_file_says_only_that_it_cannot_be_read(closed_two, folder, make_app):
    empty = folder / "closed" / "M-2.json"
    empty.write_bytes(b"")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        problem = str(screen.query_one("#review-problem", Label).render())
        assert problem.startswith(f"Left out: Cannot open {empty}: the file is empty. Nothing was changed.")
        assert [row.number for row in screen.shown] == [1]  # the rest of the history is reviewed
        assert summary(screen).startswith("1 closed")  # never "No closed incidents yet"
        await pilot.press("slash", "x")  # a good filter does not hide why nothing is listed
        await pilot.pause()
        assert str(screen.query_one("#review-problem", Label).render()) == problem
        await pilot.press("escape", "escape")  # clears the filter, then back to the board
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    assert empty.read_bytes() == b""


async def test_a_review_index_that_is_a_folder_does_not_block_the_review(closed_two, folder, make_app):
    (folder / "closed" / "index.json").mkdir()
    index_writes = []  # the states of the worker that writes the index, as the screen is told them

    def hook(message):
        if isinstance(message, Worker.StateChanged) and message.worker.group == "review-index":
            index_writes.append(message.state)

    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
        screen = await open_review(app, pilot)
        assert [row.number for row in screen.shown] == [2, 1]
        assert summary(screen).startswith("2 closed")
        # Not even for a moment: the old review said "Cannot read … Is a directory" until a tick re-read.
        assert not screen.query_one("#review-problem", Label).display
        # The index is written after the first frame (on a timer, in a thread): it fails quietly.
        await until(pilot, lambda: index_writes and index_writes[-1] in FINISHED, "the index write ran")
        assert index_writes[-1] == WorkerState.SUCCESS
        assert app.is_running and app.screen is screen
        assert not screen.query_one("#review-problem", Label).display
    assert (folder / "closed" / "index.json").is_dir()


async def test_the_board_shows_at_once_while_another_mishap_holds_the_lock(closed_two, folder, make_app):
    closed_two.change(3, lambda i, now, by: i.add_note("changed since the backup", now, by))
    (folder / "open.json.bak").unlink()  # no backup: opening has upkeep to do, under the lock
    lock = filelock.FileLock(str(folder / LOCK_FILE), timeout=0)
    lock.acquire()
    try:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            # The old console waited 10 s on a blank screen, then showed "cannot open this store".
            assert isinstance(app.screen, BoardScreen)
            rows = table_rows(app.screen.query_one("#board-table", RowTable))
            assert rows[0][2] == "M-3  Report to the wrong client"
            assert not (folder / "open.json.bak").exists()
            lock.release()
            app.tick()
            await until(pilot, lambda: backup_is_current(folder), "the backup written once the lock was free")
            # Another mishap at work is routine (issue 17, item 12): no toast, before or after.
            assert toasts(app) == []
    finally:
        while lock.is_locked:
            lock.release()


async def test_the_export_form_refuses_a_file_in_the_store_folder(closed_two, folder, make_app):
    data = {name: (folder / name).read_bytes() for name in ("open.json", "closed/M-1.json", "closed/M-2.json")}
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_review(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ExportForm)
        form.query_one("#path", Input).value = str(folder / ".." / folder.name / "closed" / "M-2.json")
        await pilot.press("ctrl+s", "ctrl+s")  # twice: "replace it?" must not be the only guard
        await pilot.pause()
        assert app.screen is form
        error = str(form.query_one("#form-error", Label).render())
        assert "is inside the store folder" in error and "save the report somewhere else" in error
    assert {name: (folder / name).read_bytes() for name in data} == data


async def test_a_full_disk_starts_the_console_and_a_failed_write_names_the_file(small_disk, clock):
    from storage.store import FolderStore as Store
    from tui_support import ObservedApp
    from tui.screens.incident import IncidentScreen

    folder = small_disk.path / "store"
    store = Store.open(folder, clock=clock, user="ana")
    store.create("Payroll file sent with last month's rates", "Acme Ltd", 1)
    before = (folder / "open.json").read_bytes()
    (folder / "open.json.bak").unlink()  # every change refreshes the backup: this store has none yet
    small_disk.fill()
    app = ObservedApp(folder, clock=clock, user="ana", offer_demo=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)  # the old console showed "cannot open this store"
        assert any(f"the backup {folder / 'open.json.bak'} was not refreshed (No space left on device); "
                   f"there is no backup yet" in t for t in toasts(app))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("space")  # complete step 1: a write, refused by the disk
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, IncidentScreen)
        assert any(t.startswith(f"Not saved: could not write {folder / 'open.json'}: No space left on device "
                                f"(the disk is full: free some space on it and try again)") for t in toasts(app))
    assert (folder / "open.json").read_bytes() == before
