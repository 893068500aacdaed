"""Review metrics of closed incidents: pure functions of an incident's stored document.

Every metric reads the JSON-ready document (``Incident.to_dict()``, or a document
straight from stored documents) and parses only the instants it needs with
``datetime.fromisoformat``: the review of 10,000 closed incidents must not build
10,000 full incidents. Nothing here touches the disk or the screen.

Definitions (the review screen's legend says the same in fewer words):

- duration: discovery to closing.
- time to acknowledge: discovery to the moment we recorded owning the mistake.
- time to first contact: discovery to the first update logged to the client's own audience
  (an update to management or a regulator is not client contact).
- heard it from us first: who learned of the mistake first (``us`` / ``client``).
- updates on time: of the promised client updates that came due (the first contact
  included), those sent by their time; one missed or sent late counts against, one
  renegotiated before its time counts by its new time. Only the client's audience (0).
- longest silence: the longest stretch the incident was open without a client update
  (from discovery, between updates, to closing; time spent closed before a reopen is
  not counted).
- promises broken / renegotiated: over every promise (updates, commitments, deadlines; every audience).
- management told: discovery to the first update to an audience of kind ``management``.
- hard deadlines met: of the hard deadlines (playbook rules) that were kept or broken, those
  kept by their time; one released before its time (an untag, a retired audience) does not count.

A document written before audiences has none: its updates and promises are the client's.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, NamedTuple, Sequence

from .timeline import infer_event
from .spans import human_span

if TYPE_CHECKING:  # pragma: no cover
    from .review_row import ReviewRow


def posix_seconds(value: str | None) -> float | None:
    """A stored ISO-8601 instant as POSIX seconds (None stays None)."""
    return datetime.fromisoformat(value).timestamp() if value else None


def _span(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else end - start


# -- one metric each ---------------------------------------------------------------------------

def duration(doc: dict) -> float | None:
    """Seconds from discovery to closing (None while not closed)."""
    return _span(posix_seconds(doc.get("discovered_at")), posix_seconds(doc.get("closed_at")))


def time_to_acknowledge(doc: dict) -> float | None:
    """Seconds from discovery to acknowledging the mistake (None if never recorded)."""
    return _span(posix_seconds(doc.get("discovered_at")), posix_seconds(doc.get("acknowledged_at")))


def _audience(part: dict) -> int:
    """The audience a stored update or promise is owed to (documents before audiences: the client, 0)."""
    value = part.get("audience", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def client_updates(doc: dict) -> list[dict]:
    """The updates sent to the client's own audience, in the order they were logged."""
    return [u for u in doc.get("updates") or [] if _audience(u) == 0]


def time_to_first_contact(doc: dict) -> float | None:
    """Seconds from discovery to the first client update (None if the client never heard from us)."""
    updates = client_updates(doc)
    return _span(posix_seconds(doc.get("discovered_at")), posix_seconds(updates[0]["sent_at"])) if updates else None


def time_to_management(doc: dict) -> float | None:
    """Seconds from discovery to the first update to our management (None if it was never told)."""
    audiences = doc.get("audiences") or []
    management = {i for i, a in enumerate(audiences) if isinstance(a, dict) and a.get("kind") == "management"}
    told = [posix_seconds(u["sent_at"]) for u in doc.get("updates") or [] if _audience(u) in management]
    return _span(posix_seconds(doc.get("discovered_at")), min(told)) if told else None


def hard_deadline_record(doc: dict) -> tuple[int, int]:
    """(hard deadlines met, hard deadlines that came due): kept by their time, out of kept or broken."""
    hard = [p for p in doc.get("promises") or [] if p.get("kind") == "deadline"]
    due = [p for p in hard if p.get("kept_at") or p.get("broken_at")]
    return sum(1 for p in due if p.get("kept_at") and not p.get("broken_at")), len(due)


def heard_from_us_first(doc: dict) -> bool | None:
    """True if we found it and told them, False if the client found out first, None if not recorded."""
    learned = doc.get("first_learned_by")
    return None if learned is None else learned == "us"


class UpdateCheck(NamedTuple):
    """One client update against the time it had been promised by (instants in POSIX seconds)."""

    promised: float | None  # None: nothing was owed when it went out (an extra update)
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


def _update_promises(doc: dict) -> list[dict]:
    """The client's update promises (another audience's updates are not client punctuality)."""
    return [p for p in doc.get("promises") or [] if p.get("kind") == "update" and _audience(p) == 0]


def update_checks(doc: dict) -> list[UpdateCheck]:
    """For each client update (the client's audience only), the time it was promised by and whether
    it went out by then.

    Each update is measured against the promise of it in the ledger (the first-contact
    deadline, then the time each update promised, as renegotiated); an update sent with
    nothing owed was not promised. A document without update promises (written before the
    ledger) measures each update against the time the previous one promised.
    """
    updates = client_updates(doc)
    promises = _update_promises(doc)
    if promises:
        kept = {posix_seconds(p["kept_at"]): p for p in promises if p.get("kept_at")}
        checks = []
        for update in updates:
            sent = posix_seconds(update["sent_at"])
            promise = kept.get(sent)
            if promise is None:
                checks.append(UpdateCheck(None, None))
                continue
            due = posix_seconds(promise["due"])
            checks.append(UpdateCheck(due, sent - due, bool(promise.get("broken_at")),
                                      len(promise.get("renegotiations") or [])))
        return checks
    checks, promised = [], None
    for update in updates:
        sent = posix_seconds(update["sent_at"])
        checks.append(UpdateCheck(promised, None if promised is None else sent - promised))
        promised = posix_seconds(update.get("next_promised"))
    return checks


