"""The key reference, rendered from the bundled help.md."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from .modals import MODALS_CSS

HELP_FILE = Path(__file__).resolve().parent.parent / "help.md"


class HelpScreen(ModalScreen[None]):
    """Every key of every screen; escape (or ?) closes it."""

    CSS_PATH = MODALS_CSS

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Markdown(HELP_FILE.read_text(encoding="utf-8"), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
