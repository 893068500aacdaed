"""``mishap handover``: a shift change: the incident, and the audiences its owner holds, move to someone else."""

from __future__ import annotations

from tui.cli.common import UserError, open_store, say, text_arg, warn


def register(command) -> None:
    """Add this family's subcommands to the parser (see ``tui.cli.FAMILIES``)."""
    p = command("handover", "hand an incident over to someone else (a shift change), with a note", run_handover)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("--to", metavar="NAME", dest="to", type=text_arg, required=True,
                   help="who takes it over: their mishap name ($MISHAP_USER, or their login or database role)")
    p.add_argument("--audience", metavar="AUDIENCE", type=text_arg, default=None,
                   help="hand over only this audience (a name, a kind the incident has one of, or the start of a "
                        "name); without it the incident moves, with every audience its owner holds")
    p.add_argument("--note", metavar="TEXT", type=text_arg, default="",
                   help="what the next person must know; required, it goes on the timeline")


def acting_user(store) -> str:
    """Who hands over: ``$MISHAP_USER``, else on a database the role connected as, else the login
    (the console's rule, storage.store.presence)."""
    if store.folder is not None:
        return store.user
    from storage.store import open_presence, presence_user

    board = open_presence(store)
    try:
        return presence_user(store, board)
    finally:
        board.close()


def seen_before(store, name: str) -> bool:
    """Whether ``name`` is on this store's records (an owner, or who did something): open incidents
    first, the closed history only when they do not have it."""
    wanted = name.casefold()

    def names(incident):
        return (incident.owner, *(a.owner for a in incident.audiences), *(t.by for t in incident.timeline))

    if any(wanted == n.casefold() for incident in store.open_incidents() for n in names(incident)):
        return True
    return any(wanted == n.casefold() for incident in store.closed_incidents() for n in names(incident))


def run_handover(args) -> int:
    """``mishap handover ID --to NAME [--audience AUDIENCE] --note TEXT``."""
    if not args.note.strip():
        raise UserError("a hand-over needs a note: what the next person must know (--note TEXT); nothing was changed")
    store = open_store(args)
    store.get(args.id)  # an unknown id is said before anything else
    to = " ".join(args.to.split())
    unseen = not seen_before(store, to)  # said once the hand-over is made (a refused one says only why)
    me = acting_user(store)

    def hand(incident, now, by):
        audience = None if args.audience is None else incident.find_audience(args.audience)
        moving = [a.name for a in incident.audiences if a.active and a.owner == incident.owner and a.owner != to]
        return incident.hand_over(to, args.note, now, by, audience=audience), audience, moving

    already, audience, moving = store.acting_as(me).change(args.id, hand)
    incident = store.get(args.id)
    if unseen:
        warn(f"nobody named {to!r} has used this store yet: check the name (it is handed over all the same)")
    if already is not None:
        say(f"{incident.id}: {already.message(store.clock())}; nothing written")
        return 0
    if audience is not None:
        say(f"{incident.id}: {incident.audience_name(audience)} handed over to {to}")
        return 0
    said = f" with {', '.join(moving)}" if moving else ""
    say(f"{incident.id}: handed over to {to}{said}")
    return 0
