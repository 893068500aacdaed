"""The console's multi-line text field: Textual's TextArea, styled once per change of its CSS.

Textual's TextArea works out its theme's styles (the base, cursor, selection, gutter and
matching-bracket styles, each from the CSS of a component class) every time it draws any of
its lines, which is each blink of its cursor: twice a second for as long as the composer sits
open, about a quarter of what a blink costs (tests/bench/idle.py). Those styles change only
when the CSS that applies to the field changes: its focus or hover, its classes, the app's
theme, a stylesheet reloaded. Textual tells a widget of each such change through
``notify_style_update``, so :class:`TextField` works them out again then, and when its
theme is replaced (a new theme object: a theme of its own, or the app's changed), and
otherwise draws with the ones it has.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import TextArea


class TextField(TextArea):
    """A TextArea whose theme styles are worked out when its CSS changes, not at every repaint."""

    _styled_theme: object = None  # the theme object last styled from this field's CSS, else None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styled_theme = None

    def render_lines(self, crop: Region) -> list[Strip]:
        theme = self._theme
        if theme and theme is not self._styled_theme:
            theme.apply_css(self)
            self._styled_theme = theme
        return super(TextArea, self).render_lines(crop)  # what TextArea's own does after styling
