"""Subcommands that change an incident: ``new``, ``update``, ``done``, ``close``, ``reopen``."""

from __future__ import annotations

from tui.cli.common import (UserError, counting_arg, open_store, say, severity_arg, stamp, step_number_arg, text_arg,
                            warn)


def register(command) -> None:
    """Add this family's subcommands to the parser (see ``tui.cli.FAMILIES``)."""
    p = command("new", "open a new incident and print its id", run_new)
    p.add_argument("title", metavar="TITLE", type=text_arg, help="what went wrong, in a line")
    p.add_argument("--client", metavar="NAME", type=text_arg, required=True, help="client organisation")
    p.add_argument("--severity", metavar="N", type=severity_arg, required=True, help="1 (critical) to 4 (minor)")
    p.add_argument("--contact", metavar="C", type=text_arg, default="", help="who at the client")
    p.add_argument("--first", choices=("us", "client"), default=None,
                   help="who learned of it first: us, or the client told us")
    p.add_argument("--client-tz", metavar="ZONE", type=text_arg, default="",
                   help="the client's time zone, an IANA name (America/New_York): promise times show in both")
    p.add_argument("--client-email", metavar="ADDR", type=text_arg, default="",
                   help="the client's email address (mishap audience edit ID client --email ADDR changes it)")

    p = command("update", "log an update sent to an audience (the client unless --to says otherwise); one the "
                          "store's [updates] approve names awaits someone else's approval", run_update)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("summary", metavar="TEXT", type=text_arg, help="what they were told")
    p.add_argument("--to", metavar="AUDIENCE", dest="to", type=text_arg, default=None,
                   help="whom it was sent to: a name, a kind the incident has one of (management, regulator), or "
                        "the start of a name (default: the client)")
    p.add_argument("--channel", metavar="CH", type=text_arg, default=None,
                   help="email, phone, … (default: the audience's channel, else email)")
    p.add_argument("--next", metavar="WHEN", dest="next_when", type=text_arg, default=None,
                   help="when the next update is promised (default: by that audience's cadence, none if it has "
                        "none; 'none' for no promise)")
    p.add_argument("--delay-reason", metavar="TEXT", type=text_arg, default="",
                   help="the reasons for the delay, required when it keeps a hard deadline late")
    p.add_argument("--keeps", metavar="N", type=counting_arg("a promise number", 3), default=None,
                   help="the hard deadline it keeps, as `mishap show` numbers promises (default: the audience's "
                        "nearest open one)")
    p.add_argument("--send", action="store_true",
                   help="email it to the audience's address(es) through your own [mail] settings, then log it with "
                        "its Message-ID (without --send it is logged as sent some other way)")

    p = command("done", "complete a checklist step", run_done)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("step", metavar="STEP", type=step_number_arg, help="step number, as `mishap show` numbers them")

    p = command("close", "close an incident (root cause, fix, prevention, debrief, cost and lessons first)",
                run_close)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("--reason", metavar="WHY", help="close anyway with parts of the close-out missing, and why")

    p = command("reopen", "reopen a closed incident (the timeline keeps why)", run_reopen)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("--reason", metavar="WHY", type=text_arg, default="", help="why it is reopened")


def run_new(args) -> int:
    """``mishap new``: open an incident and print its id."""
    store = open_store(args)
    if store.playbook.problem:
        warn(store.playbook.problem)
    incident = store.create(args.title, args.client, args.severity, client_contact=args.contact,
                            first_learned_by=args.first, client_tz=args.client_tz, client_email=args.client_email)
    say(incident.id)
    return 0


