"""Keeping the focused field on screen when a resize changes the layout under it."""

from __future__ import annotations

from textual import events
from textual.errors import NoWidget
from textual.widget import Widget


class FocusInView:
    """Mixed into a Screen: the focused widget is scrolled into view once the layout it is drawn
    in is known, after a focus change and after a resize (and the size classes it brings), so
    what the user types lands in a field they can see."""

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        # Instead of Textual's scroll at once (animated, aimed at the layout before the refresh).
        super().set_focus(widget, scroll_visible=False, from_app_focus=from_app_focus)
        if scroll_visible:
            self.call_after_refresh(self.show_focused)

    def _on_resize(self, event: events.Resize) -> None:
        # Textual calls this handler of every class in the screen's MRO, this one before
        # Screen's, which sets the size classes: wait for it, then for the new layout.
        self.call_later(self.call_after_refresh, self.show_focused)

    def show_focused(self) -> None:
        """Scroll the focused widget into view if any of it is hidden (clipped by what scrolls it)."""
        focused = self.focused
        if focused is None or not focused.is_attached:
            return
        try:
            geometry = self.find_widget(focused)
            hidden = geometry.visible_region != geometry.region
        except NoWidget:  # not laid out, or scrolled entirely away
            hidden = True
        if hidden:
            self.scroll_to_center(focused, animate=False, origin_visible=True)
