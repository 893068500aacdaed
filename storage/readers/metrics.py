"""Review metrics of closed incidents: pure functions of an incident's stored document.

Every metric reads the JSON-ready document (``Incident.to_dict()``, or a document
straight from stored documents) and parses only the instants it needs with
``datetime.fromisoformat``: the review of 10,000 closed incidents must not build
10,000 full incidents. Nothing here touches the disk or the screen.

Definitions (the review screen's legend says the same in fewer words):

- duration: discovery to closing.
- time to acknowledge: discovery to the moment we recorded owning the mistake.
- time to first contact: discovery to the first client update logged.
- heard it from us first: who learned of the mistake first (``us`` / ``client``).
- updates on time: of the promised client updates that came due (the first contact
  included), those sent by their time; one missed or sent late counts against, one
  renegotiated before its time counts by its new time.
- longest silence: the longest stretch the incident was open without a client update
  (from discovery, between updates, to closing; time spent closed before a reopen is
  not counted).
- promises broken / renegotiated: over every promise (updates and commitments).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime
from collections import Counter
from itertools import chain, combinations
from typing import TYPE_CHECKING, Iterable, NamedTuple, Sequence

from ..domain.clock import compact_span  # noqa: F401  (re-exported for the review's cells)
from ..domain.parts import infer_event

if TYPE_CHECKING:  # pragma: no cover
    from ..domain.model import Incident


def _ts(value: str | None) -> float | None:
    """A stored ISO-8601 instant as POSIX seconds (None stays None)."""
    return datetime.fromisoformat(value).timestamp() if value else None


def _span(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else end - start


# -- one metric each ---------------------------------------------------------------------------

def duration(doc: dict) -> float | None:
    """Seconds from discovery to closing (None while not closed)."""
    return _span(_ts(doc.get("discovered_at")), _ts(doc.get("closed_at")))


def time_to_acknowledge(doc: dict) -> float | None:
    """Seconds from discovery to acknowledging the mistake (None if never recorded)."""
    return _span(_ts(doc.get("discovered_at")), _ts(doc.get("acknowledged_at")))


def time_to_first_contact(doc: dict) -> float | None:
    """Seconds from discovery to the first client update (None if the client never heard from us)."""
    updates = doc.get("updates") or []
    return _span(_ts(doc.get("discovered_at")), _ts(updates[0]["sent_at"])) if updates else None


def heard_from_us_first(doc: dict) -> bool | None:
    """True if we found it and told them, False if the client found out first, None if not recorded."""
    learned = doc.get("first_learned_by")
    return None if learned is None else learned == "us"


def update_punctuality(doc: dict) -> tuple[int, int]:
    """(updates sent on time, updates that came due), from the promise ledger.

    A document without update promises (written before the ledger) is measured the
    old way: each update against the time the previous one promised.
    """
    promises = [p for p in doc.get("promises") or [] if p.get("kind") == "update"]
    if promises:
        due = [p for p in promises if p.get("kept_at") or p.get("broken_at")]
        on_time = sum(1 for p in due if p.get("kept_at") and not p.get("broken_at"))
        return on_time, len(due)
    on_time = due_count = 0
    promised = None
    for update in doc.get("updates") or []:
        if promised is not None:
            due_count += 1
            on_time += _ts(update["sent_at"]) <= promised
        promised = _ts(update.get("next_promised"))
    return on_time, due_count


def open_periods(doc: dict) -> list[tuple[float, float]]:
    """The stretches the incident was open: discovery to its first close, each reopen to the next."""
    start = _ts(doc.get("discovered_at"))
    closed = _ts(doc.get("closed_at"))
    periods = []
    for entry in doc.get("timeline") or []:
        event = entry.get("event") or infer_event(entry.get("kind", ""), entry.get("text", ""))
        if event == "closed" and start is not None:
            periods.append((start, max(start, _ts(entry["at"]))))
            start = None
        elif event == "reopened" and start is None:
            start = _ts(entry["at"])
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
    sent = sorted(_ts(u["sent_at"]) for u in doc.get("updates") or [])
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


# -- "the same kind of mistake" ---------------------------------------------------------------

STOP_WORDS = frozenset("""
a about after again against all also an and any are as at be been before being but by can could
did do does done for from had has have having he her his how i if in into is it its just last
may more most must no not now of off on once one only or other our ours out over own same she
should so some such than that the their them then there these they this those through to too two
under until up us very via was we were what when where which while who why will with would you
your incident incidents client clients mistake mistakes issue issues problem problems
""".split())
_WORD = re.compile(r"[^\W\d_]{3,}")
ROOT_CAUSE_WORDS = 12  # a root cause's first significant words: its gist, not its whole story
KIND_WORDS = 8  # per incident, its rarest shared words are paired


def significant_words(text: str, limit: int | None = None) -> list[str]:
    """Lower-case content words of ``text`` (stop words dropped, plurals folded), first seen first."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.casefold().replace("'s", "").replace("’s", "")):
        if word in STOP_WORDS:
            continue
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        seen.setdefault(word, None)
        if limit is not None and len(seen) >= limit:
            break
    return list(seen)


def kind_words(title: str, root_cause: str) -> tuple[str, ...]:
    """The words that say what kind of mistake it was: the title's and the root cause's gist."""
    words = dict.fromkeys(significant_words(title))
    words.update(dict.fromkeys(significant_words(root_cause, ROOT_CAUSE_WORDS)))
    return tuple(words)


# -- a row of the review, and the summary over rows -------------------------------------------

