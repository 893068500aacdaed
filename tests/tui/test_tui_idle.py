"""At rest the console works nothing out before the next instant anything it shows can change, and at
that instant (or at a change of the store) everything still changes: rows, title, banner, reminders."""

from __future__ import annotations

import pytest

import tui.app as app_module
import tui.reminders
import tui.screens.board
from tui.messages import Tick
from tui.reminders import DeskReach
from tui.screens.composer import ComposerScreen
from tui.widgets.banner import OverdueBanner
from tui.widgets.row_table import RowTable
from tui_support import notices, screen_text, settle, until


@pytest.fixture(autouse=True)
def outside_tmux(monkeypatch):
    """The bytes below are those written straight to the terminal (inside tmux they are wrapped)."""
    monkeypatch.delenv("TMUX", raising=False)


@pytest.fixture
def counted(monkeypatch):
    """How often the open promises are worked out, the desk reach looks, and a tick reads a board row
    again: each function still runs, and is counted."""
    calls = {"books": 0, "looks": [], "reads": []}
    book, look, reads = tui.reminders.PromiseBook, DeskReach.look, tui.screens.board.reads_again_at

    def counting_book(incidents):
        calls["books"] += 1
        return book(incidents)

    monkeypatch.setattr(tui.reminders, "PromiseBook", counting_book)
    monkeypatch.setattr(DeskReach, "look", lambda reach, incidents, now: calls["looks"].append(now)
                        or look(reach, incidents, now))
    monkeypatch.setattr(tui.screens.board, "reads_again_at", lambda incident, now, now_at: calls["reads"].append(
        now) or reads(incident, now, now_at))
    return calls


