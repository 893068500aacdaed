"""The review's month-by-month chart: the last 12 months of closed incidents, drawn with textual-plot.

Three plots, one per figure (their scales differ): incidents closed each month, the median time from
discovery to first client contact, and the share of promised client updates sent on time. A month
with nothing to say (None) is left out of its plot, never drawn as 0; nothing closed at all still
draws the axes, with a line saying so.

textual-plot and numpy are imported here and nowhere else, and the review imports this module only
when its key is pressed: nothing of it loads before the console's first frame. The months come from
the review (``storage.domain.metrics.monthly_series`` over its rows, at the app's clock): this
screen reads no clock.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Sequence

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Header, Label
from textual_plot import HiResMode, PlotWidget
from textual_plot.axis_formatter import CategoricalAxisFormatter

from storage.domain.metrics import MonthPoint
from storage.domain.spans import compact_span

# The plots' keys, in the order shown: (id, heading).
CLOSED, CONTACT, ON_TIME = "closed", "contact", "ontime"
HEADINGS = {
    CLOSED: "Incidents closed",
    CONTACT: "Median discovery to first client contact",
    ON_TIME: "Promised client updates sent on time",
}
# A duration's unit on the contact plot: the largest whose value stays readable (name, seconds).
UNITS = (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0))
LABEL_WIDTH = 7  # "2026-05"
SHORT_WIDTH = 3  # "May"


def duration_unit(seconds: Sequence[float]) -> tuple[str, float]:
    """The unit the contact plot counts in: days from 2 days up, hours from 2 hours up, else minutes."""
    top = max(seconds, default=0.0)
    for name, size in UNITS:
        if top >= 2 * size:
            return name, size
    return UNITS[-1]


def month_words(point: MonthPoint) -> str:
    """``May 2026``."""
    return date(point.year, point.month, 1).strftime("%b %Y")


class MonthAxis(CategoricalAxisFormatter):
    """The x axis: month ``i`` (1 to 12) is labelled ``2026-05`` when there is room, else ``May``."""

    def __init__(self, points: Sequence[MonthPoint], long: bool):
        labels = [p.label if long else date(p.year, p.month, 1).strftime("%b") for p in points]
        super().__init__(labels)


class MonthPlot(PlotWidget, can_focus=False):
    """A plot of one figure over the months; it takes no keys (escape belongs to the screen) and
    neither zooms nor pans: twelve points need neither."""

    def __init__(self, id: str):
        super().__init__(id=id, allow_pan_and_zoom=False)
        self.months: list[MonthPoint] = []

    def on_mount(self) -> None:
        # No line above for a y label (the heading above the plot names the unit); one below for the months.
        self.margin_top, self.margin_bottom, self.margin_left = 0, 1, 6

    def on_resize(self) -> None:
        self.month_ticks()

    def month_ticks(self) -> None:
        """Label as many months as fit the plot's width."""
        count = len(self.months)
        if not count:
            self.set_xticks([])
            return
        per_month = max(1, self.size.width - self.margin_left - 2) / count
        long = per_month >= LABEL_WIDTH + 1
        step = 1 if long else next((s for s in (1, 2, 3, 4, 6, 12) if per_month * s >= SHORT_WIDTH + 1), 12)
        self.set_x_formatter(MonthAxis(self.months, long))
        # The newest month is always labelled: count the steps back from it.
        self.set_xticks(sorted(float(i) for i in range(count, 0, -step)))
        self.refresh(layout=True)


def _runs(values: list[float | None]) -> list[list[int]]:
    """The positions (1-based) of each stretch of months with a value, in order."""
    runs: list[list[int]] = []
    for i, value in enumerate(values, start=1):
        if value is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _count_ticks(top: int) -> list[float]:
    """Whole-number ticks from 0 up to ``top``, at most five."""
    step = max(1, math.ceil(top / 4))
    return [float(t) for t in range(0, top + step, step)]


