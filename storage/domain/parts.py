"""The parts of an incident: timeline entries, client updates, damage, steps, promises, cost.

Each part converts to and from a JSON-ready dict and validates what it reads,
naming where a bad value sits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pendulum import DateTime

from .clock import from_iso, local_clock, to_iso

SEVERITIES = (1, 2, 3, 4)
DAMAGE_STATES = ("suspected", "confirmed", "contained", "resolved", "ruled out")


class ValidationError(ValueError):
    """A document does not hold a valid incident; the message says where and why."""


# The default of a change's ``shown`` argument: the caller did not say what the screen showed.
NOT_SHOWN = object()


@dataclass(frozen=True)
class Unchanged:
    """What an intent found on disk when it wrote nothing: already so, or moved meanwhile.

    ``refused`` means another responder moved the thing somewhere the user's screen did
    not show, so the intent (decided from the screen) no longer applies.
    """

    what: str
    by: str = ""
    at: DateTime | None = None
    verb: str = ""
    refused: bool = False

    def message(self, now: DateTime | None = None, tz=None) -> str:
        """One line: ``Step 1 is already done — by lena at 10:02`` (local time)."""
        said = " ".join(part for part in (self.verb, f"by {self.by}" if self.by else "",
                                          f"at {local_clock(self.at, now, tz)}" if self.at else "") if part)
        line = f"{self.what} — {said}" if self.by or self.at else self.what
        return line + (". Nothing changed." if self.refused else "")


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


# The field readers below run millions of times when a long history is read (a migrate, the review's
# first build): each message is put together only when the check fails.

def text_field(data: dict, key: str, where: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if value.__class__ is str:  # the common case, checked first
        return value
    require(value is not None or key in data, f"{where}.{key} is missing")
    require(isinstance(value, str), f"{where}.{key} must be text, found {type(value).__name__}")
    return value


def instant_field(data: dict, key: str, where: str, optional: bool = True) -> DateTime | None:
    value = data.get(key)
    if value is None:
        require(optional, f"{where}.{key} is missing")
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where}.{key} must be an ISO-8601 instant")
    try:
        return from_iso(value)
    except Exception as exc:  # pendulum raises several parser errors
        raise ValidationError(f"{where}.{key} is not an instant: {value!r}") from exc


def list_field(data: dict, key: str, where: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValidationError(f"{where}.{key} must be a list")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ValidationError(f"{where}.{key}[{i}] must be an object")
    return value


def number_field(data: dict, key: str, where: str, default: float = 0) -> float:
    value = data.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ValidationError(f"{where}.{key} must be a number")
    return value


# What each timeline entry records, machine-readable (schema 2), and whether the client may
# read it. Internal: notes, notes on steps, and cost entries (they carry the cost split).
EVENTS: dict[str, bool] = {
    "created": True, "acknowledged": True, "note": False, "edited": True,
    "step_done": True, "step_reopened": True, "step_note": False,
    "update_sent": True, "status_changed": True, "closed": True, "reopened": True,
    "damage_added": True, "damage_edited": True, "damage_state": True,
    "question_added": True, "question_answered": True,
    "promise_made": True, "promise_kept": True, "promise_renegotiated": True, "promise_broken": True,
    "cadence_changed": True, "first_learned": True,
    "closeout_edited": True, "client_confirmed": True, "client_confirmation_withdrawn": True,
    "prevention_added": True, "prevention_edited": True, "prevention_removed": True,
    "cost_recorded": False,
    # A corrected instant keeps its old value and the reason: our bookkeeping, not the client's.
    "corrected": False, "client_zone_set": False,
    # Snoozing a reminder quiets our own notifications; the promise itself is untouched.
    "reminder_snoozed": False,
    # Who is owed word, the tags and the deadlines they switch on: our bookkeeping. What was
    # said to an audience other than the client is internal through the entry's audience.
    "audience_added": False, "audience_edited": False, "audience_removed": False,
    "tagged": False, "untagged": False, "deadline_set": False, "deadline_recounted": False,
    "promise_released": False,
    # An email on its way (the outbox, storage.domain.outbox): our bookkeeping; the update itself is
    # recorded as update_sent once the server accepted it.
    "email_queued": False, "email_accepted": False, "email_not_sent": False, "email_unconfirmed": False,
    # An update awaiting a second pair of eyes (storage.domain.approval), and how that ended: our
    # bookkeeping; an approved one is recorded as update_sent besides.
    "approval_asked": False, "approval_approved": False, "approval_rejected": False, "approval_withdrawn": False,
    # Who holds the pen (storage.domain.audiences.AudienceBook.hand_over): the team's business.
    "handed_over": False,
}


def infer_event(kind: str, text: str) -> str:
    """The event of a schema-1 timeline entry, which had only a coarse kind and its text."""
    by_prefix = {
        "step": (("Done: ", "step_done"), ("Reopened: ", "step_reopened"), ("Note ", "step_note")),
        "status": (("Closed (", "closed"), ("Reopened (", "reopened")),
        "damage": (("Damage added: ", "damage_added"), ("Damage edited: ", "damage_edited")),
        "question": (("Open question: ", "question_added"), ("Answered: ", "question_answered")),
        "promise": (("Promised: ", "promise_made"), ("Kept: ", "promise_kept"),
                    ("Renegotiated: ", "promise_renegotiated"), ("Broken: ", "promise_broken")),
        "prevention": (("Prevention edited: ", "prevention_edited"), ("Prevention removed: ", "prevention_removed")),
        "closeout": (("Client confirmed ", "client_confirmed"),
                     ("Client confirmation withdrawn", "client_confirmation_withdrawn")),
    }
    for prefix, event in by_prefix.get(kind, ()):
        if text.startswith(prefix):
            return event
    plain = {"created": "created", "ack": "acknowledged", "note": "note", "edit": "edited",
             "update": "update_sent", "status": "status_changed", "damage": "damage_state",
             "prevention": "prevention_added", "closeout": "closeout_edited", "cost": "cost_recorded",
             "cadence": "cadence_changed", "first": "first_learned"}
    return plain.get(kind, "edited")


@dataclass
class TimelineEntry:
    """One thing that changed, when, and who did it; ``event`` says what, for metrics and reports."""

    at: DateTime
    kind: str
    text: str
    by: str = ""
    event: str = ""
    client_text: str | None = None  # what the client reads instead of ``text`` (a close without its reason)
    audience: int | None = None  # the audience the entry concerns (its index); None: the whole incident

    def __post_init__(self) -> None:
        if not self.event:
            self.event = infer_event(self.kind, self.text)
            if self.event == "closed" and self.client_text is None and " without " in self.text:
                # A schema-1 close kept what was missing and why in its text: not for the client.
                self.client_text = self.text.split(" without ", 1)[0]

    @property
    def for_client(self) -> bool:
        """Whether a client-facing report shows this entry: by its event, and by its audience.

        Anything owed or said to another audience (management, a regulator) is internal,
        whatever its event: only the client's own audience (index 0) reaches the client.
        """
        return EVENTS.get(self.event, False) and self.audience in (None, 0)

    def to_dict(self) -> dict:
        d = {"at": to_iso(self.at), "kind": self.kind, "text": self.text, "by": self.by,
             "event": self.event, "client": self.for_client}
        if self.client_text is not None:
            d["client_text"] = self.client_text
        if self.audience is not None:
            d["audience"] = self.audience
        return d

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "TimelineEntry":
        event = d.get("event", "")
        require(isinstance(event, str), f"{where}.event must be text")
        client_text = d.get("client_text")
        require(client_text is None or isinstance(client_text, str), f"{where}.client_text must be text")
        audience = d.get("audience")
        require(audience is None or (isinstance(audience, int) and not isinstance(audience, bool) and audience >= 0),
                f"{where}.audience must be an audience's number")
        return cls(instant_field(d, "at", where, optional=False), text_field(d, "kind", where),
                   text_field(d, "text", where), text_field(d, "by", where, ""), event, client_text, audience)


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
