"""What the workspace's panes share: a titled table drawn from the incident the screen binds to it.

The table is a RowTable: each line is drawn from its row when painted, so a change to one row
costs one line (DataTable renders every visible cell again after any change to any cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pendulum import DateTime
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Label

from storage.domain.model import Incident

from .row_table import Column, RowTable

Target = TypeVar("Target")


@dataclass(frozen=True)
class PaneRow:
    """One line of a pane: its key, its cells (one-style Texts), what it stands for (None: nothing)."""

    key: str
    cells: tuple[Text, ...]
    target: Any = None


def _cell(index: int):
    """Column ``index`` of a PaneRow, as RowTable draws it: (text, style)."""
    def cell(row: PaneRow) -> tuple[str, str]:
        text = row.cells[index] if index < len(row.cells) else Text("")
        return text.plain, str(text.style or "")
    return cell


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

    def __init__(self) -> None:
        super().__init__(id=f"{self.NAME}-pane", classes="pane")
        self._title = self.TITLE
        self._spec: list[tuple[str, str, int | float]] | None = None  # the columns shown

    def compose(self) -> ComposeResult:
        yield Label(self.TITLE, id=f"{self.NAME}-title", classes="pane-title")
        yield RowTable([], row_key=lambda row: row.key, gap=2, selectable=False, id=f"{self.NAME}-table")

    @property
    def table(self) -> RowTable:
        """The pane's table."""
        return self.query_one(RowTable)

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
        """Give the table these columns (widths fill the pane as it is drawn); whether they changed."""
        spec = spec or self.COLUMNS
        if spec == self._spec:
            return False
        self._spec = spec
        self.table.set_columns([Column(key, label, width, _cell(i)) for i, (key, label, width) in enumerate(spec)])
        return True

    def show_rows(self, rows: list[tuple[str, list, Target | None]], keep_row: int | None = None) -> None:
        """Show (key, cells, target) rows.

        The cursor stays on the row with the same key; if that row is gone, on row ``keep_row``.
        A row whose target is None (a heading, the "none yet" line) stands for nothing a key acts on.
        """
        table = self.table
        shown = [PaneRow(key, tuple(cells), target) for key, cells, target in rows]
        if shown == list(table.rows):
            return  # nothing this pane shows changed: nothing is drawn again
        current = table.current
        table.set_rows(shown, keep=current)
        if keep_row is not None and shown and (current is None or table.current.key != current.key):
            table.cursor = min(keep_row, len(shown) - 1)

    def highlight_key(self, key: str) -> None:
        """Put the cursor on the row with ``key``, if there is one."""
        table = self.table
        index = next((i for i, row in enumerate(table.rows) if row.key == key), None)
        if index is not None:
            table.cursor = index

    def set_title(self, text: str) -> None:
        """Change the pane's title line (left alone when it says the same)."""
        if text != self._title:
            self._title = text
            self.query_one(f"#{self.NAME}-title", Label).update(Text(text))

    def highlighted(self) -> Target | None:
        """What the highlighted row stands for, if anything."""
        row = self.table.current
        return row.target if row is not None else None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Every key of a pane changes the incident: none of them on a closed one."""
        return not self.closed

    def on_key(self, event: events.Key) -> None:
        refuse_when_closed(self, event)
