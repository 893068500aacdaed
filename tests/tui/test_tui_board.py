"""The board: urgency order, live countdowns, empty state, filter, other processes' writes."""

from __future__ import annotations

from textual.widgets import Static

import tui.app
from storage.store import FolderStore
from storage.domain.parts import DamageItem
from tui.screens.board import BoardScreen
from tui.screens.modals import ConfirmModal
from tui.widgets.row_table import RowTable

from tui_support import notices, reread, screen_text, table_rows, toasts, until


async def test_board_lists_most_urgent_first(store, make_app, clock):
    calm = store.create("Typo in newsletter", "Calm Co", 4)          # first contact in 8 h
    urgent = store.create("Payroll sent twice", "Urgent Ltd", 1)     # first contact in 15 min
    store.change(calm.number, lambda inc, now, by: inc.log_update("email", "sorry", now.add(hours=9), now, by))
    late = store.create("Wrong report", "Late plc", 2)               # made overdue below
    store.change(late.number, lambda inc, now, by: inc.log_update("phone", "on it", now.add(minutes=5), now, by))
    clock.advance(minutes=7)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        rows = table_rows(app.screen.query_one("#board-table", RowTable))
        assert [r[2].split()[0] for r in rows] == [late.id, urgent.id, calm.id]
        assert rows[0][0].startswith("2 min late")
        assert rows[1][0].startswith("in 8 min")
        assert rows[1][5] == "0/26"
        assert rows[2][6] == "not assessed"
        # Said once more as a toast, which comes right after the board's first frame.
        assert f"Client update overdue: {late.id}" in toasts(app)


async def test_countdown_ticks_from_the_clock_and_reorders(store, make_app, clock):
    first = store.create("First", "A", 1)   # due at +15 min
    second = store.create("Second", "B", 2)  # due at +30 min
    store.change(first.number, lambda inc, now, by: inc.log_update("email", "x", now.add(minutes=40), now, by))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#board-table", RowTable)
        assert table_rows(table)[0][2].startswith(second.id)
        assert table_rows(table)[0][0].startswith("in 30 min")
        clock.advance(minutes=31)
        app.tick()
        await pilot.pause()
        rows = table_rows(table)
        assert rows[0][0].startswith("1 min late")
        assert rows[1][0].startswith("in 9 min")


async def test_empty_store_says_how_to_start_and_offers_demo(folder, make_app):
    app = make_app(offer_demo=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        empty = app.screen.query_one("#empty", Static)
        assert empty.display
        assert "mishap demo" in str(empty.render())
        assert not app.screen.query_one("#board-table").display
    assert reread(folder).open_incidents() == []


async def test_filter_narrows_rows_and_escape_clears(store, make_app):
    store.create("Payroll sent twice", "Acme", 1)
    store.create("Doubled purchase order", "Beta GmbH", 3)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#board-table", RowTable)
        await pilot.press("slash", *"beta")
        await pilot.pause()
        rows = table_rows(table)
        assert len(rows) == 1 and rows[0][3] == "Beta GmbH"
        await pilot.press("enter")  # keep the filter, back to the table
        await pilot.pause()
        assert app.screen.focused is table
        await pilot.press("escape")
        await pilot.pause()
        assert len(table_rows(table)) == 2


def _board_titles(app) -> list[str]:
    return [r[2] for r in table_rows(app.screen.query_one("#board-table", RowTable))]


async def test_change_from_another_process_reaches_the_board_through_the_watcher(store, make_app, folder, clock,
                                                                                 watched):
    store.create("Existing", "Acme", 2)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        other = FolderStore.open(folder, clock=clock, user="bob")
        other.create("Added elsewhere", "Other Co", 3)
        # No tick: the store's watcher (one worker over store.changes()) brings it.
        await until(pilot, lambda: any("Added elsewhere" in t for t in _board_titles(app)),
                    "the board shows what another process added")


async def test_a_tick_draws_again_only_the_rows_on_screen_whose_countdown_changed(store, make_app, clock,
                                                                                 monkeypatch):
    for i in range(80):  # due every 7 minutes from +5: a row's words change once a minute
        incident = store.create(f"Incident {i}", "Acme", 2)
        store.change(incident.number, lambda inc, now, by: inc.log_update(
            "email", "x", now.add(minutes=5 + 7 * i), now, by))
    drawn: list[int] = []
    real = RowTable.refresh_row
    monkeypatch.setattr(RowTable, "refresh_row", lambda table, index: drawn.append(index) or real(table, index))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#board-table", RowTable)
        on_screen = table.page
        assert 10 < on_screen < 80
        clock.advance(seconds=30)  # every countdown now reads a minute less
        app.tick()
        await pilot.pause()
        assert sorted(drawn) == list(range(on_screen))  # the rows on screen, not all 80
        assert table_rows(table)[0][0].startswith("in 4 min")
        drawn.clear()
        clock.advance(seconds=1)  # within the same minute: nothing reads differently
        app.tick()
        await pilot.pause()
        assert drawn == []
        await pilot.press("end")  # rows scrolled into view are drawn for the current instant
        await pilot.pause()
        assert table_rows(table)[-1][0].startswith("in 9 h 17 min")  # due at +558 min, 31 s gone


async def test_the_console_ticks_by_itself(store, make_app, folder, clock, monkeypatch):
    # The tick's own timer, made short: the test waits for what it does, never for a second.
    monkeypatch.setattr(tui.app, "TICK_SECONDS", 0.01)
    store.create("Existing", "Acme", 2)  # first contact due in 30 min
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert table_rows(app.screen.query_one("#board-table", RowTable))[0][0].startswith("in 30 min")
        clock.advance(minutes=10)
        await until(pilot, lambda: table_rows(app.screen.query_one("#board-table", RowTable))[0][0]
                    .startswith("in 20 min"), "the countdown redrawn, without the test calling tick()")


async def test_overdue_rings_marks_broken_and_reminds_every_10_minutes(store, make_app, clock, folder):
    incident = store.create("Wrong invoice run", "Acme", 1)  # first contact due in 15 min
    app = make_app()
    # Every notification rings the bell (its bytes end with BEL), written through the app's one way out.
    rings = lambda: [data for data in notices(app) if data.endswith(b"\x07")]  # noqa: E731
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        clock.advance(minutes=9)
        app.tick()
        assert rings() == []
        clock.advance(minutes=5)  # 1 min before it is due: the 5-minute warning (issue 12), and no toast
        app.tick()
        assert len(rings()) == 1 and not toasts(app)
        clock.advance(minutes=2)
        app.tick()
        await pilot.pause()
        assert len(rings()) == 2
        assert any(t.startswith(f"{incident.id} First contact with the client: 1 min late") for t in toasts(app))
        table = app.screen.query_one("#board-table", RowTable)
        row = next(row for row in table.rows if row.number == incident.number)
        assert "red" in table.cells(row)[2][1]  # the title, in the overdue colour
        stored = reread(folder).get(incident.id)
        assert stored.promises[0].state() == "broken"
        assert stored.timeline[-1].text.startswith("Broken: First contact with the client")
        for _ in range(9):  # still overdue, but the next reminder is 10 minutes after the first
            clock.advance(minutes=1)
            app.tick()
        assert len(rings()) == 2
        clock.advance(minutes=1)
        app.tick()
        await pilot.pause()
        assert len(rings()) == 3
        assert any("11 min late" in t for t in toasts(app))
        # Broken once: the reminder does not write the record again.
        assert len(reread(folder).get(incident.id).timeline) == len(stored.timeline)


async def test_enter_opens_workspace_and_escape_returns(store, make_app):
    incident = store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "IncidentScreen"
        assert app.screen.number == incident.number
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)


