"""The board's lower half: the highlighted incident in brief (next step, last client update, open
promises, damage), master and detail. Times are wall-clock times, so nothing in it goes stale
between two moves of the cursor: it needs no timer."""

from __future__ import annotations

from pendulum import DateTime
from rich.text import Text
from textual.widgets import Static

from storage.domain.clock import local_clock
from storage.domain.model import Incident
from storage.domain.zones import both_zones

from ..text import clip

LABEL_WIDTH = 12
PROMISES_SHOWN = 3


def _line(text: Text, label: str, value: str, style: str = "") -> None:
    text.append(f"\n{label:<{LABEL_WIDTH}}", style="bold")
    text.append(value, style=style)


def preview_text(incident: Incident, now: DateTime) -> Text:
    """Five lines on ``incident``: title and client, next step, last update, open promises, damage."""
    # clip() makes every control character visible (a playbook's phase name too).
    text = Text(clip(f"{incident.id}  {incident.title}", 200), style="bold")
    text.append(f"  ·  {clip(incident.client_org, 60)}")
    index = incident.next_step_index()
    step = incident.steps[index] if index is not None else None
    _line(text, "Next step", clip(f"{step.phase} — {step.text}", 200) if step else
          "every step is done", "" if step else "dim")
    last = incident.updates[-1] if incident.updates else None
    _line(text, "Last update", f"{local_clock(last.sent_at, now)} by {last.channel}: "
          f"“{clip(last.summary, 120)}”" if last else "none sent yet",
          "" if last else "bold yellow")
    owed = incident.open_promises()
    promised = [f"{clip(p.text, 80)} — {both_zones(p.due, incident.client_tz, now)}"
                + (" (late)" if p.due < now else "") for p in owed[:PROMISES_SHOWN]]
    if len(owed) > PROMISES_SHOWN:
        promised.append(f"+{len(owed) - PROMISES_SHOWN} more")
    _line(text, "Promised", " · ".join(promised) if promised else "nothing owed",
          "bold red" if any(p.due < now for p in owed) else "")
    _line(text, "Damage", clip(incident.damage_summary(), 200))
    return text


class BoardPreview(Static):
    """The highlighted incident in brief, under the board's table (hidden in a short terminal)."""

    def __init__(self) -> None:
        super().__init__("", id="preview", markup=False)
        self.number: int | None = None

    def show_incident(self, incident: Incident | None, now: DateTime) -> None:
        """Draw ``incident`` (None: nothing highlighted, the preview is empty)."""
        self.number = incident.number if incident is not None else None
        self.update(preview_text(incident, now) if incident is not None else "")
