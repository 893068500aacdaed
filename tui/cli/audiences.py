"""Subcommands for who is owed word: ``audience add|edit|list|remove``, ``tag`` and ``untag``.

Also the views of audiences and hard deadlines that ``mishap show`` prints (text and JSON).
An audience is named as the issue says (case-insensitive): an exact name, then a kind the
incident has only one of, then the unique start of a name
(:meth:`storage.domain.audiences.AudienceBook.find_audience`). Every change goes through the
store's write path; a refused one changes nothing and is one line on stderr, exit 2.
"""

from __future__ import annotations

from tui.cli.common import UserError, columns, one_line, open_store, print_json, say, stamp, text_arg, warn

# The kinds of audience (storage.domain.audiences.AUDIENCE_KINDS; written out here because building
# the parser must not load pendulum, which `mishap status` never does; a test holds them equal).
KINDS = ("client", "management", "regulator", "other")
LEGAL_NOTE = True  # the parsers of this family say once that hard deadlines are not legal advice


def register(command) -> None:
    """Add this family's subcommands to the parser (see ``tui.cli.FAMILIES``)."""
    p = command("audience", "add, edit, list or remove a party owed word (the client, management, a regulator, "
                            "another); AUDIENCE is a name, a kind the incident has one of, or the start of a name",
                run_audience)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("add", help="owe word to another party", description="owe word to another party",
                           parents=[command.db_parent])
    a.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    a.add_argument("name", metavar="NAME", type=text_arg, help="who: Tom Reed (MD), ICO")
    a.add_argument("--kind", metavar="KIND", choices=KINDS, required=True, help=", ".join(KINDS))
    a.add_argument("--internal", action="store_true",
                   help="ours, not the client's side (management always is; the others are external without it)")
    _details(a)

    a = actions.add_parser("edit", help="change an audience's name, address, cadence or channel (the client's too)",
                           description="change an audience's name, address, cadence or channel (the client's too)",
                           parents=[command.db_parent])
    a.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    a.add_argument("audience", metavar="AUDIENCE", type=text_arg, help="which audience")
    a.add_argument("--name", metavar="NAME", type=text_arg, default=None, help="its new name")
    _details(a, editing=True)

    a = actions.add_parser("list", help="every audience: when it was last told, and its next deadline",
                           description="every audience: when it was last told, and its next deadline",
                           parents=[command.db_parent])
    a.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    a.add_argument("--json", action="store_true", help="a JSON array, as `mishap show ID --json` has it")

    a = actions.add_parser("remove", help="owe a party no more word: its open promises are released with the "
                                          "reason, and its history stays",
                           description="owe a party no more word: its open promises are released with the "
                                       "reason, and its history stays", parents=[command.db_parent])
    a.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    a.add_argument("audience", metavar="AUDIENCE", type=text_arg, help="which audience")
    a.add_argument("--reason", metavar="WHY", type=text_arg, required=True, help="why (kept on the record)")

    p = command("tag", "tag an incident (personal-data, processor-breach, nis2, …): the playbook's deadline "
                       "rules for a tag become hard deadlines at once", run_tag)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("tags", metavar="TAG", nargs="+", type=text_arg, help="one word each")
    p.legal_note = LEGAL_NOTE

    p = command("untag", "take a tag off; its open hard deadlines are released with the reason, never erased",
                run_untag)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("tag", metavar="TAG", type=text_arg, help="the tag")
    p.add_argument("--reason", metavar="WHY", type=text_arg, default="",
                   help="why it does not apply (required when the tag has deadlines; kept on the record)")
    p.legal_note = LEGAL_NOTE


def _details(parser, *, editing: bool = False) -> None:
    """--cadence, --email and --channel: for ``edit``, what is not given stays as it is."""
    parser.add_argument("--cadence", metavar="WHEN", type=cadence_arg, default=... if editing else None,
                        help="how often it is promised word: a span (4h, 1d), morning (the next working "
                             "morning), or none (no promised updates)" + ("" if editing else "; default none"))
    parser.add_argument("--email", metavar="ADDR", type=text_arg, default=None if editing else "",
                        help="its email address" + (" ('' clears it)" if editing else ""))
    parser.add_argument("--channel", metavar="CH", type=text_arg, default=None if editing else "",
                        help="how it is told (email, phone, portal, …)")


def cadence_arg(value: str) -> int | None:
    """``--cadence``: a span in minutes, 0 for ``morning``, None for ``none`` (no promised updates)."""
    import argparse

    from storage.domain.config import parse_span

    if " ".join(value.split()).lower() == "none":
        return None
    try:
        return parse_span(value, allow_morning=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}; or morning, or none") from None


# -- audience ----------------------------------------------------------------------------------


def run_audience(args) -> int:
    """``mishap audience add|edit|list|remove``."""
    store = open_store(args)
    return {"add": _add, "edit": _edit, "list": _list, "remove": _remove}[args.action](store, args)


