"""The review of closed incidents: one row each with its metrics, sortable, filterable, summarised.

Rows come from the store's fast path (``IncidentStore.review_rows``: metrics computed from the raw
documents and kept on disk), and the table draws only the rows on screen, so 10,000 closed
incidents open, sort and filter as fast as ten. An incident is parsed in full only when opened.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label
from textual.worker import get_current_worker

from storage.domain.localzone import local_zone
from storage.store import StoreError
from storage.domain.metrics import Summary, monthly_series, summarize
from storage.domain.patterns import Pattern
from storage.domain.review_row import ReviewRow
from storage.domain.spans import compact_span
from storage.readers.review_query import SORT_KEYS, ReviewQuery, parse_severities, sort_rows

from ..messages import StoreChanged
from ..commands import bindings
from ..text import literal
from ..widgets.row_table import Column, RowTable
from ..widgets.text_field import LineField

FLAG = "⚑"
LEGEND = (f"{FLAG} client: we hurt this client more than once · {FLAG} title: the same kind of mistake again "
          "(2+ uncommon words shared by titles or root causes) · Contact: discovery to first update · "
          "Silence: longest open stretch without an update · Mgmt: discovery to management told · "
          "Hard: hard deadlines met of those that fell due")
ROWS_ACTIONS = ("filter", "sort", "reverse", "patterns")  # keys that mean nothing before anything is closed


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


# Which columns a table this wide shows: each key is left out below its width, the least telling first.
# At the minimum (60) the date, severity, incident, first contact, on-time share, management told
# and hard deadlines stay.
DROPPED_BELOW = {"silence": 144, "cost": 114, "duration": 104, "first": 96, "broken": 88, "ack": 80, "client": 72}


def _read_review(reader, progress) -> tuple:
    """(rows, patterns, problems, None) from a store handle of the review's own (slow the first time)."""
    rows = reader.review_rows(progress=progress)
    return rows, reader.review_patterns(), reader.review_problems(), None


def summary_text(summary: Summary, total: int) -> str:
    """The summary line over the rows shown."""
    if not total:
        return "No closed incidents yet: c in an incident's workspace closes one."
    shown = f"{summary.count:,} shown of {total:,} closed" if summary.count != total else f"{total:,} closed"
    if not summary.count:
        return f"{shown} · nothing matches the filter"
    on_time = (f"updates on time {_percent(summary.on_time_share)} ({summary.updates_on_time} of "
               f"{summary.updates_due})" if summary.updates_due else "no update came due")
    return (f"{shown} · medians: open {compact_span(summary.median_duration)}, ack "
            f"{compact_span(summary.median_ack)}, first contact {compact_span(summary.median_first_contact)}, "
            f"longest silence {compact_span(summary.median_silence)} · {on_time} · client found out first: "
            f"{summary.client_first} · promises broken: {summary.broken}")


