"""Subcommands that do what the console's keys do: ``set``, ``promise add|keep|move`` and ``step``.

Each carries the user's intent, as the console's keys do: an intent already true on disk
("keep promise 2" when it is kept) writes nothing and says so, with who did it and when.
"""

from __future__ import annotations

from tui.cli.common import UserError, counting_arg, open_store, say, stamp, step_number_arg, text_arg

_promise_number = counting_arg("a promise number", 2)

SET_FIELDS = ("happened", "discovered", "acknowledged", "contained", "resolved", "client-tz")


def register(command) -> None:
    """Add this family's subcommands to the parser (see ``tui.cli.FAMILIES``)."""
    p = command("set", "correct when it happened, was discovered, acknowledged, contained or resolved "
                       "(with --reason), or set the client's time zone", run_set)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("field", metavar="FIELD", choices=SET_FIELDS, help=", ".join(SET_FIELDS))
    p.add_argument("value", metavar="VALUE", type=text_arg,
                   help="a date and time (2026-11-20 14:05, your time; or with an offset), or for client-tz an "
                        "IANA zone (America/New_York; none clears it)")
    p.add_argument("--reason", metavar="WHY", type=text_arg, default="",
                   help="why the record is corrected (required for the instants; kept on the timeline)")

    p = command("promise", "add, keep or move a promise made to an audience (the client by default); a hard "
                           "deadline cannot be moved", run_promise)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("add", help="record a commitment made to the client, or to another audience",
                           parents=[command.db_parent])
    a.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    a.add_argument("text", metavar="TEXT", type=text_arg, help="what was promised (credit note to Dana)")
    a.add_argument("--due", metavar="WHEN", type=text_arg, required=True, help="by when (30m, 17:30, morning, ISO)")
    a.add_argument("--to", metavar="AUDIENCE", type=text_arg, default=None,
                   help="whom it was promised to: a name, a kind the incident has one of, or the start of a name "
                        "(default: the client)")
    a = actions.add_parser("keep", help="mark a commitment kept", parents=[command.db_parent])
    a.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    a.add_argument("number", metavar="N", type=_promise_number, nargs="?", default=None,
                   help="promise number, as `mishap show` numbers them (default: the only open commitment)")
    a = actions.add_parser("move", help="move a promise's time, with the client's agreement as the reason "
                                        "(a promise already missed stays broken)", parents=[command.db_parent])
    a.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    a.add_argument("number", metavar="N", type=_promise_number, help="promise number, as `mishap show` numbers them")
    a.add_argument("--due", metavar="WHEN", type=text_arg, required=True, help="the new time")
    a.add_argument("--reason", metavar="WHY", type=text_arg, required=True,
                   help="why it moves (the client agreed to …); kept on the record")

    p = command("step", "mark a checklist step done, or undo it", run_step)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("step", metavar="STEP", type=step_number_arg, help="step number, as `mishap show` numbers them")
    p.add_argument("intent", metavar="done|undo", choices=("done", "undo"), help="done, or undo (not done after all)")


def _due_words(incident, due, now) -> str:
    """``17:00 their time (16:00 ours), in 2 h``: both zones when the client has one."""
    from storage.domain.clock import relative
    from storage.domain.zones import both_zones

    return f"{both_zones(due, incident.client_tz, now)}, {relative(due, now)}"


# -- set ---------------------------------------------------------------------------------------


def run_set(args) -> int:
    """``mishap set ID FIELD VALUE``: a correction of the record (with a reason), or the client's zone."""
    store = open_store(args)
    if args.field == "client-tz":
        return _set_zone(store, args)
    from storage.domain.clock import local_stamp, read_instant

    from storage.domain.corrections import CORRECTABLE

    field, words = CORRECTABLE[args.field]
    if not args.reason.strip():
        raise UserError(f"correcting {words} needs --reason WHY (the timeline keeps it): "
                        f"mishap set {args.id} {args.field} {args.value!r} --reason \"…\"")
    instant = read_instant(args.value)  # a bad time fails here, before the store is locked

    def correct(incident, now, by):
        old = getattr(incident, field)
        before = [(p.due, p.broken_at) for p in incident.promises]
        unchanged = incident.correct_instant(args.field, instant, args.reason, now, by)
        return unchanged, incident, old, before

    unchanged, incident, old, before = store.change(args.id, correct)
    number = incident.id
    if unchanged is not None:
        say(f"{number}: {unchanged.message(store.clock())}; nothing written")
        return 0
    lines = [f"{number}: {args.field} corrected from {local_stamp(old) if old else 'not recorded'} to "
             f"{local_stamp(instant)} (your time); the timeline keeps the old value and why"]
    lines += _deadlines_moved(incident, before, store.clock())
    say("\n".join(lines))
    return 0


