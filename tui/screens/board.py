"""The board: every open incident, most urgent first, with a live countdown each."""

from __future__ import annotations

import heapq
import math
from datetime import datetime, timezone

from pendulum import DateTime
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from storage.readers.alerts import by_urgency
from storage.readers.status import words_change_in
from storage.domain.audiences import CLIENT
from storage.domain.clock import Countdown, CountdownState, countdown_state, local_zone, relative
from storage.domain.model import Incident

from ..messages import StoreChanged, Tick
from ..commands import bindings
from ..widgets.banner import OverdueBanner
from ..widgets.preview import BoardPreview
from ..widgets.row_table import Column, RowTable
from ..widgets.text_field import LineField
from .approval import BoardApproves
from .board_row import GAP, approval_mark, beside, board_columns, due_words, others_mark, owed_words, row_title

FILTER_HINT = "filter: id, title or client — enter to keep, escape to clear"
EMPTY_TEXT = ("No open incidents.\n\nPress  n  to open one, or run  mishap demo  in a shell to see a "
              "realistic demo set.  ?  shows every key.")


def reads_again_at(incident: Incident, now: DateTime, now_at: float) -> float:
    """The instant (a timestamp) from which ``incident``'s row can first read differently than at ``now``.

    Its words change as every countdown's do (:func:`~storage.readers.status.words_change_in`),
    and so do those of the hard deadline beside it. Its colour
    (:func:`~storage.domain.clock.countdown_state`) only moves on, calm to soon to
    due to overdue: if it is the same when the words next change, it did not change before
    then; if not, the row is read at every tick until then.
    """
    due = incident.next_deadline
    hard = beside(incident, incident.nearest_promise()) if incident.deadline_rules else None
    hard_at = math.inf if hard is None else now_at + words_change_in(hard.due.timestamp() - now_at)
    if due is None:
        return hard_at  # "—" for as long as nothing is promised
    at = min(now_at + words_change_in(due.timestamp() - now_at), hard_at)
    state = countdown_state(due, now, incident.cadence)
    if countdown_state(due, datetime.fromtimestamp(at, timezone.utc), incident.cadence) is not state:
        return now_at + 1e-6  # a colour changes before the words do: read again at the next tick
    return at


