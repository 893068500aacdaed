"""The incident model: dataclasses, their invariants, and every change they allow.

Each change is a method that takes the instant it happens (``now``) and who made
it (``by``), applies itself, and appends one entry to the incident's timeline.
Nothing here touches the disk; :mod:`storage.store` persists whole incidents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from pendulum import DateTime, Duration
import pendulum

from .clock import to_iso, to_utc

SCHEMA_VERSION = 3  # 2: timeline entries carry an event and a client flag; 3: audiences, tags, deadlines

STATUSES = ("open", "contained", "resolved", "closed")
SEVERITY_NAMES = {1: "critical", 2: "major", 3: "moderate", 4: "minor"}
LEARNED_FROM = ("us", "client")

# Minutes between promised client updates, by severity (1 = critical); 0 = next working morning.
DEFAULT_CADENCE_MINUTES = {1: 30, 2: 60, 3: 240, 4: 0}
# The first client contact is due fast: get to the client before they find out.
FIRST_CONTACT_MINUTES = {1: 15, 2: 30, 3: 120, 4: 480}


from .audiences import Audience, AudienceBook, check_email, client_audience
from .closing import CloseOut
from .deadlines import DeadlineBook, DeadlineRule
from .corrections import RecordCorrections, record_fields
from .zones import client_zone
from .ledger import MAX_CADENCE_MINUTES, PromiseLedger
from .approval import ApprovalBook, ApprovalRequest
from .outbox import OutboxBook, OutboxEntry
from .response import ResponseWork
from .fields import instant_field, list_field, number_field, require, text_field
from .intent import NOT_SHOWN, Unchanged
from .parts import (SEVERITIES, ChecklistStep, ClientUpdate, Cost, DamageItem, OpenQuestion, PreventionAction,
                    Promise)
from .timeline import TimelineEntry


@dataclass
class Incident(ResponseWork, PromiseLedger, AudienceBook, DeadlineBook, CloseOut, RecordCorrections, ApprovalBook,
               OutboxBook):
    """A client-facing incident caused by our own mistake, and all work on it."""

    number: int
    title: str
    client_org: str
    created_at: DateTime
    discovered_at: DateTime
    severity: int = 2
    client_contact: str = ""
    client_tz: str = ""  # the client's IANA time zone; "" = not set (ours is used)
    status: str = "open"
    owner: str = ""
    happened_at: DateTime | None = None
    acknowledged_at: DateTime | None = None
    contained_at: DateTime | None = None  # first moved to contained (correctable, as the others)
    resolved_at: DateTime | None = None
    first_learned_by: str | None = None
    cadence_minutes: int = 60
    next_update_due: DateTime | None = None
    promises: list[Promise] = field(default_factory=list)
    updates: list[ClientUpdate] = field(default_factory=list)
    damage: list[DamageItem] = field(default_factory=list)
    questions: list[OpenQuestion] = field(default_factory=list)
    steps: list[ChecklistStep] = field(default_factory=list)
    root_cause: str = ""
    fix: str = ""
    prevention: list[PreventionAction] = field(default_factory=list)
    cost: Cost = field(default_factory=Cost)
    lessons: str = ""
    client_confirmed_at: DateTime | None = None
    close_reason: str = ""
    closed_at: DateTime | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    revision: int = 0
    audiences: list[Audience] = field(default_factory=list)  # 0 is the client's, always there
    tags: list[str] = field(default_factory=list)
    deadline_rules: list[DeadlineRule] = field(default_factory=list)  # the playbook rules in force
    outbox: list[OutboxEntry] = field(default_factory=list)  # emailed updates on their way (outbox.py)
    approvals: list[ApprovalRequest] = field(default_factory=list)  # updates asked for approval (approval.py)

    def __post_init__(self) -> None:
        if not self.audiences:  # every incident owes its client word
            self.audiences = [client_audience(self.client_org, self.client_contact, self.cadence_minutes,
                                              added_at=self.created_at, owner=self.owner)]
        self.audiences[0].cadence_minutes = self.cadence_minutes  # the client's cadence is the incident's

    # -- identity and derived views -------------------------------------------------

    @property
    def id(self) -> str:
        """The short, typeable id: ``M-12``."""
        return f"M-{self.number}"

    @property
    def cadence(self) -> Duration:
        """Time between promised client updates (a day for "next working morning")."""
        return pendulum.duration(minutes=self.cadence_minutes or 24 * 60)

    @property
    def is_closed(self) -> bool:
        """Whether the incident is closed (kept apart in the closed store)."""
        return self.status == "closed"

    def last_entry(self, kind: str, test: Callable[[TimelineEntry], bool] = lambda entry: True
                   ) -> TimelineEntry | None:
        """The newest timeline entry of ``kind`` that passes ``test`` (who did it, and when)."""
        return next((t for t in reversed(self.timeline) if t.kind == kind and test(t)), None)

    def _unchanged(self, what: str, entry: TimelineEntry | None, verb: str = "set",
                   refused: bool = False) -> Unchanged:
        return Unchanged(what, entry.by if entry else "", entry.at if entry else None, verb, refused)

    # -- changes: each appends to the timeline ----------------------------------------
    #
    # A key carries the user's intent as the screen showed it ("mark step 1 done"), not a
    # toggle of what is on disk: two consoles pressing the same key must not cancel out.
    # An intent already true on disk returns Unchanged (the store's change then writes nothing);
    # ``shown`` is what the screen showed, and a thing moved elsewhere meanwhile is refused.
    # Steps, damage items and promises are named by their stored index: those lists only grow.

    def record(self, now: DateTime, kind: str, text: str, by: str = "", event: str = "",
               client_text: str | None = None, audience: int | None = None) -> None:
        """Append a timeline entry (the only way the timeline grows); ``event`` is one of EVENTS.

        ``audience`` names the audience the entry concerns: one other than the client's makes it internal.
        """
        self.timeline.append(TimelineEntry(to_utc(now), kind, text, by, event, client_text, audience))

    def add_note(self, text: str, now: DateTime, by: str = "") -> None:
        """A free-text note on the timeline."""
        require(text.strip() != "", "a note cannot be empty")
        self.record(now, "note", text, by, "note")

    def set_status(self, status: str, now: DateTime, by: str = "", shown: Any = NOT_SHOWN) -> Unchanged | None:
        """Move the incident to another status (from ``shown``, the status the user saw)."""
        require(status in STATUSES, f"unknown status {status!r}: use {', '.join(STATUSES)}")
        require(shown is NOT_SHOWN or shown in STATUSES, f"unknown status {shown!r}")
        if status != self.status and (shown is NOT_SHOWN or shown == self.status):
            return self._move_status(status, now, by)
        entry = self.last_entry("status") or self.last_entry("created")
        if status == self.status:
            return self._unchanged(f"{self.id} is already {status}", entry)
        return self._unchanged(f"{self.id} is now {self.status}, not {shown} as shown", entry, refused=True)

    def _move_status(self, status: str, now: DateTime, by: str) -> None:
        if status == "closed":
            self.close(now, by)  # the close-out gate applies
            return
        if self.status == "closed":
            self.reopen(now, by)
            if status == "open":
                return
        old, self.status = self.status, status
        if status in ("contained", "resolved") and getattr(self, f"{status}_at") is None:
            setattr(self, f"{status}_at", to_utc(now))
        self.record(now, "status", f"Status {old} → {status}", by, "status_changed")

    def acknowledge(self, now: DateTime, by: str = "") -> None:
        """Record that we owned the mistake."""
        if self.acknowledged_at is None:
            self.acknowledged_at = to_utc(now)
            self.record(now, "ack", "Mistake acknowledged", by, "acknowledged")
            self.arm_deadlines(now, by)  # a deadline counted from acknowledging starts now

    # -- persistence --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document (instants as UTC ISO-8601, with the schema version)."""
        d = {
            "schema": SCHEMA_VERSION,
            "number": self.number,
            "title": self.title,
            "client_org": self.client_org,
            "client_contact": self.client_contact,
            "severity": self.severity,
            "status": self.status,
            "owner": self.owner,
            "created_at": to_iso(self.created_at),
            "happened_at": to_iso(self.happened_at),
            "discovered_at": to_iso(self.discovered_at),
            "acknowledged_at": to_iso(self.acknowledged_at),
            "contained_at": to_iso(self.contained_at),
            "resolved_at": to_iso(self.resolved_at),
            "client_tz": self.client_tz,
            "first_learned_by": self.first_learned_by,
            "cadence_minutes": self.cadence_minutes,
            "next_update_due": to_iso(self.next_update_due),
            "promises": [p.to_dict() for p in self.promises],
            "updates": [u.to_dict() for u in self.updates],
            "damage": [d.to_dict() for d in self.damage],
            "questions": [q.to_dict() for q in self.questions],
            "steps": [s.to_dict() for s in self.steps],
            "root_cause": self.root_cause,
            "fix": self.fix,
            "prevention": [p.to_dict() for p in self.prevention],
            "cost": self.cost.to_dict(),
            "lessons": self.lessons,
            "client_confirmed_at": to_iso(self.client_confirmed_at),
            "close_reason": self.close_reason,
            "closed_at": to_iso(self.closed_at),
            "timeline": [t.to_dict() for t in self.timeline],
            "revision": self.revision,
            "audiences": [a.to_dict() for a in self.audiences],
            "tags": list(self.tags),
            "deadline_rules": [r.to_dict() for r in self.deadline_rules],
        }
        if self.outbox:  # only while an email is on its way: other documents stay as they were
            d["outbox"] = [e.to_dict() for e in self.outbox]
        if self.approvals:  # only once an update was asked for approval
            d["approvals"] = [r.to_dict() for r in self.approvals]
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "incident") -> "Incident":
        """Build an incident from a stored document, or raise ValidationError saying what is wrong."""
        require(isinstance(d, dict), f"{where} must be an object")
        schema = d.get("schema")
        require(isinstance(schema, int), f"{where}.schema is missing")
        number = d.get("number")
        require(isinstance(number, int) and number > 0, f"{where}.number must be a positive integer")
        where = f"M-{number}"
        severity = d.get("severity")
        require(severity in SEVERITIES, f"{where}.severity must be 1-4, found {severity!r}")
        status = text_field(d, "status", where)
        require(status in STATUSES, f"{where}.status must be one of {', '.join(STATUSES)}")
        learned = d.get("first_learned_by")
        require(learned is None or learned in LEARNED_FROM, f"{where}.first_learned_by must be us or client")
        cadence = d.get("cadence_minutes")
        require(isinstance(cadence, int) and not isinstance(cadence, bool) and 0 <= cadence <= MAX_CADENCE_MINUTES,
                 f"{where}.cadence_minutes must be a whole number of minutes up to 90 days (0 = next working morning)")
        cost = d.get("cost", {})
        require(isinstance(cost, dict), f"{where}.cost must be an object")
        timeline = [TimelineEntry.from_dict(x, f"{where}.timeline[{i}]") for i, x in enumerate(list_field(d, "timeline", where))]
        tags = d.get("tags", [])
        require(isinstance(tags, list) and all(isinstance(t, str) for t in tags), f"{where}.tags must be a list of words")
        audiences = [Audience.from_dict(x, f"{where}.audiences[{i}]") for i, x in enumerate(list_field(d, "audiences", where))]
        require(not audiences or audiences[0].kind == "client", f"{where}.audiences[0] must be the client's")
        for part in ("promises", "updates"):
            for i, x in enumerate(list_field(d, part, where)):
                require(x.get("audience", 0) == 0 or x.get("audience", 0) < len(audiences),
                        f"{where}.{part}[{i}].audience names no audience")
        incident = cls(
            number=number,
            title=text_field(d, "title", where),
            client_org=text_field(d, "client_org", where),
            client_contact=text_field(d, "client_contact", where, ""),
            severity=severity,
            status=status,
            owner=text_field(d, "owner", where, ""),
            created_at=instant_field(d, "created_at", where, optional=False),
            happened_at=instant_field(d, "happened_at", where),
            discovered_at=instant_field(d, "discovered_at", where, optional=False),
            acknowledged_at=instant_field(d, "acknowledged_at", where),
            **record_fields(d, timeline, where),
            first_learned_by=learned,
            cadence_minutes=cadence,
            next_update_due=instant_field(d, "next_update_due", where),
            promises=[Promise.from_dict(x, f"{where}.promises[{i}]") for i, x in enumerate(list_field(d, "promises", where))],
            updates=[ClientUpdate.from_dict(x, f"{where}.updates[{i}]") for i, x in enumerate(list_field(d, "updates", where))],
            damage=[DamageItem.from_dict(x, f"{where}.damage[{i}]") for i, x in enumerate(list_field(d, "damage", where))],
            questions=[OpenQuestion.from_dict(x, f"{where}.questions[{i}]") for i, x in enumerate(list_field(d, "questions", where))],
            steps=[ChecklistStep.from_dict(x, f"{where}.steps[{i}]") for i, x in enumerate(list_field(d, "steps", where))],
            root_cause=text_field(d, "root_cause", where, ""),
            fix=text_field(d, "fix", where, ""),
            prevention=[PreventionAction.from_dict(x, f"{where}.prevention[{i}]") for i, x in enumerate(list_field(d, "prevention", where))],
            cost=Cost.from_dict(cost, f"{where}.cost"),
            lessons=text_field(d, "lessons", where, ""),
            client_confirmed_at=instant_field(d, "client_confirmed_at", where),
            close_reason=text_field(d, "close_reason", where, ""),
            closed_at=instant_field(d, "closed_at", where),
            timeline=timeline,
            revision=int(number_field(d, "revision", where, 0)),
            audiences=audiences,
            tags=list(tags),
            deadline_rules=[DeadlineRule.from_dict(x, f"{where}.deadline_rules[{i}]")
                            for i, x in enumerate(list_field(d, "deadline_rules", where))],
            outbox=[OutboxEntry.from_dict(x, f"{where}.outbox[{i}]") for i, x in enumerate(list_field(d, "outbox", where))],
            approvals=[ApprovalRequest.from_dict(x, f"{where}.approvals[{i}]")
                       for i, x in enumerate(list_field(d, "approvals", where))],
        )
        return incident