def _add(store, args) -> int:
    from storage.domain.audiences import cadence_said

    def add(incident, now, by):
        index = incident.add_audience(args.name, args.kind, now, by, internal=True if args.internal else None,
                                      channel=args.channel, email=args.email, cadence_minutes=args.cadence)
        return incident, index

    incident, index = store.change(args.id, add)
    audience = incident.audiences[index]
    where = "internal" if audience.internal else "external"
    say(f"{incident.id}: audience {audience.name} added ({audience.kind}, {where}, "
        f"{cadence_said(audience.cadence_minutes)})")
    return 0


def _edit(store, args) -> int:
    if args.name is None and args.email is None and args.cadence is ... and args.channel is None:
        raise UserError("say what to change: --name, --email, --cadence or --channel")

    def edit(incident, now, by):
        index = incident.find_audience(args.audience)
        unchanged = incident.edit_audience(index, now, by, name=args.name, email=args.email,
                                           cadence_minutes=args.cadence, channel=args.channel)
        return unchanged, incident, index

    unchanged, incident, index = store.change(args.id, edit)
    if unchanged is not None:
        say(f"{incident.id}: {unchanged.message(store.clock())}; nothing written")
        return 0
    say(f"{incident.id}: {incident.timeline[-1].text}")
    return 0


def _list(store, args) -> int:
    incident = store.get(args.id)
    now = store.clock()
    if args.json:
        print_json(audience_documents(incident))
        return 0
    say("\n".join(audience_table(incident, now)))
    return 0


def _remove(store, args) -> int:
    def remove(incident, now, by):
        index = incident.find_audience(args.audience)
        released = incident.retire_audience(index, args.reason, now, by)
        return incident, index, [incident.owed_words(p) for p in released]

    incident, index, released = store.change(args.id, remove)
    name = incident.audiences[index].name
    freed = f"; released: {', '.join(released)}" if released else ""
    say(f"{incident.id}: {name} removed (its history stays){freed}")
    return 0


# -- tags --------------------------------------------------------------------------------------


def run_tag(args) -> int:
    """``mishap tag ID TAG…``: the tags, and the hard deadlines they put on the ledger."""
    store = open_store(args)
    if store.playbook.problem:
        warn(store.playbook.problem)  # a rule that cannot be read is named; the rest still works
    rules = store.playbook.rules

    def tag(incident, now, by):
        before = len(incident.promises)
        added = incident.set_tags(args.tags, rules, now, by)
        return incident, added, incident.promises[before:]

    incident, added, armed = store.change(args.id, tag)
    now = store.clock()
    if not added:
        say(f"{incident.id}: already tagged {', '.join(incident.tags)}; nothing written")
        return 0
    lines = [f"{incident.id}: tagged {', '.join(added)}"]
    for promise in armed:
        lines.append(f"  {_deadline_line(incident, promise, now)}")
    waiting = [(rule, words) for rule, words in incident.waiting_rules() if rule.tag in added]
    lines += [f"  {rule.short} to {rule.audience or incident.client_org}: {words}" for rule, words in waiting]
    say("\n".join(lines))
    return 0


def run_untag(args) -> int:
    """``mishap untag ID TAG [--reason WHY]``: its open deadlines released with the reason."""
    store = open_store(args)

    def untag(incident, now, by):
        words = {id(p): incident.owed_words(p) for p in incident.hard_deadlines()}  # while its rules are in force
        released = incident.remove_tag(args.tag, args.reason, now, by)
        return incident, [words[id(p)] for p in released]

    incident, released = store.change(args.id, untag)
    freed = f"; released: {', '.join(released)} — {args.reason}" if released else ""
    say(f"{incident.id}: untagged {' '.join(args.tag.split()).lower()}{freed}")
    return 0


# -- views: what `show` and `audience list` print ------------------------------------------------


def _deadline_line(incident, promise, now) -> str:
    """``3. GDPR notice: 71 h left — to Supervisory authority, due 2026-05-07 11:30``."""
    number = incident.promises.index(promise) + 1
    state = promise.state(now)
    said = incident.deadline_words(promise, now) if state in ("open", "overdue") else \
        f"{incident.rule_label(promise)}: {state}"
    return f"{number}. {said} — to {incident.audience_name(promise.audience)}, due {stamp(promise.due)}"


def update_document(incident, update) -> dict:
    """An update as `show --json` has it: the stored fields, its audience by name."""
    return {**update.to_dict(), "audience": incident.audience_name(update.audience)}


def audience_documents(incident) -> list[dict]:
    """Every audience (those removed too, with when and why) as `show --json` and `audience list --json` have it."""
    from storage.domain.audiences import cadence_text
    from storage.domain.clock import to_iso

    rows = []
    for index, audience in enumerate(incident.audiences):
        told = incident.last_told(index)
        rows.append({"name": audience.name, "kind": audience.kind, "internal": audience.internal,
                     "email": audience.email, "channel": audience.channel,
                     "cadence": cadence_text(audience.cadence_minutes), "owner": audience.owner,
                     "next_update_due": to_iso(incident.audience_next_due(index)),
                     "last_told": update_document(incident, told) if told is not None else None,
                     "added_at": to_iso(audience.added_at), "removed_at": to_iso(audience.retired_at),
                     "removed_reason": audience.retired_reason or None})
    return rows


