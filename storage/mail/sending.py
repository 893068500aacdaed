"""The order of events of an emailed update: queue it in the store's outbox, send it, record it.

The outbox is kept in the incident's own document (storage.domain.outbox), so each step is a
``store.change``: durable and atomic on both backends, with no code of its own in either.

1. :func:`queue` — one change builds the message (its Message-ID, its thread) from the incident
   as stored now and keeps it in the outbox; refused there (nothing kept) if the update does
   not fit the record, the audience has no address, or an email to it is still on its way.
2. :func:`storage.mail.smtp.deliver` — the server is given the message, as kept.
3. :func:`settle` — accepted: recorded as sent (channel ``email``, the Message-ID); refused:
   out of the outbox, nothing recorded as sent; unknown (no answer after the message was
   handed over): left in the outbox, never sent again (``settle_outbox`` notes it later).

:func:`send_update` runs the three in turn (the command line). The console runs 1 and 3 on its
store thread and 2 on a thread of its own, so a slow server holds up neither the screen nor
other writes. Another caller (an approver sending someone else's update with Cc and Reply-To)
passes its own ``prepare``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from storage.domain.outbox import SENDING, OutboxEntry
from storage.domain.fields import ValidationError

from .message import Outgoing, addresses_of, build_message, check_sendable, message_text, new_message_id, subject_for
from .settings import MailError, MailSettings
from .smtp import TIMEOUT_SECONDS, Delivered, MailUncertain, deliver

if TYPE_CHECKING:  # pragma: no cover
    from pendulum import DateTime

    from storage.domain.model import Incident
    from storage.domain.parts import ClientUpdate


class NotRecorded(Exception):
    """The server accepted the email but recording it failed; the outbox keeps it for the next mishap."""


@dataclass(frozen=True)
class Wanted:
    """The update to email, as a caller decides it from the incident as stored now.

    ``cc`` and ``reply_to``: (name, address) pairs; ``extra``: kept on the outbox entry as it is.
    """

    audience: int
    summary: str
    next_promised: "DateTime | None" = None
    delay_reason: str = ""
    keeps: int | None = None
    cc: tuple[tuple[str, str], ...] = ()
    reply_to: tuple[tuple[str, str], ...] = ()
    extra: dict = field(default_factory=dict)


Prepare = Callable[["Incident", "DateTime", str], Wanted]


@dataclass(frozen=True)
class Queued:
    """An email kept in the outbox, ready to hand to the server."""

    number: int
    incident_id: str
    message_id: str
    audience: int
    audience_name: str
    recipients: list[str]
    message: str


def outgoing_for(incident: "Incident", wanted: Wanted, settings: MailSettings, now: "DateTime",
                 message_id: str | None = None) -> Outgoing:
    """The email ``wanted`` is, to its audience's address(es), threaded after the updates emailed to it before."""
    check_sendable(wanted.summary)
    audience = incident.audience(wanted.audience)
    to = addresses_of(audience.email)
    if not to:
        raise MailError(f"{audience.name} has no email address: add one with mishap audience edit {incident.id} "
                        f"{audience.name!r} --email ADDR")
    return Outgoing(subject_for(incident.id, incident.title), wanted.summary,
                    tuple((audience.name, address) for address in to),
                    message_id or new_message_id(settings), now, tuple(incident.email_thread(wanted.audience)),
                    tuple(wanted.cc), tuple(wanted.reply_to))


def queue(store, incident_id: str | int, settings: MailSettings, prepare: Prepare) -> Queued:
    """Step 1: build the message from the incident as stored now and keep it in its outbox (one change)."""

    def apply(incident, now, by):
        wanted = prepare(incident, now, by)
        try:
            outgoing = outgoing_for(incident, wanted, settings, now)
            message = message_text(build_message(settings, outgoing))
        except MailError as exc:
            raise ValidationError(str(exc)) from None
        incident.queue_email(OutboxEntry(outgoing.message_id, wanted.audience, outgoing.recipients, wanted.summary,
                                         message, now, by, wanted.next_promised, wanted.delay_reason, wanted.keeps,
                                         extra=dict(wanted.extra)), now, by)
        return Queued(incident.number, incident.id, outgoing.message_id, wanted.audience,
                      incident.audience_name(wanted.audience), outgoing.recipients, message)

    return store.change(incident_id, apply)


def send_queued(settings: MailSettings, queued: Queued, password: str,
                timeout: float = TIMEOUT_SECONDS) -> Delivered | MailError:
    """Step 2: hand the message to the server; what came of it (a MailError is returned, not raised)."""
    try:
        return deliver(settings, queued.recipients, queued.message, password, timeout)
    except MailError as exc:
        return exc