class BoardScreen(BoardApproves, Screen):
    """Open incidents as rows, drawn from the incidents themselves as they are painted; enter opens one."""

    BINDINGS = bindings("board")

    def __init__(self):
        super().__init__(name="board")
        self.filter_text = ""
        self.mine = False  # only the incidents the user holds, or holds an audience of (m)
        self._now: DateTime | None = None  # the instant the countdowns are drawn for
        self._countdowns: dict[int, Countdown] = {}  # at _now, worked out as rows are painted
        self._drawn: dict[int, tuple] = {}  # what each row's countdown cell last showed
        self._day = (math.inf, -math.inf)  # the local day of _today, as timestamps (start, end)
        self._next_reads: list[tuple[float, int]] = []  # a heap: (instant to read the row again, row index)
        self._view: tuple = ()  # (first row on screen, rows on screen, today) when _next_reads was filled
        self._view_rows: list | None = None  # the table's rows then
        self._layout: list[tuple[str, str, int | float]] = []
        self._filterable: bool | None = None  # whether the filter key is offered (None: not worked out yet)
        self._owed_leads = False  # the "Owed" words lead the title (too narrow for their column)
        self._title_at = 0  # the title column's place among the columns shown
        self._approvable: bool | None = None  # whether v is offered (None: not worked out yet)
        self._others_read: tuple = (None, {})  # (the presence notes read, each incident's marker for them)
        self._watch = None  # the app's presence (tui.presence.PresenceWatch), once it has one

    def compose(self) -> ComposeResult:
        yield Header()
        yield OverdueBanner()
        yield Static(Text(EMPTY_TEXT), id="empty")
        self._table = RowTable([], row_key=lambda incident: incident.number, gap=GAP, id="board-table")
        yield self._table
        yield BoardPreview()

    def on_mount(self) -> None:
        self.title = "mishap"
        self.sub_title = "open incidents"
        self.table.focus()
        # The footer after the focus: composed once with the right keys, not twice (start-up time).
        self.mount(Footer(compact=True))
        self.reload()  # rows in the very first frame
        self._fresh = True
        self.watch(self.table, "cursor", self._cursor_moved, init=False)

    def on_screen_resume(self) -> None:
        if getattr(self, "_fresh", False):
            self._fresh = False  # just drawn by on_mount
            return
        self.reload()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    @property
    def table(self) -> RowTable:
        return self.query_one("#board-table", RowTable)

    def visible_incidents(self, now: DateTime) -> list[Incident]:
        """Open incidents passing the filter, most urgent first."""
        needle = self.filter_text.casefold()
        incidents = self.app.store.open_incidents()
        if self.mine:
            user = self.app.store.user
            incidents = [i for i in incidents if i.held_by(user)]
        if needle:
            incidents = [i for i in incidents
                         if needle in f"{i.id} {i.title} {i.client_org} {i.client_contact}".casefold()]
        return by_urgency(incidents, now)

    def reload(self) -> None:
        """Show the store's open incidents again (after a change, or another process's change)."""
        self._set_now(self.app.now())
        incidents = self.visible_incidents(self._now)
        table = self.table
        self._fit(incidents)
        table.set_rows(incidents, keep=table.current)
        empty = not self.app.store.open_incidents()
        self.query_one("#empty").display = empty
        table.display = not empty
        self.query_one(BoardPreview).set_class(empty, "-empty")  # a class: the .tcss also hides it when short
        self._preview()
        filterable = not empty or bool(self.filter_text)
        if filterable != self._filterable:
            told, self._filterable = self._filterable is not None, filterable
            if told:  # the footer's first drawing reads it; told at once as well, it would draw twice
                self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Keys that act on the highlighted incident are offered only while there is one (the table says
        when that changes), ``v`` only while it has an update awaiting approval; the filter, while there
        are incidents to filter (or a filter to change)."""
        if action in ("open_incident", "no_news"):
            return self.table.current is not None
        if action == "approve":  # only while the highlighted incident has an update awaiting approval
            return self._awaiting(self.table.current)
        return self._filterable is not False if action == "filter" else True

    @staticmethod
    def _awaiting(incident: Incident | None) -> bool:
        return incident is not None and bool(incident.approvals) and bool(incident.pending_updates())

    def _fit(self, incidents: list[Incident] | None = None) -> None:
        """The columns that fit the table's width (a narrow terminal leaves some out)."""
        incidents = self.table.rows if incidents is None else incidents
        steps = max((len("{}/{}".format(*i.progress())) for i in incidents), default=0)
        # Worked out for a reload or a resize, never a tick: which incidents owe more changes with the store.
        owed = any(i.deadline_rules or len(i.audiences) > 1 for i in incidents)
        layout = board_columns(self.table.size.width or self.app.size.width, steps, owed)
        if layout != self._layout:
            self._layout = layout
            self._owed_leads = owed and not any(key == "owed" for key, _, _ in layout)
            self._title_at = next(i for i, (key, _, _) in enumerate(layout) if key == "title")
            self.table.set_columns([Column(key, label, size, self._cell(key)) for key, label, size in layout])

    def _set_now(self, now: DateTime) -> None:
        if now != self._now:
            self._now = now
            self._countdowns = {}
            at = now.timestamp()
            if not self._day[0] <= at < self._day[1]:  # the zone conversion once a day, not every tick
                local = now.in_timezone(local_zone())
                self._today = local.date()  # a due time shows its weekday if not today
                start = local.start_of("day")
                self._day = (start.timestamp(), start.add(days=1).timestamp())

    def _countdown(self, incident: Incident) -> Countdown:
        countdown = self._countdowns.get(incident.number)
        if countdown is None:
            countdown = Countdown.at(incident.next_deadline, self._now, incident.cadence)
            self._countdowns[incident.number] = countdown
        return countdown

    def _cell(self, key: str):
        """How column ``key`` shows an incident: ``incident -> (text, style)``, read when a row is painted."""
        def row_style(incident: Incident) -> str:
            return "red" if self._countdown(incident).state is CountdownState.OVERDUE else ""

        def due(incident: Incident) -> tuple[str, str]:
            self._drawn[incident.number] = self._reads(incident)
            return due_words(self._countdown(incident))

        def title(incident: Incident) -> tuple[str, str]:
            # The id, then the title; who else is on it and an update awaiting approval are marked after
            # it, in short (the preview below says them in full), so a narrow row keeps the title.
            head, style = f"{incident.id}  ", row_style(incident)
            if self._owed_leads:
                owed, owed_style = self._owed(incident)
                if owed:  # after the id, which must never be cut off a narrow row
                    head, style = f"{head}{owed} · ", owed_style or style
            marks = self._marks(incident)
            if not marks:
                return head + incident.title, style  # the table shows it literally, cut to the cell
            return row_title(head, incident.title, marks, self._title_width()), style

        def owed(incident: Incident) -> tuple[str, str]:
            text, style = self._owed(incident)
            return text, style or row_style(incident)

        cells = {
            "due": due,
            "owed": owed,
            "sev": lambda i: (str(i.severity), "bold red" if i.severity == 1 else row_style(i)),
            "title": title,
            "client": lambda i: (i.client_org, row_style(i)),
            "status": lambda i: (i.status, row_style(i)),
            "steps": lambda i: ("{}/{}".format(*i.progress()), row_style(i)),
            "damage": lambda i: (i.damage_summary(), row_style(i)),
        }
        return cells[key]

    def _marks(self, incident: Incident) -> tuple[str, ...]:
        """The row's markers after its title, fullest form first (none: ())."""
        who = self._others().get(incident.number)
        if who is None and not incident.approvals:
            return ()  # the cheap tests first: most rows
        forms = []
        for short in (False, True):
            marks = (who[short] if who else "", approval_mark(incident, short))
            forms.append((" " if short else "  ").join(m for m in marks if m))
        return tuple(form for form in forms if form)

    def _others(self) -> dict[int, tuple[str, str]]:
        """Each incident's marker for the others on it (full, short), worked out once for each reading of
        the presence notes (a row is painted far more often than the notes change)."""
        watch = self._watch
        if watch is None:
            watch = self._watch = self.app.presence
        notes = watch.notes if watch is not None else None
        if notes is not self._others_read[0]:
            numbers = {n.number for n in notes or () if n.number is not None}
            marked = {number: tuple(others_mark(notes, number, watch.console, watch.user, short)
                                    for short in (False, True)) for number in numbers}
            self._others_read = (notes, {number: mark for number, mark in marked.items() if mark[0]})
        return self._others_read[1]

    def _title_width(self) -> int:
        widths = self._table.widths()
        return widths[self._title_at] if self._title_at < len(widths) else 0

    def _owed(self, incident: Incident) -> tuple[str, str]:
        if not incident.deadline_rules and len(incident.audiences) == 1:
            return "", ""  # owes only its client (the cheap test first: most rows)
        return owed_words(incident, self._now)

    def _preview(self) -> None:
        current = self.table.current
        watch = self.app.presence
        here = watch.here(current.number) if current is not None and watch is not None and watch.notes else ""
        self.query_one(BoardPreview).show_incident(current, self.app.now(), here, self.app.store.user)
        approvable = self._awaiting(current)
        if approvable != self._approvable:
            told, self._approvable = self._approvable is not None, approvable
            if told:  # the footer's first drawing reads it
                self.refresh_bindings()

    def _cursor_moved(self) -> None:
        """The preview follows the cursor at once (no timer: it shows wall-clock times only)."""
        self._preview()

    @on(RowTable.Selected, "#board-table")
    def _row_selected(self, event: RowTable.Selected) -> None:
        event.stop()
        self.app.open_incident(event.row.number)

    def on_store_changed(self, message: StoreChanged) -> None:
        self.reload()

    def on_presence_changed(self, message) -> None:
        """Someone came, left, or started drafting: the rows mark who is on each incident, the preview
        says it in full."""
        self.table.refresh()
        self._preview()

    def on_tick(self, message: Tick) -> None:
        """Once a second: draw again the rows on screen whose countdown now reads differently.

        The order never changes with time (most urgent first is soonest due first, late or
        not), so only rows on screen are looked at. Each is read again only once its countdown
        can read differently (its minutes or its colour: once a minute; each second under one
        minute): ``_next_reads`` holds those instants, soonest first, so a tick before the first
        of them costs a comparison. A row scrolled into view is drawn for the current instant as
        it comes; scrolling, a reload or a new day reads every row on screen again.
        """
        self._set_now(message.now)
        table = self.table
        first = int(table.scroll_offset.y)
        view = (first, table.page, self._today)
        if view != self._view or table.rows is not self._view_rows:
            self._view, self._view_rows = view, table.rows
            on_screen = range(first, min(len(table.rows), first + table.page))
            self._next_reads = [(-math.inf, index) for index in on_screen]  # sorted: a heap already
        now_at = message.now.timestamp()
        reads = self._next_reads
        while reads and reads[0][0] <= now_at:
            index = reads[0][1]
            incident = table.rows[index]
            if self._drawn.get(incident.number) != self._reads(incident):
                table.refresh_row(index)
            heapq.heapreplace(reads, (reads_again_at(incident, self._now, now_at), index))

    def _reads(self, incident: Incident) -> tuple:
        """What decides how a row reads at ``_now``, each part cheap to tell (no zone conversion):
        the whole countdown is worked out only for a row drawn again."""
        due = incident.next_deadline
        hard = beside(incident, incident.nearest_promise()) if incident.deadline_rules else None
        return (countdown_state(due, self._now, incident.cadence), relative(due, self._now) if due else "",
                self._today, relative(hard.due, self._now) if hard is not None else "")

    def selected_number(self) -> int | None:
        """The incident number under the cursor."""
        current = self.table.current
        return current.number if current is not None else None

    # -- actions -------------------------------------------------------------------------

    def action_open_incident(self) -> None:
        number = self.selected_number()
        if number is not None:
            self.app.open_incident(number)

    def action_new_incident(self) -> None:
        self.app.action_new_incident()

    def action_no_news(self) -> None:
        """A holding update for the highlighted incident (the composer opens over the board)."""
        from ..presence import open_composer

        number = self.selected_number()
        if number is not None:
            open_composer(self.app, self.app.store.get(number), CLIENT,
                          lambda sent: sent and self.app.notify("Holding update logged; countdown reset",
                                                                markup=False), holding=True)

    def action_review(self) -> None:
        self.app.action_review()

    def action_mine(self) -> None:
        """Only the incidents you hold (or hold an audience of), or all of them again."""
        self.mine = not self.mine
        self.sub_title = f"open incidents you hold ({self.app.store.user})" if self.mine else "open incidents"
        self.reload()

    async def action_filter(self) -> None:
        boxes = self.query("#filter").results(Input)
        box = next(boxes, None)
        if box is None:  # made on first use: most sessions never filter, and every start-up would pay for it
            box = LineField(placeholder=FILTER_HINT, id="filter")
            await self.mount(box, before="#empty")
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        for box in self.query("#filter").results(Input):
            box.value = ""
            box.display = False
        self.table.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value:
            event.input.display = False
        self.table.focus()