class ReviewRow(NamedTuple):
    """One closed incident as the review shows it: identity, metrics and what filters and flags need.

    A tuple: 10,000 of them are built from the review index on every start, and a tuple is
    the cheapest Python object to make and to keep.
    """

    number: int
    title: str
    client: str
    severity: int
    closed_at: float | None  # POSIX seconds
    duration: float | None
    ack: float | None
    first_contact: float | None
    us_first: bool | None
    updates_on_time: int
    updates_due: int
    silence: float | None
    broken: int
    renegotiated: int
    credits: float
    hours: float
    share: float
    cost_recorded: bool
    close_reason: str
    root_cause: str  # clipped: for the text filter
    words: str  # kind_words, space-separated

    @property
    def id(self) -> str:
        """``M-12``."""
        return f"M-{self.number}"

    @property
    def on_time_share(self) -> float | None:
        """Share of due updates sent on time (None when none came due)."""
        return self.updates_on_time / self.updates_due if self.updates_due else None

    def to_list(self) -> list:
        """A compact JSON-ready form (the review index stores rows like this)."""
        return list(self)

    @classmethod
    def from_list(cls, values: list) -> "ReviewRow":
        """The row from :meth:`to_list`'s form (ValueError if it has the wrong length)."""
        if len(values) != len(cls._fields):
            raise ValueError(f"a review row has {len(cls._fields)} fields, not {len(values)}")
        return cls._make(values)


ROOT_CAUSE_KEPT = 300


def row_from_document(doc: dict) -> ReviewRow:
    """The review row of one stored incident document."""
    cost = doc.get("cost") or {}
    on_time, due = update_punctuality(doc)
    broken, renegotiated = promise_record(doc)
    root_cause = doc.get("root_cause") or ""
    return ReviewRow(
        number=int(doc["number"]),
        title=doc.get("title") or "",
        client=doc.get("client_org") or "",
        severity=int(doc.get("severity") or 0),
        closed_at=_ts(doc.get("closed_at")),
        duration=duration(doc),
        ack=time_to_acknowledge(doc),
        first_contact=time_to_first_contact(doc),
        us_first=heard_from_us_first(doc),
        updates_on_time=on_time,
        updates_due=due,
        silence=longest_silence(doc),
        broken=broken,
        renegotiated=renegotiated,
        credits=float(cost.get("credits") or 0),
        hours=float(cost.get("unbilled_hours") or 0),
        share=float(cost.get("our_share_percent", 100)),
        cost_recorded=bool(cost.get("recorded_at")),
        close_reason=doc.get("close_reason") or "",
        root_cause=root_cause[:ROOT_CAUSE_KEPT],
        words=" ".join(kind_words(doc.get("title") or "", root_cause)),
    )


def review_row(incident: "Incident") -> ReviewRow:
    """The review row of an incident (the same numbers the review shows for it)."""
    return row_from_document(incident.to_dict())


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


def summarize(rows: Sequence[ReviewRow]) -> Summary:
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


# -- patterns: the same client, or the same kind of mistake, more than once --------------------

@dataclass(frozen=True)
class Pattern:
    """Why a closed incident is part of a pattern."""

    same_client: int = 0  # closed incidents of this client, this one included (0: no pattern)
    kind: tuple[str, str] | None = None  # the two words it shares with other incidents
    same_kind: int = 0  # incidents sharing those words, this one included

    def __bool__(self) -> bool:
        return bool(self.same_client or self.same_kind)

    def describe(self, client: str = "") -> str:
        """The pattern in words."""
        parts = []
        if self.same_client:
            whose = f" for {client}" if client else ""
            parts.append(f"same client: {self.same_client} closed incidents{whose}")
        if self.kind:
            parts.append(f"same kind: {self.same_kind} incidents share “{self.kind[0]}” and “{self.kind[1]}” "
                         "in their titles or root causes")
        return "; ".join(parts)


def client_key(client: str) -> str:
    """Clients compare without case or surrounding spaces."""
    return " ".join(client.casefold().split())


def find_patterns(rows: Sequence[ReviewRow]) -> dict[int, Pattern]:
    """Incidents that share a client, or two uncommon words of title or root cause, with another.

    Two incidents are the same kind of mistake when their titles or root causes share at
    least two significant words. Words that appear in one incident only cannot be shared and
    words in over a fifth of a large history say nothing, so each incident contributes pairs
    of its rarest words that occur elsewhere (at most KIND_WORDS of them): linear in the
    number of incidents, not quadratic.
    """
    clients = Counter(client_key(row.client) for row in rows)
    words_of = [row.words.split() for row in rows]
    frequency = Counter(chain.from_iterable(words_of))
    too_common = max(3, len(rows) // 5) if len(rows) >= 20 else len(rows) + 1
    rank = frequency.__getitem__
    pairs_of = []
    for words in words_of:
        shared = [w for w in words if 2 <= frequency[w] <= too_common]
        if len(shared) > KIND_WORDS:
            shared.sort(key=rank)  # stable: the rarest first, ties in their order of appearance
            del shared[KIND_WORDS:]
        shared.sort()  # pairs come out of combinations already ordered
        pairs_of.append(list(combinations(shared, 2)))
    pair_count = Counter(chain.from_iterable(pairs_of))
    result = {}
    for row, pairs in zip(rows, pairs_of):
        same_client = clients[client_key(row.client)]
        kind, same_kind = None, 1
        for pair in pairs:  # the most shared pair; ties go to the alphabetically first
            count = pair_count[pair]
            if count > same_kind or (count == same_kind and kind is not None and pair < kind):
                kind, same_kind = pair, count
        pattern = Pattern(same_client if same_client >= 2 else 0, kind, same_kind if kind else 0)
        if pattern:
            result[row.number] = pattern
    return result