def configure(folder, method: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(f'[notifications]\nmethod = "{method}"\n', encoding="utf-8")


def title_of(app) -> bytes:
    return [data for data in app.written if data.startswith(b"\x1b]0;")][-1]


async def tick_at(app, pilot, instant) -> None:
    """Move the clock to ``instant`` and tick, as the console's own timer would, then let the screens draw."""
    app.clock.set(instant)
    app.tick()
    await pilot.pause()


async def test_ticks_before_the_next_instant_work_nothing_out_and_a_store_change_does(
        store, make_app, folder, clock, counted):
    configure(folder, "bell")
    start = clock()
    # More than fit on screen, due from 40 min on, each at its own second: some row's minutes change every few seconds.
    for i in range(30):
        incident = store.create(f"Incident {i}", "Acme", 2)
        store.change(incident.number, lambda inc, now, by, i=i: inc.log_update(
            "email", "x", now.add(minutes=40 + 3 * i, seconds=7 * i), now, by))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tick_at(app, pilot, start.add(seconds=1))  # the first tick looks, as after any change
        await tick_at(app, pilot, start.add(seconds=2))  # the footer is in: the rows on screen are settled
        assert counted["books"] == 1  # worked out once for the look that primed at start and the first tick
        assert app.reach.next_look == start.add(minutes=10)  # M-1 comes within the title's 30 minutes
        on_screen = app.screen.query_one("#board-table", RowTable).page
        looks = len(counted["looks"])
        for second in range(3, 63):
            await tick_at(app, pilot, start.add(seconds=second))
        # A minute of ticks: no look, no promise worked out again, and each row on screen read about
        # once, when its minutes changed (reading every row at every tick was 60 reads a row).
        assert counted["books"] == 1 and len(counted["looks"]) == looks
        assert len([at for at in counted["reads"] if at > start.add(seconds=2)]) <= on_screen + 2
        assert title_of(app) == b"\x1b]0;mishap\x07"

        # A change of the store: looked at, worked out again once, and the title says it at once.
        await app.write(5, lambda inc, now, by: inc.add_promise("Call back", now.add(minutes=20), now, by))
        await settle(pilot)
        await tick_at(app, pilot, start.add(seconds=63))
        assert counted["books"] == 2 and counted["looks"][-1] == start.add(seconds=63)
        assert title_of(app) == b"\x1b]0;mishap M-5 in 19m\x07"  # promised at 62 s, for 20 min later
        looks = len(counted["looks"])
        await tick_at(app, pilot, start.add(seconds=64))
        assert len(counted["looks"]) == looks  # the same words until 18 min 59 s are left

        # The next instant comes: the title reads a minute less, from the same book.
        await tick_at(app, pilot, start.add(minutes=2, seconds=2))
        assert len(counted["looks"]) == looks
        await tick_at(app, pilot, start.add(minutes=2, seconds=2, microseconds=1))
        assert title_of(app) == b"\x1b]0;mishap M-5 in 18m\x07"
        assert counted["books"] == 2 and len(counted["looks"]) == looks + 1


async def test_reminders_bell_title_and_banner_come_at_their_very_tick(store, make_app, folder, clock):
    """Ticked every second where it matters: nothing a tick early, everything at the tick it is due."""
    configure(folder, "osc777")
    start = clock()
    store.create("Wrong invoice run", "Acme", 1)  # first contact due in 15 min
    due = start.add(minutes=15)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        banner = app.screen.query_one(OverdueBanner)
        await tick_at(app, pilot, due.subtract(minutes=5, seconds=1))
        assert notices(app) == []
        await tick_at(app, pilot, due.subtract(minutes=5))  # the warning: 5 minutes before, to the second
        assert notices(app) == [b"\x1b]777;notify;mishap M-1 in 5m;First contact with the client\x07\x07"]
        await tick_at(app, pilot, due)  # due, not yet late
        assert len(notices(app)) == 1 and not banner.display
        assert title_of(app) == b"\x1b]0;mishap M-1 in 0s\x07"
        await tick_at(app, pilot, due.add(seconds=1))
        assert notices(app)[1:] == [b"\x1b]777;notify;mishap \xe2\x80\xbc M-1 1s late;First contact with the client"
                                    b"\x07\x07"]
        assert title_of(app) == b"\x1b]0;mishap \xe2\x80\xbc M-1 1s late\x07"
        await until(pilot, lambda: banner.display, "the banner raised at the tick the promise went late")
        assert "M-1 First contact with the … 1s late" in screen_text(app)
        late_toast = [n for n in app.raised if "First contact with the client: 1 s late" in str(n.message)]
        assert late_toast  # the console's own toast, with the bell
        await settle(pilot)  # the promise recorded broken
        await tick_at(app, pilot, due.add(minutes=10))
        assert len(notices(app)) == 2  # 10 minutes after the first overdue reminder, not yet
        await tick_at(app, pilot, due.add(minutes=10, seconds=1))
        assert notices(app)[2:] == [b"\x1b]777;notify;mishap \xe2\x80\xbc M-1 10m late;First contact with the client"
                                    b"\x07\x07"]


async def test_a_row_is_drawn_again_at_the_tick_its_words_or_colour_change_and_only_then(
        store, make_app, clock, monkeypatch):
    start = clock()
    incident = store.create("Wrong invoice run", "Acme", 2)
    # Every 90 minutes: "soon" from 22 min 30 s before, between two changes of its minutes.
    store.change(incident.number, lambda inc, now, by: inc.set_cadence(90, now, by))
    store.change(incident.number, lambda inc, now, by: inc.log_update(
        "email", "x", now.add(minutes=23, seconds=10), now, by))
    drawn: list = []
    real = RowTable.refresh_row
    monkeypatch.setattr(RowTable, "refresh_row", lambda table, index: drawn.append(table.app.clock())
                        or real(table, index))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#board-table", RowTable)
        assert table.cells(table.rows[0])[2][1] == ""  # calm
        for second in range(1, 76):
            await tick_at(app, pilot, start.add(seconds=second))
            if second in (10, 11, 71):
                minutes = 23 if second == 10 else 22 if second == 11 else 21
                assert f"in {minutes} min" in screen_text(app)
        # 23 min then 22 min left (tick 11), soon (tick 41: 22 min 29 s left), 21 min (tick 71).
        assert drawn == [start.add(seconds=11), start.add(seconds=41), start.add(seconds=71)]
        assert table.cells(table.rows[0])[0][1] == "bold yellow"


async def test_the_banner_under_a_dialog_waits_for_it_while_the_bell_does_not(store, make_app, folder, clock):
    configure(folder, "bell")
    start = clock()
    store.create("Wrong invoice run", "Acme", 1)  # first contact due in 15 min
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await tick_at(app, pilot, start.add(minutes=16))
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        banner = app.screen.query_one(OverdueBanner)
        assert "1m late" in str(banner.content)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ComposerScreen), "the composer open")
        rings = len(notices(app))
        await tick_at(app, pilot, start.add(minutes=18))
        await tick_at(app, pilot, start.add(minutes=26))  # 10 minutes after the first overdue reminder
        assert len(notices(app)) == rings + 1  # the bell rang under the dialog
        assert "1m late" in str(banner.content)  # under the dialog's veil, not laid out again
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ComposerScreen), "the composer closed")
        await until(pilot, lambda: "11m late" in str(banner.content), "the banner caught up once on top again")


