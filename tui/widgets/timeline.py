"""The workspace's timeline pane: every entry, newest first (it has no keys: the timeline is append-only)."""

from __future__ import annotations

from pendulum import DateTime
from rich.text import Text

from storage.domain.clock import local_clock
from storage.domain.model import Incident

from ..commands import bindings
from ..text import clip
from .pane import WorkspacePane


class TimelinePane(WorkspacePane[int]):
    """The timeline; each row stands for the entry's position, counted from the first."""

    NAME = "timeline"
    TITLE = "Timeline (newest first)"
    COLUMNS = [("at", "When", 9), ("what", "What", 1.0), ("by", "By", 6)]
    BINDINGS = bindings("timeline")  # none of its own: o (a note) works from every pane

    def shown_part(self, incident: Incident):
        return incident.timeline

    def draw(self, incident: Incident, now: DateTime) -> None:
        self.fit()
        count = len(incident.timeline)
        self.show_rows([(str(count - i), [Text(local_clock(entry.at, now)), Text(clip(entry.text, 120)),
                                          Text(clip(entry.by, 16), style="dim")], count - i - 1)
                        for i, entry in enumerate(reversed(incident.timeline))])
