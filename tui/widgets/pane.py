"""What the workspace's panes share: a titled table drawn from the incident the screen binds to it."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pendulum import DateTime
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Label

from storage.domain.model import Incident

from .tables import fit_columns, sync_rows

Target = TypeVar("Target")


def refuse_when_closed(owner, event: events.Key, allowed: frozenset[str] = frozenset()) -> None:
    """Stop a key of ``owner`` (a pane, the screen) that would change its closed incident, and say why.

    Its binding is hidden already (``check_action``); the user still learns why the key does nothing.
    """
    if owner.closed and any(event.key in binding.key.split(",") and binding.action.split("(")[0] not in allowed
                            for binding in owner.BINDINGS):
        event.stop()
        owner.app.notify(f"{owner.incident.id} is closed and read-only: shift+r reopens it", severity="warning",
                         markup=False)


class WorkspacePane(Vertical, Generic[Target]):
    """One pane of the workspace: a title and a table of rows, each row standing for a ``Target``.

    The screen binds ``incident`` and ``closed`` (``data_bind``); the pane redraws when the part
    of the incident it shows has changed, or its size has. Its keys post messages: the screen
    makes the change. A closed incident disables them all (every pane key changes the incident).
    """

    incident: reactive[Incident | None] = reactive(None)
    closed: reactive[bool] = reactive(False, bindings=True)

    NAME = ""  # the ids: NAME-pane, NAME-title, NAME-table
    TITLE = ""
    COLUMNS: list[tuple[str, str, int | float]] = []
    SHARE = 0.4  # of the terminal's width, the guess before the first layout

    def __init__(self) -> None:
        super().__init__(id=f"{self.NAME}-pane", classes="pane")
        self.targets: dict[str, Target] = {}  # row key → what the row stands for
        self._title = self.TITLE

    def compose(self) -> ComposeResult:
        yield Label(self.TITLE, id=f"{self.NAME}-title", classes="pane-title")
        yield DataTable(id=f"{self.NAME}-table", cursor_type="row")

    @property
    def table(self) -> DataTable:
        """The pane's table."""
        return self.query_one(DataTable)

    def shown_part(self, incident: Incident) -> Any:
        """The part of the incident this pane draws (a change elsewhere leaves the pane alone)."""
        return incident

    def watch_incident(self, old: Incident | None, new: Incident | None) -> None:
        if new is None or (old is not None and self.shown_part(old) == self.shown_part(new)):
            return
        self.draw(new, self.app.now())

    def on_resize(self) -> None:
        # Column widths follow the pane's real size, known only after this layout pass.
        self.call_after_refresh(self.redraw)

    def redraw(self) -> None:
        """Draw the incident again (new column widths, a new minute)."""
        if self.incident is not None:
            self.draw(self.incident, self.app.now())

    def draw(self, incident: Incident, now: DateTime) -> None:
        """Fill the table (and the title) from ``incident``."""

    def fit(self, spec: list[tuple[str, str, int | float]] | None = None) -> bool:
        """Give the table its columns for the pane's width; whether they were rebuilt (rows cleared)."""
        return fit_columns(self.table, spec or self.COLUMNS, self.SHARE, frame=2)

    def show_rows(self, rows: list[tuple[str, list, Target | None]], keep_row: int | None = None) -> bool:
        """Show (key, cells, target) rows; whether the table was rebuilt (then the cursor goes back to
        ``keep_row``, or stays on the first row).

        A row whose target is None (a heading, the "none yet" line) stands for nothing a key acts on.
        """
        table = self.table
        self.targets = {key: target for key, _, target in rows if target is not None}
        rebuilt = sync_rows(table, [(key, cells) for key, cells, _ in rows])
        if rebuilt and keep_row is not None and table.row_count:
            table.move_cursor(row=min(keep_row, table.row_count - 1), animate=False)
        return rebuilt

    def set_title(self, text: str) -> None:
        """Change the pane's title line (left alone when it says the same)."""
        if text != self._title:
            self._title = text
            self.query_one(f"#{self.NAME}-title", Label).update(Text(text))

    def highlighted(self) -> Target | None:
        """What the highlighted row stands for, if anything."""
        table = self.table
        if not table.row_count:
            return None
        return self.targets.get(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Every key of a pane changes the incident: none of them on a closed one."""
        return not self.closed

    def on_key(self, event: events.Key) -> None:
        refuse_when_closed(self, event)
