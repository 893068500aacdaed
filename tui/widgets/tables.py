"""Column widths that fill a DataTable's width, recomputed when the terminal is resized."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

CELL_PADDING = 2  # DataTable pads each cell by one on each side
SCROLLBAR = 2


def fit_columns(table: DataTable, spec: list[tuple[str, str, int | float]], share: float = 1.0,
                frame: int = 0) -> bool:
    """Give ``table`` the columns in ``spec``: (key, label, width) with an int for a fixed width
    and a float for a share of what is left. Rebuilds (clearing rows) only when widths change;
    returns whether it did.

    Before the first layout the table has no size yet: ``share`` of the terminal's width,
    less ``frame`` columns of borders, is the best guess (right first time avoids a rebuild).
    """
    total = table.size.width or int(table.app.size.width * share) - frame
    fixed = sum(w for _, _, w in spec if isinstance(w, int))
    shares = sum(w for _, _, w in spec if isinstance(w, float)) or 1.0
    free = max(10, total - fixed - CELL_PADDING * len(spec) - SCROLLBAR)
    widths = [w if isinstance(w, int) else max(4, int(free * w / shares)) for _, _, w in spec]
    current = [(str(c.key.value), c.width) for c in table.ordered_columns]
    wanted = [(key, width) for (key, _, _), width in zip(spec, widths)]
    if current == wanted:
        return False
    table.clear(columns=True)
    for (key, label, _), width in zip(spec, widths):
        table.add_column(cut_with_ellipsis(Text(label)), width=width, key=key)
    return True


def cut_with_ellipsis(cell):
    """A Text cell that a narrow column ends with "…" rather than cutting mid-word (other cells as given)."""
    if isinstance(cell, Text):
        cell.no_wrap = True
        cell.overflow = "ellipsis"
    return cell


def sync_rows(table: DataTable, rows: list[tuple[str, list]]) -> bool:
    """Make ``table`` show ``rows`` (key, cells), touching only cells that changed when the keys
    are the same as before; otherwise rebuild. Returns whether it rebuilt.
    """
    rows = [(key, [cut_with_ellipsis(cell) for cell in cells]) for key, cells in rows]
    keys = [key for key, _ in rows]
    current = [str(k.value) for k in table.rows]
    if keys != current:
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        return True
    columns = [str(c.key.value) for c in table.ordered_columns]
    for key, cells in rows:
        old = table.get_row(key)
        for column, new, before in zip(columns, cells, old):
            if new != before:
                table.update_cell(key, column, new)
    return False