async def test_mouse_click_highlights_and_a_second_click_opens(store, make_app):
    store.create("First", "A", 1)
    second = store.create("Second", "B", 2)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.click("#board-table", offset=(10, 2))  # header is row 0; second incident on row 2
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        await pilot.click("#board-table", offset=(10, 2))
        await pilot.pause()
        assert app.screen.__class__.__name__ == "IncidentScreen" and app.screen.number == second.number


async def test_the_preview_follows_the_cursor_and_leaves_a_short_terminal(store, make_app, clock):
    payroll = store.create("Payroll file sent with last month's rates", "Acme Ltd", 1)
    store.change(payroll.number, lambda inc, now, by: inc.add_damage(DamageItem("212 payslips", "", 1, "confirmed"),
                                                                     now, by))
    order = store.create("Purchase order doubled [PO-88]", "Beta GmbH", 3)
    store.change(order.number, lambda inc, now, by: inc.log_update("phone", "Cancelled the copy [/]", now.add(hours=3),
                                                                   now, by))
    store.change(order.number, lambda inc, now, by: inc.complete_step(0, now, by))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        preview = app.screen.query_one("#preview")
        assert preview.display and preview.region.height > 0
        shown = screen_text(app)
        assert "M-1  Payroll file sent with last month's rates  ·  Acme Ltd" in shown
        assert "Next step   Stop — Halt the job, send or process that produced the mistake" in shown
        assert "Last update none sent yet" in shown
        assert "Promised    First contact with the client — 10:15" in shown  # 09:15 UTC, in Berlin
        assert "Damage      1 confirmed" in shown
        await pilot.press("down")  # no pause for a timer: the highlight message redraws it
        await pilot.pause()
        shown = screen_text(app)
        assert "M-2  Purchase order doubled [PO-88]  ·  Beta GmbH" in shown
        assert "Next step   Stop — Make sure nothing else goes out until it is understood" in shown
        assert "Last update 10:00 by phone: “Cancelled the copy [/]”" in shown  # brackets as typed
        assert "Promised    Next client update — 13:00" in shown
        assert "Damage      not assessed" in shown
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        await pilot.pause()
        assert not app.screen.query_one("#preview").display or app.screen.query_one("#preview").region.height == 0
        assert "Next step" not in screen_text(app)


async def test_accepting_the_demo_rings_for_its_late_promise(folder, make_app):
    """The demo's M-5 is late: the tick after loading it raises the banner and the overdue toast
    (the overdue watch used to wait for a promise of the empty store that never came)."""
    from tui.widgets.banner import OverdueBanner
    from tui_support import settle

    app = make_app(offer_demo=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.tick()  # the console ticks while the question waits: nothing is due in an empty store
        await pilot.press("y")
        await settle(pilot)
        app.tick()
        await pilot.pause()
        assert app.screen.query_one(OverdueBanner).display
        assert "‼ OVERDUE  M-5" in screen_text(app)
        assert any("M-5" in t and "late" in t for t in toasts(app))
