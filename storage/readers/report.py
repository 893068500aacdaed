"""The post-incident report as data: built once per incident and audience, rendered by others.

What each audience may see is decided here and nowhere else. The client never sees
internal notes or notes on checklist steps (timeline entries whose event is not
``for_client``), the cost split (our share; credits and unbilled hours are listed as
what we did to make it right), nor why the incident was closed with its close-out
incomplete (the close reason, and the reason in the closing entry: the client reads the
entry's ``client_text``), nor anything addressed or owed to an audience other than the
client's own (management, a regulator, an internal party): their updates, promises and
timeline entries, and the section "Who was told what, and when", are internal. The
Markdown and JSON exports and the console's read-only view
of a closed incident render a :class:`Report` and decide nothing about its content.

The figures are the review's (:mod:`storage.domain.metrics`): one definition of
punctuality, of silence, of promises broken. Instants are UTC; renderers show them in
a zone of their choosing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pendulum
from pendulum import DateTime

from ..domain.spans import human_span
from ..domain.ledger import cadence_phrase
from ..domain.model import SEVERITY_NAMES, Incident
from ..domain.parts import DamageItem, OpenQuestion, PreventionAction
from ..domain.metrics import UpdateCheck, on_time_words, update_checks
from ..domain.review_row import row_from_document
from ..domain.audiences import CLIENT

AUDIENCES = ("internal", "client")


@dataclass(frozen=True)
class StepRow:
    """A checklist step; ``note`` is empty in the client's report."""

    number: int
    phase: str
    text: str
    done_at: DateTime | None
    done_by: str
    note: str


@dataclass(frozen=True)
class UpdateRow:
    """A client update sent, the time it was due by, and whether it went out by then."""

    sent_at: DateTime
    channel: str
    summary: str
    due: DateTime | None  # None: nothing was owed when it went out
    next_promised: DateTime | None
    check: UpdateCheck

    @property
    def punctuality(self) -> str:
        """``on time (3 min early)``, ``12 min late``, ``nothing promised``."""
        return self.check.describe()


@dataclass(frozen=True)
class Move:
    """A promise's time moved, and why (the client agreed to ...)."""

    old_due: DateTime
    new_due: DateTime
    reason: str


@dataclass(frozen=True)
class PromiseRow:
    """Something we told the client we would do by a time, and what became of it."""

    text: str
    kind: str
    made_at: DateTime
    due: DateTime
    state: str  # kept, kept late, broken, released, open
    broken: bool
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class Figures:
    """How the client was kept informed, in the review's definitions (spans in seconds)."""

    ack: float | None
    first_contact: float | None
    us_first: bool | None
    updates_on_time: int
    updates_due: int
    silence: float | None
    promises: int
    broken: int
    renegotiated: int

    @property
    def on_time(self) -> str:
        """``1 of 2 promised updates went out on time (50%)``: the one punctuality figure."""
        return on_time_words(self.updates_on_time, self.updates_due)

    @property
    def heard_first(self) -> str:
        """Who learned of the mistake first, in words."""
        return {True: "we did, and told them", False: "the client found out first",
                None: "not recorded"}[self.us_first]


@dataclass(frozen=True)
class Amends:
    """What we did to make it right, as the client may read it."""

    credits: float
    unbilled_hours: float

    def lines(self) -> list[str]:
        """``A credit of 300.00.`` and ``6.5 h of remediation work, not charged.`` (what applies)."""
        out = [f"A credit of {money(self.credits)}."] if self.credits else []
        if self.unbilled_hours:
            out.append(f"{hours(self.unbilled_hours)} of remediation work, not charged.")
        return out


@dataclass(frozen=True)
class CostSplit:
    """What the mistake cost us and our share of it: internal only."""

    unbilled_hours: float
    credits: float
    our_share_percent: float
    recorded: bool

    def words(self) -> str:
        """``6.5 h unbilled, credits 300.00, our share 40 %``."""
        return (f"{hours(self.unbilled_hours)} unbilled, credits {money(self.credits)}, "
                f"our share {self.our_share_percent:g} %")


@dataclass(frozen=True)
class IncompleteClose:
    """Closed with parts of the close-out missing: what was missing and why: internal only."""

    missing: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class TimelineRow:
    """One timeline entry as this audience reads it."""

    at: DateTime
    kind: str
    event: str
    text: str
    by: str


