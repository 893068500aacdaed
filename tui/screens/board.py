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
from storage.domain.parts import Promise

from ..messages import StoreChanged, Tick
from ..commands import bindings
from ..text import clip
from ..widgets.banner import OverdueBanner
from ..widgets.preview import BoardPreview
from ..widgets.row_table import Column, RowTable
from .approval import BoardApproves

STATE_STYLE = {
    CountdownState.NONE: "dim",
    CountdownState.CALM: "",
    CountdownState.SOON: "bold yellow",
    CountdownState.DUE: "bold reverse yellow",
    CountdownState.OVERDUE: "bold red",
}

DUE_WIDTH = 22
COLUMNS = [("due", "Next update", DUE_WIDTH), ("sev", "Sev", 3), ("title", "Incident", 0.55),
           ("client", "Client", 0.2), ("status", "Status", 9), ("steps", "Steps", 5), ("damage", "Damage", 0.25)]
# What a narrower terminal leaves out, so the incident's title keeps a readable width.
DROPPED_BELOW = {"damage": 100, "client": 80, "status": 80}
# While some incident owes word beyond its client's next update (another audience's, a hard deadline),
# the "Owed" column says what and to whom; it needs room, so others give way sooner. Narrower than
# OWED_BELOW, the same words lead the incident's title instead: a hard deadline is never hidden.
OWED = ("owed", "Owed", 34)
OWED_BELOW = 80
DROPPED_BELOW_OWED = {"damage": 130, "client": 100, "status": 90}

FILTER_HINT = "filter: id, title or client — enter to keep, escape to clear"
EMPTY_TEXT = ("No open incidents.\n\nPress  n  to open one, or run  mishap demo  in a shell to see a "
              "realistic demo set.  ?  shows every key.")


def due_words(countdown: Countdown, width: int = DUE_WIDTH) -> tuple[str, str]:
    """The countdown cell: words and local due time, and its style by urgency. A time that does not
    fit is left out whole, "(…)", never cut inside its brackets."""
    if countdown.state is CountdownState.NONE:
        return "—", "dim"
    text = f"{countdown.relative} ({countdown.due_local})"
    if len(text) > width:
        text = f"{countdown.relative} (…)"
        if len(text) > width:
            text = clip(countdown.relative, width)
    return text, STATE_STYLE[countdown.state]


def beside(incident: Incident, nearest: Promise | None) -> Promise | None:
    """The hard deadline shown beside the nearest promise: the soonest open one, unless it is the nearest."""
    return next((p for p in incident.hard_deadlines() if p is not nearest), None)


def owed_words(incident: Incident, now: DateTime) -> tuple[str, str]:
    """The "Owed" cell: what the countdown runs to when not the client's update, and the hard deadline
    beside it, first (``GDPR notice: 41 h left · update to Tom Reed``), with its style; ("", "") for neither."""
    nearest = incident.nearest_promise()
    parts = []
    if nearest is not None and (nearest.audience != CLIENT or nearest.hard):
        parts.append(incident.owed_words(nearest))
    hard = beside(incident, nearest)
    if hard is not None:
        parts.insert(0, incident.deadline_words(hard, now))  # first: a cut cell never loses it
    if not parts:
        return "", ""
    shown = [p for p in (nearest, hard) if p is not None and p.hard]
    style = "bold red" if any(now > p.due for p in shown) else "bold yellow" if shown else ""
    return " · ".join(parts), style


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


def board_columns(width: int, steps_width: int = 5, owed: bool = False) -> list[tuple[str, str, int | float]]:
    """The columns for a table ``width`` cells wide; the steps column fits the longest "done/total";
    with ``owed`` (some row owes more than its client's update), the "Owed" column where it fits."""
    owed = owed and width >= OWED_BELOW
    dropped = DROPPED_BELOW_OWED if owed else DROPPED_BELOW
    columns = [(key, label, max(size, steps_width) if key == "steps" else size) for key, label, size in COLUMNS
               if width >= dropped.get(key, 0)]
    return columns[:1] + [OWED] + columns[1:] if owed else columns


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

    def compose(self) -> ComposeResult:
        yield Header()
        yield OverdueBanner()
        yield Static(Text(EMPTY_TEXT), id="empty")
        yield RowTable([], row_key=lambda incident: incident.number, gap=2, id="board-table")
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
        when that changes); the filter, while there are incidents to filter (or a filter to change)."""
        if action in ("open_incident", "no_news", "approve"):
            return self.table.current is not None
        return self._filterable is not False if action == "filter" else True

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
            # Who else is on it comes right after the id, so a narrow row keeps it (tui.presence).
            presence = self.app.presence
            here = presence.here(incident.number) if presence is not None and presence.notes else ""
            lead = f"{incident.id}  {here} · " if here else f"{incident.id}  "
            if incident.approvals and incident.pending_updates():  # said after the id: a narrow row keeps it
                lead += "awaiting approval · "
            said = f"{lead}{incident.title}"
            if self._owed_leads:
                owed, style = self._owed(incident)
                if owed:  # after the id, which must never be cut off a narrow row
                    return f"{lead}{owed} · {incident.title}", style or row_style(incident)
            return said, row_style(incident)

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

    def _owed(self, incident: Incident) -> tuple[str, str]:
        if not incident.deadline_rules and len(incident.audiences) == 1:
            return "", ""  # owes only its client (the cheap test first: most rows)
        return owed_words(incident, self._now)

    def _preview(self) -> None:
        self.query_one(BoardPreview).show_incident(self.table.current, self.app.now())

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
        """Someone came, left, or started drafting: the rows say who is on each incident."""
        self.table.refresh()

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
            box = Input(placeholder=FILTER_HINT, id="filter")
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
