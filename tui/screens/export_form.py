"""Export a post-incident report: a Markdown file the user names, for us or for the client."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select

from storage.readers.report import AUDIENCES
from storage.store import inside_store

from ..widgets.text_field import LineField
from .modals import FormModal, _labelled

AUDIENCE_CHOICES = [
    ("Internal post-incident report (everything, cost split included)", "internal"),
    ("Client-facing report (no internal notes, cost split or close reason)", "client"),
]


def default_name(incident_id: str, audience: str) -> str:
    """``M-12-post-incident.md``, or ``M-12-post-incident-client.md`` for the client's copy."""
    return f"{incident_id}-post-incident{'-client' if audience == 'client' else ''}.md"


class ExportForm(FormModal):
    """File name (relative names land in the current folder) and audience; ctrl+s hands them to
    ``submit`` (the closed view writes the file) and the form closes with the path once written.

    Never a file in the store folder (``store_folder``): a report there could replace a data file.
    """

    TITLE_TEXT = "Export the post-incident report (Markdown)"

    def __init__(self, submit: Callable[[Path, str], Any], incident_id: str, folder: Path | None = None,
                 store_folder: Path | None = None):
        super().__init__(submit)
        self.incident_id = incident_id
        self.folder = folder
        self.store_folder = store_folder
        self._confirmed: Path | None = None  # the existing file the user agreed to replace

    def fields(self) -> ComposeResult:
        yield _labelled("For whom", Select(AUDIENCE_CHOICES, value="internal", allow_blank=False, id="audience"))
        yield _labelled(f"File (relative to {self.base()})",
                        LineField(default_name(self.incident_id, "internal"), id="path"))

    def base(self) -> Path:
        """The folder a relative file name is in: the current folder."""
        return self.folder if self.folder is not None else Path.cwd()

    @on(Select.Changed, "#audience")
    def _audience_changed(self, event: Select.Changed) -> None:
        box = self.query_one("#path", Input)
        if box.value in {default_name(self.incident_id, a) for a in AUDIENCES}:
            box.value = default_name(self.incident_id, str(event.value))

    def target(self) -> Path:
        """The file the report goes to."""
        text = self.value("path").strip()
        if not text:
            raise ValueError("name the file, like " + default_name(self.incident_id, "internal"))
        path = Path(text).expanduser()
        return path if path.is_absolute() else self.base() / path

    def collect(self) -> tuple:
        path = self.target()
        if path.is_dir():
            raise ValueError(f"{path} is a folder: give a file name")
        if not path.parent.is_dir():
            raise ValueError(f"there is no folder {path.parent}")
        if self.store_folder is not None and inside_store(path, self.store_folder):
            raise ValueError(f"{path} is inside the store folder {self.store_folder}: save the report "
                             f"somewhere else")
        if path.exists() and self._confirmed != path:
            self._confirmed = path
            raise ValueError(f"{path.name} exists: ctrl+s again replaces it")
        return path, str(self.query_one("#audience", Select).value)

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()
