"""The console's text fields: Textual's TextArea and Input, with a cursor that rests when nobody types,
and a TextArea styled once per change of its CSS.

**The blink rests.** A focused field's cursor blinks for :data:`BLINK_PHASES` half-second phases
(10 s) after the last key, click, paste or focus, then stays shown and still until the next one,
as GTK's cursor-blink-timeout does on the desktop. A blink costs what Textual spends repainting
the cursor's line, twice a second, for as long as the composer sits open: most of the
console's idle CPU there (tests/bench/idle.py). Resting costs nothing, and the cursor is never
left hidden: the blink only pauses while it shows.

**Styled once per CSS change.** Textual's TextArea works out its theme's styles (the base,
cursor, selection, gutter and matching-bracket styles, each from the CSS of a component class)
every time it draws any of its lines, so at each blink. Those styles change only when the CSS
that applies to the field changes: its focus or hover, its classes, the app's theme, a
stylesheet reloaded. Textual tells a widget of each such change through ``notify_style_update``,
so :class:`TextField` works them out again then, and when its theme is replaced (a new theme
object: a theme of its own, or the app's changed), and otherwise draws with the ones it has.

Both rely on a few private methods of Textual's fields (``_restart_blink``, the blink timer's
callback, ``TextArea.render_lines``' styling); ``tests/tui/test_tui_repaint.py`` holds them.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Input, TextArea

#: Half-second phases a cursor blinks after the last activity before it rests, shown (10 s).
BLINK_PHASES = 20


class RestingBlink:
    """Mixed into a Textual field: its cursor blinks for :data:`BLINK_PHASES` phases after activity, then rests."""

    _phases_left = BLINK_PHASES

    def _restart_blink(self) -> None:
        """Textual calls this on a key, a click, a paste and focus: the blink starts again."""
        self._phases_left = BLINK_PHASES
        super()._restart_blink()

    def _rests(self) -> bool:
        """Whether this phase ends the blink: it has run its course and the cursor shows (it stays so)."""
        if self._phases_left > 0:
            self._phases_left -= 1
            return False
        return self._cursor_visible


class TextField(RestingBlink, TextArea):
    """A TextArea whose cursor rests when nobody types, styled when its CSS changes, not at every repaint."""

    _styled_theme: object = None  # the theme object last styled from this field's CSS, else None

    def _toggle_cursor_blink_visible(self) -> None:
        if self._rests():
            self.blink_timer.pause()
            return
        super()._toggle_cursor_blink_visible()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styled_theme = None

    def render_lines(self, crop: Region) -> list[Strip]:
        theme = self._theme
        if theme and theme is not self._styled_theme:
            theme.apply_css(self)
            self._styled_theme = theme
        return super(TextArea, self).render_lines(crop)  # what TextArea's own does after styling


class LineField(RestingBlink, Input):
    """An Input whose cursor rests when nobody types."""

    def _toggle_cursor(self) -> None:
        if self._rests():
            self._blink_timer.pause()
            return
        super()._toggle_cursor()
