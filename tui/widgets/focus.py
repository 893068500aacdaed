"""Keeping the focused field on screen when a resize changes the layout under it."""

from __future__ import annotations

from textual import events
from textual.screen import Screen


class FocusInView(Screen):
    """Mixed into a screen: after a resize (and the size classes it brings), the focused widget
    is scrolled back into view, so what the user types lands in a field they can see."""

    async def _on_resize(self, event: events.Resize) -> None:
        await super()._on_resize(event)  # sets the size classes first
        self.call_after_refresh(self.show_focused)

    def show_focused(self) -> None:
        """Scroll the focused widget into view if any of it is hidden."""
        focused = self.focused
        if focused is not None and focused.is_attached and not self.can_view_entire(focused):
            self.scroll_to_center(focused, animate=False, origin_visible=True)
