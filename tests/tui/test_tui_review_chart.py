"""The review learns issue 19's figures: management told and hard deadlines met in the table (wide and
at the minimum size), and g's month-by-month chart of the last 12 months, drawn with textual-plot
and loaded only when asked for."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pendulum
import pytest
from textual_plot import PlotWidget

from tui.screens.review import ReviewScreen
from tui.screens.review_chart import ReviewChartScreen
from tui_support import close_one, settle, until

ROOT = Path(__file__).resolve().parents[2]
NOW = pendulum.datetime(2026, 11, 23, 9, 0, tz="UTC")  # the console runs in November 2026
MONTHS = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08",
          "2026-09", "2026-10", "2026-11"]


@pytest.fixture
def clock_start():
    """The history starts in August: incidents close in three different months."""
    return pendulum.datetime(2026, 8, 3, 9, 0, tz="UTC")


def told_late(store, clock, title: str = "Report sent with another client's figures"):
    """A personal-data breach: the client told in 10 min, management only after 5 h 10 min, the
    supervisory authority within its 72 hours (GDPR Art. 33: 1 of 1 hard deadlines met)."""
    inc = store.create(title, "Marlow Communications", 1)
    start = clock.now
    store.change(inc.id, lambda i, now, by: i.set_tags(["personal-data"], store.playbook.rules, now, by))
    boss = store.change(inc.id, lambda i, now, by: i.add_audience("Tom Reed (MD)", "management", now, by))
    clock.set(start.add(minutes=10))
    store.change(inc.id, lambda i, now, by: i.log_update("phone", "Told Marlow", None, now, by))
    clock.set(start.add(hours=5, minutes=10))
    store.change(inc.id, lambda i, now, by: i.log_update("meeting", "Told Tom what happened", None, now, by,
                                                         audience=boss))
    clock.set(start.add(hours=30))
    authority = store.get(inc.id).find_audience("Supervisory authority")
    store.change(inc.id, lambda i, now, by: i.log_update("email", "Art. 33 notice sent", None, now, by,
                                                         audience=authority))
    clock.advance(hours=2)
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed for the test"))
    return inc


@pytest.fixture
def history(store, clock):
    """August: one closed (on time, 10 min to contact); October: two (10 and 40 min, half the updates
    on time), one of them the breach above; nothing since. The console then opens in November."""
    close_one(store, clock, "Wrong VAT rate on invoices", "Oak & Ivy", 3, ack=5, update=10)
    clock.set(pendulum.datetime(2026, 10, 12, 9, 0, tz="UTC"))
    close_one(store, clock, "Payroll export with last month's rates", "Calder", 2, learned="client", ack=20,
              update=40)
    clock.set(pendulum.datetime(2026, 10, 20, 9, 0, tz="UTC"))
    told_late(store, clock)
    clock.set(NOW)


async def open_review(app, pilot) -> ReviewScreen:
    await pilot.pause()
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


async def open_chart(app, pilot) -> ReviewChartScreen:
    await pilot.press("g")
    await until(pilot, lambda: isinstance(app.screen, ReviewChartScreen), "g opened the chart")
    await settle(pilot)
    return app.screen


def row_of(screen: ReviewScreen, title_word: str) -> dict[str, str]:
    """The cells of the row whose title has ``title_word``, by column header, as drawn."""
    headers = [column.label for column in screen.table.columns]
    row = next(r for r in screen.table.rows if title_word in r.title)
    return dict(zip(headers, (text for text, _ in screen.table.cells(row))))


async def test_the_table_shows_management_told_and_hard_deadlines_met(history, make_app):
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        screen = await open_review(app, pilot)
        breach, other = row_of(screen, "another client"), row_of(screen, "Payroll")
        assert (breach["Mgmt"], breach["Hard"], breach["Contact"]) == ("5h10m", "1/1", "10m")
        assert (other["Mgmt"], other["Hard"]) == ("—", "—")  # never told management; no hard deadline
        assert "Mgmt: discovery to management told" in str(screen.query_one("#review-legend").render())
        line = next(line for line in screen.table.visible_text() if "M-3 " in line)  # the breach
        assert "5h10m" in line.split() and "1/1" in line.split()  # and drawn, not only worked out
        # The minimum terminal: the least telling columns make way; these two stay, with the incident.
        await pilot.resize_terminal(60, 16)
        await until(pilot, lambda: "Client" not in [c.label for c in screen.table.columns], "narrow columns")
        await pilot.pause()
        header, *lines = screen.table.visible_text()
        assert header.split()[:3] == ["Closed▼", "Sev", "Incident"] and {"Mgmt", "Hard"} <= set(header.split())
        line = next(line for line in lines if "M-3" in line)
        assert "5h10m" in line.split() and "1/1" in line.split() and len(line.rstrip()) <= 60


async def test_g_charts_the_last_12_months_with_each_series(history, make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        review = await open_review(app, pilot)
        chart = await open_chart(app, pilot)
        assert [p.label for p in chart.points] == MONTHS  # oldest first, up to the clock's month
        assert chart.closed == [0] * 8 + [1, 0, 2, 0]
        assert chart.first_contact == [None] * 8 + [600.0, None, 1500.0, None]  # seconds; a median in October
        assert chart.on_time == [None] * 8 + [1.0, None, 0.5, None]
        plots = {plot.id: plot for plot in chart.query(PlotWidget)}
        assert set(plots) == {"chart-closed", "chart-contact", "chart-ontime"}
        headings = [str(label.render()) for label in chart.query(".chart-heading")]
        assert headings[0].startswith("Incidents closed · 3 in these months · Oct 2026: 2")
        assert headings[1].startswith("Median discovery to first client contact, in minutes · Oct 2026: 25m")
        assert headings[2].startswith("Promised client updates sent on time, in % · Oct 2026: 50%")
        # The months under each plot: every label at this width, the newest on the right.
        for plot in plots.values():
            assert plot.months == list(chart.points)
            assert plot._x_formatter.get_labels_for_ticks(plot._x_ticks) == MONTHS
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is review, "escape went back to the review")


async def test_the_chart_follows_the_filter_and_fits_the_minimum_size(history, make_app):
    app = make_app()
    async with app.run_test(size=(60, 16)) as pilot:
        await open_review(app, pilot)
        await pilot.press("slash", *"Calder", "enter")
        await settle(pilot)
        chart = await open_chart(app, pilot)
        assert chart.closed == [0] * 10 + [1, 0] and chart.on_time[-2] == 0.0  # 0%: a value, not a gap
        assert "the 1 of 3 closed incidents the filter shows" in str(chart.query_one("#chart-title").render())
        closed = chart.query_one("#chart-closed", PlotWidget)
        labels = closed._x_formatter.get_labels_for_ticks(closed._x_ticks)
        assert labels[-1] == "Nov" and all(len(label) <= 3 for label in labels)  # short month names fit
        assert closed.region.height >= 8 and closed.region.right <= 60


async def test_the_chart_of_an_empty_history(store, make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_review(app, pilot)
        chart = await open_chart(app, pilot)
        assert len(chart.points) == 12 and chart.points[-1].label == "2026-08"  # the clock's month
        assert chart.closed == [0] * 12 and chart.first_contact == [None] * 12 and chart.on_time == [None] * 12
        assert "nothing closed in these months" in str(chart.query_one("#chart-title").render())
        headings = " ".join(str(label.render()) for label in chart.query(".chart-heading"))
        assert "no client contact in these months" in headings and "no update came due" in headings
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "back to the review")


def test_the_plotting_library_loads_only_when_the_chart_opens(tmp_path):
    # A process of its own: this test process has imported textual_plot already.
    script = textwrap.dedent(f"""
        import asyncio, sys
        import pendulum
        from support.clock import FakeClock
        from tui.app import MishapApp

        def loaded():
            return sorted(m for m in ("textual_plot", "numpy", "tui.screens.review_chart") if m in sys.modules)

        async def main():
            app = MishapApp({str(tmp_path / "store")!r}, clock=FakeClock(), user="ana", offer_demo=False)
            async with app.run_test(size=(120, 36)) as pilot:
                await pilot.pause()
                print("board", loaded())
                await pilot.press("r")
                await pilot.pause()
                print("review", loaded())
                await pilot.press("g")
                while type(app.screen).__name__ != "ReviewChartScreen":
                    await pilot.pause()
                print("chart", loaded())

        asyncio.run(main())
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=dict(os.environ, MISHAP_HOME=str(tmp_path / "home"),
                                   PYTHONPATH=os.pathsep.join((str(ROOT), str(ROOT / "tests")))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "board []",
        "review []",
        "chart ['numpy', 'textual_plot', 'tui.screens.review_chart']",
    ]