def settle(store, queued: Queued, outcome: Delivered | MailError) -> "ClientUpdate":
    """Step 3: record what the server said. Returns the update recorded as sent; raises MailError (not
    sent, or not known) or NotRecorded (sent, the record waits in the outbox)."""
    from storage.store.errors import StoreError

    accepted = store.clock()  # the server has answered: an acceptance counts as sent as of now
    if isinstance(outcome, MailUncertain):
        raise MailUncertain(f"{outcome}. mishap will not send it again, nor record it as sent: ask "
                            f"{queued.audience_name} whether it arrived (the outbox notes it)")
    if isinstance(outcome, MailError):
        try:
            store.change(queued.number, lambda inc, now, by: inc.email_not_sent(queued.message_id, str(outcome),
                                                                                 now, by))
        except (ValidationError, StoreError, OSError):
            pass  # it stays "sending" and is noted as unconfirmed later: never sent twice either way
        raise outcome
    try:
        return store.change(queued.number,
                            lambda inc, now, by: inc.record_email(queued.message_id, now, by, accepted))
    except (ValidationError, StoreError, OSError) as exc:
        why = " ".join(str(exc).split())
        try:
            store.change(queued.number,
                         lambda inc, now, by: inc.mark_email_accepted(queued.message_id, now, by, why, accepted))
        except (ValidationError, StoreError, OSError):
            # The store cannot take even that (a full disk, a database gone): this machine keeps
            # it, and the next mishap here marks it accepted in the outbox and records it.
            note_accepted(queued.message_id)
        raise NotRecorded(f"the email to {queued.audience_name} was sent ({queued.message_id}), but recording it "
                          f"failed: {why}; the next mishap to open the store records it from the outbox") from None


def send_update(store, incident_id: str | int, settings: MailSettings, password: str, prepare: Prepare,
                timeout: float = TIMEOUT_SECONDS) -> tuple["ClientUpdate", Queued, Delivered]:
    """Queue, send and record one update (the three steps in turn, in this thread)."""
    queued = queue(store, incident_id, settings, prepare)
    outcome = send_queued(settings, queued, password, timeout)
    update = settle(store, queued, outcome)
    assert isinstance(outcome, Delivered)
    return update, queued, outcome


def finish_outbox(store) -> list[str]:
    """What stopped mishaps left in the outboxes of the open incidents, finished; a line about each.

    Run by every mishap that opens a store to write (the console, ``mishap update``). Cheap when
    there is nothing to do: it reads the incidents already loaded.
    """
    from storage.store.errors import StoreError

    now = store.clock()
    noted = accepted_here()
    said: list[str] = []
    handled: set[str] = set()  # noted here, found in an outbox, and finished now

    def finish(inc, at, by):
        for entry in inc.outbox:
            if entry.message_id in noted and entry.state == SENDING:
                inc.mark_email_accepted(entry.message_id, at, by, "noted by the mishap that sent it")
        return inc.settle_outbox(at, by)

    for incident in store.open_incidents():
        mine = noted & {e.message_id for e in incident.outbox}
        if not incident.outbox or not (incident.outbox_waiting(now) or mine):
            continue
        try:
            said += store.change(incident.number, finish)
        except (ValidationError, StoreError, OSError) as exc:
            said.append(f"{incident.id}: its outbox could not be finished ({exc}); the next mishap tries again")
            continue
        handled |= mine
    if handled:
        forget_accepted(handled)
    return said


# -- what this machine knows when the store could not take it ---------------------------------------

def accepted_file() -> Path:
    """Where this machine notes Message-IDs the server accepted while the store could not record them."""
    import platformdirs

    return Path(platformdirs.user_state_dir("mishap", appauthor=False)) / "accepted-emails"


def note_accepted(message_id: str) -> None:
    """Keep ``message_id`` as accepted on this machine, durably (best effort: it is the last resort)."""
    import os

    path = accepted_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="ascii") as handle:
            handle.write(message_id + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        pass  # the outbox still holds it as "sending": never sent twice, noted as unconfirmed


def accepted_here() -> set[str]:
    """The Message-IDs this machine noted as accepted and not yet recorded."""
    try:
        return {line.strip() for line in accepted_file().read_text("ascii").splitlines() if line.strip()}
    except (OSError, UnicodeDecodeError):
        return set()


def forget_accepted(done: set[str]) -> None:
    """Drop ``done`` from this machine's notes (recorded, or no longer in any outbox)."""
    from storage.store import write_atomically

    left = sorted(accepted_here() - done)
    try:
        if left:
            write_atomically(accepted_file(), "".join(f"{m}\n" for m in left))
        else:
            accepted_file().unlink(missing_ok=True)
    except OSError:
        pass