def update_punctuality(doc: dict) -> tuple[int, int]:
    """(promised updates sent on time, promised updates that came due): the one punctuality figure.

    From the ledger, an update promise came due when it was kept or broken: one missed
    (never sent, or its time passed before it was moved) counts against, like one sent
    late; one released by the closing before its time does not count. Agrees with
    :func:`update_checks`: every kept promise is one of its checks.
    """
    promises = _update_promises(doc)
    if promises:
        due = [p for p in promises if p.get("kept_at") or p.get("broken_at")]
        on_time = sum(1 for p in due if p.get("kept_at") and not p.get("broken_at"))
        return on_time, len(due)
    measured = [c.on_time for c in update_checks(doc) if c.on_time is not None]
    return sum(measured), len(measured)


def on_time_words(on_time: int, due: int) -> str:
    """``1 of 2 promised updates went out on time (50%)``, or that none came due."""
    if not due:
        return "no promised update came due"
    return f"{on_time} of {due} promised updates went out on time ({on_time / due:.0%})"


def open_periods(doc: dict) -> list[tuple[float, float]]:
    """The stretches the incident was open: discovery to its first close, each reopen to the next."""
    start = posix_seconds(doc.get("discovered_at"))
    closed = posix_seconds(doc.get("closed_at"))
    periods = []
    for entry in doc.get("timeline") or []:
        event = entry.get("event") or infer_event(entry.get("kind", ""), entry.get("text", ""))
        if event == "closed" and start is not None:
            periods.append((start, max(start, posix_seconds(entry["at"]))))
            start = None
        elif event == "reopened" and start is None:
            start = posix_seconds(entry["at"])
    if start is not None and closed is not None:
        periods.append((start, max(start, closed)))
    elif closed is not None and not periods:
        periods.append((closed, closed))
    return periods


def longest_silence(doc: dict) -> float | None:
    """The longest time the incident was open without a client update, in seconds."""
    periods = open_periods(doc)
    if not periods:
        return None
    sent = sorted(posix_seconds(u["sent_at"]) for u in client_updates(doc))
    longest = 0.0
    for start, end in periods:
        marks = [start, *(t for t in sent if start < t < end), end]
        longest = max(longest, max(b - a for a, b in zip(marks, marks[1:])))
    return longest


def promise_record(doc: dict) -> tuple[int, int]:
    """(promises broken, promises renegotiated), over updates and commitments alike."""
    promises = doc.get("promises") or []
    return (sum(1 for p in promises if p.get("broken_at")),
            sum(1 for p in promises if p.get("renegotiations")))


# -- the summary over review rows ---------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    """What a set of review rows adds up to."""

    count: int
    median_duration: float | None
    median_ack: float | None
    median_first_contact: float | None
    median_silence: float | None
    updates_on_time: int
    updates_due: int
    client_first: int
    broken: int

    @property
    def on_time_share(self) -> float | None:
        """Updates on time over all rows (pooled, so a busy incident weighs more)."""
        return self.updates_on_time / self.updates_due if self.updates_due else None


def _median(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def summarize(rows: Sequence["ReviewRow"]) -> Summary:
    """Count, medians, update punctuality and how often the client found out first."""
    return Summary(
        count=len(rows),
        median_duration=_median(r.duration for r in rows),
        median_ack=_median(r.ack for r in rows),
        median_first_contact=_median(r.first_contact for r in rows),
        median_silence=_median(r.silence for r in rows),
        updates_on_time=sum(r.updates_on_time for r in rows),
        updates_due=sum(r.updates_due for r in rows),
        client_first=sum(1 for r in rows if r.us_first is False),
        broken=sum(r.broken for r in rows),
    )


# -- month by month -----------------------------------------------------------------------------

class MonthPoint(NamedTuple):
    """One calendar month of the review's chart: what closed in it, and how the client was kept told."""

    year: int
    month: int
    closed: int  # incidents closed in the month
    median_first_contact: float | None  # seconds from discovery to first client contact (None: none known)
    updates_on_time: int
    updates_due: int

    @property
    def label(self) -> str:
        """``2026-05``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def on_time_share(self) -> float | None:
        """Share of the promised client updates that came due in the month's incidents and went out on time."""
        return self.updates_on_time / self.updates_due if self.updates_due else None


def monthly_series(rows: Sequence["ReviewRow"], now: datetime, months: int = 12, tz=None) -> list[MonthPoint]:
    """The last ``months`` calendar months up to ``now``'s, oldest first, each closed incident in the
    month of its closing (in ``tz``, default ``now``'s zone): a chart plots ``label`` against ``closed``,
    ``median_first_contact`` and ``on_time_share``. A month with nothing closed is there, with 0 and None."""
    zone = tz if tz is not None else now.tzinfo
    year, month = now.year, now.month
    if zone is not None:
        local = datetime.fromtimestamp(now.timestamp(), zone)
        year, month = local.year, local.month
    keys = []
    for _ in range(max(0, months)):
        keys.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    by_month: dict[tuple[int, int], list] = {key: [] for key in keys}
    for row in rows:
        if row.closed_at is None:
            continue
        closed = datetime.fromtimestamp(row.closed_at, zone)
        bucket = by_month.get((closed.year, closed.month))
        if bucket is not None:
            bucket.append(row)
    return [MonthPoint(y, m, len(found), _median(r.first_contact for r in found),
                       sum(r.updates_on_time for r in found), sum(r.updates_due for r in found))
            for (y, m), found in by_month.items()]
