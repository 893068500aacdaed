"""A second pair of eyes: updates that wait for someone else's approval before they go out.

A team's config (``[updates] approve``, storage.domain.config) names the kinds of audience
whose updates need approval. An update to such an audience is first *asked for*: kept here,
awaiting approval, with nothing sent and no promise kept. Someone other than its author then

- **approves** it: only then is it recorded as sent (``approved_by`` on the update), by email
  through the approver's own mail settings if its author asked for email (the outbox,
  storage.domain.outbox, carries the request's number in its entry's ``extra``; recording
  the email marks the request approved in the same change);
- or **rejects** it, with a reason; or its author **withdraws** it.

An update asked for before a hard deadline and approved after it passed keeps that deadline
late, so it needs the reasons for the delay (``Incident.log_update``): the author's, given
when asking, or else the approver's, given when approving (:meth:`ApprovalBook.delay_for`).

Requests are numbered from 1 in the order asked (the list only grows), so a number names the
same request on every console. Each decision is taken inside one ``store.change``, so of two
approvers racing exactly one finds it pending; the other is told who got there first.
Mixed into :class:`storage.domain.model.Incident`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pendulum import DateTime

from .clock import from_iso, local_clock, to_iso, to_utc
from .fields import ValidationError, instant_field, require, text_field
from .parts import ClientUpdate

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident

PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"
STATES = (PENDING, APPROVED, REJECTED, WITHDRAWN)
#: The key an approval's outbox entry keeps its request's number under (``OutboxEntry.extra``).
OUTBOX_KEY = "approval"
#: Where it keeps a promised time that passed while the update waited (recorded as said, due at once).
PROMISED_KEY = "promised"
#: Where it keeps who gave the reasons for the delay, when it was the approver (for the timeline).
REASON_BY_KEY = "delay_reason_by"


@dataclass
class ApprovalRequest:
    """An update asked for and awaiting approval (or how that ended).

    ``next_promised``: the time the author promised for the next update; None with
    ``by_cadence``: the audience's cadence, counted from the approval. ``email``: send it by
    email when approved, with ``author_address`` (the author's own From) in Cc and Reply-To.
    """

    number: int
    audience: int
    summary: str
    channel: str
    asked_at: DateTime
    by: str
    next_promised: DateTime | None = None
    by_cadence: bool = True
    delay_reason: str = ""
    keeps: int | None = None
    email: bool = False
    author_address: str = ""
    state: str = PENDING
    decided_at: DateTime | None = None
    decided_by: str = ""
    reason: str = ""

    @property
    def pending(self) -> bool:
        """Still awaiting a decision."""
        return self.state == PENDING

    def ended(self, now: DateTime | None = None) -> str:
        """``approved by lena at 10:02``: how it stopped being pending (for a refusal)."""
        at = f" at {local_clock(self.decided_at, now)}" if self.decided_at else ""
        return f"{self.state} by {self.decided_by or 'someone'}{at}"

    def promised_at(self, incident: "Incident", now: DateTime) -> DateTime | None:
        """When the update promises the next one, if sent at ``now``."""
        if self.by_cadence:
            return None if incident.is_closed else incident.next_update_after(now, audience=self.audience)
        return self.next_promised

    def to_dict(self) -> dict:
        return {"number": self.number, "audience": self.audience, "summary": self.summary, "channel": self.channel,
                "asked_at": to_iso(self.asked_at), "by": self.by, "next_promised": to_iso(self.next_promised),
                "by_cadence": self.by_cadence, "delay_reason": self.delay_reason, "keeps": self.keeps,
                "email": self.email, "author_address": self.author_address, "state": self.state,
                "decided_at": to_iso(self.decided_at), "decided_by": self.decided_by, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "ApprovalRequest":
        def whole(key: str, optional: bool) -> int | None:
            value = d.get(key)
            require((optional and value is None) or
                    (isinstance(value, int) and not isinstance(value, bool) and value >= 0),
                    f"{where}.{key} must be a whole number")
            return value

        flags = {key: d.get(key, default) for key, default in (("by_cadence", True), ("email", False))}
        require(all(isinstance(v, bool) for v in flags.values()),
                f"{where}.by_cadence and .email must be true or false")
        state = text_field(d, "state", where, PENDING)
        require(state in STATES, f"{where}.state must be one of {', '.join(STATES)}")
        return cls(whole("number", False), whole("audience", False), text_field(d, "summary", where),
                   text_field(d, "channel", where, ""), instant_field(d, "asked_at", where, optional=False),
                   text_field(d, "by", where, ""), instant_field(d, "next_promised", where), flags["by_cadence"],
                   text_field(d, "delay_reason", where, ""), whole("keeps", True), flags["email"],
                   text_field(d, "author_address", where, ""), state, instant_field(d, "decided_at", where),
                   text_field(d, "decided_by", where, ""), text_field(d, "reason", where, ""))


class ApprovalBook:
    """Updates awaiting approval, and the decisions on them (see the module's docstring).

    Placed before OutboxBook among the Incident's bases: recording an approval's email
    (``record_email``) or dropping it (``email_not_sent``) passes through here first.
    """

    def pending_updates(self: "Incident") -> list[ApprovalRequest]:
        """The updates awaiting approval, oldest first."""
        return [r for r in self.approvals if r.pending]

    def approval_sending(self: "Incident", request: ApprovalRequest):
        """The outbox entry of ``request``'s email, while it is on its way (else None)."""
        return next((e for e in self.outbox if e.extra.get(OUTBOX_KEY) == request.number), None)

    def ask_approval(self: "Incident", channel: str, summary: str, next_promised: DateTime | None, now: DateTime,
                     by: str = "", *, audience: int = 0, by_cadence: bool = False, delay_reason: str = "",
                     keeps: int | None = None, email: bool = False, author_address: str = "") -> ApprovalRequest:
        """Keep an update to ``audience`` as awaiting approval: nothing sent, no promise kept.

        Refused, with nothing kept, if it would not fit the record were it sent now (tried on a copy).
        """
        require(not self.is_closed, f"{self.id} is closed: reopen it before asking to send an update")
        target = self.audience(audience)
        request = ApprovalRequest(len(self.approvals) + 1, audience, summary, channel or target.channel or "email",
                                  to_utc(now), by, to_utc(next_promised) if next_promised else None, by_cadence,
                                  delay_reason.strip(), keeps, email, author_address)
        trial = type(self).from_dict(self.to_dict())
        trial.log_update(request.channel, summary, request.promised_at(self, now), now, by, audience=audience,
                         delay_reason=delay_reason, keeps=keeps)
        self.approvals.append(request)
        how = " by email" if email else ""
        self.record(now, "approval", f"Update {request.number} to {target.name} awaits approval{how}: {summary}", by,
                    "approval_asked", audience=audience)
        return request

    def approval_request(self: "Incident", number: int | None, now: DateTime | None = None) -> ApprovalRequest:
        """The pending request ``number`` names (None: the only one pending); else ValidationError saying why.

        One no longer pending is refused with who ended it, and when: whoever got there first.
        """
        pending = self.pending_updates()
        if number is None:
            if len(pending) == 1:
                return pending[0]
            if pending:
                listed = ", ".join(f"{r.number} ({self.audience_name(r.audience)}, by {r.by})" for r in pending)
                raise ValidationError(f"{len(pending)} updates await approval on {self.id}: name one ({listed})")
            last = max((r for r in self.approvals if r.decided_at), key=lambda r: r.decided_at, default=None)
            said = f": the last, {last.number}, was {last.ended(now)}" if last else ""
            raise ValidationError(f"no update awaits approval on {self.id}{said}")
        require(1 <= number <= len(self.approvals), f"{self.id} has no update {number} awaiting approval"
                + (f" (1-{len(self.approvals)})" if self.approvals else ""))
        request = self.approvals[number - 1]
        require(request.pending, f"update {number} to {self.audience_name(request.audience)} is no longer pending: "
                                 f"it was {request.ended(now)}")
        return request

    def _decidable(self: "Incident", number: int | None, now: DateTime) -> ApprovalRequest:
        request = self.approval_request(number, now)
        entry = self.approval_sending(request)
        require(entry is None, f"update {request.number} to {self.audience_name(request.audience)} is being "
                               f"emailed by {entry.by if entry else ''} (since "
                               f"{local_clock(entry.queued_at, now) if entry else ''}): wait for the mail server")
        return request

    def approvable(self: "Incident", number: int | None, now: DateTime, by: str) -> ApprovalRequest:
        """The request ``by`` may approve now: pending, not being emailed, and not their own."""
        request = self._decidable(number, now)
        require(not self.is_closed, f"{self.id} is closed: reopen it to send update {request.number}, or reject it")
        require(request.by != by, f"update {request.number} to {self.audience_name(request.audience)} is your own: "
                                  "someone else must approve it (withdraw it with mishap withdraw)")
        return request

    def approval_late(self: "Incident", request: ApprovalRequest, now: DateTime):
        """The hard deadline ``request`` would keep late if approved at ``now`` (a Promise), else None."""
        try:
            deadline = self._deadline_kept(request.audience, request.keeps)
        except ValidationError:
            return None  # the deadline it named is no longer open: approving it is refused as it says
        return deadline if deadline is not None and to_utc(now) > to_utc(deadline.due) else None

    def delay_for(self: "Incident", request: ApprovalRequest, now: DateTime, by: str,
                  delay_reason: str = "") -> tuple[str, str]:
        """(the reasons for the delay an approval of ``request`` by ``by`` at ``now`` is recorded with, who gave them).

        The author's reasons, given when asking, stand: an approver who gives reasons as well is
        refused, since the approval sends the text the author wrote and reviewed, and a second
        reason would either be lost or put words in the author's mouth (reject it to have them
        changed). A request with none takes the approver's, and the timeline says they are the
        approver's. Approving late without any is refused, naming the deadline. Not late: they
        are returned all the same and ``log_update`` records none, unless the deadline passes
        before an email of it is recorded as sent.
        """
        given = delay_reason.strip()
        to = self.audience_name(request.audience)
        require(not (given and request.delay_reason),
                f"update {request.number} to {to} already gives {request.by}'s reasons for the delay: approve it "
                "without yours (or reject it to have them changed)")
        late = self.approval_late(request, now)
        require(late is None or bool(request.delay_reason or given),
                f"update {request.number} keeps “{(self.rule_label(late) or late.text) if late else ''}” to {to} late: give the reasons for "
                "the delay (--delay-reason); a late notice must say why")
        return (request.delay_reason, request.by) if request.delay_reason else (given, by if given else "")

    def approve_update(self: "Incident", number: int | None, now: DateTime, by: str = "",
                       delay_reason: str = "") -> ClientUpdate:
        """Approve a pending update not sent by email: recorded as sent now, with who approved it.

        ``delay_reason``: the approver's reasons for the delay, for an update that keeps a hard
        deadline late and whose author gave none (see :meth:`delay_for`).
        """
        request = self.approvable(number, now, by)
        require(not request.email, f"update {request.number} is to be emailed: approving it sends it through your "
                                   "own mail settings (mishap approve, or the console)")
        reason, reason_by = self.delay_for(request, now, by, delay_reason)
        promised = request.promised_at(self, now)
        future = promised is None or to_utc(promised) > to_utc(now)
        update = self.log_update(request.channel, request.summary, promised if future else None, now, request.by,
                                 audience=request.audience, delay_reason=reason, keeps=request.keeps)
        if not future:  # the time its text promised passed while it waited: recorded as said, due at once
            update.next_promised = to_utc(promised)
            self.promise_update(update.next_promised, now, audience=request.audience)
        self._approved(request, update, now, by, reason_by)
        return update

    def _approved(self: "Incident", request: ApprovalRequest, update: ClientUpdate, now: DateTime, by: str,
                  reason_by: str = "") -> None:
        update.by, update.approved_by = request.by, by
        request.state, request.decided_at, request.decided_by = APPROVED, to_utc(now), by
        how = f" and emailed ({update.message_id}, {request.by} in Cc)" if update.message_id else ""
        if update.delay_reason:  # the kept deadline's entry is its author's: say whose reasons they are
            promise = self.promises[update.kept] if update.kept is not None else None
            kept = (self.rule_label(promise) or promise.text) if promise is not None else "a hard deadline"
            whose = f"{reason_by}'s, approving" if reason_by and reason_by != request.by else f"{request.by}'s"
            how += f", keeping “{kept}” late — reasons for the delay ({whose}): {update.delay_reason}"
        self.record(now, "approval", f"Update {request.number} to {self.audience_name(request.audience)} by "
                                     f"{request.by} approved{how}", by, "approval_approved",
                    audience=request.audience)

    def reject_update(self: "Incident", number: int | None, reason: str, now: DateTime,
                      by: str = "") -> ApprovalRequest:
        """Someone other than its author ends a pending update unsent, with the reason."""
        request = self._decidable(number, now)
        require(request.by != by, f"update {request.number} is your own: withdraw it (mishap withdraw) instead")
        require(reason.strip() != "", "say why it is rejected (--reason): its author reads it")
        return self._end(request, REJECTED, " ".join(reason.split()), now, by)

    def withdraw_update(self: "Incident", number: int | None, now: DateTime, by: str = "") -> ApprovalRequest:
        """Its author takes back a pending update, unsent."""
        request = self._decidable(number, now)
        require(request.by == by, f"update {request.number} was asked for by {request.by}: only they can withdraw it "
                                  "(reject it with mishap reject --reason WHY)")
        return self._end(request, WITHDRAWN, "", now, by)

    def _end(self: "Incident", request: ApprovalRequest, state: str, reason: str, now: DateTime,
             by: str) -> ApprovalRequest:
        request.state, request.decided_at, request.decided_by, request.reason = state, to_utc(now), by, reason
        why = f": {reason}" if reason else ""
        self.record(now, "approval", f"Update {request.number} to {self.audience_name(request.audience)} by "
                                     f"{request.by} {state}, not sent{why}", by, f"approval_{state}",
                    audience=request.audience)
        return request

    # -- the email of an approved update (storage.mail.sending calls these through the outbox) ----------

    def record_email(self: "Incident", message_id: str, now: DateTime, by: str = "",
                     accepted_at: DateTime | None = None) -> ClientUpdate:
        """As OutboxBook's, and an approval's email marks its request approved in the same change."""
        entry = self.outbox_entry(message_id)
        number = entry.extra.get(OUTBOX_KEY) if entry is not None else None
        passed = entry.extra.get(PROMISED_KEY) if entry is not None else None
        reason_by = entry.extra.get(REASON_BY_KEY, "") if entry is not None else ""
        update = super().record_email(message_id, now, by, accepted_at)  # type: ignore[misc]
        if isinstance(passed, str) and update.next_promised is None:
            update.next_promised = from_iso(passed)
            self.promise_update(update.next_promised, now, audience=update.audience)
        if isinstance(number, int) and 1 <= number <= len(self.approvals):
            request = self.approvals[number - 1]
            if request.pending:
                self._approved(request, update, now, entry.by or by, reason_by if isinstance(reason_by, str) else "")
        return update
