"""The workspace's audiences pane: every party owed word, when it was last told, what it is owed; u and n.

Each audience takes a few lines of one wide column (a table of five narrow columns would cut
every cell): its name and kind, when it was last told (how, and a line of what), what it is
owed (its next update, its hard deadlines, its commitments) and the rules still waiting to
start. Every line of an audience stands for it, so ``u`` writes to whichever line is highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass

from pendulum import DateTime
from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label

from storage.domain.audiences import Audience, cadence_said
from storage.domain.clock import local_clock, relative
from storage.domain.deadlines import DeadlineRule
from storage.domain.model import Incident
from storage.domain.parts import Promise

from ..commands import bindings
from ..text import clip
from .pane import WorkspacePane
from .row_table import RowTable

COLUMNS = [("who", "Who is owed word: last told · owed", 1.0)]
INDENT = "   "


@dataclass
class AudienceUpdateAsked(Message):
    """Compose an update to audience ``index``."""

    index: int


class AudienceAddAsked(Message):
    """Owe word to another party (the add-audience form)."""


def audience_heading(audience: Audience, owner: str = "") -> str:
    """``ICO — regulator, external · ico@example.org · every 4 h``, and ``· held by lee`` when someone
    other than ``owner`` (the incident's) holds the pen for it."""
    where = "internal" if audience.internal else "external"
    email = f" · {audience.email}" if audience.email else ""
    held = f" · held by {audience.owner}" if audience.owner and audience.owner != owner else ""
    return f"{audience.name} — {audience.kind}, {where}{email} · {cadence_said(audience.cadence_minutes)}{held}"


def owed_piece(incident: Incident, promise: Promise, now: DateTime) -> str:
    """One open promise to an audience in a few words: ``next update in 25 min``, ``GDPR notice: 41 h left``."""
    if promise.hard:
        return incident.deadline_words(promise, now)
    if promise.kind == "update":
        return f"next update {relative(promise.due, now)}"
    return f"{promise.text} {relative(promise.due, now)}"


def said_line(summary: str) -> str:
    """What an update said, on one line, without its greeting (``Hello Tom,``) when it has more."""
    paragraphs = [p for p in summary.split("\n\n") if p.strip()]
    if len(paragraphs) > 1 and len(paragraphs[0]) <= 80 and paragraphs[0].rstrip().endswith(","):
        paragraphs = paragraphs[1:]
    return " ".join(" ".join(paragraphs).split())


def audience_lines(incident: Incident, index: int, now: DateTime,
                   waiting: list[tuple[DeadlineRule, str]]) -> list[tuple[str, str, str]]:
    """(key, text, style) of the lines audience ``index`` takes; ``waiting``: its rules not started yet."""
    audience = incident.audiences[index]
    lines = []
    if not audience.active:
        lines.append((f"{index}", f"{audience.name} — removed: {audience.retired_reason}", "dim"))
        return lines
    lines.append((f"{index}", audience_heading(audience, incident.owner), "bold"))
    told = incident.last_told(index)
    if told is None:
        lines.append((f"{index}.told", f"{INDENT}not told yet", "yellow"))
    else:
        summary = said_line(told.summary)
        late = " (late: reasons given)" if told.delay_reason else ""
        lines.append((f"{index}.told", f"{INDENT}told {local_clock(told.sent_at, now)} by {told.channel}{late}: "
                                       f"“{summary}”", ""))
    owed = incident.audience_promises(index)
    if owed:
        late = any(now > p.due for p in owed)
        hard = any(p.hard for p in owed)
        words = " · ".join(owed_piece(incident, p, now) for p in owed)
        lines.append((f"{index}.owed", f"{INDENT}owed: {words}",
                      "bold red" if late else "bold yellow" if hard else ""))
    else:
        lines.append((f"{index}.owed", f"{INDENT}nothing owed now", "dim"))
    for rule, starts in waiting:
        lines.append((f"{index}.wait.{rule.name}", f"{INDENT}waiting: {rule.short} ({rule.within}) — {starts}",
                      "dim italic"))
    return lines


class AudiencesPane(WorkspacePane[int]):
    """The audiences; every line stands for its audience's index. Redrawn each tick: due times are relative."""

    now: reactive[DateTime | None] = reactive(None, repaint=False)

    NAME = "audiences"
    TITLE = "Audiences"
    COLUMNS = COLUMNS
    BINDINGS = bindings("audiences")

    _height = 0  # the lines asked for: set again only when the count changes (a layout pass)

    def compose(self) -> ComposeResult:
        # A section of the workspace rather than one of its four panes: its title has a class of its own.
        yield Label(self.TITLE, id=f"{self.NAME}-title", classes="section-title")
        yield RowTable([], row_key=lambda row: row.key, gap=2, selectable=False, id=f"{self.NAME}-table")

    def watch_closed(self, closed: bool) -> None:
        """A closed incident's audiences look read-only, as its panes do."""
        self.query_one(f"#{self.NAME}-title", Label).set_class(closed, "-closed")

    def shown_part(self, incident: Incident):
        return (incident.audiences, incident.promises, incident.updates, incident.deadline_rules,
                incident.discovered_at, incident.acknowledged_at, incident.happened_at)

    def watch_now(self, now: DateTime | None) -> None:
        if now is not None and self.incident is not None:
            self.draw(self.incident, now)  # only the lines whose text changed are touched

    def draw(self, incident: Incident, now: DateTime) -> None:
        """Active audiences in their order (the client first), then those removed."""
        self.fit()
        waiting: dict[int | None, list] = {}
        for rule, starts in incident.waiting_rules():
            waiting.setdefault(incident.rule_audience(rule), []).append((rule, starts))
        order = sorted(range(len(incident.audiences)), key=lambda i: not incident.audiences[i].active)
        rows = []
        for i in order:
            for key, text, style in audience_lines(incident, i, now, waiting.get(i, [])):
                rows.append((key, [Text(clip(text, 300), style=style)], i))
        for rule, starts in waiting.get(None, []):
            rows.append((f"wait.{rule.name}", [Text(clip(f"waiting: {rule.short} to {rule.audience} — {starts}", 300),
                                                    style="dim italic")], None))
        self.show_rows(rows)
        height = len(rows) + 4  # its lines, the header line, the title and the border (the .tcss caps it)
        if self._height != height:
            self._height = height
            self.styles.height = height
        active = sum(1 for a in incident.audiences if a.active)
        hard = len(incident.hard_deadlines())
        self.set_title(f"Audiences · {active}" + (f" · {hard} hard deadline{'s' if hard > 1 else ''} open"
                                                  if hard else ""))

    def action_log_update(self) -> None:
        index = self.highlighted()
        if index is None:
            self.app.notify("Highlight an audience first", severity="warning", markup=False)
            return
        audience = self.incident.audiences[index]
        if not audience.active:
            self.app.notify(f"{clip(audience.name, 60)} was removed: it is owed no more word", severity="warning",
                            markup=False)
            return
        self.post_message(AudienceUpdateAsked(index))

    def action_add_audience(self) -> None:
        self.post_message(AudienceAddAsked())