@dataclass(frozen=True)
class ToldRow:
    """One update to an audience: when, how, what was said, and the reasons for a delay."""

    sent_at: DateTime
    channel: str
    summary: str
    by: str
    delay_reason: str


@dataclass(frozen=True)
class HardRow:
    """A hard deadline owed to an audience, and what became of it."""

    rule: str
    label: str
    due: DateTime
    state: str  # open, overdue, kept, kept late, broken, released
    kept_at: DateTime | None
    delay_reason: str  # the reasons the update that kept it late gave
    release_reason: str


@dataclass(frozen=True)
class OwedRow:
    """An open promise to an audience: what (naming the audience unless the client's), and by when."""

    text: str
    due: DateTime
    hard: bool


@dataclass(frozen=True)
class AudienceRow:
    """Who was told what, and when: one audience of the incident (internal report only)."""

    name: str
    kind: str
    internal: bool
    channel: str
    email: str
    cadence: str
    retired: bool
    told: tuple[ToldRow, ...]  # every update to it, oldest first
    next_due: DateTime | None  # its next promised update
    open_promises: tuple[OwedRow, ...]  # its open promises, soonest first
    hard: tuple[HardRow, ...]

    @property
    def last_told(self) -> ToldRow | None:
        """The last update to it."""
        return self.told[-1] if self.told else None

    @property
    def hard_met(self) -> int:
        """How many of its hard deadlines were kept by their time."""
        return sum(1 for h in self.hard if h.state == "kept")


@dataclass(frozen=True)
class Report:
    """The post-incident report of one incident for one audience (``internal`` or ``client``)."""

    audience: str
    number: int
    title: str
    client_org: str
    client_contact: str
    severity: int
    status: str
    owner: str
    cadence_minutes: int
    happened_at: DateTime | None
    discovered_at: DateTime
    acknowledged_at: DateTime | None
    first_contact_at: DateTime | None
    closed_at: DateTime | None
    figures: Figures
    damage: tuple[DamageItem, ...]  # copies: nothing in them is internal
    questions: tuple[OpenQuestion, ...]
    steps: tuple[StepRow, ...]
    updates: tuple[UpdateRow, ...]
    promises: tuple[PromiseRow, ...]
    root_cause: str
    fix: str
    prevention: tuple[PreventionAction, ...]
    client_confirmed_at: DateTime | None
    amends: Amends
    lessons: str
    timeline: tuple[TimelineRow, ...]
    cost: CostSplit | None = None  # internal only
    incomplete_close: IncompleteClose | None = None  # internal only
    contained_at: DateTime | None = None  # as corrected, like every instant here
    resolved_at: DateTime | None = None
    audiences: tuple[AudienceRow, ...] = ()  # internal only: who was told what, and when

    @property
    def id(self) -> str:
        """``M-12``."""
        return f"M-{self.number}"

    @property
    def for_client(self) -> bool:
        """Whether this is the client's copy."""
        return self.audience == "client"

    @property
    def severity_name(self) -> str:
        """``major``."""
        return SEVERITY_NAMES.get(self.severity, "?")

    @property
    def severity_words(self) -> str:
        """``2 (major)``."""
        return severity_words(self.severity)

    @property
    def cadence(self) -> str:
        """``every 30 min`` or ``next working morning``."""
        return cadence_phrase(self.cadence_minutes)

    @property
    def steps_done(self) -> int:
        """How many checklist steps are done."""
        return sum(1 for s in self.steps if s.done_at is not None)

    def after_discovery(self, instant: DateTime | None) -> str:
        """``2 h after discovery`` (``before`` for a time earlier than it), or empty when unknown."""
        if instant is None:
            return ""
        seconds = (instant - self.discovered_at).total_seconds()
        return f"{human_span(seconds)} {'before' if seconds < 0 else 'after'} discovery"


def severity_words(severity: int) -> str:
    """``2 (major)``."""
    return f"{severity} ({SEVERITY_NAMES.get(severity, '?')})"


def money(value: float) -> str:
    """``1,234.50``."""
    return f"{value:,.2f}"


def hours(value: float) -> str:
    """``6.5 h``."""
    return f"{value:g} h"


def _instant(posix: float | None) -> DateTime | None:
    return None if posix is None else pendulum.from_timestamp(posix, tz="UTC")


