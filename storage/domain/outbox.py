"""The outbox: an update emailed by mishap, between "about to go" and "recorded as sent".

An emailed update takes three steps, each durable before the next (storage.mail.sending):

1. **queued** — the whole message, with its Message-ID, is written here, in the incident's
   own document, by ``queue_email``; the state is ``sending``;
2. **sent** — the mail server is given it;
3. **recorded** — once the server accepted it, ``record_email`` logs the update (channel
   ``email``, its Message-ID) and takes it out of the outbox, in one change. A refusal
   takes it out with ``email_not_sent`` and records nothing as sent.

If step 3 fails after the server accepted (the update no longer fits the record, the disk or
the database failed), ``mark_email_accepted`` keeps that fact here, and ``settle_outbox``, run
by the next mishap to open the store, records it. A process killed between steps 2 and 3
leaves an entry still ``sending``: nobody can know whether the server took it. Sending it
again could send it twice, and recording it could record what was never sent, so
``settle_outbox`` does neither: once no send can still be under way, it takes the entry out,
with a timeline entry saying it may have gone out, and the person is told to ask.

While an email to an audience is ``sending``, another to the same audience is refused: a retry
never overlaps a send whose outcome is not known yet. Mixed into
:class:`storage.domain.model.Incident`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pendulum
from pendulum import DateTime

from .clock import local_clock, to_iso, to_utc
from .fields import ValidationError, instant_field, require, text_field
from .parts import ClientUpdate

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident

SENDING, ACCEPTED = "sending", "accepted"
#: After this long an entry still ``sending`` has no process behind it: a send gives up far
#: sooner (storage.mail.smtp.TIMEOUT_SECONDS for each step, a handful of steps).
STALE_SECONDS = 600


@dataclass
class OutboxEntry:
    """One emailed update on its way: what it says, to whom, the message as sent, and how far it got."""

    message_id: str
    audience: int
    to: list[str]
    summary: str  # the update's text, as it will be recorded
    message: str  # the whole message as given to the server (RFC 5322, ASCII)
    queued_at: DateTime
    by: str = ""
    next_promised: DateTime | None = None
    delay_reason: str = ""
    keeps: int | None = None
    state: str = SENDING
    accepted_at: DateTime | None = None
    extra: dict = field(default_factory=dict)  # what another caller keeps beside it (an approval's names)

    def to_dict(self) -> dict:
        d = {"message_id": self.message_id, "audience": self.audience, "to": list(self.to),
             "summary": self.summary, "message": self.message, "queued_at": to_iso(self.queued_at),
             "by": self.by, "next_promised": to_iso(self.next_promised), "delay_reason": self.delay_reason,
             "keeps": self.keeps, "state": self.state, "accepted_at": to_iso(self.accepted_at)}
        if self.extra:
            d["extra"] = dict(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "OutboxEntry":
        to = d.get("to", [])
        require(isinstance(to, list) and all(isinstance(a, str) for a in to), f"{where}.to must be a list of addresses")
        audience = d.get("audience", 0)
        require(isinstance(audience, int) and not isinstance(audience, bool) and audience >= 0,
                f"{where}.audience must be an audience's number")
        keeps = d.get("keeps")
        require(keeps is None or (isinstance(keeps, int) and not isinstance(keeps, bool) and keeps >= 0),
                f"{where}.keeps must be a promise's number")
        state = text_field(d, "state", where, SENDING)
        require(state in (SENDING, ACCEPTED), f"{where}.state must be {SENDING} or {ACCEPTED}")
        extra = d.get("extra", {})
        require(isinstance(extra, dict), f"{where}.extra must be an object")
        return cls(text_field(d, "message_id", where), audience, list(to), text_field(d, "summary", where),
                   text_field(d, "message", where), instant_field(d, "queued_at", where, optional=False),
                   text_field(d, "by", where, ""), instant_field(d, "next_promised", where),
                   text_field(d, "delay_reason", where, ""), keeps, state, instant_field(d, "accepted_at", where),
                   dict(extra))


class OutboxBook:
    """The incident's emailed updates on their way (see the module's docstring for the order)."""

    def email_thread(self: "Incident", audience: int) -> list[str]:
        """The Message-IDs of the updates emailed to ``audience`` so far, oldest first (for References)."""
        return [u.message_id for u in self.updates if u.audience == audience and u.message_id]

    def outbox_entry(self: "Incident", message_id: str) -> OutboxEntry | None:
        """The entry of ``message_id`` still in the outbox, if any."""
        return next((e for e in self.outbox if e.message_id == message_id), None)

    def queue_email(self: "Incident", entry: OutboxEntry, now: DateTime, by: str = "") -> None:
        """Step 1: keep ``entry`` (state ``sending``) before anything leaves.

        Refused, with nothing kept, if the update would not fit the record (it is tried on a copy),
        or while another email to the same audience is still being sent.
        """
        name = self.audience_name(entry.audience)
        busy = next((e for e in self.outbox if e.audience == entry.audience and e.state == SENDING), None)
        require(busy is None, f"an email to {name} is already being sent (since "
                              f"{local_clock(busy.queued_at, now) if busy else ''}, by {busy.by if busy else ''}): "
                              "wait for it to be recorded before sending another")
        require(entry.to != [], f"{name} has no email address (mishap audience edit {self.id} … --email ADDR)")
        trial = type(self).from_dict(self.to_dict())
        trial.log_update("email", entry.summary, entry.next_promised, now, by, audience=entry.audience,
                         delay_reason=entry.delay_reason, keeps=entry.keeps, message_id=entry.message_id)
        entry.state, entry.queued_at, entry.by = SENDING, to_utc(now), by
        self.outbox.append(entry)
        self.record(now, "email", f"Email to {name} being sent to {', '.join(entry.to)} ({entry.message_id})",
                    by, "email_queued", audience=entry.audience)

    def record_email(self: "Incident", message_id: str, now: DateTime, by: str = "",
                     accepted_at: DateTime | None = None) -> ClientUpdate:
        """Step 3: the server accepted ``message_id``; log it as an update sent by email, out of the outbox.

        It counts as sent when the server accepted it (``accepted_at``, else as the entry noted,
        else now): a deadline it met then is met, however much later it is recorded. A promise
        of the next update whose time passed meanwhile is still recorded (it is what the message
        said), and falls due at once.
        """
        entry = self.outbox_entry(message_id)
        require(entry is not None, f"{message_id} is not in the outbox of {self.id}")
        sent = accepted_at or entry.accepted_at
        future = entry.next_promised is not None and to_utc(entry.next_promised) > to_utc(now)
        update = self.log_update("email", entry.summary, entry.next_promised if future else None, now,
                                 entry.by or by, audience=entry.audience, delay_reason=entry.delay_reason,
                                 keeps=entry.keeps, message_id=message_id,
                                 sent_at=min(to_utc(sent), to_utc(now)) if sent is not None else None)
        if entry.next_promised is not None and not future:
            update.next_promised = to_utc(entry.next_promised)
            self.promise_update(update.next_promised, now, audience=entry.audience)
        self.outbox.remove(entry)
        return update

    def mark_email_accepted(self: "Incident", message_id: str, now: DateTime, by: str = "", why: str = "",
                            accepted_at: DateTime | None = None) -> None:
        """The server accepted ``message_id`` (at ``accepted_at``, else now) but recording it failed (``why``):
        keep that for ``settle_outbox``."""
        entry = self.outbox_entry(message_id)
        require(entry is not None, f"{message_id} is not in the outbox of {self.id}")
        entry.state, entry.accepted_at = ACCEPTED, to_utc(accepted_at or now)
        said = f" ({why})" if why else ""
        self.record(now, "email", f"Email to {self.audience_name(entry.audience)} accepted by the mail server "
                                  f"({message_id}), not yet recorded{said}", by, "email_accepted",
                    audience=entry.audience)

    def email_not_sent(self: "Incident", message_id: str, why: str, now: DateTime, by: str = "") -> None:
        """The server did not take ``message_id`` (or it never reached one): out of the outbox, nothing sent."""
        entry = self.outbox_entry(message_id)
        if entry is None:
            return
        self.outbox.remove(entry)
        self.record(now, "email", f"Email to {self.audience_name(entry.audience)} not sent ({message_id}): {why}",
                    by, "email_not_sent", audience=entry.audience)

    def settle_outbox(self: "Incident", now: DateTime, by: str = "", stale_seconds: int = STALE_SECONDS) -> list[str]:
        """Finish what a stopped mishap left here; returns a line for the person about each.

        Accepted: recorded as sent now (or, if it no longer fits the record, taken out with why).
        Still ``sending`` after ``stale_seconds``: taken out, not recorded and not sent again.
        """
        said = []
        cutoff = to_utc(now) - pendulum.duration(seconds=stale_seconds)
        for entry in list(self.outbox):
            name = self.audience_name(entry.audience)
            if entry.state == ACCEPTED:
                try:
                    self.record_email(entry.message_id, now, by)
                    said.append(f"{self.id}: the email to {name} the server accepted at "
                                f"{local_clock(entry.accepted_at or entry.queued_at, now)} is now recorded as sent")
                except ValidationError as exc:
                    self.outbox.remove(entry)
                    self.record(now, "email", f"Email to {name} was sent ({entry.message_id}) but cannot be recorded "
                                              f"as an update: {exc}", by, "email_unconfirmed", audience=entry.audience)
                    said.append(f"{self.id}: the email to {name} was sent but cannot be recorded as an update ({exc}); "
                                f"log it with mishap update {self.id} TEXT --to AUDIENCE --channel email")
            elif to_utc(entry.queued_at) < cutoff:
                self.outbox.remove(entry)
                self.record(now, "email", f"Email to {name} ({entry.message_id}) was being sent when mishap stopped: "
                                          "it may have gone out; not recorded as sent, and not sent again", by,
                            "email_unconfirmed", audience=entry.audience)
                said.append(f"{self.id}: mishap stopped while emailing {name} at {local_clock(entry.queued_at, now)}: "
                            "it may have gone out. Ask them before sending it again; if it "
                            f"arrived, log it with mishap update {self.id} TEXT --to AUDIENCE --channel email")
        return said

    def outbox_waiting(self: "Incident", now: DateTime, stale_seconds: int = STALE_SECONDS) -> bool:
        """Whether ``settle_outbox`` has anything to do now."""
        cutoff = to_utc(now) - pendulum.duration(seconds=stale_seconds)
        return any(e.state == ACCEPTED or to_utc(e.queued_at) < cutoff for e in self.outbox)