async def test_around_a_deadline_the_reach_looks_each_second_and_the_overdue_watch_does_not(
        store, make_app, folder, clock, counted, monkeypatch):
    """In the minute either side of a deadline the title and the banner read in seconds, so the reach
    looks at every tick; the overdue watch reads every incident only when a promise can go late."""
    configure(folder, "bell")
    start = clock()
    store.create("Wrong invoice run", "Acme", 1)  # first contact due in 15 min
    for i in range(20):
        store.create(f"Calm {i}", "Acme", 3)
    due = start.add(minutes=15)
    watched: list = []
    real = app_module.OverdueWatch.crossed
    monkeypatch.setattr(app_module.OverdueWatch, "crossed", lambda watch, incidents, now: watched.append(now)
                        or real(watch, incidents, now))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await tick_at(app, pilot, due.subtract(minutes=4))  # the 5-minute warning rings here
        rung = len(notices(app))
        watched.clear()
        looks = len(counted["looks"])
        for second in range(-30, 31):
            await tick_at(app, pilot, due.add(seconds=second))
            if second == 1:
                await until(pilot, lambda: len(notices(app)) == rung + 1, "the bell at the tick M-1 went late")
                await settle(pilot)  # the promise recorded broken: a change of the store
        assert len(counted["looks"]) - looks == 61  # the title's seconds: "in 30s" ... "30s late"
        assert title_of(app) == b"\x1b]0;mishap \xe2\x80\xbc M-1 30s late\x07"
        # The deadline itself, the tick it went late, and the tick after the write that marked it
        # broken: not 61 readings of every incident.
        assert len(watched) <= 4, watched
        assert due.add(seconds=1) in watched
        assert notices(app)[rung:] == [b"\x07"]  # rung once; the next reminder is 10 minutes on


async def test_a_dialog_that_shows_no_time_is_not_woken_by_the_tick(store, make_app, clock, monkeypatch):
    """The composer shows no clock: a tick under it posts it nothing (each post wakes its message
    loop), while the bell and the overdue watch still work at their instant."""
    start = clock()
    store.create("Wrong invoice run", "Acme", 1)  # first contact due in 15 min
    posted: list = []
    real = ComposerScreen.post_message
    monkeypatch.setattr(ComposerScreen, "post_message", lambda screen, message: posted.append(message)
                        or real(screen, message))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter", "u")
        await until(pilot, lambda: isinstance(app.screen, ComposerScreen), "the composer open")
        await settle(pilot)
        for second in range(1, 31):
            await tick_at(app, pilot, start.add(seconds=second))
        assert [m for m in posted if isinstance(m, Tick)] == []
        await tick_at(app, pilot, start.add(minutes=15, seconds=1))  # gone late under the dialog
        await until(pilot, lambda: app.reach.overdue, "the reach saw the promise late")
        await pilot.press("escape")
        await until(pilot, lambda: "1 s late  ·  due" in screen_text(app),
                    "the workspace's countdown, on top again, drawn for the instant")
