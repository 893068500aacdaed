"""The post-incident report rendered: Markdown and a JSON document, both from one Report.

What each audience sees is decided by :func:`storage.readers.report.build_report`;
these functions only lay it out.

Every piece of user text goes through :func:`inline` or :func:`block`, so a
title such as ``# a | b`` or a summary with ``[link](x)`` stays plain text and
cannot break a heading, a table or a list, and a pasted escape sequence shows as
``␛[31m`` (storage.domain.visible) instead of driving the terminal of whoever reads the file.
"""

from __future__ import annotations

import dataclasses
import re

from pendulum import DateTime

from ..domain.clock import local_stamp, to_iso
from ..domain.localzone import local_zone
from ..domain.spans import compact_span
from ..domain.model import Incident
from ..domain.visible import visible
from ..domain.metrics import UpdateCheck
from .report import Report, build_report, hours, money

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



def _fmt(instant: DateTime | None, tz) -> str:
    return local_stamp(instant, tz, offset=True)  # with the offset: the file is read in other zones


def _fmt_after(report: Report, instant: DateTime | None, tz) -> str:
    after = report.after_discovery(instant)
    return _fmt(instant, tz) + (f" ({after})" if after else "")


def render_markdown(incident: Incident, audience: str = "internal", tz=None) -> str:
    """The post-incident report of ``incident`` for ``audience`` as Markdown (times in ``tz``, default local)."""
    return markdown(build_report(incident, audience), tz)


def markdown(report: Report, tz=None) -> str:
    """A built report as Markdown: every section it holds, every piece of user text escaped."""
    zone = tz if tz is not None else local_zone()
    r = report
    out: list[str] = [f"# Post-incident report: {r.id} — {inline(r.title) or '(untitled)'}", ""]
    if r.for_client:
        out += ["*Prepared for the client.*", ""]
    out += _table(["Incident", r.id], [
        ["Client", cell(r.client_org)],
        ["Contact", cell(r.client_contact)],
        ["Severity", r.severity_words],
        ["Status", r.status],
        ["Owner", cell(r.owner)],
        ["Update cadence", r.cadence],
    ])
    out += ["", "## Key times", ""]
    out += _table(["Moment", "When"], [
        ["Mistake happened", _fmt(r.happened_at, zone)],
        ["Discovered", _fmt(r.discovered_at, zone)],
        ["Acknowledged", _fmt_after(r, r.acknowledged_at, zone)],
        ["First client update", _fmt_after(r, r.first_contact_at, zone)],
        ["Closed", _fmt_after(r, r.closed_at, zone)],
    ])
    out += _damage(r)
    out += _checklist(r, zone)
    out += _updates(r, zone)
    out += _promises(r, zone)
    out += _audiences(r, zone)
    out += ["", "## Root cause", "", block(r.root_cause) or "Not recorded."]
    out += ["", "## Fix", "", block(r.fix) or "Not recorded."]
    out += ["", "## Prevention", ""]
    if r.prevention:
        out += _table(["Action", "Owner", "Due"], [[cell(p.text), cell(p.owner), _fmt(p.due, zone)]
                                                   for p in r.prevention])
    else:
        out.append("No prevention actions recorded.")
    out += ["", "## Client debrief", ""]
    out.append(f"The client confirmed everything works again: {_fmt(r.client_confirmed_at, zone)}."
               if r.client_confirmed_at else "Not confirmed by the client.")
    if r.cost is not None:
        out += ["", "## Cost (internal)", ""]
        out += _table(["Unbilled remediation", "Credits given", "Our share of the cost"], [
            [hours(r.cost.unbilled_hours), money(r.cost.credits), f"{r.cost.our_share_percent:g} %"]])
    elif r.amends.lines():
        out += ["", "## Making it right", "", *(f"- {line}" for line in r.amends.lines())]
    out += ["", "## Lessons", "", block(r.lessons) or "Not recorded."]
    if r.incomplete_close is not None:
        out += ["", "## Closed with the close-out incomplete (internal)", ""]
        if r.incomplete_close.missing:
            out += ["Missing at closing: " + inline("; ".join(r.incomplete_close.missing)) + ".", ""]
        out += ["Reason given:", "", block(r.incomplete_close.reason)]
    out += ["", "## Timeline", ""]
    if r.timeline:
        out += _table(["When", "Kind", "What", "By"], [[_fmt(t.at, zone), cell(t.kind), cell(t.text), cell(t.by)]
                                                      for t in r.timeline])
    else:
        out.append("Nothing recorded.")
    # Every piece of user text went through inline() or block(); this makes sure of the rest.
    return visible("\n".join(out) + "\n", multiline=True)


def _damage(r: Report) -> list[str]:
    out = ["", "## Damage", ""]
    if r.damage:
        out += _table(["#", "What", "Impact", "Severity", "State"], [
            [str(i), cell(d.what), cell(d.impact), str(d.severity), d.state] for i, d in enumerate(r.damage, 1)])
    else:
        out.append("No damage recorded.")
    if r.questions:
        out += ["", "Open questions:", ""]
        for q in r.questions:
            answer = f" — answered: {inline(q.answer) or '(no answer text)'}" if q.answered_at else " — still open"
            out.append(f"- {inline(q.text)}{answer}")
    return out


