"""The parts of an incident: client updates, damage, questions, steps, prevention, cost, promises.

Each part converts to and from a JSON-ready dict and validates what it reads
(storage.domain.fields), naming where a bad value sits. The timeline's entries are in
storage.domain.timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pendulum import DateTime

from .clock import to_iso
from .fields import instant_field, list_field, number_field, require, text_field

SEVERITIES = (1, 2, 3, 4)
DAMAGE_STATES = ("suspected", "confirmed", "contained", "resolved", "ruled out")

CLIENT = 0  # the index of the client's own audience: the first, always there, never retired


def audience_field(d: dict, where: str) -> int:
    """The audience a stored part belongs to (its index); documents before audiences: the client, 0."""
    value = d.get("audience", 0)
    require(isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            f"{where}.audience must be an audience's number")
    return value


@dataclass
class ClientUpdate:
    """An update sent to one audience (the client's by default), and the time it promised for the next.

    ``kept`` is the index of the hard deadline it kept, if any; ``delay_reason`` why it kept it late.
    ``message_id`` is the Message-ID of the email mishap sent it as ("" for one sent another way,
    or pasted into a mail program by hand). ``approved_by``: who approved it, when the team's
    config made it wait for approval (storage.domain.approval); ``by`` is then its author.
    """

    sent_at: DateTime
    channel: str
    summary: str
    next_promised: DateTime | None = None
    by: str = ""
    audience: int = 0
    delay_reason: str = ""
    kept: int | None = None
    message_id: str = ""
    approved_by: str = ""

    def to_dict(self) -> dict:
        d = {"sent_at": to_iso(self.sent_at), "channel": self.channel, "summary": self.summary,
             "next_promised": to_iso(self.next_promised), "by": self.by, "audience": self.audience}
        if self.delay_reason:
            d["delay_reason"] = self.delay_reason
        if self.kept is not None:
            d["kept"] = self.kept
        if self.message_id:
            d["message_id"] = self.message_id
        if self.approved_by:
            d["approved_by"] = self.approved_by
        return d

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "ClientUpdate":
        kept = d.get("kept")
        require(kept is None or (isinstance(kept, int) and not isinstance(kept, bool) and kept >= 0),
                f"{where}.kept must be a promise's number")
        return cls(instant_field(d, "sent_at", where, optional=False), text_field(d, "channel", where),
                   text_field(d, "summary", where), instant_field(d, "next_promised", where),
                   text_field(d, "by", where, ""), audience_field(d, where),
                   text_field(d, "delay_reason", where, ""), kept, text_field(d, "message_id", where, ""),
                   text_field(d, "approved_by", where, ""))


@dataclass
class DamageItem:
    """Something the mistake reached, how badly, and how far we are with it."""

    what: str
    impact: str = ""
    severity: int = 3
    state: str = "suspected"
    people: int | None = None  # how many people it reached, when known (a regulator asks)
    records: int | None = None  # how many records it reached, when known
    category: str = ""  # the category of data or people ("payroll records", "employees")

    def to_dict(self) -> dict:
        d = {"what": self.what, "impact": self.impact, "severity": self.severity, "state": self.state}
        # Only when set: documents from before the counts stay as they were.
        d.update({k: v for k, v in (("people", self.people), ("records", self.records),
                                    ("category", self.category)) if v not in (None, "")})
        return d

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "DamageItem":
        counts = {}
        for key in ("people", "records"):
            value = d.get(key)
            require(value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0),
                    f"{where}.{key} must be a whole number of at least 0")
            counts[key] = value
        item = cls(text_field(d, "what", where), text_field(d, "impact", where, ""),
                   int(number_field(d, "severity", where, 3)), text_field(d, "state", where, "suspected"),
                   counts["people"], counts["records"], text_field(d, "category", where, ""))
        require(item.severity in SEVERITIES, f"{where}.severity must be 1-4, found {item.severity}")
        require(item.state in DAMAGE_STATES, f"{where}.state must be one of {', '.join(DAMAGE_STATES)}")
        return item


@dataclass
class OpenQuestion:
    """A ripple we cannot see yet: something still to verify."""

    text: str
    answer: str = ""
    answered_at: DateTime | None = None

    def to_dict(self) -> dict:
        return {"text": self.text, "answer": self.answer, "answered_at": to_iso(self.answered_at)}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "OpenQuestion":
        return cls(text_field(d, "text", where), text_field(d, "answer", where, ""), instant_field(d, "answered_at", where))


@dataclass
class ChecklistStep:
    """One step of the response playbook and who completed it, when."""

    phase: str
    text: str
    done_at: DateTime | None = None
    done_by: str = ""
    note: str = ""

    @property
    def done(self) -> bool:
        """Whether the step is completed."""
        return self.done_at is not None

    def to_dict(self) -> dict:
        return {"phase": self.phase, "text": self.text, "done_at": to_iso(self.done_at),
                "done_by": self.done_by, "note": self.note}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "ChecklistStep":
        return cls(text_field(d, "phase", where), text_field(d, "text", where), instant_field(d, "done_at", where),
                   text_field(d, "done_by", where, ""), text_field(d, "note", where, ""))


@dataclass
class PreventionAction:
    """A change so the mistake cannot happen again, with its owner and due date."""

    text: str
    owner: str = ""
    due: DateTime | None = None

    def to_dict(self) -> dict:
        return {"text": self.text, "owner": self.owner, "due": to_iso(self.due)}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "PreventionAction":
        return cls(text_field(d, "text", where), text_field(d, "owner", where, ""), instant_field(d, "due", where))


@dataclass
class Cost:
    """What the mistake cost us: unbilled remediation hours, credits, our share."""

    unbilled_hours: float = 0
    credits: float = 0
    our_share_percent: float = 100
    recorded_at: DateTime | None = None  # None until someone has actually entered the cost

    def to_dict(self) -> dict:
        return {"unbilled_hours": self.unbilled_hours, "credits": self.credits,
                "our_share_percent": self.our_share_percent, "recorded_at": to_iso(self.recorded_at)}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "Cost":
        cost = cls(number_field(d, "unbilled_hours", where), number_field(d, "credits", where),
                   number_field(d, "our_share_percent", where, 100), instant_field(d, "recorded_at", where))
        require(0 <= cost.our_share_percent <= 100, f"{where}.our_share_percent must be 0-100")
        return cost


# A deadline is hard: set by law or contract (a playbook rule), it cannot be moved.
PROMISE_KINDS = ("update", "commitment", "deadline")


@dataclass
class Renegotiation:
    """A promise's time moved, with the client's agreement as the reason."""

    at: DateTime
    old_due: DateTime
    new_due: DateTime
    reason: str
    by: str = ""

    def to_dict(self) -> dict:
        return {"at": to_iso(self.at), "old_due": to_iso(self.old_due), "new_due": to_iso(self.new_due),
                "reason": self.reason, "by": self.by}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "Renegotiation":
        return cls(instant_field(d, "at", where, optional=False), instant_field(d, "old_due", where, optional=False),
                   instant_field(d, "new_due", where, optional=False), text_field(d, "reason", where),
                   text_field(d, "by", where, ""))


@dataclass
class Promise:
    """Something owed to an audience by a time: the next update, a commitment, or a hard deadline.

    A promise not kept by its time is broken, and stays broken on the record even if
    it is kept late or renegotiated afterwards. ``audience`` is the index of the audience
    it is owed to (0, the client, for every promise made before audiences existed); a
    hard deadline (kind ``deadline``) names the playbook ``rule`` it comes from.
    """

    text: str
    due: DateTime
    made_at: DateTime
    kind: str = "commitment"
    kept_at: DateTime | None = None
    broken_at: DateTime | None = None  # the due time that was missed
    released_at: DateTime | None = None  # no longer owed (the incident closed first)
    renegotiations: list[Renegotiation] = field(default_factory=list)
    snoozed_until: DateTime | None = None  # its reminders are quiet until then (it still falls due)
    audience: int = 0
    rule: str = ""  # the deadline rule of a hard deadline
    release_reason: str = ""  # why it is no longer owed, when released other than by closing

    @property
    def hard(self) -> bool:
        """A hard deadline: set by law or contract, never moved."""
        return self.kind == "deadline"

    @property
    def is_open(self) -> bool:
        """Still owed to the client."""
        return self.kept_at is None and self.released_at is None

    def state(self, now: DateTime | None = None) -> str:
        """``open``, ``overdue``, ``kept``, ``kept late``, ``broken`` or ``released``."""
        if self.kept_at is not None:
            return "kept late" if self.broken_at is not None else "kept"
        if self.broken_at is not None:
            return "broken"
        if self.released_at is not None:
            return "released"
        if now is not None and now > self.due:
            return "overdue"
        return "open"

    def to_dict(self) -> dict:
        return {"text": self.text, "due": to_iso(self.due), "made_at": to_iso(self.made_at), "kind": self.kind,
                "kept_at": to_iso(self.kept_at), "broken_at": to_iso(self.broken_at),
                "released_at": to_iso(self.released_at),
                "renegotiations": [r.to_dict() for r in self.renegotiations],
                # Only when set: documents written before snoozing existed stay as they were.
                **({"snoozed_until": to_iso(self.snoozed_until)} if self.snoozed_until else {}),
                "audience": self.audience,
                **({"rule": self.rule} if self.rule else {}),
                **({"release_reason": self.release_reason} if self.release_reason else {})}

    def snoozed_at(self, now: DateTime) -> bool:
        """Whether its reminders are snoozed at ``now``."""
        return self.snoozed_until is not None and self.snoozed_until > now

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "Promise":
        promise = cls(text_field(d, "text", where), instant_field(d, "due", where, optional=False),
                      instant_field(d, "made_at", where, optional=False), text_field(d, "kind", where, "commitment"),
                      instant_field(d, "kept_at", where), instant_field(d, "broken_at", where),
                      instant_field(d, "released_at", where),
                      [Renegotiation.from_dict(x, f"{where}.renegotiations[{i}]")
                       for i, x in enumerate(list_field(d, "renegotiations", where))],
                      instant_field(d, "snoozed_until", where), audience_field(d, where),
                      text_field(d, "rule", where, ""), text_field(d, "release_reason", where, ""))
        require(promise.kind in PROMISE_KINDS, f"{where}.kind must be update, commitment or deadline")
        require(promise.kind != "deadline" or promise.rule, f"{where}.rule must name the deadline's rule")
        return promise
