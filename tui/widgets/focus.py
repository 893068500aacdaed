"""Keeping the focused field on screen, also when a resize changes the layout under it."""

from __future__ import annotations

from textual import events
from textual.widget import Widget


class FocusInView:
    """Mixed into a Screen: the focused widget is scrolled into view once the layout it will be
    drawn in is known: after a focus change, and after a resize and the size classes it brings.

    Textual scrolls to a newly focused widget at once, with an animation aimed where the widget
    was before the size classes re-laid the screen out; in a short terminal that left the field
    the user types into scrolled out of sight.
    """

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        super().set_focus(widget, scroll_visible=False, from_app_focus=from_app_focus)
        if scroll_visible:
            self.call_after_refresh(self.show_focused)

    def _on_resize(self, event: events.Resize) -> None:
        # Textual calls this handler of every class in the screen's MRO, this one before
        # Screen's, which sets the size classes: wait for it, then for the new layout.
        self.call_later(self.call_after_refresh, self.show_focused)

    def show_focused(self) -> None:
        """Scroll the focused widget into view if any of it is hidden."""
        focused = self.focused
        if focused is not None and focused.is_attached and not self.can_view_entire(focused):
            self.scroll_to_center(focused, animate=False, origin_visible=True)
