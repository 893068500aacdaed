"""How a demo story is told: an incident's scenario of timed events, the changes they are made
of, and playing one into a store.

A scenario names its events in minutes after the incident's discovery; ``play`` writes the
incident as its owner with the clock at each moment, so every instant is relative to now.
The stories themselves are in storage.readers.demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import pendulum
from pendulum import DateTime

from ..domain.model import Incident
from ..domain.parts import Cost, DamageItem, PreventionAction

if TYPE_CHECKING:  # the demo writes through the store interface; it does not depend on a backend
    from ..store.interface import IncidentStore

Action = Callable[[Incident, DateTime, str], None]


@dataclass
class Event:
    """One moment of a story: when, who, and the change they made."""

    minute: float  # after discovery
    who: str
    action: Action


@dataclass
class Scenario:
    """One incident's story, in minutes after its discovery."""

    title: str
    client: str
    contact: str
    severity: int
    discovered_ago: float  # minutes before now
    happened_before: float  # minutes before discovery
    first: str
    owner: str
    events: list[Event] = field(default_factory=list)
    cadence: int | None = None

    def on(self, minute: float, who: str, action: Action) -> "Scenario":
        self.events.append(Event(minute, who, action))
        return self


# -- the changes a story is made of ---------------------------------------------------------

def ack(inc, at, by):
    inc.acknowledge(at, by)


def note(text: str) -> Action:
    return lambda inc, at, by: inc.add_note(text, at, by)


def damage(what: str, impact: str, severity: int, state: str) -> Action:
    return lambda inc, at, by: inc.add_damage(DamageItem(what, impact, severity, state), at, by)


def damage_state(index: int, state: str) -> Action:
    return lambda inc, at, by: inc.set_damage_state(index, state, at, by)


def question(text: str) -> Action:
    return lambda inc, at, by: inc.add_question(text, at, by)


def answer(index: int, text: str) -> Action:
    return lambda inc, at, by: inc.answer_question(index, text, at, by)


def counted_damage(what: str, impact: str, severity: int, state: str, people: int, records: int,
                    category: str) -> Action:
    """A damage item with the counts a regulator asks for."""
    return lambda inc, at, by: inc.add_damage(DamageItem(what, impact, severity, state, people, records, category),
                                              at, by)


def tag(tag: str) -> Action:
    """Tag the incident; the default playbook's deadline rules for the tag start."""
    from ..domain.deadlines import DEFAULT_RULES

    return lambda inc, at, by: inc.set_tags([tag], DEFAULT_RULES, at, by)


def audience(name: str, kind: str, cadence_minutes: int | None = None, email: str = "") -> Action:
    return lambda inc, at, by: inc.add_audience(name, kind, at, by, email=email, cadence_minutes=cadence_minutes)


def tell(audience: str, channel: str, summary: str) -> Action:
    """An update to another audience than the client (it keeps that audience's nearest hard deadline)."""
    def apply(inc, at, by):
        index = inc.find_audience(audience)
        inc.log_update(channel, summary, inc.next_update_after(at, audience=index), at, by, audience=index)
    return apply


def status(status: str) -> Action:
    return lambda inc, at, by: inc.set_status(status, at, by)


def update(channel: str, summary: str, next_minute: float | None) -> Action:
    """A client update promising the next one ``next_minute`` after discovery."""
    def apply(inc, at, by):
        promised = inc.discovered_at + pendulum.duration(seconds=next_minute * 60) if next_minute else None
        inc.log_update(channel, summary, promised, at, by)
    return apply


def review(root_cause: str = "", fix: str = "", prevention: tuple = (), cost: tuple | None = None,
            lessons: str = "") -> Action:
    """Record root cause, fix, prevention actions (text, owner, due in days), cost and lessons,
    and the client's confirmation that everything works again."""
    def apply(inc, at, by):
        if root_cause:
            inc.set_text("root_cause", root_cause, at, by)
        if fix:
            inc.set_text("fix", fix, at, by)
        for text, owner, due_days in prevention:
            inc.add_prevention(PreventionAction(text, owner, at + pendulum.duration(days=due_days)), at, by)
        if cost:
            inc.set_cost(Cost(*cost), at, by)
        if lessons:
            inc.set_text("lessons", lessons, at, by)
        inc.confirm_client(at, by)
    return apply


def phase(name: str, count: int | None = None) -> Action:
    """Complete the next ``count`` open steps (default: all) of a playbook phase, if it has one."""
    def apply(inc, at, by):
        todo = [i for i, s in enumerate(inc.steps) if s.phase == name and not s.done]
        for i in todo[:count]:
            inc.complete_step(i, at, by)
    return apply


def remaining_steps(inc, at, by):
    """Complete every step still open (a team playbook may name its phases differently)."""
    for i, step in enumerate(inc.steps):
        if not step.done:
            inc.complete_step(i, at, by)


def play(store: "IncidentStore", scenario: Scenario, now: DateTime) -> Incident:
    """Write one scenario into the store as its owner, with the clock at each moment."""
    discovered = now - pendulum.duration(seconds=scenario.discovered_ago * 60)
    incident = store.acting_as(scenario.owner, lambda: discovered).create(
        scenario.title, scenario.client, scenario.severity, client_contact=scenario.contact,
        discovered_at=discovered, happened_at=discovered - pendulum.duration(seconds=scenario.happened_before * 60),
        first_learned_by=scenario.first, cadence_minutes=scenario.cadence)
    events = sorted(scenario.events, key=lambda e: e.minute)
    last = max((e.minute for e in events), default=1)

    def history(inc: Incident, _now: DateTime, _by: str) -> None:
        for event in events:
            at = discovered + pendulum.duration(seconds=event.minute * 60)
            event.action(inc, at, event.who)

    later = discovered + pendulum.duration(seconds=last * 60)
    store.acting_as(scenario.owner, lambda: later).change(incident.number, history)
    return store.get(incident.number)

