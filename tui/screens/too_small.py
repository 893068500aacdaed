"""Shown instead of the console when the terminal is too small to draw it whole."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

from ..messages import StoreChanged

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


class FitsTerminal:
    """Mixed into the App: screens get the terminal's size classes, and a terminal too small to draw
    the console is covered by the size message until it is large enough again.

    The App provides ``HORIZONTAL_BREAKPOINTS``, ``VERTICAL_BREAKPOINTS``, ``_watching_size`` (from
    the first screen on: an early resize has nothing to cover) and ``tell_screens``.
    """

    def push_screen(self, screen, *args, **kwargs):
        """Push ``screen`` with its size classes already set (see ``sized``)."""
        return super().push_screen(self.sized(screen) if isinstance(screen, Screen) else screen, *args, **kwargs)

    def sized(self, screen: Screen) -> Screen:
        """Give a new screen the size classes of the terminal as it is.

        Textual sets them on the screen's first resize, after its first layout: a form laid out
        for a tall terminal first scrolled its focused field to where a short one no longer has it.
        """
        size = self.size
        for breakpoints, length in ((self.HORIZONTAL_BREAKPOINTS, size.width),
                                    (self.VERTICAL_BREAKPOINTS, size.height)):
            reached = [name for at, name in breakpoints if length >= at]
            for _, name in breakpoints:
                screen.set_class(name == reached[-1], name, update=False)
        return screen

    def on_resize(self, event: events.Resize) -> None:
        if self._watching_size:
            self.fit_terminal(event.size)

    def fit_terminal(self, size: Size | None = None) -> None:
        """Cover the console with the size message while the terminal is too small, and uncover it after."""
        size = size or self.size
        guard = self.screen if isinstance(self.screen, TooSmallScreen) else None
        if too_small(size):
            if guard is None:
                self.push_screen(TooSmallScreen())
            return
        if guard is not None:
            self.pop_screen()
            # The screens under the guard missed the resizes: lay them out (and pick their
            # size classes) for the terminal as it is now, and redraw them from the store.
            for screen in self.screen_stack:
                screen.post_message(events.Resize(size, size))
            self.call_after_refresh(self.tell_screens, StoreChanged())

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Under the size message only quitting works (no help or palette over it)."""
        if isinstance(self.screen, TooSmallScreen) and action in ("help", "command_palette"):
            return False
        return super().check_action(action, parameters)
