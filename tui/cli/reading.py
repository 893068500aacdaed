"""Subcommands that read incidents and change nothing: ``list`` and ``show``."""

from __future__ import annotations

from tui.cli.common import EXIT_INCOMPLETE, columns, indented, one_line, open_store, print_json, say, stamp


def register(command) -> None:
    """Add this family's subcommands to the parser (see ``tui.cli.FAMILIES``)."""
    p = command("list", "open incidents, most urgent first", run_list)
    p.add_argument("--closed", action="store_true",
                   help="list closed incidents instead; exit 1 if a closed incident's file could not be read "
                        "(the others are listed, and the problem said on stderr)")
    p.add_argument("--json", action="store_true",
                   help="a JSON array of full incident documents, each with its id (as `show ID --json` has them)")
    p.add_argument("--mine", action="store_true",
                   help="only the incidents you hold: you own the incident or one of its audiences "
                        "(you: $MISHAP_USER, else your database role, else your login)")

    p = command("show", "everything about one incident", run_show)
    p.add_argument("id", metavar="ID", help="incident id, e.g. M-3")
    p.add_argument("--json", action="store_true",
                   help="the incident's JSON document, with its id, its tags, and its audiences by name (each with "
                        "when it was last told and is next owed word)")


def run_list(args) -> int:
    """``mishap list``: open incidents by urgency, or closed ones newest first."""
    from storage.readers.alerts import by_urgency

    store = open_store(args)
    now = store.clock()
    if args.closed:
        incidents = sorted(store.closed_incidents(), key=_recently_closed)
    else:
        incidents = by_urgency(store.open_incidents(), now)  # the board's order, to the second
    if args.mine:
        # The user's own: the incident, or one of its audiences, is theirs (tui.cli.handover's name).
        from tui.cli.handover import acting_user

        me = acting_user(store)
        incidents = [i for i in incidents if i.held_by(me)]
    # Some closed incident could not be read: what could be is listed, and the exit status says so.
    status = EXIT_INCOMPLETE if args.closed and store.review_problems() else 0
    if args.json:
        from tui.cli.audiences import show_document

        print_json([show_document(i) for i in incidents])
        return status
    lines = _closed_table(incidents, now) if args.closed else _open_table(incidents, now)
    say("\n".join(lines))
    return status


def run_show(args) -> int:
    """``mishap show ID``: everything about one incident, or its JSON document."""
    store = open_store(args)
    incident = store.get(args.id)
    if args.json:
        from tui.cli.audiences import show_document

        print_json(show_document(incident))
    else:
        say("\n".join(show_lines(incident, store.clock())))
    return 0


def _recently_closed(incident) -> tuple:
    closed = incident.closed_at
    return (closed is None, -closed.timestamp() if closed else 0.0, incident.number)


def _open_table(incidents, now) -> list[str]:
    from storage.domain.clock import Countdown

    if not incidents:
        return ["No open incidents."]
    rows = []
    for inc in incidents:
        countdown = Countdown.at(inc.next_deadline, now, inc.cadence)
        due = f"{countdown.relative} ({countdown.due_local})" if inc.next_deadline else countdown.relative
        done, total = inc.progress()
        rows.append([inc.id, due, str(inc.severity), inc.status, f"{done}/{total}",
                     one_line(inc.client_org), one_line(inc.title)])
    return columns(["ID", "NEXT UPDATE", "SEV", "STATUS", "DONE", "CLIENT", "TITLE"], rows)


def _closed_table(incidents, now) -> list[str]:
    from storage.domain.spans import human_span

    if not incidents:
        return ["No closed incidents."]
    rows = []
    for inc in incidents:
        took = human_span((inc.closed_at - inc.discovered_at).total_seconds()) if inc.closed_at else "?"
        done, total = inc.progress()
        rows.append([inc.id, stamp(inc.closed_at), took, str(inc.severity), f"{done}/{total}",
                     one_line(inc.client_org), one_line(inc.title)])
    return columns(["ID", "CLOSED", "OPEN FOR", "SEV", "DONE", "CLIENT", "TITLE"], rows)