class ReviewChartScreen(Screen):
    """The last 12 months, month by month; escape goes back to the review."""

    CSS_PATH = Path(__file__).with_name("review.tcss")
    BINDINGS = [Binding("escape", "close", "Back", tooltip="Back to the review")]

    #: The months shown, oldest first (what the plots draw; a test reads them here).
    points: var[tuple[MonthPoint, ...]] = var(tuple, init=False)

    def __init__(self, points: Sequence[MonthPoint], scope: str = "every closed incident"):
        super().__init__(name="review-chart")
        self.scope = scope
        self.set_reactive(ReviewChartScreen.points, tuple(points))

    # -- what is plotted (plain lists: None where a month has nothing to say) ---------------------

    @property
    def closed(self) -> list[int]:
        return [p.closed for p in self.points]

    @property
    def first_contact(self) -> list[float | None]:
        """Seconds, per month."""
        return [p.median_first_contact for p in self.points]

    @property
    def on_time(self) -> list[float | None]:
        """Shares 0..1, per month."""
        return [p.on_time_share for p in self.points]

    # -- drawing ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="chart-title")
        with VerticalScroll(id="chart-plots"):
            for key in (CLOSED, CONTACT, ON_TIME):
                yield Label("", id=f"chart-heading-{key}", classes="chart-heading")
                yield MonthPlot(id=f"chart-{key}")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "mishap"
        self.sub_title = "closed incidents: month by month"
        self.query_one("#chart-plots").focus()
        self.watch_points()

    def watch_points(self) -> None:
        points = self.points
        if points:
            title = f"{month_words(points[0])} – {month_words(points[-1])}, by month closed · {self.scope}"
        else:
            title = "No months to show"
        if not any(self.closed):
            title += " · nothing closed in these months: the plots fill as incidents are closed"
        self.query_one("#chart-title", Label).update(Text(title))
        colours = self.app.theme_variables
        self._draw_closed(colours.get("primary", "cyan"))
        self._draw_contact(colours.get("warning", "yellow"))
        self._draw_on_time(colours.get("success", "green"))

    def _latest(self, values: list, words) -> str:
        """`` · Nov 2026: 18m``: the newest month with a value, as ``words(value)`` says it."""
        for point, value in zip(reversed(self.points), reversed(values)):
            if value is not None:
                return f" · {month_words(point)}: {words(value)}"
        return ""

    def _plot(self, key: str, heading: str) -> MonthPlot:
        self.query_one(f"#chart-heading-{key}", Label).update(Text(heading))
        plot = self.query_one(f"#chart-{key}", MonthPlot)
        plot.clear()
        plot.months = list(self.points)
        plot.set_xlimits(0.4, len(self.points) + 0.6)
        plot.month_ticks()
        return plot

    def _draw_closed(self, colour: str) -> None:
        counts = self.closed
        total = sum(counts)
        plot = self._plot(CLOSED, f"{HEADINGS[CLOSED]} · {total:,} in these months"
                                  f"{self._latest([c or None for c in counts], str)}")
        top = max(max(counts, default=0), 1)
        plot.set_ylimits(0, top)
        plot.set_yticks(_count_ticks(top))
        shown = [(i, c) for i, c in enumerate(counts, start=1) if c]
        if shown:
            x, y = zip(*shown)
            plot.bar(np.array(x, dtype=float), np.array(y, dtype=float), width=0.6, bar_style=colour,
                     hires_mode=HiResMode.HALFBLOCK)

    def _draw_contact(self, colour: str) -> None:
        values = self.first_contact
        unit, size = duration_unit([v for v in values if v is not None])
        scaled = [None if v is None else v / size for v in values]
        latest = self._latest(values, compact_span) or " · no client contact in these months"
        plot = self._plot(CONTACT, f"{HEADINGS[CONTACT]}, in {unit}{latest}")
        top = max((v for v in scaled if v is not None), default=1.0)
        plot.set_ylimits(0, top * 1.1 if top > 0 else 1.0)
        plot.set_yticks(None)
        self._line(plot, scaled, colour)

    def _draw_on_time(self, colour: str) -> None:
        values = self.on_time
        latest = self._latest(values, lambda share: f"{share:.0%}") or " · no update came due in these months"
        plot = self._plot(ON_TIME, f"{HEADINGS[ON_TIME]}, in %{latest}")
        plot.set_ylimits(0, 100)
        plot.set_yticks([0.0, 50.0, 100.0])
        self._line(plot, [None if v is None else v * 100 for v in values], colour)

    @staticmethod
    def _line(plot: MonthPlot, values: list[float | None], colour: str) -> None:
        """Each stretch of months with a value joined by a line, each month a marker; a gap stays a gap."""
        for run in _runs(values):
            x = np.array(run, dtype=float)
            y = np.array([values[i - 1] for i in run], dtype=float)
            if len(run) > 1:
                plot.plot(x, y, line_style=colour, hires_mode=HiResMode.BRAILLE)
            plot.scatter(x, y, marker="●", marker_style=f"bold {colour}")

    def action_close(self) -> None:
        self.app.pop_screen()
