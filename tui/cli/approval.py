"""Subcommands of a second pair of eyes: ``approve``, ``reject`` and ``withdraw`` an update awaiting approval.

``mishap update`` to an audience whose kind the store's ``[updates] approve`` names asks for
approval instead of logging it sent (:func:`ask`); the domain is storage.domain.approval.
"""

from __future__ import annotations

from tui.cli.common import UserError, counting_arg, open_store, say, stamp, text_arg, warn


def register(command) -> None:
    """Add this family's subcommands to the parser (see ``tui.cli.FAMILIES``)."""
    number = counting_arg("the number of an update awaiting approval", 2)
    p = command("approve", "approve someone else's update awaiting approval: it is sent (emailed if asked) and "
                           "recorded with your name", run_approve)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("n", metavar="N", nargs="?", type=number, default=None,
                   help="which one, as `mishap show` numbers them (needed only when more than one is pending)")
    p.add_argument("--delay-reason", metavar="TEXT", type=text_arg, default="",
                   help="the reasons for the delay: needed when approving now keeps a hard deadline late (e.g. a "
                        "GDPR notice) and its author gave none")

    p = command("reject", "end someone else's update awaiting approval, unsent, with the reason", run_reject)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("n", metavar="N", nargs="?", type=number, default=None,
                   help="which one (needed only when more than one is pending)")
    p.add_argument("--reason", metavar="WHY", type=text_arg, required=True, help="why, for its author and the record")

    p = command("withdraw", "take back your own update awaiting approval, unsent", run_withdraw)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("n", metavar="N", nargs="?", type=number, default=None,
                   help="which one (needed only when more than one is pending)")


def asks(store, args) -> bool:
    """Whether ``mishap update`` asks for approval: the store's config names its audience's kind."""
    if not store.config.approve:
        return False
    incident = store.get(args.id)
    if incident.is_closed:
        return False  # a closed incident's update is history, not a message about to go out
    audience = 0 if args.to is None else incident.find_audience(args.to)
    return store.config.needs_approval(incident.audience(audience).kind)


def ask(store, args) -> int:
    """``mishap update`` to such an audience: kept as awaiting approval; nothing sent, no promise kept."""
    from storage.domain.clock import Countdown, read_when

    author = ""
    if args.send:  # email it once approved, the author in Cc: their own From is checked now
        from storage.mail.message import check_sendable
        from storage.mail.settings import read_mail_settings

        if args.channel not in (None, "email"):
            raise UserError(f"--send emails the update: leave out --channel {args.channel} (or log it without --send)")
        check_sendable(args.summary)
        author = read_mail_settings().sender
    when = args.next_when
    if when is not None:
        read_when(when, store.clock(), allow_none=True)  # a bad WHEN fails before anything is written

    def apply(incident, now, by):
        audience = 0 if args.to is None else incident.find_audience(args.to)
        promised = read_when(when, now, allow_none=True).at if when is not None else None
        request = incident.ask_approval("email" if args.send else args.channel or "", args.summary, promised, now, by,
                                        audience=audience, by_cadence=when is None, delay_reason=args.delay_reason,
                                        keeps=None if args.keeps is None else args.keeps - 1, email=args.send,
                                        author_address=author)
        return incident, request

    incident, request = store.change(args.id, apply)
    to = incident.audience_name(request.audience)
    how = "to be emailed once approved" if request.email else "to be logged as sent once approved"
    line = (f"{incident.id}: update {request.number} to {to} awaits approval ({how}; someone else approves it with "
            f"mishap approve {incident.id} {request.number}); nothing sent yet")
    promise = incident.update_promise(request.audience)
    if promise is not None:
        countdown = Countdown.at(promise.due, store.clock())
        line += f"; the update is still due {countdown.due_local} ({countdown.relative})"
    say(line)
    return 0


def _opened(args):
    """The store, what a stopped mishap left in its outbox finished, and the incident as stored now."""
    from tui.cli.writing import _finish_outbox

    store = open_store(args)
    _finish_outbox(store)
    return store, store.get(args.id)


def run_approve(args) -> int:
    """``mishap approve``: someone else's pending update sent (emailed if asked) and recorded as approved."""
    from storage.domain.clock import Countdown

    store, incident = _opened(args)
    now = store.clock()
    request = incident.approvable(args.n, now, store.user)  # refused here: nothing written, nothing sent
    incident.delay_for(request, now, store.user, args.delay_reason)  # likewise: a late one needs the reasons
    if request.email:
        from storage.mail.approval import approval_prepare
        from storage.mail.sending import NotRecorded, send_update
        from storage.mail.settings import mail_password, read_mail_settings

        settings = read_mail_settings()
        password = mail_password(settings)
        try:
            update, queued, delivered = send_update(store, incident.number, settings, password,
                                                    approval_prepare(request.number, args.delay_reason))
        except NotRecorded as exc:
            raise UserError(str(exc)) from None
        for address, why in delivered.refused.items():
            warn(f"the mail server refused {address} ({why}); the others were sent it")
        sent_to = [a for a in queued.recipients if a not in delivered.refused]
        how = f"emailed to {', '.join(sent_to)} ({update.message_id}), {request.by} in Cc and Reply-To"
    else:
        update = store.change(incident.number, lambda inc, now, by: inc.approve_update(request.number, now, by,
                                                                                     args.delay_reason))
        how = f"logged as sent ({update.channel})"
    incident = store.get(incident.number)
    line = (f"{incident.id}: update {request.number} to {incident.audience_name(update.audience)} by {update.by} "
            f"approved and {how}")
    if update.delay_reason:
        line += f"; kept a hard deadline late, with the reasons for the delay: {update.delay_reason}"
    if update.next_promised is not None:
        countdown = Countdown.at(update.next_promised, store.clock())
        line += f"; next update due {countdown.due_local} ({countdown.relative})"
    say(line)
    return 0


def run_reject(args) -> int:
    """``mishap reject``: someone else's pending update ended unsent, the reason on the record."""
    store, incident = _opened(args)
    request = store.change(incident.number, lambda inc, now, by: inc.reject_update(args.n, args.reason, now, by))
    say(f"{incident.id}: update {request.number} to {incident.audience_name(request.audience)} by {request.by} "
        f"rejected, not sent ({request.reason})")
    return 0


def run_withdraw(args) -> int:
    """``mishap withdraw``: your own pending update taken back, unsent."""
    store, incident = _opened(args)
    request = store.change(incident.number, lambda inc, now, by: inc.withdraw_update(args.n, now, by))
    say(f"{incident.id}: update {request.number} to {incident.audience_name(request.audience)} withdrawn, "
        f"not sent (asked at {stamp(request.asked_at)})")
    return 0
