"""The board: every open incident, most urgent first, with a live countdown each."""

from __future__ import annotations

from pendulum import DateTime
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from storage.readers.alerts import by_urgency
from storage.domain.clock import Countdown, CountdownState
from storage.domain.model import Incident

from ..messages import StoreChanged, Tick
from ..commands import bindings
from ..text import clip
from ..widgets.banner import OverdueBanner
from ..widgets.preview import BoardPreview
from ..widgets.tables import cut_with_ellipsis, fit_columns

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

FILTER_HINT = "filter: id, title or client — enter to keep, escape to clear"
EMPTY_TEXT = ("No open incidents.\n\nPress  n  to open one, or run  mishap demo  in a shell to see a "
              "realistic demo set.  ?  shows every key.")


def due_cell(countdown: Countdown, width: int = DUE_WIDTH) -> Text:
    """The countdown cell: words and local due time, coloured by urgency. A time that does not
    fit is left out whole, "(…)", never cut inside its brackets."""
    if countdown.state is CountdownState.NONE:
        return Text("—", style="dim")
    text = f"{countdown.relative} ({countdown.due_local})"
    if len(text) > width:
        text = f"{countdown.relative} (…)"
        if len(text) > width:
            text = clip(countdown.relative, width)
    return Text(text, style=STATE_STYLE[countdown.state])


def board_columns(width: int, steps_width: int = 5) -> list[tuple[str, str, int | float]]:
    """The columns for a table ``width`` cells wide; the steps column fits the longest "done/total"."""
    return [(key, label, max(size, steps_width) if key == "steps" else size) for key, label, size in COLUMNS
            if width >= DROPPED_BELOW.get(key, 0)]


