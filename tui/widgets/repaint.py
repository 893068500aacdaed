"""A screen whose partial repaint draws only the widgets under the part that changed.

Textual repaints a changed region (a cursor blink: one line of one TextArea) by asking every
widget whose *container* overlaps that region for its lines, then keeps only the changed
lines. In a dialog every field's container is the dialog, so each blink of the composer's
cursor had all of its 40-odd widgets (labels, inputs, every section, the scroll bars) hand
over their lines: 3 ms a blink, against 1.3 ms for a lone TextArea, twice a second while the
composer sits open (tests/bench/idle.py).

``RepaintsWhatChanged`` gives a screen a compositor that asks only the widgets whose visible
part overlaps the changed region, and those only for its rows. What reaches the terminal is
the same: the other lines were cut away unused (``tests/tui/test_tui_repaint.py`` compares
the two byte for byte).
It relies on one private method of Textual's compositor (``_get_renders``, Textual 8); should
that method ever go, the screen keeps Textual's own compositor.
"""

from __future__ import annotations

from textual._compositor import Compositor
from textual.geometry import Region


class CroppedCompositor(Compositor):
    """Textual's compositor, whose partial updates skip widgets wholly outside the changed region."""

    def _get_renders(self, crop: Region | None = None):
        if not crop:
            yield from super()._get_renders(crop)
            return
        intersection = Region.intersection
        for widget, (region, clip) in list(self.visible_widgets.items()):
            # As Textual's own, but tested against what shows of the widget, not its container,
            # and only the rows of the changed region asked for (whole rows: the columns are
            # cut where the screen's cuts fall, from the widget's left edge).
            band = intersection(clip, Region(clip.x, crop.y, clip.width, crop.height))
            shown = intersection(region, band)
            if not shown.width or not shown.height or not crop.overlaps(shown):
                continue
            yield region, band, widget.render_lines(
                Region(shown.x - region.x, shown.y - region.y, shown.width, shown.height))


class RepaintsWhatChanged:
    """Mixed into a Screen: its repaints ask only the widgets under what changed (see the module)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(getattr(self, "_compositor", None), Compositor) and hasattr(Compositor, "_get_renders"):
            self._compositor = CroppedCompositor()