def run_update(args) -> int:
    """``mishap update``: log an update sent to an audience, and promise the next one by its cadence."""
    from storage.domain.clock import Countdown, read_when

    from tui.cli import approval

    store = open_store(args)
    if approval.asks(store, args):  # the team's [updates] approve: kept for someone else's eyes, nothing sent
        return approval.ask(store, args)
    mail = _mail_ready(args) if args.send else None  # settings, password and text before anything is written
    _finish_outbox(store)
    target = store.get(args.id)
    when = args.next_when
    if when is not None:
        # A bad WHEN fails here, before the store is locked.
        no_promise = read_when(when, store.clock(), allow_none=True).is_none
        if target.is_closed and not no_promise:
            raise UserError(f"{target.id} is closed: there is no next update to promise")

    def decide(incident, now):
        audience = 0 if args.to is None else incident.find_audience(args.to)
        if incident.is_closed:
            promised = None  # a closed incident has no countdown
        elif when is not None:
            # Read against the instant the update is logged at, so "2h" is exactly 2 h after it.
            promised = read_when(when, now, allow_none=True).at
        else:
            promised = incident.next_update_after(now, audience=audience)  # None: its cadence is none
        return audience, promised, None if args.keeps is None else args.keeps - 1

    def log(incident, now, by):
        audience, promised, keeps = decide(incident, now)
        update = incident.log_update(args.channel or "", args.summary, promised, now, by, audience=audience,
                                     delay_reason=args.delay_reason, keeps=keeps)
        return incident, update

    if mail is not None:
        update, emailed = _email(store, args, mail, decide)
        incident = store.get(args.id)
    else:
        incident, update = store.change(args.id, log)
        emailed = ""
    said = "update" if update.audience == 0 else f"update to {incident.audience_name(update.audience)}"
    said += emailed or " logged"
    if update.next_promised is None:
        line = f"{incident.id}: {said}; no next update promised"
    else:
        countdown = Countdown.at(update.next_promised, store.clock())
        line = f"{incident.id}: {said}; next update due {countdown.due_local} ({countdown.relative})"
    if update.kept is not None:
        deadline = incident.promises[update.kept]
        late = (f" late (due {stamp(deadline.due)}), with the reasons for the delay on the record"
                if deadline.broken_at is not None else " in time")
        line += f"; it keeps {update.kept + 1}. {incident.rule_label(deadline)}{late}"
    say(line)
    return 0


def _mail_ready(args):
    """(settings, password) for ``--send``, after the text is found sendable; a MailError says what is missing."""
    from storage.mail.message import check_sendable
    from storage.mail.settings import mail_password, read_mail_settings

    if args.channel not in (None, "email"):
        raise UserError(f"--send emails the update: leave out --channel {args.channel} (or log it without --send)")
    check_sendable(args.summary)
    settings = read_mail_settings()
    return settings, mail_password(settings)


def _finish_outbox(store) -> None:
    """What a stopped mishap left in the outbox, finished before anything else (each said on stderr)."""
    from storage.mail.sending import finish_outbox

    if store.read_only:
        return
    for line in finish_outbox(store):
        warn(line)


def _email(store, args, mail, decide):
    """Email the update (queue, send, record); (the update recorded, the words saying so)."""
    from storage.mail.sending import NotRecorded, Wanted, send_update

    settings, password = mail

    def prepare(incident, now, by):
        audience, promised, keeps = decide(incident, now)
        return Wanted(audience, args.summary, promised, args.delay_reason, keeps)

    try:
        update, queued, delivered = send_update(store, args.id, settings, password, prepare)
    except NotRecorded as exc:
        raise UserError(str(exc)) from None
    for address, why in delivered.refused.items():
        warn(f"the mail server refused {address} ({why}); the others were sent it")
    sent_to = [a for a in queued.recipients if a not in delivered.refused]
    return update, f" emailed to {', '.join(sent_to)} ({update.message_id})"


def run_done(args) -> int:
    """``mishap done``: complete a checklist step (already done is success, nothing written)."""
    store = open_store(args)

    def complete(incident, now, by):
        return incident.complete_step(args.step - 1, now, by), incident.steps[args.step - 1]

    already, step = store.change(args.id, complete)
    incident = store.get(args.id)
    if already is not None:
        # "done" means "mark it done": already so on disk is success, and nothing is written.
        say(f"{incident.id}: {already.message(store.clock())}; nothing written")
        return 0
    done, total = incident.progress()
    say(f"{incident.id}: step {args.step} done ({step.phase}: {step.text}); {done}/{total} done")
    return 0


def run_close(args) -> int:
    """``mishap close``: close an incident, with a reason when its close-out is incomplete."""
    from storage.domain.fields import ValidationError

    store = open_store(args)

    def close(incident, now, by):
        if incident.is_closed:
            raise ValidationError(f"{incident.id} is already closed")
        incident.close(now, by, reason=args.reason or "")
        return incident.id, incident.close_reason

    number, reason = store.change(args.id, close)
    say(f"{number}: closed" + (f" (without a full close-out: {reason})" if reason else ""))
    return 0


def run_reopen(args) -> int:
    """``mishap reopen``: reopen a closed incident and say when the next update is due."""
    from storage.domain.clock import Countdown
    from storage.domain.fields import ValidationError

    store = open_store(args)

    def reopen(incident, now, by):
        if not incident.is_closed:
            raise ValidationError(f"{incident.id} is not closed")
        incident.reopen(now, by, args.reason)
        return incident.id, incident.next_deadline

    number, due = store.change(args.id, reopen)
    countdown = Countdown.at(due, store.clock()) if due else None
    say(f"{number}: reopened" + (f"; next client update due {countdown.due_local} ({countdown.relative})"
                                  if countdown else ""))
    return 0