class ReviewScreen(Screen):
    """Every closed incident with how we handled it; enter opens one, read-only."""

    CSS_PATH = Path(__file__).with_name("review.tcss")
    BINDINGS = bindings("review")

    def __init__(self):
        super().__init__(name="review")
        self.query_state = ReviewQuery()
        self.all_rows: list[ReviewRow] = []
        self.patterns: dict[int, Pattern] = {}
        self.shown: list[ReviewRow] = []
        self._sorted: list[ReviewRow] | None = None
        self._zone = local_zone()
        self._loaded = False
        self._unreadable: str | None = None  # why the closed incidents could not be read, if they could not
        self._filter_problem: str | None = None  # what is wrong with what was typed in the filter
        self._left_out: str | None = None  # closed files that cannot be read (the rest is shown)
        self._status: str | None = None  # the progress of a first reading of every closed file
        self._any_rows: bool | None = None  # whether sort, filter and patterns are offered (None: not worked out yet)
        self._layout: tuple[str, ...] = ()  # the keys of the columns shown (a narrow table leaves some out)
        self._all_columns = self._columns()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="review-filter"):
            yield Label(Text("Filter"), classes="filter-label")
            yield LineField(placeholder="text: id, title, client, root cause", id="filter-text", compact=True)
            yield LineField(placeholder="client", id="filter-client", compact=True)
            yield LineField(placeholder="severity: 1,2 or 1-2", id="filter-sev", compact=True)
        yield Label("", id="review-summary")
        yield Label("", id="review-problem")
        yield RowTable(self._all_columns, row_key=lambda row: row.number, id="review-table")
        yield Label(Text(LEGEND), id="review-legend")
        yield Footer(compact=True)

    # -- columns -----------------------------------------------------------------------------

    def _columns(self) -> list[Column]:
        patterns = lambda: self.patterns  # noqa: E731 - read at draw time: patterns change on reload

        def closed(r: ReviewRow):
            if r.closed_at is None:
                return "—", "dim"
            return datetime.fromtimestamp(r.closed_at, self._zone).strftime("%Y-%m-%d"), ""

        def title(r: ReviewRow):
            flagged = patterns().get(r.number)
            mark = f"{FLAG} " if flagged and flagged.kind else ""
            return f"{mark}{r.id} {r.title}", ""

        def client(r: ReviewRow):
            flagged = patterns().get(r.number)
            return (f"{FLAG} " if flagged and flagged.same_client else "") + r.client, ""

        def first(r: ReviewRow):
            if r.us_first is None:
                return "—", "dim"
            return ("us", "green") if r.us_first else ("client", "yellow")

        def on_time(r: ReviewRow):
            share = r.on_time_share
            style = "dim" if share is None else "green" if share == 1 else "red" if share < 0.5 else "yellow"
            return _percent(share), style

        def cost(r: ReviewRow):
            if not (r.cost_recorded or r.credits or r.hours):
                return "—", "dim"
            return f"{r.credits:g}+{r.hours:g}h", ""

        def hard(r: ReviewRow):
            met, total = r.hard_deadlines_met, r.hard_deadlines_total
            if not total:
                return "—", "dim"
            return f"{met}/{total}", "green" if met == total else "bold red" if met == 0 else "yellow"

        def span(attr: str):
            return lambda r: (compact_span(getattr(r, attr)), "" if getattr(r, attr) is not None else "dim")

        return [
            Column("closed", "Closed", 10, closed),
            Column("sev", "Sev", 3, lambda r: (str(r.severity), "bold red" if r.severity == 1 else ""), right=True),
            Column("title", "Incident", 0.65, title),
            Column("client", "Client", 0.35, client),
            Column("duration", "Open", 6, span("duration"), right=True),
            Column("ack", "Ack", 6, span("ack"), right=True),
            Column("contact", "Contact", 7, span("first_contact"), right=True),
            Column("mgmt", "Mgmt", 6, span("management_told"), right=True),
            Column("first", "First", 6, first),
            Column("ontime", "OnTime", 6, on_time, right=True),
            Column("hard", "Hard", 5, hard, right=True),
            Column("silence", "Silence", 7, span("silence"), right=True),
            Column("broken", "Broke", 5, lambda r: (str(r.broken), "bold red" if r.broken else "dim"), right=True),
            Column("cost", "Cost", 9, cost, right=True),
        ]

    def _fit(self) -> None:
        """The columns that fit the table's width (a narrow terminal leaves the least telling out)."""
        width = self.table.size.width or self.app.size.width
        columns = [c for c in self._all_columns if width >= DROPPED_BELOW.get(c.key, 0)]
        layout = tuple(c.key for c in columns)
        if layout != self._layout:
            self._layout = layout
            self.table.set_columns(columns)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)  # the table's new width, once laid out

    # -- loading and drawing -------------------------------------------------------------------

    @property
    def table(self) -> RowTable:
        return self.query_one("#review-table", RowTable)

    def on_mount(self) -> None:
        self.title = "mishap"
        self.sub_title = "closed incidents: review"
        self.query_one("#review-filter").display = False
        self.query_one("#review-problem").display = False
        self.reload()
        self.table.focus()
        # Later, off the event loop: the index is for the next process, not for this first frame.
        self.set_timer(0.5, self._save_index)

    def reload(self) -> None:
        """Re-read the rows (cheap when nothing was closed or reopened) and redraw."""
        store = self.app.store
        if store.review_needs_build():
            # No index yet (the first review after a move, or it was deleted): every closed file
            # is read once, in a thread, with the count shown as it goes.
            self._status = "Reading the closed incidents for the first time …"
            self._show_problem()
            self._build_rows()
            return
        try:
            rows, problems = store.review_rows(), store.review_problems()
            unreadable = None
        except (StoreError, OSError) as exc:
            # Said on the problem line; the summary says nothing ("no closed incidents yet" is untrue).
            rows, problems = [], []
            unreadable = f"Cannot read the closed incidents: {exc}"
        # The rows first, with the patterns as last known; which rows share a client or a kind of
        # mistake is worked out after that frame, in a thread (it goes over every row: ~50 ms at
        # 10,000), while the rows can already be scrolled, sorted and filtered. (Started before
        # the frame, it would take the interpreter's turns from drawing it.)
        self._show_rows(rows, self.patterns, problems, unreadable)
        if rows:
            self.call_after_refresh(self._find_patterns)

    @work(thread=True, exclusive=True, group="review-patterns")
    def _find_patterns(self) -> None:
        # Under the store's gate (the store caches them), but never waiting on the event loop
        # while it holds the gate: the result is handed over after.
        try:
            patterns = self.app.store.review_patterns()
        except (StoreError, OSError):
            return  # the rows are shown; their pattern marks wait for the next reload
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._patterns_found, patterns)

    def _patterns_found(self, patterns: dict) -> None:
        if patterns != self.patterns and self.is_attached:
            self.patterns = patterns
            self.refresh_rows()

    def _show_rows(self, rows: list, patterns: dict, problems: list[str], unreadable: str | None = None) -> None:
        self.all_rows, self.patterns = rows, patterns
        self._status = None
        self._unreadable = unreadable
        if problems:  # some closed files cannot be read: the rest is shown, and those are named
            more = f" (and {len(problems) - 1} more; `mishap review` lists them)" if len(problems) > 1 else ""
            self._left_out = f"Left out: {problems[0]}{more}"
        else:
            self._left_out = None
        self._zone = local_zone()
        self._sorted = None
        self._loaded = True
        self.refresh_rows()

    @work(exclusive=True, group="review-build")
    async def _build_rows(self) -> None:
        # A reader of its own on the same store, reading in a thread of its own: the console's
        # store stays free meanwhile (its gate is not held for the seconds this takes, so the
        # board, the tick and the watcher go on, and the progress below can reach the screen).
        # Opening it and keeping the index it built go through the write path; that index is
        # what the console's store then reads in a moment.
        app = self.app

        def progress(done: int, total: int) -> None:
            self._status = f"Reading the closed incidents for the first time: {done:,} of {total:,} …"
            app.call_from_thread(self._show_problem)

        try:
            reader = await app.open_reader()
            try:
                result = await asyncio.to_thread(_read_review, reader, progress)
                await app.save_review_index(reader)
            finally:
                reader.close()
        except (StoreError, OSError) as exc:
            result = ([], {}, [], f"Cannot read the closed incidents: {exc}")
        self._show_rows(*result)

    def on_screen_resume(self) -> None:
        # Back from a view that may have reopened one: the rows as the store has them now.
        if self._loaded:
            self.reload()

    @work(exclusive=True, group="review-index")
    async def _save_index(self) -> None:
        # Through the write path: the index is for the next process, not for this screen.
        await self.app.save_review_index()

    def on_store_changed(self, message: StoreChanged) -> None:
        """Another process (or we) may have closed or reopened an incident: the rows as the store has them now
        (cheap when none was; the store has already re-read what changed, so it is not asked whether)."""
        if self._loaded:
            self.reload()
            self._save_index()

    def refresh_rows(self, keep: ReviewRow | None = None) -> None:
        """Apply the sort and the filters to the rows and redraw the table and the summary."""
        query = self.query_state
        if self._sorted is None:
            self._sorted = sort_rows(self.all_rows, query.sort, query.reverse)
        self.shown = query.filter(self._sorted, self.patterns)
        table = self.table
        self._fit()
        table.set_sort(query.sort, query.reverse)
        table.set_rows(self.shown, keep if keep is not None else table.current)
        summary = "" if self._unreadable else summary_text(summarize(self.shown), len(self.all_rows))
        self.query_one("#review-summary", Label).update(Text(summary))
        self._show_problem()
        any_rows = bool(self.all_rows) or self.query_state.filtered
        if any_rows != self._any_rows:
            told, self._any_rows = self._any_rows is not None, any_rows
            if told:  # the footer's first drawing reads it; told at once as well, it would draw twice
                self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Enter only while a row is highlighted (the table says when that changes); sorting, filtering
        and patterns only once there are closed incidents (or a filter to take off)."""
        if action == "open_incident":
            return self.table.current is not None
        return self._any_rows is not False if action in ROWS_ACTIONS else True

    def _problem(self, message: str | None) -> None:
        """Say what is wrong with the filter (None: nothing)."""
        self._filter_problem = message
        self._show_problem()

    def _show_problem(self) -> None:
        # A filter mistake first (it is what was just typed), else what reading the closed incidents found.
        message = self._filter_problem or self._unreadable or self._status or self._left_out
        label = self.query_one("#review-problem", Label)
        label.display = message is not None
        label.update(Text(literal(message or "")))

    # -- sorting -------------------------------------------------------------------------------

    def _sort(self, query: ReviewQuery) -> None:
        current = self.table.current
        self.query_state = query
        self._sorted = None
        self.refresh_rows(current)

    def action_sort(self, step: int) -> None:
        self._sort(self.query_state.next_sort(step))

    def action_reverse(self) -> None:
        self._sort(self.query_state.with_sort(self.query_state.sort))

    @on(RowTable.HeaderClicked, "#review-table")
    def _header_clicked(self, event: RowTable.HeaderClicked) -> None:
        if event.key in SORT_KEYS:
            self._sort(self.query_state.with_sort(event.key))

    # -- filtering -----------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one("#review-filter").display = True
        self.query_one("#filter-text", Input).focus()

    def action_patterns(self) -> None:
        self.query_state = replace(self.query_state, patterns_only=not self.query_state.patterns_only)
        self.refresh_rows()
        self.notify("Showing only incidents in a pattern" if self.query_state.patterns_only
                    else "Showing every closed incident", timeout=2, markup=False)

    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        try:
            severities = parse_severities(self.query_one("#filter-sev", Input).value)
            self._problem(None)
        except ValueError as exc:
            self._problem(str(exc))
            return
        self.query_state = replace(self.query_state, text=self.query_one("#filter-text", Input).value,
                                   client=self.query_one("#filter-client", Input).value, severities=severities)
        self.refresh_rows()

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.table.focus()

    def clear_filters(self) -> None:
        """Every filter off, the filter bar hidden."""
        with self.prevent(Input.Changed):
            for box in self.query(Input):
                box.value = ""
        self.query_state = replace(self.query_state, text="", client="", severities=None, patterns_only=False)
        self._problem(None)
        self.query_one("#review-filter").display = False
        self.refresh_rows()
        self.table.focus()

    # -- the month-by-month chart ---------------------------------------------------------------

    def action_chart(self) -> None:
        """The last 12 months of what is shown (the filter applies), on a screen of its own; the plotting
        library is loaded only now, never before the console's first frame."""
        from .review_chart import ReviewChartScreen

        zone = self._zone
        points = monthly_series(self.shown, self.app.now(), tz=zone)
        scope = (f"the {len(self.shown):,} of {len(self.all_rows):,} closed incidents the filter shows"
                 if self.query_state.filtered else "every closed incident")
        self.app.push_screen(ReviewChartScreen(points, scope))

    def action_back(self) -> None:
        filter_bar = self.query_one("#review-filter")
        if self.query_state.filtered or filter_bar.display or self._filter_problem:
            self.clear_filters()
            return
        self.app.pop_screen()

    # -- opening one ---------------------------------------------------------------------------

    def action_open_incident(self) -> None:
        row = self.table.current
        if row is not None:
            self._open(row)

    @on(RowTable.Selected, "#review-table")
    def _selected(self, event: RowTable.Selected) -> None:
        event.stop()
        self._open(event.row)

    def _open(self, row: ReviewRow) -> None:
        from .closed_view import ClosedIncidentScreen

        try:
            self.app.store.get(row.number)  # one document: a bad one is a message, not a crash
        except (StoreError, OSError) as exc:
            self.app.notify(f"Cannot open {row.id}: {exc}", title="Cannot read", severity="error", timeout=10,
                            markup=False)
            return
        self.app.push_screen(ClosedIncidentScreen(row.number, self.patterns.get(row.number)))
