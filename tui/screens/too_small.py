"""Shown instead of the console when the terminal is too small to draw it whole."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH = 60
MIN_HEIGHT = 16


def too_small(size: Size) -> bool:
    """Whether the console's layouts cannot fit in a terminal of ``size``."""
    return size.width < MIN_WIDTH or size.height < MIN_HEIGHT


def size_message(size: Size) -> str:
    """What the guard says: the size needed and the size there is."""
    return (f"mishap needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {size.width}×{size.height}.\n\n"
            "Make the window larger: everything on screen and everything typed is kept.  ctrl+q quits.")


class TooSmallScreen(Screen):
    """Covers the screens below until the terminal is large enough again (they keep their state)."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; }
    TooSmallScreen > #too-small { width: 100%; height: auto; text-align: center; padding: 0 1; }
    """

    def __init__(self):
        super().__init__(name="too-small")

    def compose(self) -> ComposeResult:
        yield Static(Text(size_message(self.app.size)), id="too-small")

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#too-small", Static).update(Text(size_message(event.size)))