class BoardScreen(Screen):
    """Open incidents as rows; enter opens one."""

    BINDINGS = bindings("board")

    def __init__(self):
        super().__init__(name="board")
        self.filter_text = ""
        self._order: list[int] = []
        self._shown: list[Incident] = []  # the rows, in order, as last drawn
        self._states: dict[int, CountdownState] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield OverdueBanner()
        yield Static(Text(EMPTY_TEXT), id="empty")
        yield DataTable(id="board-table", cursor_type="row", zebra_stripes=True)
        yield BoardPreview()

    def on_mount(self) -> None:
        self.title = "mishap"
        self.sub_title = "open incidents"
        self.query_one("#board-table").focus()
        # The footer after the focus: composed once with the right keys, not twice (start-up time).
        self.mount(Footer(compact=True))
        self.reload()  # rows in the very first frame
        self._fresh = True
        self.watch(self.table, "scroll_y", self._scrolled, init=False)

    def on_screen_resume(self) -> None:
        if getattr(self, "_fresh", False):
            self._fresh = False  # just drawn by on_mount
            return
        self.reload()

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        if fit_columns(self.table, self._columns(self.visible_incidents(self.app.now()))):
            self.reload()

    def _columns(self, incidents: list[Incident]) -> list[tuple[str, str, int | float]]:
        steps = max((len("{}/{}".format(*i.progress())) for i in incidents), default=0)
        return board_columns(self.table.size.width or self.app.size.width, steps)

    @property
    def table(self) -> DataTable:
        return self.query_one("#board-table", DataTable)

    def visible_incidents(self, now: DateTime) -> list[Incident]:
        """Open incidents passing the filter, most urgent first."""
        needle = self.filter_text.casefold()
        incidents = self.app.store.open_incidents()
        if needle:
            incidents = [i for i in incidents
                         if needle in f"{i.id} {i.title} {i.client_org} {i.client_contact}".casefold()]
        return by_urgency(incidents, now)

    def reload(self) -> None:
        """Rebuild every row from the store (after a change, or another process's change)."""
        now = self.app.now()
        incidents = self.visible_incidents(now)
        table = self.table
        selected = self.selected_number()
        columns = self._columns(incidents)
        fit_columns(table, columns)
        table.clear()
        self._states = {}
        for incident in incidents:
            cells = self._cells(incident, now)
            table.add_row(*(cut_with_ellipsis(cells[key]) for key, _, _ in columns), key=str(incident.number))
        self._order = [i.number for i in incidents]
        self._shown = incidents
        empty = not self.app.store.open_incidents()
        self.query_one("#empty").display = empty
        table.display = not empty
        if selected in self._order:
            table.move_cursor(row=self._order.index(selected), animate=False)
        self.query_one(BoardPreview).set_class(empty, "-empty")  # a class: the .tcss also hides it when short
        self._preview(now)

    def _preview(self, now: DateTime) -> None:
        number = self.selected_number()
        self.query_one(BoardPreview).show_incident(
            self._shown[self._order.index(number)] if number is not None else None, now)

    @on(DataTable.RowHighlighted, "#board-table")
    def _row_highlighted(self) -> None:
        """The preview follows the cursor at once (no timer: it shows wall-clock times only)."""
        self._preview(self.app.now())

    def _cells(self, incident: Incident, now: DateTime) -> dict[str, Text]:
        countdown = Countdown.at(incident.next_deadline, now, incident.cadence)
        self._states[incident.number] = countdown.state
        overdue = countdown.state is CountdownState.OVERDUE
        row_style = "red" if overdue else ""
        done, total = incident.progress()
        return {
            "due": due_cell(countdown),
            "sev": Text(str(incident.severity), style="bold red" if incident.severity == 1 else row_style),
            "title": Text(clip(f"{incident.id}  {incident.title}", 80), style=row_style),
            "client": Text(clip(incident.client_org, 40), style=row_style),
            "status": Text(incident.status, style=row_style),
            "steps": Text(f"{done}/{total}", style=row_style),
            "damage": Text(clip(incident.damage_summary(), 60), style=row_style),
        }

    def on_store_changed(self, message: StoreChanged) -> None:
        self.reload()

    def on_tick(self, message: Tick) -> None:
        """Once a second: redraw the countdowns of the rows on screen.

        The order never changes with time (most urgent first is soonest due first, late or
        not), so a tick costs the same with 5 incidents or 500: only rows on screen are looked
        at, and only cells whose text changed are touched. A row scrolled into view is brought
        up to date as it comes (``_scrolled``).
        """
        self._refresh_rows_on_screen(message.now)

    def _scrolled(self) -> None:
        self._refresh_rows_on_screen(self.app.now())

    def _refresh_rows_on_screen(self, now: DateTime) -> None:
        table = self.table
        first = int(table.scroll_y)
        height = table.scrollable_content_region.height - (table.header_height if table.show_header else 0)
        for incident in self._shown[first:first + max(height, 0) + 1]:
            countdown = Countdown.at(incident.next_deadline, now, incident.cadence)
            key = str(incident.number)
            if countdown.state != self._states.get(incident.number):
                cells = self._cells(incident, now)  # the whole row changes colour
                for column in table.ordered_columns:
                    table.update_cell(key, column.key, cut_with_ellipsis(cells[str(column.key.value)]))
                continue
            cell = cut_with_ellipsis(due_cell(countdown))
            if table.get_cell(key, "due") != cell:  # words change once a minute, not every tick
                table.update_cell(key, "due", cell)

    def selected_number(self) -> int | None:
        """The incident number under the cursor."""
        table = self.table
        if not table.row_count or not self._order:
            return None
        row = min(table.cursor_row, len(self._order) - 1)
        return self._order[row] if row >= 0 else None

    # -- actions -------------------------------------------------------------------------

    def action_open_incident(self) -> None:
        number = self.selected_number()
        if number is not None:
            self.app.open_incident(number)

    @on(DataTable.RowSelected, "#board-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.open_incident(int(event.row_key.value))

    def action_new_incident(self) -> None:
        self.app.action_new_incident()

    def action_no_news(self) -> None:
        """A holding update for the highlighted incident (the composer opens over the board)."""
        from .composer import ComposerScreen

        number = self.selected_number()
        if number is not None:
            self.app.push_screen(ComposerScreen(self.app.store.get(number), holding=True),
                                 lambda sent: sent and self.app.notify("Holding update logged; countdown reset",
                                                                       markup=False))

    def action_review(self) -> None:
        self.app.action_review()

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