def _deadlines_moved(incident, before, now) -> list[str]:
    """What a correction did to the hard deadlines: each one moved, newly counting, or broken, a line each."""
    lines = []
    for index, promise in enumerate(incident.promises):
        if not promise.hard:
            continue
        label = f"  {index + 1}. {incident.rule_label(promise)} to {incident.audience_name(promise.audience)}"
        old_due, was_broken = before[index] if index < len(before) else (None, None)
        if old_due is None:
            lines.append(f"{label} now counts: due {_due_words(incident, promise.due, now)}")
        elif old_due != promise.due:
            lines.append(f"{label} moved from {stamp(old_due)} to {_due_words(incident, promise.due, now)}")
        else:
            continue
        if promise.broken_at is not None and was_broken is None:
            lines.append("     broken: it was already past once the record was corrected")
        elif was_broken is not None:
            lines.append("     it stays broken: it was missed before this correction")
    return lines


def _set_zone(store, args) -> int:
    from storage.domain.zones import client_zone

    zone = client_zone(args.value)  # a bad name fails here, before the store is locked

    def set_zone(incident, now, by):
        return incident.set_client_zone(zone, now, by), incident

    unchanged, incident = store.change(args.id, set_zone)
    if unchanged is not None:
        say(f"{incident.id}: {unchanged.message(store.clock())}; nothing written")
    elif zone:
        now = store.clock()
        say(f"{incident.id}: the client's time zone is {zone} (it is {now.in_timezone(zone).format('HH:mm')} there "
            "now); promise times show both zones")
    else:
        say(f"{incident.id}: the client's time zone is cleared; times show in yours only")
    return 0


# -- promise -----------------------------------------------------------------------------------


def run_promise(args) -> int:
    """``mishap promise add|keep|move``."""
    store = open_store(args)
    return {"add": _add, "keep": _keep, "move": _move}[args.action](store, args)


def _add(store, args) -> int:
    from storage.domain.clock import parse_when

    parse_when(args.due, store.clock())  # a bad WHEN fails here, before the store is locked

    def add(incident, now, by):
        # Read against the instant it is recorded at, so "2h" is exactly 2 h after it.
        audience = 0 if args.to is None else incident.find_audience(args.to)
        promise = incident.add_promise(args.text, parse_when(args.due, now), now, by, audience=audience)
        return incident, len(incident.promises), promise

    incident, number, promise = store.change(args.id, add)
    to = "" if promise.audience == 0 else f" to {incident.audience_name(promise.audience)}"
    say(f"{incident.id}: promise {number} added{to}: {args.text} — due "
        f"{_due_words(incident, promise.due, store.clock())}")
    return 0


def _keep(store, args) -> int:
    def keep(incident, now, by):
        index = _only_open_commitment(incident) if args.number is None else args.number - 1
        return incident.keep_promise(index, now, by), incident, index

    unchanged, incident, index = store.change(args.id, keep)
    if unchanged is not None:
        say(f"{incident.id}: {unchanged.message(store.clock())}; nothing written")
        return 0
    promise = incident.promises[index]
    late = "; it was late, so it stays broken on the record" if promise.broken_at else ""
    say(f"{incident.id}: promise {index + 1} kept ({promise.text}){late}")
    return 0


def _only_open_commitment(incident) -> int:
    """The index of the incident's one open commitment; a UserError names the choices otherwise."""
    owed = [i for i, p in enumerate(incident.promises) if p.is_open and p.kind == "commitment"]
    if len(owed) == 1:
        return owed[0]
    if not owed:
        raise UserError(f"{incident.id} has no open commitment to keep (a promised update is kept by sending "
                        f"it: mishap update {incident.id} …)")
    choices = ", ".join(f"{i + 1} ({incident.promises[i].text})" for i in owed)
    raise UserError(f"{incident.id} has {len(owed)} open commitments: say which to keep: {choices}")


def _move(store, args) -> int:
    from storage.domain.clock import parse_when
    from storage.domain.intent import Unchanged

    parse_when(args.due, store.clock())

    def move(incident, now, by):
        index = args.number - 1
        new_due = parse_when(args.due, now)
        if 0 <= index < len(incident.promises) and incident.promises[index].due == new_due:
            return Unchanged(f"promise {args.number} is already due then"), incident, index
        incident.renegotiate(index, new_due, args.reason, now, by)
        return None, incident, index

    unchanged, incident, index = store.change(args.id, move)
    if unchanged is not None:
        say(f"{incident.id}: {unchanged.message()}; nothing written")
        return 0
    promise = incident.promises[index]
    broken = "; it was already late, so it stays broken on the record" if promise.broken_at else ""
    say(f"{incident.id}: promise {index + 1} moved to {_due_words(incident, promise.due, store.clock())}{broken}")
    return 0


# -- step --------------------------------------------------------------------------------------


def run_step(args) -> int:
    """``mishap step ID N done|undo``."""
    store = open_store(args)

    def mark(incident, now, by):
        index = args.step - 1
        change = incident.complete_step if args.intent == "done" else incident.reopen_step
        return change(index, now, by), incident

    unchanged, incident = store.change(args.id, mark)
    if unchanged is not None:
        say(f"{incident.id}: {unchanged.message(store.clock())}; nothing written")
        return 0
    step = incident.steps[args.step - 1]
    done, total = incident.progress()
    said = "done" if args.intent == "done" else "not done any more"
    say(f"{incident.id}: step {args.step} {said} ({step.phase}: {step.text}); {done}/{total} done")
    return 0
