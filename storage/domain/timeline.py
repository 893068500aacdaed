"""The timeline: what each entry records (the event table), and the entry itself.

Every change of an incident appends one TimelineEntry; its ``event`` names what changed,
and EVENTS says, per event, whether a client-facing report may show it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pendulum import DateTime

from .clock import to_iso
from .fields import instant_field, require, text_field


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
