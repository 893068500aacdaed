"""The screen shown when the store cannot be opened: what is wrong and the way out."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from ..commands import bindings
from ..text import literal


class StoreProblemScreen(Screen):
    """A store that cannot be opened (corrupt, foreign, locked): never a traceback."""

    BINDINGS = bindings("problem")

    def __init__(self, message: str):
        super().__init__(name="problem")
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog problem"):
            yield Label(Text("mishap cannot open this store", style="bold"), classes="dialog-title")
            yield Static(Text(literal(self.message)), id="problem-message")  # it names paths and files
            yield Label(Text("Nothing was changed on disk.  q quits."), classes="dialog-hint")
        yield Footer(compact=True)
