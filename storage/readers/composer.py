"""The update composer's logic: prefill from the incident for whom it is written, and the finished text.

Pure: no terminal, no disk. The console's composer screen edits the sections;
drafts are kept in the store (:meth:`storage.store.interface.IncidentStore.save_draft`).

Each kind of audience gets its own prefill (:func:`prefill_for`): the client as ever,
client-safe; our management what happened and why, the impact and exposure with the
cost so far, what we need from them; a regulator the nature of the breach, the
categories and approximate numbers concerned, the likely consequences, the measures
taken or proposed, a contact point and, when late, the reasons for the delay. The
apology check runs on external audiences only (:func:`apology_applies`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pendulum import DateTime

from ..domain.audiences import CLIENT
from ..domain.clock import local_clock
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


# Our management's update: internal, plain, with what we need from them.
MANAGEMENT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("happened", "What happened and why"),
    ("impact", "Impact and exposure"),
    ("cost", "Cost so far"),
    ("need", "What we need from you"),
)

# A regulator's notice: what a personal-data breach notification asks for (GDPR Art. 33(3)).
REGULATOR_SECTIONS: tuple[tuple[str, str], ...] = (
    ("nature", "Nature of the breach"),
    ("affected", "Categories and approximate numbers concerned"),
    ("consequences", "Likely consequences"),
    ("measures", "Measures taken or proposed"),
    ("contact", "Contact point"),
    ("delay", "Reasons for the delay"),
)

DELAY_PLACEHOLDER = "(A late notice must give the reasons for the delay: say why it could not be sent in time.)"
NEED_PLACEHOLDER = "- (a decision, an approval, people or budget: say what, and by when)"


@dataclass
class Prefill:
    """The sections as first offered, the greeting line, and the headings they go under, in order.

    ``apology_check``: whether the apology check runs on this text (external audiences only).
    """

    greeting: str
    sections: dict[str, str]
    headings: tuple[tuple[str, str], ...] = SECTIONS
    apology_check: bool = True


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
    updates = sum(1 for u in incident.updates if u.audience == CLIENT)  # what the client has heard
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


def compose(greeting: str, sections: dict[str, str], next_line: str, signature: str = "",
            headings: tuple[tuple[str, str], ...] = SECTIONS) -> str:
    """The finished update: greeting, each non-empty section under its heading, the next-update promise.

    ``headings`` are the prefill's (:attr:`Prefill.headings`): the client's by default.
    """
    parts = [greeting.strip()] if greeting.strip() else []
    for key, heading in headings:
        body = sections.get(key, "").strip()
        if body:
            parts.append(body if key == "apology" else f"{heading}:\n{body}")
    parts.append(next_line)
    if signature.strip():
        parts.append(signature.strip())
    return "\n\n".join(parts) + "\n"


# -- every audience ------------------------------------------------------------------------------

def apology_applies(incident: Incident, audience: int) -> bool:
    """Whether the apology check runs on an update to ``audience``: external audiences only."""
    return not incident.audience(audience).internal


def _first_name(name: str) -> str:
    return name.split("(")[0].strip() or name


def _count(items, key: str) -> int | None:
    known = [getattr(d, key) for d in items if getattr(d, key) is not None]
    return sum(known) if known else None


def _cause(incident: Incident) -> str:
    return incident.root_cause.strip() or "The cause is not known yet; we are establishing it."


def late_deadline(incident: Incident, audience: int, now: DateTime):
    """The open hard deadline owed to ``audience`` that an update now would keep late, if any:
    the update then needs the reasons for the delay (``Incident.log_update``'s ``delay_reason``)."""
    owed = [p for p in incident.hard_deadlines() if p.audience == audience]
    return owed[0] if owed and now.timestamp() > owed[0].due.timestamp() else None


def prefill_for(incident: Incident, audience: int, now: DateTime, *, contact=None, tz=None) -> Prefill:
    """The prefill of an update to audience ``audience`` of ``incident`` at ``now``.

    ``contact`` is the config's ``[contact]`` (:class:`storage.domain.config.Contact`), named as
    a regulator's contact point; without one, the incident's owner is. ``tz``: our zone (times
    in management's text), default the local one.
    """
    target = incident.audience(audience)
    if audience == CLIENT:
        return prefill(incident)
    if target.kind == "regulator":
        return _regulator(incident, audience, now, contact)
    if target.kind == "management" or target.internal:
        return _management(incident, audience, now, tz)
    other = prefill(incident)  # a downstream party outside: as the client, addressed to them
    other.greeting = f"Hello {_first_name(target.name)},"
    return other


def _management(incident: Incident, audience: int, now: DateTime, tz) -> Prefill:
    inc = incident
    target = inc.audience(audience)
    happened = [inc.title, f"Severity {inc.severity}; discovered {local_clock(inc.discovered_at, now, tz)}.",
                f"Why: {_cause(inc)}"]
    if inc.fix.strip():
        happened.append(f"Fix: {inc.fix.strip()}")
    impact = [_damage_line(d) for d in inc.damage if d.state != "ruled out"] or ["Not assessed yet."]
    open_questions = sum(1 for q in inc.questions if not q.answered_at)
    if open_questions:
        impact.append(f"{open_questions} open question{'s' if open_questions > 1 else ''} still to verify.")
    told = inc.first_contact_at
    impact.append(f"The client was told at {local_clock(told, now, tz)}." if told is not None
                  else "The client has not been told yet.")
    impact += [f"{inc.owed_words(p)} due {local_clock(p.due, now, tz)} ({inc.deadline_words(p, now)})"
               for p in inc.hard_deadlines()]
    cost = inc.cost
    if cost.recorded_at is None and not (cost.unbilled_hours or cost.credits):
        spent = "Not recorded yet."
    else:
        spent = (f"{cost.unbilled_hours:g} h of unbilled work, credits {cost.credits:,.2f}, "
                 f"our share {cost.our_share_percent:g} %.")
    return Prefill(greeting=f"Hello {_first_name(target.name)},",
                   sections={"happened": "\n".join(happened), "impact": _bullets(impact), "cost": spent,
                             "need": NEED_PLACEHOLDER},
                   headings=MANAGEMENT_SECTIONS, apology_check=False)


def _damage_line(d) -> str:
    line = f"{d.what}: {d.impact}" if d.impact else d.what
    counts = [f"{n} {word}" for n, word in ((d.people, "people"), (d.records, "records")) if n is not None]
    if d.category:
        counts.insert(0, d.category)
    return f"{line} ({', '.join(counts)})" if counts else line


def _regulator(incident: Incident, audience: int, now: DateTime, contact) -> Prefill:
    inc = incident
    target = inc.audience(audience)
    reached = [d for d in inc.damage if d.state != "ruled out"]
    nature = [inc.title]
    if inc.happened_at is not None:
        nature.append(f"It happened at {inc.happened_at.to_iso8601_string()}; we became aware of it at "
                      f"{inc.discovered_at.to_iso8601_string()}.")
    else:
        nature.append(f"We became aware of it at {inc.discovered_at.to_iso8601_string()}.")
    nature.append(f"Cause: {_cause(inc)}")
    categories = list(dict.fromkeys(d.category for d in reached if d.category))
    people, records = _count(reached, "people"), _count(reached, "records")
    affected = [f"Categories: {', '.join(categories) if categories else 'not yet established'}",
                f"People concerned: {f'about {people}' if people is not None else 'not yet known'}",
                f"Records concerned: {f'about {records}' if records is not None else 'not yet known'}"]
    affected += [_damage_line(d) for d in reached]
    consequences = [d.impact for d in reached if d.impact] or ["Being assessed."]
    measures = [s.text for s in inc.steps if s.done and _is_news(s)]
    if inc.fix.strip():
        measures.append(inc.fix.strip())
    measures += [f"Proposed: {s.text}" for s in inc.steps if not s.done and _is_news(s)][:2]
    measures += [f"Proposed: {p.text}" for p in inc.prevention]
    lines = contact.lines() if contact is not None else []
    point = "\n".join(lines) if lines else (inc.owner or "(name, email and phone of the contact point)")
    sections = {"nature": "\n".join(nature), "affected": _bullets(affected), "consequences": _bullets(consequences),
                "measures": _bullets(measures) if measures else "- (what we have done, and what we propose)",
                "contact": point,
                "delay": DELAY_PLACEHOLDER if late_deadline(inc, audience, now) is not None else ""}
    return Prefill(greeting=f"To {target.name},", sections=sections, headings=REGULATOR_SECTIONS,
                   apology_check=not target.internal)


def next_line_for(incident: Incident, audience: int, due: DateTime | None, now: DateTime, tz=None) -> str:
    """The closing line of an update to ``audience``: the client's in their zone; the others in ours."""
    if audience == CLIENT:
        return next_update_line(due, now, tz, incident.client_tz)
    if due is None:
        return "We will write again if anything changes."
    when, name = client_clock(due, "", now, tz if tz is not None else local_zone())
    return f"You will hear from us again by {when} ({name}), sooner if anything changes."
