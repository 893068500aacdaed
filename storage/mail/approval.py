"""An approved update emailed through the approver's own mail settings, its author in Cc and Reply-To.

The approval itself is the domain's (storage.domain.approval); this is what the approver's
mishap hands to :func:`storage.mail.sending.send_update` (or, in the console, to
``queue``): the ``prepare`` that checks, inside the change that queues the email, that the
request is still pending, not the approver's own, and not already on its way. Of two approvers
racing, the second is refused there, with who got there first.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import TYPE_CHECKING

from storage.domain.approval import OUTBOX_KEY, PROMISED_KEY, REASON_BY_KEY
from storage.domain.clock import to_iso, to_utc
from storage.domain.fields import require

from .sending import Prepare, Wanted

if TYPE_CHECKING:  # pragma: no cover
    from pendulum import DateTime

    from storage.domain.model import Incident


def author_pair(address: str) -> tuple[str, str] | None:
    """``("Dana Reyes", "dana@example.com")`` from an author's From, None when it holds no address."""
    name, addr = parseaddr(address)
    return (name, addr) if "@" in addr else None


def approval_prepare(number: int, delay_reason: str = "") -> Prepare:
    """The email of pending request ``number``, decided from the incident as stored now.

    ``delay_reason``: the approver's reasons for the delay, used when the email keeps a hard
    deadline late and its author gave none (storage.domain.approval.ApprovalBook.delay_for);
    the outbox entry notes whose they are, for the timeline once it is recorded as sent.
    """

    def prepare(incident: "Incident", now: "DateTime", by: str) -> Wanted:
        request = incident.approvable(number, now, by)
        require(request.email, f"update {request.number} was not asked to go by email")
        reason, reason_by = incident.delay_for(request, now, by, delay_reason)
        author = author_pair(request.author_address)
        pairs = (author,) if author else ()
        extra = {OUTBOX_KEY: request.number, "author": request.by}
        if reason_by and reason_by != request.by:
            extra[REASON_BY_KEY] = reason_by
        promised = request.promised_at(incident, now)
        if promised is not None and to_utc(promised) <= to_utc(now):
            # The time its text promised passed while it waited: recorded as said once sent (and due at
            # once), not refused as a promise in the past (storage.domain.approval.ApprovalBook.record_email).
            extra[PROMISED_KEY], promised = to_iso(promised), None
        return Wanted(request.audience, request.summary, promised, reason, request.keeps, cc=pairs,
                      reply_to=pairs, extra=extra)

    return prepare