def new_incident(number: int, title: str, client_org: str, severity: int, now: DateTime,
                 steps: list[ChecklistStep], *, by: str = "", client_contact: str = "",
                 discovered_at: DateTime | None = None, happened_at: DateTime | None = None,
                 first_learned_by: str | None = None, cadence_minutes: int | None = None,
                 first_contact_minutes: int | None = None, client_tz: str = "", client_email: str = "",
                 rules: "list[DeadlineRule] | tuple[DeadlineRule, ...]" = ()) -> Incident:
    """A fresh open incident with the playbook's checklist and its first client deadline.

    The first deadline runs from discovery: reach the client before they find out.
    """
    require(title.strip() != "", "an incident needs a title")
    require(client_org.strip() != "", "an incident needs a client")
    require(severity in SEVERITIES, f"severity must be 1-4 (1 = critical), found {severity!r}")
    require(first_learned_by is None or first_learned_by in LEARNED_FROM, "first learned by: us or client")
    discovered = to_utc(discovered_at or now)
    cadence = DEFAULT_CADENCE_MINUTES[severity] if cadence_minutes is None else cadence_minutes
    require(isinstance(cadence, int) and 0 <= cadence <= MAX_CADENCE_MINUTES,
             "the update cadence is a number of minutes up to 90 days (0 = next working morning)")
    first = FIRST_CONTACT_MINUTES[severity] if first_contact_minutes is None else first_contact_minutes
    require(first > 0, "the first-contact window must be positive")
    incident = Incident(
        number=number, title=title, client_org=client_org, client_contact=client_contact,
        severity=severity, owner=by, created_at=to_utc(now), discovered_at=discovered,
        happened_at=to_utc(happened_at) if happened_at else None, first_learned_by=first_learned_by,
        cadence_minutes=cadence, steps=[ChecklistStep(s.phase, s.text) for s in steps],
        client_tz=client_zone(client_tz),
    )
    incident.audiences[0].email = check_email(client_email)
    incident.promise_update(discovered + pendulum.duration(minutes=first), now, "First contact with the client")
    incident.record(now, "created", f"Incident opened: {title} (severity {severity})", by, "created")
    incident.switch_on([r for r in rules if not r.tag], now, by)  # a rule without a tag applies to every incident
    return incident