def show_lines(inc, now) -> list[str]:
    """Everything about one incident, as lines of plain text."""
    from storage.domain.clock import Countdown, relative
    from storage.domain.zones import client_clock
    from storage.readers.report import build_report
    from tui.cli.audiences import audience_lines, deadline_lines

    report = build_report(inc)  # the internal report: the same words and figures as the export
    countdown = Countdown.at(inc.next_deadline, now, inc.cadence)
    if inc.next_deadline:
        next_update = f"{countdown.relative} ({stamp(inc.next_deadline)}), {countdown.state.value}"
    else:
        next_update = countdown.relative
    nearest = inc.nearest_promise()
    nearest_owed = ""
    if nearest is not None and (nearest.audience != 0 or nearest.hard):
        # The countdown runs to another audience's promise: say whose, as the board does.
        nearest_owed = f"{inc.owed_words(nearest)}, {relative(nearest.due, now)} ({stamp(nearest.due)})"
    learned = {"us": "us", "client": "the client (they told us)", None: "not recorded"}[inc.first_learned_by]
    contact = f" — {inc.client_contact}" if inc.client_contact else ""
    out = [f"{inc.id}  {inc.title}", ""]
    fields = [
        ("Client", f"{inc.client_org}{contact}"),
        ("Client zone", inc.client_tz or "not set (times are yours)"),
        ("Severity", report.severity_words),
        ("Status", inc.status),
        ("Owner", inc.owner or "—"),
        ("Next update", next_update),
        *([("Next owed", nearest_owed)] if nearest_owed else []),
        ("Cadence", report.cadence),
        ("Tags", ", ".join(inc.tags) or "none"),
        ("Happened", stamp(inc.happened_at)),
        ("Discovered", stamp(inc.discovered_at)),
        ("Acknowledged", stamp(inc.acknowledged_at)),
        ("Contained", stamp(inc.contained_at)),
        ("Resolved", stamp(inc.resolved_at)),
        ("First to know", learned),
        ("Closed", stamp(inc.closed_at)),
    ]
    out += [f"  {name:<14}{value}" for name, value in fields]
    hard = deadline_lines(inc, now)
    out += ["", *hard] if hard else []
    out += ["", *audience_lines(inc, now)]

    done, total = inc.progress()
    out += ["", f"Checklist ({done}/{total} done)"]
    phase = None
    for number, step in enumerate(inc.steps, start=1):
        if step.phase != phase:
            phase = step.phase
            out.append(f"  {phase}")
        mark = "x" if step.done else " "
        line = f"    [{mark}] {number:>2}. {step.text}"
        if step.done:
            line += f" — {step.done_by or 'someone'}, {stamp(step.done_at)}"
            if step.note:
                line += f" ({step.note})"
        out.append(line)

    out += ["", f"Damage: {inc.damage_summary()}"]
    for number, item in enumerate(inc.damage, start=1):
        impact = f" — {item.impact}" if item.impact else ""
        out.append(f"  {number:>2}. [{item.state}] {item.what}{impact} (severity {item.severity})")
    if inc.questions:
        out.append("Open questions")
        for number, q in enumerate(inc.questions, start=1):
            status = f"answered: {q.answer}" if q.answered_at else "open"
            out.append(f"  {number:>2}. {q.text} — {status}")

    out += ["", "Updates" if inc.updates else "Updates: none yet"]
    checked = {(row.sent_at, row.summary): row for row in report.updates}
    for update in inc.updates:
        row = checked.get((update.sent_at, update.summary)) if update.audience == 0 else None
        how = f", {row.punctuality}" if row is not None else ""
        promise = f"; next promised {stamp(update.next_promised)}" if update.next_promised else ""
        kept = ""
        if update.kept is not None and update.kept < len(inc.promises):
            deadline = inc.promises[update.kept]
            kept = f"; kept {update.kept + 1}. {inc.rule_label(deadline)}" + (" late" if deadline.broken_at else "")
        to = inc.audience_name(update.audience)
        out.append(f"  {stamp(update.sent_at)}  to {to}, {one_line(update.channel)}{how}{promise}{kept}")
        if update.delay_reason:
            out.append(f"    reasons for the delay: {one_line(update.delay_reason)}")
        out += indented(update.summary)

    pending = inc.pending_updates()
    out += ["", "Awaiting approval (mishap approve, reject, withdraw)"] if pending else []
    for request in pending:
        how = ", to be emailed" if request.email else f", {one_line(request.channel)}"
        out.append(f"  {request.number}. to {inc.audience_name(request.audience)}{how}, asked by {request.by} "
                   f"{stamp(request.asked_at)}")
        out += indented(request.summary)

    out += ["", "Promises" if inc.promises else "Promises: none"]
    for number, promise in sorted(enumerate(inc.promises, start=1), key=lambda item: item[1].due):
        moved = f", moved {len(promise.renegotiations)}×" if promise.renegotiations else ""
        theirs = f" ({client_clock(promise.due, inc.client_tz, now)[0]} their time)" if inc.client_tz else ""
        to = inc.audience_name(promise.audience)
        owed = "" if promise.audience == 0 or promise.text.endswith(f" to {to}") else f" (to {to})"
        hard = ", hard deadline" if promise.hard else ""
        out.append(f"  {number:>2}. [{promise.state(now)}] {promise.text}{owed} — due {stamp(promise.due)}{theirs}"
                   f"{hard}{moved}")
        if promise.release_reason:
            out.append(f"      released: {one_line(promise.release_reason)}")
        for change in promise.renegotiations:
            out.append(f"      moved from {stamp(change.old_due)} to {stamp(change.new_due)}: {change.reason}")

    for title, text in (("Root cause", inc.root_cause), ("Fix", inc.fix)):
        out += ["", title] + (indented(text, "  ") if text else ["  —"])
    out += ["", "Prevention"]
    for action in inc.prevention:
        who = f", {action.owner}" if action.owner else ""
        due = f", due {stamp(action.due)}" if action.due else ""
        out.append(f"  - {action.text}{who}{due}")
    if not inc.prevention:
        out.append("  —")
    out += ["", f"Cost: {report.cost.words()}"]
    out += ["", "Lessons"] + (indented(inc.lessons, "  ") if inc.lessons else ["  —"])

    out += ["", "Timeline"]
    for entry in inc.timeline:
        by = f" ({entry.by})" if entry.by else ""
        out.append(f"  {stamp(entry.at)}  {entry.kind:<8} {entry.text}{by}")
    return out