def show_document(incident) -> dict:
    """The incident's JSON for `show --json`: the stored document, each audience named (not numbered),
    ``audiences`` with when each was last told and is next owed word, and each promise's ``hard``."""
    from tui.cli.common import with_id

    doc = with_id(incident.to_dict())
    doc["audiences"] = audience_documents(incident)
    doc["tags"] = list(incident.tags)
    doc["promises"] = [{**row, "audience": incident.audience_name(p.audience), "hard": p.hard}
                       for p, row in zip(incident.promises, doc["promises"])]
    doc["updates"] = [update_document(incident, u) for u in incident.updates]
    if incident.approvals:  # updates asked for approval (storage.domain.approval), each audience named
        doc["approvals"] = [{**r.to_dict(), "audience": incident.audience_name(r.audience)} for r in incident.approvals]
    doc["timeline"] = [{**row, "audience": incident.audience_name(e.audience)} if e.audience is not None else row
                       for e, row in zip(incident.timeline, doc["timeline"])]
    return doc


def audience_table(incident, now) -> list[str]:
    """`audience list`: one row per audience (removed ones last, marked)."""
    from storage.domain.audiences import cadence_said
    from storage.domain.clock import relative

    rows = []
    order = sorted(range(len(incident.audiences)), key=lambda i: (not incident.audiences[i].active, i))
    for index in order:
        audience = incident.audiences[index]
        told = incident.last_told(index)
        owed = incident.audience_promises(index)
        nearest = owed[0] if owed else None
        if not audience.active:
            nxt = f"removed {stamp(audience.retired_at)}: {audience.retired_reason}"
        elif nearest is not None and nearest.hard:
            nxt = f"{incident.deadline_words(nearest, now)} ({stamp(nearest.due)})"
        elif nearest is not None:
            nxt = f"{incident.owed_words(nearest)} {relative(nearest.due, now)} ({stamp(nearest.due)})"
        else:
            nxt = "nothing owed"
        rows.append([one_line(audience.name), audience.kind, "internal" if audience.internal else "external",
                     cadence_said(audience.cadence_minutes),
                     f"{stamp(told.sent_at)} ({one_line(told.channel)})" if told else "never",
                     one_line(nxt)])
    return columns(["AUDIENCE", "KIND", "SIDE", "CADENCE", "LAST TOLD", "NEXT"], rows)


def audience_lines(incident, now) -> list[str]:
    """`show`: each audience with when it was last told, how and what, its next deadline, its open promises."""
    from storage.domain.audiences import cadence_said
    from storage.domain.clock import relative

    out = ["Audiences"]
    for index, audience in enumerate(incident.audiences):
        where = "internal" if audience.internal else "external"
        reach = ", ".join(one_line(x) for x in (audience.email, audience.channel) if x)
        gone = f"; removed {stamp(audience.retired_at)}: {audience.retired_reason}" if not audience.active else ""
        # Who holds the pen for it, when not the incident's owner (after `mishap handover --audience`).
        held = f"; held by {one_line(audience.owner)}" if audience.owner and audience.owner != incident.owner else ""
        out.append(f"  {audience.name} ({audience.kind}, {where}; {cadence_said(audience.cadence_minutes)}"
                   f"{'; ' + reach if reach else ''}{held}{gone})")
        told = incident.last_told(index)
        if told is None:
            out.append("      last told: never")
        else:
            first = (told.summary.splitlines() or [""])[0]
            out.append(f"      last told: {stamp(told.sent_at)} by {one_line(told.channel)}: {one_line(first)}")
        due = incident.audience_next_due(index)
        if audience.active:
            out.append(f"      next due: {f'{relative(due, now)} ({stamp(due)})' if due else 'no update promised'}")
        for promise in incident.audience_promises(index):
            number = incident.promises.index(promise) + 1
            label = (incident.deadline_words(promise, now) if promise.hard
                     else f"{promise.text} {relative(promise.due, now)}")
            out.append(f"      owed: {number}. {label} (due {stamp(promise.due)})")
    return out


def deadline_lines(incident, now) -> list[str]:
    """`show`: the open hard deadlines (``GDPR notice: 41 h left``) and the rules still waiting."""
    hard = incident.hard_deadlines()
    waiting = incident.waiting_rules()
    if not hard and not waiting and not incident.deadline_rules:
        return []
    out = ["Hard deadlines" if hard or waiting else "Hard deadlines: none open"]
    out += [f"  {_deadline_line(incident, p, now)}" for p in hard]
    out += [f"  {rule.short}: {words} ({rule.within} from then)" for rule, words in waiting]
    return out
