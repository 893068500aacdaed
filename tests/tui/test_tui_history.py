"""The review over the closed history: a first build shows its progress, a bad file is named, a close
elsewhere appears without a rebuild."""

from __future__ import annotations

import shutil

from textual.widgets import Label

from storage.store.folder.layout import INDEX_FILE, JOURNAL_FILE
from storage.store import FolderStore
from tui.screens.review import ReviewScreen
from tui_support import screen_text, settle, until


def _closed(store, count: int) -> None:
    for n in range(count):
        inc = store.create(f"Closed {n}", f"Client {n % 3}", 1 + n % 4)
        store.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed for the test"))


async def _review(app, pilot) -> ReviewScreen:
    await pilot.pause()
    await pilot.press("r")
    await settle(pilot)  # a first review reads the closed files in a worker: wait for it to finish
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


async def test_a_first_review_reads_every_file_showing_progress_then_keeps_an_index(store, folder, make_app):
    _closed(store, 30)
    for name in (INDEX_FILE, JOURNAL_FILE):
        (folder / "closed" / name).unlink(missing_ok=True)
    app = make_app()
    shown = []
    async with app.run_test(size=(140, 40)) as pilot:
        original = ReviewScreen._show_problem

        def spy(self):
            original(self)
            label = self.query_one("#review-problem", Label)
            shown.append(str(label.render()) if label.display else None)

        ReviewScreen._show_problem = spy
        try:
            screen = await _review(app, pilot)
        finally:
            ReviewScreen._show_problem = original
        assert len(screen.all_rows) == 30
        assert any(m and m.startswith("Reading the closed incidents for the first time: 30 of 30") for m in shown)
        assert not screen.query_one("#review-problem", Label).display  # gone once the rows are in
        assert (folder / "closed" / INDEX_FILE).exists()  # written by the build's worker: the next review reads it
    assert not FolderStore.open(folder).review_needs_build()


async def test_a_corrupt_closed_file_is_named_and_the_rest_reviewed(store, folder, make_app):
    _closed(store, 3)
    bad = folder / "closed" / "M-2.json"
    bad.write_text('{"incidents": {"2": ', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _review(app, pilot)
        assert sorted(r.number for r in screen.all_rows) == [1, 3]
        problem = str(screen.query_one("#review-problem", Label).render())
        assert "Left out:" in problem and str(bad) in problem and "not valid JSON" in problem
    assert bad.read_text() == '{"incidents": {"2": '


async def test_a_close_in_another_process_appears_in_the_open_review(store, folder, make_app, clock, watched):
    _closed(store, 2)
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _review(app, pilot)
        assert len(screen.all_rows) == 2
        other = FolderStore.open(folder, clock=clock, user="lena")
        inc = other.create("Closed elsewhere", "Client 9", 2)
        other.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed for the test"))
        await until(pilot, lambda: len(screen.all_rows) == 3, "the review shows the close made elsewhere")
        await pilot.pause()
        assert "Closed elsewhere" in screen_text(app)
        assert len(screen.all_rows) == 3


async def test_a_first_review_leaves_the_console_free_while_it_reads(store, folder, make_app, watched):
    """The build reads with a store of its own: the console's watcher, which looks at the store all the
    while, is never stuck behind it (it was: the build held the store while it waited to show progress)."""
    _closed(store, 250)  # progress is shown every 200 files
    for name in (INDEX_FILE, JOURNAL_FILE):
        (folder / "closed" / name).unlink(missing_ok=True)
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _review(app, pilot)
        assert len(screen.all_rows) == 250
        assert "250 closed" in screen_text(app)
    assert not FolderStore.open(folder).review_needs_build()
