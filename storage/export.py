"""The post-incident report: a pure function from an incident to Markdown.

Every piece of user text goes through :func:`inline` or :func:`block`, so a
title such as ``# a | b`` or a summary with ``[link](x)`` stays plain text and
cannot break a heading, a table or a list, and a pasted escape sequence shows as
``␛[31m`` (storage.visible) instead of driving the terminal of whoever reads the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pendulum
from pendulum import DateTime

from .clock import human_span, local_zone
from .metrics import compact_span, review_row
from .model import FIRST_CONTACT_MINUTES, SEVERITY_NAMES, Incident
from .visible import visible

AUDIENCES = ("internal", "client")
# Timeline entries a client report leaves out: internal notes, and cost entries
# (they carry the cost split).
INTERNAL_KINDS = frozenset({"note", "cost"})
# Notes on checklist steps are internal too; the model files them under "step".
_STEP_NOTE_PREFIXES = ("Note on step ", "Note cleared on step ")


def is_internal(kind: str, text: str) -> bool:
    """Whether a timeline entry stays out of what the client sees."""
    return kind in INTERNAL_KINDS or (kind == "step" and text.startswith(_STEP_NOTE_PREFIXES))

# Characters with a meaning somewhere in Markdown (CommonMark lets any ASCII
# punctuation be backslash-escaped, so escaping them is always safe).
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&!])")
# What makes a line something other than a paragraph line when it starts it.
_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


# Control characters (an escape sequence pasted into a field) are made visible by the one
# rule every view uses (ESC shows as ␛, U+202E as ⟨U+202E⟩): a report someone cats in a
# terminal must not drive it. U+2028 and U+2029 are line breaks to splitlines() but not to
# Markdown: a space, so lines break only at newlines.
_OTHER_BREAKS = {0x2028: ord(" "), 0x2029: ord(" ")}


def _visible(text: str) -> str:
    return visible(text, multiline=True).translate(_OTHER_BREAKS)


def inline(text: str) -> str:
    """User text made safe inside a table cell, heading or list item (line breaks become <br>)."""
    lines = [_SPECIAL.sub(r"\\\1", line).strip() for line in _visible(text).splitlines()]
    return "<br>".join(lines)


def block(text: str) -> str:
    """User text made safe as paragraphs: each line kept, none can start a list, heading or code."""
    out = []
    for line in _visible(text).splitlines():
        line = _SPECIAL.sub(r"\\\1", line).strip()
        # "- x" becomes "\\- x"; "1. x" becomes "1\\. x" (the dot is what makes the list).
        line = _LINE_START.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1), line)
        out.append(line)
    # Hard line breaks inside a paragraph; blank lines still separate paragraphs.
    paragraphs = "\n".join(out).split("\n\n")
    return "\n\n".join(p.strip("\n").replace("\n", "\\\n") for p in paragraphs if p.strip())


def cell(text: str) -> str:
    """A table cell: escaped user text, or a dash when empty."""
    return inline(text) or "—"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


@dataclass(frozen=True)
class Punctuality:
    """One client update against the time it had been promised by."""

    promised: DateTime | None
    late_seconds: float | None  # None when nothing had been promised
    missed: bool = False  # its time passed before it went out, even if the time was then moved
    moved: int = 0  # how often its time was renegotiated

    @property
    def on_time(self) -> bool | None:
        """Whether the update went out by the promised time (None: nothing was promised)."""
        if self.late_seconds is None:
            return None
        return self.late_seconds <= 0 and not self.missed

    def describe(self) -> str:
        """``on time (3 min early)``, ``12 min late``, ``late (moved after its time)`` or ``nothing promised``."""
        if self.late_seconds is None:
            return "nothing promised"
        moved = f", time moved ×{self.moved}" if self.moved else ""
        if self.late_seconds > 0:
            return f"{human_span(self.late_seconds)} late{moved}"
        if self.missed:
            return f"late (its time was moved after it had passed{moved})"
        early = f"{human_span(-self.late_seconds)} early" if self.late_seconds < 0 else ""
        detail = ", ".join(p for p in (early, moved.lstrip(", ")) if p)
        return f"on time ({detail})" if detail else "on time"


def punctuality(incident: Incident) -> list[Punctuality]:
    """For each client update, when it was due and whether it went out in time.

    Each update is measured against the promise of it in the ledger (the first-contact
    deadline, then the time each update promised, as renegotiated). An incident without a
    ledger is measured the old way: the first update against discovery plus the severity's
    first-contact window, each later one against the time the previous update promised.
    """
    kept = {p.kept_at: p for p in incident.promises if p.kind == "update" and p.kept_at is not None}
    result = []
    promised: DateTime | None = incident.discovered_at + pendulum.duration(
        minutes=FIRST_CONTACT_MINUTES.get(incident.severity, 60))
    for update in incident.updates:
        promise = kept.get(update.sent_at)
        if promise is not None:
            result.append(Punctuality(promise.due, (update.sent_at - promise.due).total_seconds(),
                                      promise.broken_at is not None, len(promise.renegotiations)))
        elif kept:
            result.append(Punctuality(None, None))  # sent with nothing owed: an extra update
        else:
            late = None if promised is None else (update.sent_at - promised).total_seconds()
            result.append(Punctuality(promised, late))
        promised = update.next_promised
    return result


def client_text(kind: str, text: str) -> str:
    """A timeline entry as the client reads it: a close keeps its reason and gaps to us."""
    if kind == "status" and text.startswith("Closed (") and " without " in text:
        return text.split(" without ", 1)[0]
    return text


def _keeping_informed(inc: Incident) -> list[str]:
    """Update punctuality and promises in figures (the same ones the review shows)."""
    row = review_row(inc)
    due = (f"{row.updates_on_time} of {row.updates_due} promised updates went out on time "
           f"({row.on_time_share:.0%}); a missed or late one counts against."
           if row.updates_due else "No promised update came due.")
    return _table(["Measure", "Value"], [
        ["Time to acknowledge", compact_span(row.ack)],
        ["Discovery to first client contact", compact_span(row.first_contact)],
        ["Client heard it from us first", {True: "yes", False: "no: the client found out first",
                                          None: "not recorded"}[row.us_first]],
        ["Promised updates on time", due],
        ["Longest silence while open", compact_span(row.silence)],
        ["Promises broken", str(row.broken)],
        ["Promises renegotiated", str(row.renegotiated)],
    ])


def _promises(inc: Incident, zone) -> list[str]:
    out = ["", "## Promises", ""]
    if not inc.promises:
        return out + ["No promises recorded."]
    rows = []
    for p in sorted(inc.promises, key=lambda p: p.made_at):
        moved = "<br>".join(f"{_fmt(r.old_due, zone)} → {_fmt(r.new_due, zone)}: {inline(r.reason)}"
                            for r in p.renegotiations) or "—"
        rows.append([cell(p.text), p.kind, _fmt(p.made_at, zone), _fmt(p.due, zone), p.state(), moved])
    return out + _table(["Promise", "Kind", "Made", "Due", "State", "Renegotiated"], rows)


def _fmt(instant: DateTime | None, tz) -> str:
    if instant is None:
        return "—"
    return instant.in_timezone(tz).format("YYYY-MM-DD HH:mm Z")


def _after(instant: DateTime | None, start: DateTime) -> str:
    if instant is None:
        return ""
    seconds = (instant - start).total_seconds()
    if seconds < 0:
        return f" ({human_span(seconds)} before discovery)"
    return f" ({human_span(seconds)} after discovery)"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _hours(value: float) -> str:
    return f"{value:g} h"


def render_markdown(incident: Incident, audience: str = "internal", tz=None) -> str:
    """The post-incident report of ``incident`` as Markdown.

    Both audiences get the key times, damage, checklist, client updates with their
    punctuality, the promises (kept, broken, renegotiated and why), the figures of how
    the client was kept informed, root cause, fix, prevention, the debrief, lessons and
    the timeline. The client audience leaves out internal notes (timeline entries of
    kind ``note``), notes on checklist steps, the cost split (the cost table and
    ``cost`` timeline entries; credits and unbilled hours are listed as what we did to
    make it right) and why it was closed with the close-out incomplete. ``tz`` is the
    zone times are shown in (default: the user's local zone).
    """
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}: use {' or '.join(AUDIENCES)}")
    zone = tz if tz is not None else local_zone()
    internal = audience == "internal"
    inc = incident
    out: list[str] = [f"# Post-incident report: {inc.id} — {inline(inc.title) or '(untitled)'}", ""]
    if not internal:
        out += ["*Prepared for the client.*", ""]

    learned = {"us": "from us", "client": "the client told us", None: "not recorded"}[inc.first_learned_by]
    out += _table(["Incident", inc.id], [
        ["Client", cell(inc.client_org)],
        ["Contact", cell(inc.client_contact)],
        ["Severity", f"{inc.severity} ({SEVERITY_NAMES.get(inc.severity, '?')})"],
        ["Status", inc.status],
        ["Owner", cell(inc.owner)],
        ["Who learned of it first", learned],
        ["Update cadence", f"every {human_span(inc.cadence_minutes * 60)}"],
    ])

    first_update = inc.updates[0].sent_at if inc.updates else None
    out += ["", "## Key times", ""]
    out += _table(["Moment", "When"], [
        ["Mistake happened", _fmt(inc.happened_at, zone)],
        ["Discovered", _fmt(inc.discovered_at, zone)],
        ["Acknowledged", _fmt(inc.acknowledged_at, zone) + _after(inc.acknowledged_at, inc.discovered_at)],
        ["First client update", _fmt(first_update, zone) + _after(first_update, inc.discovered_at)],
        ["Closed", _fmt(inc.closed_at, zone) + _after(inc.closed_at, inc.discovered_at)],
    ])

    out += ["", "## Damage", ""]
    if inc.damage:
        out += _table(["#", "What", "Impact", "Severity", "State"], [
            [str(i), cell(d.what), cell(d.impact), str(d.severity), d.state]
            for i, d in enumerate(inc.damage, start=1)])
    else:
        out.append("No damage recorded.")
    if inc.questions:
        out += ["", "Open questions:", ""]
        for q in inc.questions:
            answer = f" — answered: {inline(q.answer) or '(no answer text)'}" if q.answered_at else " — still open"
            out.append(f"- {inline(q.text)}{answer}")

    done, total = inc.progress()
    out += ["", f"## Checklist ({done}/{total} done)"]
    phase = None
    for number, step in enumerate(inc.steps, start=1):
        if step.phase != phase:
            phase = step.phase
            out += ["", f"### {inline(phase)}", ""]
        mark = "x" if step.done else " "
        line = f"- \\[{mark}\\] {number}. {inline(step.text)}"
        if step.done:
            by = f" by {inline(step.done_by)}" if step.done_by else ""
            line += f" — done{by}, {_fmt(step.done_at, zone)}"
            if internal and step.note:
                line += f" ({inline(step.note)})"
        out.append(line)

    out += ["", "## Client updates", ""]
    if inc.updates:
        checks = punctuality(inc)
        out += _table(["Sent", "Channel", "What was said", "Due by", "Punctuality", "Next promised"], [
            [_fmt(u.sent_at, zone), cell(u.channel), cell(u.summary), _fmt(p.promised, zone),
             p.describe(), _fmt(u.next_promised, zone)]
            for u, p in zip(inc.updates, checks)])
        measured = [p for p in checks if p.on_time is not None]
        on_time = sum(1 for p in measured if p.on_time)
        out += ["", f"{on_time} of {len(measured)} updates went out by the promised time."]
    else:
        out.append("No client update was logged.")
    out += ["", *_keeping_informed(inc)]
    out += _promises(inc, zone)

    out += ["", "## Root cause", "", block(inc.root_cause) or "Not recorded."]
    out += ["", "## Fix", "", block(inc.fix) or "Not recorded."]
    out += ["", "## Prevention", ""]
    if inc.prevention:
        out += _table(["Action", "Owner", "Due"], [
            [cell(p.text), cell(p.owner), _fmt(p.due, zone)] for p in inc.prevention])
    else:
        out.append("No prevention actions recorded.")

    out += ["", "## Client debrief", ""]
    out.append(f"The client confirmed everything works again: {_fmt(inc.client_confirmed_at, zone)}."
               if inc.client_confirmed_at else "Not confirmed by the client.")

    cost = inc.cost
    if internal:
        out += ["", "## Cost (internal)", ""]
        out += _table(["Unbilled remediation", "Credits given", "Our share of the cost"], [
            [_hours(cost.unbilled_hours), _money(cost.credits), f"{cost.our_share_percent:g} %"]])
    elif cost.credits or cost.unbilled_hours:
        out += ["", "## Making it right", ""]
        if cost.credits:
            out.append(f"- A credit of {_money(cost.credits)}.")
        if cost.unbilled_hours:
            out.append(f"- {_hours(cost.unbilled_hours)} of remediation work, not charged.")

    out += ["", "## Lessons", "", block(inc.lessons) or "Not recorded."]
    if internal and inc.close_reason:
        gaps = inc.close_gaps()
        out += ["", "## Closed with the close-out incomplete (internal)", ""]
        if gaps:
            out.append("Missing at closing: " + inline("; ".join(gaps)) + ".")
            out.append("")
        out += ["Reason given:", "", block(inc.close_reason)]

    out += ["", "## Timeline", ""]
    entries = [t for t in inc.timeline if internal or not is_internal(t.kind, t.text)]
    if entries:
        out += _table(["When", "Kind", "What", "By"], [
            [_fmt(t.at, zone), cell(t.kind), cell(t.text if internal else client_text(t.kind, t.text)), cell(t.by)]
            for t in entries])
    else:
        out.append("Nothing recorded.")
    # Every piece of user text went through inline() or block(); this makes sure of the rest.
    return visible("\n".join(out) + "\n", multiline=True)
