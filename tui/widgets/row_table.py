"""A table that draws only the rows on screen, for lists of tens of thousands of rows.

DataTable keeps a renderable per cell and costs memory and time at 10,000 rows; this
widget keeps a reference to the caller's row objects and draws each visible line from
them when it is painted (the Line API), so a sort or a filter is a new list, nothing more.
The header is the first line, always shown; clicking a header asks for a sort.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..text import clip, literal

CELL_GAP = 1  # columns between cells (the default), and before the first


@dataclass(frozen=True)
class Column:
    """A column: its key, header label, width (int: cells; float: share of what is left) and
    ``cell(row) -> (text, style)``; the text is user text, shown literally."""

    key: str
    label: str
    width: int | float
    cell: Callable[[Any], tuple[str, str]]
    right: bool = False


@lru_cache(maxsize=256)
def _style(text: str) -> Style:
    return Style.parse(text) if text else Style()


class RowTable(ScrollView, can_focus=True):
    """Rows drawn on demand, a cursor, a header that sorts when clicked."""

    COMPONENT_CLASSES = {"row-table--header", "row-table--cursor", "row-table--even", "row-table--sorted"}
    DEFAULT_CSS = """
    RowTable { background: $surface; color: $foreground; height: 1fr; }
    RowTable:focus { background-tint: $foreground 5%; }
    RowTable > .row-table--header { text-style: bold; background: $panel; color: $foreground; }
    RowTable > .row-table--sorted { text-style: bold; background: $accent-darken-1; color: $foreground; }
    RowTable > .row-table--even { background: $surface-lighten-1 50%; }
    RowTable:dark > .row-table--even { background: $surface-darken-1 40%; }
    RowTable:focus > .row-table--header { background-tint: $foreground 5%; }
    RowTable > .row-table--cursor { background: $block-cursor-blurred-background;
                                    color: $block-cursor-blurred-foreground; }
    RowTable:focus > .row-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
                                          text-style: $block-cursor-text-style; }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,ctrl+home", "edge(0)", "First", show=False),
        Binding("end,ctrl+end", "edge(1)", "Last", show=False),
        Binding("enter", "select", "Open", tooltip="Open the highlighted row"),
    ]

    cursor = reactive(0, always_update=True, repaint=False)

    class Selected(Message):
        """Enter (or a second click) on a row."""

        def __init__(self, table: "RowTable", row: Any):
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> "RowTable":
            """The table (lets ``@on(..., "#id")`` match it)."""
            return self.table

    class HeaderClicked(Message):
        """A click on a column's header."""

        def __init__(self, table: "RowTable", key: str):
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> "RowTable":
            """The table (lets ``@on(..., "#id")`` match it)."""
            return self.table

    def __init__(self, columns: Sequence[Column], *, row_key: Callable[[Any], Any] | None = None,
                 gap: int = CELL_GAP, selectable: bool = True, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.columns = list(columns)
        self.gap = gap  # blank columns between two cells
        self.selectable = selectable  # whether enter (and a second click) selects a row
        self.row_key = row_key or (lambda row: row)  # what makes a row the same row after a reload
        self.rows: Sequence[Any] = ()
        self.sort_key: str | None = None
        self.sort_reverse = False
        self._widths: list[int] = []
        self._widths_for = -1

    # -- data ------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any], keep: Any = None) -> None:
        """Show ``rows``; the cursor stays on ``keep`` if it is among them, else on the first row."""
        had_rows, self.rows = bool(self.rows), rows
        if self.selectable and self.has_focus and bool(rows) != had_rows:
            self.refresh_bindings()  # enter comes and goes with the rows (a focus change looks again anyway)
        index = 0
        if keep is not None:
            # By key: with the default (the row itself) identity decides first, which is cheap.
            wanted, key = self.row_key(keep), self.row_key
            index = next((i for i, row in enumerate(rows) if row is keep or key(row) == wanted), 0)
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self.cursor = index
        self._scroll_to_cursor()
        self.refresh()

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show ``columns`` instead (a narrower terminal leaves some out)."""
        self.columns = list(columns)
        self._widths_for = -1
        self.refresh()

    def refresh_row(self, index: int) -> None:
        """Draw row ``index`` again at the next frame (nothing else), if it is on screen."""
        self.refresh_line(index + 1)  # the header is line 0

    def cells(self, row: Any) -> list[tuple[str, str]]:
        """``row``'s (text, style) in each column as drawn, controls made visible, before being cut to
        the column's width: what a test or a reader sees."""
        drawn = (column.cell(row) for column in self.columns)
        return [(literal(text, multiline=False), style) for text, style in drawn]

    def set_sort(self, key: str | None, reverse: bool) -> None:
        """Mark the sorted column in the header (the caller sorts the rows)."""
        self.sort_key, self.sort_reverse = key, reverse
        self.refresh()

    @property
    def current(self) -> Any:
        """The row under the cursor, if any."""
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # -- geometry --------------------------------------------------------------------------

    def widths(self) -> list[int]:
        """Column widths that fill the widget's width."""
        total = self.scrollable_content_region.width or self.size.width
        if total != self._widths_for:
            fixed = sum(c.width for c in self.columns if isinstance(c.width, int))
            shares = sum(c.width for c in self.columns if isinstance(c.width, float)) or 1.0
            free = max(8, total - fixed - CELL_GAP - self.gap * len(self.columns))
            self._widths = [c.width if isinstance(c.width, int) else max(4, int(free * c.width / shares))
                            for c in self.columns]
            self._widths_for = total
        return self._widths

    def column_at(self, x: int) -> str | None:
        """The key of the column under screen column ``x`` (relative to the widget)."""
        position = CELL_GAP
        for column, width in zip(self.columns, self.widths()):
            if position <= x < position + width + self.gap:
                return column.key
            position += width + self.gap
        return None

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.rows) + 1)
        self._scroll_to_cursor()

    @property
    def page(self) -> int:
        """Rows visible under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        if y == 0:
            return self._header(width, base)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, base)
        return self._row_line(index, width, base)

    def _header(self, width: int, base: Style) -> Strip:
        header = base + self.get_component_rich_style("row-table--header")
        sorted_style = base + self.get_component_rich_style("row-table--sorted")
        segments = [Segment(" " * CELL_GAP, header)]
        for column, cell_width in zip(self.columns, self.widths()):
            label = column.label
            if column.key == self.sort_key:
                arrow = "▼" if self.sort_reverse else "▲"
                label = label[:max(0, cell_width - 1)] + arrow if cell_len(label) >= cell_width else label + arrow
            text = set_cell_size(label, cell_width)
            if column.right:
                text = label[-cell_width:].rjust(cell_width) if cell_len(label) <= cell_width else text
            segments.append(Segment(text, sorted_style if column.key == self.sort_key else header))
            segments.append(Segment(" " * self.gap, header))
        return self._fit(segments, width, header)

    def _row_line(self, index: int, width: int, base: Style) -> Strip:
        row = self.rows[index]
        is_cursor = index == self.cursor
        if is_cursor:
            line_style = base + self.get_component_rich_style("row-table--cursor")
        elif index % 2 == 0:  # rows 0, 2, … striped, as DataTable does
            line_style = base + self.get_component_rich_style("row-table--even")
        else:
            line_style = base
        segments = [Segment(" " * CELL_GAP, line_style)]
        for column, cell_width in zip(self.columns, self.widths()):
            text, style = column.cell(row)
            text = clip(text, cell_width)
            text = text.rjust(cell_width) if column.right and cell_len(text) < cell_width else set_cell_size(text, cell_width)
            segments.append(Segment(text, line_style if is_cursor else line_style + _style(style)))
            segments.append(Segment(" " * self.gap, line_style))
        return self._fit(segments, width, line_style)

    @staticmethod
    def _fit(segments: list[Segment], width: int, style: Style) -> Strip:
        strip = Strip(segments)
        return strip.extend_cell_length(width, style).crop(0, width)

    # -- the cursor --------------------------------------------------------------------------

    def watch_cursor(self) -> None:
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + self.page:
            self.scroll_to(y=self.cursor - self.page + 1, animate=False, immediate=True)

    def _move(self, index: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, index))

    def action_cursor(self, step: int) -> None:
        self._move(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor + direction * self.page)

    def action_edge(self, end: int) -> None:
        self._move(len(self.rows) - 1 if end else 0)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Enter is offered (and shown in the footer) only where selecting a row means something, and
        there is a row to select."""
        return self.selectable and bool(self.rows) if action == "select" else True

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self, self.current))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            key = self.column_at(event.x)
            if key is not None:
                self.post_message(self.HeaderClicked(self, key))
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self.rows):
            again = index == self.cursor
            self.cursor = index
            if self.selectable and (again or event.chain > 1):
                self.post_message(self.Selected(self, self.rows[index]))

    def visible_text(self) -> list[str]:
        """The lines on screen as plain text (header first): what a test or a reader sees."""
        return [self.render_line(y).text for y in range(self.scrollable_content_region.height)]
