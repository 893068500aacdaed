"""The client update composer's logic: prefill from the incident, and the finished text.

Pure: no terminal, no disk. The console's composer screen edits the sections;
drafts are kept in the store (:meth:`storage.store.interface.IncidentStore.save_draft`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pendulum import DateTime

from ..domain.localzone import local_zone
from ..domain.model import Incident
from ..domain.zones import client_clock

# (key, heading) in the order they appear in the update.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("happened", "What happened"),
    ("affected", "What it affected"),
    ("done", "What we have done so far"),
    ("next", "What we are doing next"),
    ("prevent", "So it does not happen again"),
    ("apology", "Our apology"),
)

# Only these phases' steps are news for the client; the rest is our own inner work.
CLIENT_NEWS_PHASES = ("Stop", "Contain", "Fix", "Prevent")
NOT_NEWS = ("Take a breath",)


def _is_news(step) -> bool:
    return step.phase in CLIENT_NEWS_PHASES and not step.text.startswith(NOT_NEWS)


@dataclass
class Prefill:
    """The sections as first offered, and the greeting line."""

    greeting: str
    sections: dict[str, str]


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def prefill(incident: Incident) -> Prefill:
    """Sections drafted from what the incident holds; the person edits them before sending."""
    contact = incident.client_contact.split("(")[0].strip() or incident.client_org
    affected = [f"{d.what}: {d.impact}" if d.impact else d.what
                for d in incident.damage if d.state != "ruled out"]
    done = [f"{s.text} ({s.note})" if s.note else s.text for s in incident.steps if s.done and _is_news(s)]
    upcoming = [s.text for s in incident.steps if not s.done and _is_news(s)][:2]
    prevent = [p.text for p in incident.prevention]
    updates = len(incident.updates)
    happened = incident.title if updates == 0 else f"Update {updates + 1} on: {incident.title}"
    return Prefill(
        greeting=f"Hello {contact},",
        sections={
            "happened": happened,
            "affected": _bullets(affected),
            "done": _bullets(done),
            "next": _bullets(upcoming),
            "prevent": _bullets(prevent),
            "apology": "This was our mistake, and we are sorry for the trouble it has caused you. "
                       "We are putting it right.",
        },
    )


def holding(incident: Incident) -> Prefill:
    """A short "no news yet" update: what we are still doing (the next open steps); the composer
    adds the promise of the next time. Keeping the client in the loop with no news is still an update."""
    contact = incident.client_contact.split("(")[0].strip() or incident.client_org
    upcoming = [s.text for s in incident.steps if not s.done and _is_news(s)][:2]
    still = _bullets(upcoming) if upcoming else "- We are still working on it."
    return Prefill(
        greeting=f"Hello {contact},",
        sections={
            "happened": f"A short update on: {incident.title}. There is no news yet, but we have not "
                        "stopped, and we want you to hear that from us.",
            "affected": "",
            "done": "",
            "next": still,
            "prevent": "",
            "apology": "We are sorry for the wait.",
        },
    )


def next_update_line(due: DateTime | None, now: DateTime, tz=None, client_tz: str = "") -> str:
    """The closing promise: when the client will hear from us next, in their zone when it is known.

    ``client_tz`` is the incident's (``Incident.client_tz``); ``tz`` is ours (default: the local zone).
    """
    if due is None:
        return "This is our last update on this matter unless you need anything more from us."
    when, name = client_clock(due, client_tz, now, tz if tz is not None else local_zone())
    return f"You will hear from us again by {when} ({name}), sooner if anything changes."


def compose(greeting: str, sections: dict[str, str], next_line: str, signature: str = "") -> str:
    """The finished update: greeting, each non-empty section under its heading, the next-update promise."""
    parts = [greeting.strip()] if greeting.strip() else []
    for key, heading in SECTIONS:
        body = sections.get(key, "").strip()
        if body:
            parts.append(body if key == "apology" else f"{heading}:\n{body}")
    parts.append(next_line)
    if signature.strip():
        parts.append(signature.strip())
    return "\n\n".join(parts) + "\n"
