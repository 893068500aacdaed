"""The workspace's header strip: the incident's id, title and client, its age, the countdown, and
the hard deadlines beside it (a nearer routine promise never hides them)."""

from __future__ import annotations

from pendulum import DateTime
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Label

from storage.domain.audiences import CLIENT
from storage.domain.spans import human_span
from storage.domain.model import SEVERITY_NAMES, Incident
from storage.domain.parts import Promise

from ..text import clip
from .countdown import CountdownBadge


class IncidentStrip(Horizontal):
    """Fed the screen's ``incident`` and ``now`` by data binding: the title lines when the incident
    changes, the age and the countdown on every tick."""

    incident: reactive[Incident | None] = reactive(None)
    now: reactive[DateTime | None] = reactive(None, repaint=False)

    def __init__(self) -> None:
        super().__init__(id="strip")
        self._meta = ""
        self._deadlines: str | None = None  # the hard deadlines' words on screen ("" none: the line hidden)

    def compose(self) -> ComposeResult:
        with Vertical(id="strip-info"):
            yield Label("", id="strip-title")
            yield Label("", id="strip-client")
            yield Label("", id="strip-meta")
            yield Label("", id="strip-deadlines")
        yield CountdownBadge(id="countdown")

    def watch_incident(self, incident: Incident | None) -> None:
        if incident is None:
            return
        self.query_one("#strip-title", Label).update(Text(clip(f"{incident.id}  {incident.title}", 200), style="bold"))
        contact = f" — {incident.client_contact}" if incident.client_contact else ""
        self.query_one("#strip-client", Label).update(Text(clip(f"{incident.client_org}{contact}", 200)))
        self.show_time(self.app.now())

    def watch_now(self, now: DateTime | None) -> None:
        if now is not None:
            self.show_time(now)

    def show_time(self, now: DateTime) -> None:
        """The time since discovery and the countdown to the nearest promise, at ``now``."""
        incident = self.incident
        if incident is None:
            return
        since = human_span((now - incident.discovered_at).total_seconds())
        owner = f" · owner {clip(incident.owner, 40)}" if incident.owner else ""
        meta = (f"severity {incident.severity} {SEVERITY_NAMES[incident.severity]} · {incident.status} · "
                f"discovered {since} ago{owner}")
        if meta != self._meta:  # the same words are not drawn again
            self._meta = meta
            self.query_one("#strip-meta", Label).update(Text(meta))
        nearest = incident.nearest_promise()
        self.query_one(CountdownBadge).show(incident.next_deadline, now, incident.cadence,
                                            countdown_words(incident, nearest), incident.client_tz)
        self.show_deadlines(incident, now)

    def show_deadlines(self, incident: Incident, now: DateTime) -> None:
        """``⚖ GDPR notice: 41 h left · NIS2 early warning: 23 h left``: every open hard deadline, soonest
        first, beside the countdown; the line is laid out again only when its words change."""
        hard = incident.hard_deadlines()
        words = " · ".join(incident.deadline_words(p, now) for p in hard)
        if words == self._deadlines:
            return
        self._deadlines = words
        label = self.query_one("#strip-deadlines", Label)
        label.display = bool(words)
        if words:
            label.set_class(any(now > p.due for p in hard), "-late")
            label.update(Text(clip(f"⚖ {words}", 300)))


def countdown_words(incident: Incident, nearest: Promise | None) -> str | None:
    """What the countdown runs to: the promise's own words for the client, else what it is and to whom."""
    if nearest is None:
        return None
    if nearest.audience == CLIENT and not nearest.hard:
        return nearest.text
    return incident.owed_words(nearest)