def _checklist(r: Report, zone) -> list[str]:
    out = ["", f"## Checklist ({r.steps_done}/{len(r.steps)} done)"]
    phase = None
    for step in r.steps:
        if step.phase != phase:
            phase = step.phase
            out += ["", f"### {inline(phase)}", ""]
        line = f"- \\[{'x' if step.done_at else ' '}\\] {step.number}. {inline(step.text)}"
        if step.done_at:
            by = f" by {inline(step.done_by)}" if step.done_by else ""
            line += f" — done{by}, {_fmt(step.done_at, zone)}"
            if step.note:
                line += f" ({inline(step.note)})"
        out.append(line)
    return out


def _updates(r: Report, zone) -> list[str]:
    out = ["", "## Client updates", ""]
    if r.updates:
        out += _table(["Sent", "Channel", "What was said", "Due by", "Punctuality", "Next promised"], [
            [_fmt(u.sent_at, zone), cell(u.channel), cell(u.summary), _fmt(u.due, zone), u.punctuality,
             _fmt(u.next_promised, zone)] for u in r.updates])
    else:
        out.append("No client update was logged.")
    f = r.figures
    out += [""] + _table(["Measure", "Value"], [
        ["Time to acknowledge", compact_span(f.ack)],
        ["Discovery to first client contact", compact_span(f.first_contact)],
        ["Who learned of it first", f.heard_first],
        ["Promised updates on time", f.on_time[0].upper() + f.on_time[1:]
         + ("; a missed or late one counts against." if f.updates_due else ".")],
        ["Longest silence while open", compact_span(f.silence)],
        ["Promises broken", str(f.broken)],
        ["Promises renegotiated", str(f.renegotiated)],
    ])
    return out


def _promises(r: Report, zone) -> list[str]:
    out = ["", "## Promises", ""]
    if not r.promises:
        return out + ["No promises recorded."]
    rows = []
    for p in r.promises:
        moved = "<br>".join(f"{_fmt(m.old_due, zone)} → {_fmt(m.new_due, zone)}: {inline(m.reason)}"
                            for m in p.moves) or "—"
        rows.append([cell(p.text), p.kind, _fmt(p.made_at, zone), _fmt(p.due, zone), p.state, moved])
    return out + _table(["Promise", "Kind", "Made", "Due", "State", "Renegotiated"], rows)


def _audiences(r: Report, zone) -> list[str]:
    """Who was told what, and when (internal only: the client's copy has no audiences)."""
    if r.for_client or not r.audiences:
        return []
    out = ["", "## Who was told what, and when", ""]
    for a in r.audiences:
        where = "internal" if a.internal else "external"
        retired = ", removed" if a.retired else ""
        out += ["", f"### {inline(a.name)} ({a.kind}, {where}{retired})", ""]
        last = a.last_told
        rows = [["Last told", _fmt(last.sent_at, zone) if last else "never"],
                ["How", cell(last.channel) if last else "—"],
                ["What was said", cell(last.summary) if last else "—"],
                ["Next update due", _fmt(a.next_due, zone)],
                ["Cadence", cell(a.cadence)]]
        if a.hard:
            rows.append(["Hard deadlines met", f"{a.hard_met} of {len(a.hard)}"])
        out += _table(["Audience", inline(a.name)], rows)
        if a.open_promises:
            out += ["", "Open promises:", ""]
            out += [f"- {inline(o.text)}, due {_fmt(o.due, zone)}" + (" (hard deadline)" if o.hard else "")
                    for o in a.open_promises]
        if a.hard:
            out += ["", "Hard deadlines:", ""]
            for h in a.hard:
                line = f"- {inline(h.label)}: due {_fmt(h.due, zone)}, {h.state}"
                if h.kept_at is not None:
                    line += f" ({_fmt(h.kept_at, zone)})"
                if h.delay_reason:
                    line += f" — reasons for the delay: {inline(h.delay_reason)}"
                if h.release_reason:
                    line += f" — released: {inline(h.release_reason)}"
                out.append(line)
        if len(a.told) > 1:
            out += ["", "Every update:", ""]
            out += _table(["Sent", "Channel", "What was said", "Reasons for a delay"], [
                [_fmt(t.sent_at, zone), cell(t.channel), cell(t.summary), cell(t.delay_reason)] for t in a.told])
    return out


# -- JSON --------------------------------------------------------------------------------------

def _plain(value):
    """A report part as JSON-ready values: instants as UTC ISO-8601 text, rows as objects."""
    if isinstance(value, DateTime):
        return to_iso(value)
    if isinstance(value, UpdateCheck):
        return {"late_seconds": value.late_seconds, "missed": value.missed, "moved": value.moved,
                "on_time": value.on_time, "words": value.describe()}
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def document(report: Report) -> dict:
    """A built report as a JSON document: the id beside the number, the figures in words and numbers."""
    doc = {"id": report.id, "number": report.number, **_plain(report)}
    figures = doc["figures"]
    figures["on_time_share"] = (report.figures.updates_on_time / report.figures.updates_due
                                if report.figures.updates_due else None)
    figures["on_time_words"] = report.figures.on_time
    doc.update(cadence=report.cadence, severity_name=report.severity_name)
    if report.cost is None:
        del doc["cost"]  # the client's copy has no such key at all, not even empty
    if report.incomplete_close is None:
        del doc["incomplete_close"]
    if report.for_client:
        del doc["audiences"]  # who else was told is internal: the client's copy has no such key
    return doc
