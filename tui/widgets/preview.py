"""The board's lower half: the highlighted incident in brief (who else is on it, an update awaiting
approval, next step, last client update, open promises, damage), master and detail. The board's row
only marks the others and the approval after the title (``✎ tom``, ``⧗ approval``); here they are said
in full. Times are wall-clock times, so nothing in it goes stale
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


def approval_line(incident: Incident, now: DateTime, user: str) -> str:
    """``update to Kessler & Vogt by jonas awaits approval (asked 13:40): v to read it``; "" with none pending."""
    pending = incident.pending_updates() if incident.approvals else []
    if not pending:
        return ""
    others = [r for r in pending if r.by.casefold() != user.casefold()]
    first = (others or pending)[0]
    to = clip(incident.audience_name(first.audience), 60)
    asked = local_clock(first.asked_at, now)
    if others:
        said = f"update to {to} by {clip(first.by, 30)} awaits approval (asked {asked}): v to read it"
    else:
        said = f"your update to {to} awaits someone else's approval (asked {asked}): v to withdraw it"
    return said + (f" · +{len(pending) - 1} more" if len(pending) > 1 else "")


def preview_text(incident: Incident, now: DateTime, here: str = "", user: str = "") -> Text:
    """Up to seven lines on ``incident``: title and client, who else is on it (``here``, the presence's
    words) and an update awaiting approval when there are, next step, last update, open promises,
    damage. ``user``: the user at this console (their own pending update is theirs to withdraw)."""
    # clip() makes every control character visible (a playbook's phase name too).
    text = Text(clip(f"{incident.id}  {incident.title}", 200), style="bold")
    text.append(f"  ·  {clip(incident.client_org, 60)}")
    if here:
        _line(text, "Others", clip(here, 200), "bold")
    approval = approval_line(incident, now, user)
    if approval:
        _line(text, "Approval", approval, "bold yellow")
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

    def show_incident(self, incident: Incident | None, now: DateTime, here: str = "", user: str = "") -> None:
        """Draw ``incident`` (None: nothing highlighted, the preview is empty); ``here``: who else is on it."""
        self.number = incident.number if incident is not None else None
        self.update(preview_text(incident, now, here, user) if incident is not None else "")