def build_report(incident: Incident, audience: str = "internal") -> Report:
    """The report of ``incident`` for ``audience``: every rule of what a client may see is here."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}: use {' or '.join(AUDIENCES)}")
    internal = audience == "internal"
    inc = incident
    doc = inc.to_dict()
    row = row_from_document(doc)
    checks = update_checks(doc)  # the client's updates, in order
    client_updates = [u for u in inc.updates if u.audience == CLIENT]
    # The client reads only what is owed or said to its own audience; the internal copy has every promise.
    promises = [p for p in inc.promises if internal or p.audience == CLIENT]
    broken, renegotiated = ((row.broken, row.renegotiated) if internal else
                            (sum(1 for p in promises if p.broken_at is not None),
                             sum(1 for p in promises if p.renegotiations)))
    cost = inc.cost
    incomplete = None
    if internal and inc.close_reason:
        incomplete = IncompleteClose(tuple(inc.close_gaps()), inc.close_reason)
    return Report(
        audience=audience, number=inc.number, title=inc.title, client_org=inc.client_org,
        client_contact=inc.client_contact, severity=inc.severity, status=inc.status, owner=inc.owner,
        cadence_minutes=inc.cadence_minutes, happened_at=inc.happened_at, discovered_at=inc.discovered_at,
        acknowledged_at=inc.acknowledged_at, first_contact_at=inc.first_contact_at, closed_at=inc.closed_at,
        figures=Figures(row.ack, row.first_contact, row.us_first, row.updates_on_time, row.updates_due,
                        row.silence, len(promises), broken, renegotiated),
        damage=tuple(replace(d) for d in inc.damage),
        questions=tuple(replace(q) for q in inc.questions),
        steps=tuple(StepRow(n, s.phase, s.text, s.done_at, s.done_by, s.note if internal else "")
                    for n, s in enumerate(inc.steps, start=1)),
        updates=tuple(UpdateRow(u.sent_at, u.channel, u.summary, _instant(c.promised), u.next_promised, c)
                      for u, c in zip(client_updates, checks)),
        promises=tuple(PromiseRow(inc.owed_words(p) if p.audience != CLIENT else p.text, p.kind, p.made_at, p.due,
                                  p.state(), p.broken_at is not None,
                                  tuple(Move(r.old_due, r.new_due, r.reason) for r in p.renegotiations))
                       for p in sorted(promises, key=lambda p: p.made_at)),
        root_cause=inc.root_cause, fix=inc.fix,
        prevention=tuple(replace(p) for p in inc.prevention),
        client_confirmed_at=inc.client_confirmed_at,
        amends=Amends(cost.credits, cost.unbilled_hours),
        lessons=inc.lessons,
        timeline=tuple(TimelineRow(t.at, t.kind, t.event,
                                   t.text if internal or t.client_text is None else t.client_text, t.by)
                       for t in inc.timeline if internal or t.for_client),
        cost=CostSplit(cost.unbilled_hours, cost.credits, cost.our_share_percent,
                       cost.recorded_at is not None) if internal else None,
        incomplete_close=incomplete,
        contained_at=inc.contained_at, resolved_at=inc.resolved_at,
        audiences=audience_rows(inc) if internal else (),
    )


def audience_rows(incident: Incident) -> tuple[AudienceRow, ...]:
    """Every audience of ``incident`` (retired ones too: their history stays), with what it was told."""
    from ..domain.audiences import cadence_said

    inc = incident
    rows = []
    for index, a in enumerate(inc.audiences):
        told = tuple(ToldRow(u.sent_at, u.channel, u.summary, u.by, u.delay_reason)
                     for u in inc.updates if u.audience == index)
        hard = []
        for n, p in enumerate(inc.promises):
            if not p.hard or p.audience != index:
                continue
            keeper = next((u for u in inc.updates if u.kept == n), None)
            hard.append(HardRow(p.rule, inc.rule_label(p), p.due, p.state(), p.kept_at,
                                keeper.delay_reason if keeper is not None else "", p.release_reason))
        rows.append(AudienceRow(a.name, a.kind, a.internal, a.channel, a.email, cadence_said(a.cadence_minutes),
                                not a.active, told, inc.audience_next_due(index),
                                tuple(OwedRow(inc.owed_words(p), p.due, p.hard) for p in inc.audience_promises(index)),
                                tuple(hard)))
    return tuple(rows)
