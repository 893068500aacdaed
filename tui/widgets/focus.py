"""Keeping the focused field on screen, also when a resize changes the layout under it."""

from __future__ import annotations

from textual import events
from textual.errors import NoWidget
from textual.widget import Widget

from ..screens.too_small import too_small

SETTLING_LAYOUTS = 3  # a resize is laid out in a few passes: size classes, then what they resize


class FocusInView:
    """Mixed into a Screen: the focused widget is scrolled into view once the layout it is drawn
    in is known: after a focus change, and after a resize or a return to the screen, for the
    next few layout passes (a first pass may still use the old size classes).

    Textual scrolls to a newly focused widget at once, with an animation aimed at the layout
    before the size classes changed it; in a short terminal that left the field the user types
    into out of sight.
    """

    _settling = 0  # layout passes still to check after a resize or a resume

    def _on_mount(self, event: events.Mount) -> None:
        # Textual calls the handler of every class in the screen's MRO (Screen's as well).
        self.screen_layout_refresh_signal.subscribe(self, self._laid_out, immediate=True)

    def _on_resize(self, event: events.Resize) -> None:
        # This runs before Screen's own handler, which lays the screen out for the new size
        # with the old size classes (a pass not to act on) and then sets the new ones.
        self.call_later(self._settle)

    def _settle(self) -> None:
        self._settling = SETTLING_LAYOUTS
        self.call_after_refresh(self.show_focused)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # A screen under another is not laid out: it catches up when it is on top again.
        self._settle()

    def _laid_out(self, screen) -> None:
        if self._settling > 0:
            self._settling -= 1
            self.show_focused()

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        # Instead of Textual's scroll at once (animated, aimed at the layout before the refresh).
        super().set_focus(widget, scroll_visible=False, from_app_focus=from_app_focus)
        if scroll_visible:
            self.call_after_refresh(self.show_focused)

    def show_focused(self) -> None:
        """Scroll the focused widget into view if any of it is hidden (clipped by what scrolls it)."""
        focused = self.focused
        if focused is None or not focused.is_attached or self.app.screen is not self or too_small(self.app.size):
            return  # not the screen typed into, or about to be covered by the size message
        try:
            geometry = self.find_widget(focused)
            hidden = geometry.visible_region != geometry.region
        except NoWidget:  # not laid out, or scrolled entirely away
            hidden = True
        if hidden:
            self.scroll_to_center(focused, animate=False, origin_visible=True)
