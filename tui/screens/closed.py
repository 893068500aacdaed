"""Closed incidents: a plain list, newest closed first; enter opens one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from storage.clock import local_zone

from ..text import clip


class ClosedScreen(Screen):
    """Every closed incident with its closed date, client and severity."""

    BINDINGS = [
        Binding("enter", "open_incident", "Open", id="closed.open"),
        Binding("escape", "app.pop_screen", "Board", id="closed.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        table: DataTable = DataTable(id="closed-table", cursor_type="row", zebra_stripes=True)
        for key, label in (("closed", "Closed"), ("id", "Id"), ("sev", "Sev"), ("client", "Client"), ("title", "Incident")):
            table.add_column(label, key=key)
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "mishap"
        self.sub_title = "closed incidents"
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        """Redraw from the store."""
        table = self.query_one(DataTable)
        table.clear()
        zone = local_zone()
        incidents = sorted(self.app.store.closed_incidents(),
                           key=lambda i: i.closed_at or i.created_at, reverse=True)
        for inc in incidents:
            closed = (inc.closed_at or inc.created_at).in_timezone(zone).format("YYYY-MM-DD HH:mm")
            table.add_row(Text(closed), Text(inc.id), Text(str(inc.severity)), Text(clip(inc.client_org, 30)),
                          Text(clip(inc.title, 80)), key=str(inc.number))

    def action_open_incident(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            self.app.open_incident(int(key))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.open_incident(int(event.row_key.value))
