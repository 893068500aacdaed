"""The overdue banner: on the board and in the workspace while any promise to a client is late.

Unlike a toast it does not expire: it stays until each late promise is dealt with (kept,
moved, or the update sent). A snooze quiets the reminders, not this: the promise is still late.

A banner whose screen is under a dialog, or out of view, is not redrawn: under a dialog's
veil a line laid out again repaints the whole screen, dialog and all (Textual draws the
screen beneath through the dialog), a cost paid each minute for words nobody reads there.
It catches up when its screen is on top again; the bell, the desktop notification and the
window title are not held back.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from storage.readers.status import SEPARATOR, piece

HOW = "u sends the update · m moves a promise · x keeps one"
SHOWN = 3  # late promises named; the rest are counted


def banner_text(reach) -> Text:
    """``‼ OVERDUE  M-5 Next client update 12m late (snoozed) · …  — u sends …``."""
    items = reach.overdue
    parts = [piece(d, long=True).removeprefix("‼ ") + (" (snoozed)" if (d.number, d.index) in reach.snoozed else "")
             for d in items[:SHOWN]]
    if len(items) > SHOWN:
        parts.append(f"+{len(items) - SHOWN} more")
    text = Text("‼ OVERDUE  ", style="bold")
    text.append(SEPARATOR.join(parts))  # user text as Text: never read as markup
    text.append(f"  —  {HOW}", style="italic")
    return text


class OverdueBanner(Static):
    """One line, red, shown only while something is overdue; redrawn when the app's reach says so."""

    DEFAULT_CSS = """
    OverdueBanner { height: 1; width: 100%; background: $error; color: $text; padding: 0 1; display: none; }
    OverdueBanner.-shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__("", id="overdue-banner", markup=False)
        self._shown: str | None = None  # the words on screen now
        self._behind = None  # the reach whose news waits until this banner's screen is on top

    def on_mount(self) -> None:
        reach = getattr(self.app, "reach", None)
        if reach is not None:
            reach.changed.subscribe(self, self.show_reach)
            self.app.screen_change_signal.subscribe(self, self._screen_changed)
            self.show_reach(reach)

    def show_reach(self, reach) -> None:
        """Show the late promises ``reach`` found at its last look (hidden when none is late); on a
        screen that is not on top, only once it is."""
        if self.screen is not self.app.screen:
            self._behind = reach
            return
        self._behind = None
        self.set_class(bool(reach.overdue), "-shown")
        if reach.overdue:
            text = banner_text(reach)
            # The reach speaks up when any late promise's words change; most are not among the
            # few named here, and laying the line out again under a dialog repaints the screen.
            if text.plain != self._shown:
                self._shown = text.plain
                self.update(text)

    def _screen_changed(self, screen) -> None:
        if self._behind is not None and screen is self.screen:
            self.show_reach(self._behind)
