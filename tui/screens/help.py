"""The key reference: sections generated from the command registry, then the prose of help.md."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ..commands import bindings
from ..commands.render import help_markdown
from .modals import MODALS_CSS

HELP_FILE = Path(__file__).resolve().parent.parent / "help.md"


class HelpScreen(ModalScreen[None]):
    """Every key of every screen, those of the screen it was opened on first; escape (or ?) closes it."""

    CSS_PATH = MODALS_CSS

    BINDINGS = bindings("help")

    def __init__(self, here: Iterable[str] = ()):
        super().__init__()
        self.here = list(here)

    def compose(self) -> ComposeResult:
        text = help_markdown(self.here, HELP_FILE.read_text(encoding="utf-8"))
        with VerticalScroll(classes="dialog help"):
            yield Markdown(text, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
