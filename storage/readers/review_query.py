"""Which closed incidents the review shows, and in what order: filters and sort keys, no UI."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from ..domain.patterns import Pattern, client_key
from ..domain.review_row import ReviewRow

# Sort keys by column; None (unknown) always sorts last, whichever the direction.
SORT_KEYS: dict[str, Callable[[ReviewRow], object]] = {
    "closed": lambda r: r.closed_at,
    "sev": lambda r: r.severity,
    "title": lambda r: r.title.casefold(),
    "client": lambda r: client_key(r.client),
    "duration": lambda r: r.duration,
    "ack": lambda r: r.ack,
    "contact": lambda r: r.first_contact,
    "mgmt": lambda r: r.management_told,
    # The share of hard deadlines met (the worst first when reversed), then how many there were.
    "hard": lambda r: (r.hard_deadlines_met / r.hard_deadlines_total, r.hard_deadlines_total)
    if r.hard_deadlines_total else None,
    "first": lambda r: None if r.us_first is None else (0 if r.us_first else 1),
    "ontime": lambda r: r.on_time_share,
    "silence": lambda r: r.silence,
    "broken": lambda r: r.broken,
    "cost": lambda r: (r.credits, r.hours) if r.cost_recorded or r.credits or r.hours else None,
    "id": lambda r: r.number,
}
SORT_ORDER = ("closed", "client", "sev", "title", "duration", "ack", "contact", "mgmt", "first", "ontime",
              "hard", "silence", "broken", "cost")
# The direction a column sorts in first: the worst or newest on top.
FIRST_REVERSED = frozenset({"closed", "duration", "ack", "contact", "mgmt", "first", "silence", "broken", "cost"})

_RANGE = re.compile(r"^\s*([1-4])\s*-\s*([1-4])\s*$")


def parse_severities(text: str) -> frozenset[int] | None:
    """``1``, ``1,2``, ``12`` or ``1-2`` → the severities; blank → None (any); else ValueError."""
    if not text.strip():
        return None
    match = _RANGE.match(text)
    if match:
        low, high = sorted((int(match.group(1)), int(match.group(2))))
        return frozenset(range(low, high + 1))
    cleaned = re.sub(r"[\s,;/]+", "", text)
    if not cleaned or any(c not in "1234" for c in cleaned):
        raise ValueError(f"severity: use 1-4, like 1,2 or 1-2 (not {text.strip()!r})")
    return frozenset(int(c) for c in cleaned)


def sort_rows(rows: Sequence[ReviewRow], key: str, reverse: bool) -> list[ReviewRow]:
    """``rows`` sorted by a column; ties keep the newest closed first; unknown values go last."""
    get = SORT_KEYS[key]
    base = sorted(rows, key=lambda r: (r.closed_at or 0.0, r.number), reverse=True)
    known = [r for r in base if get(r) is not None]
    unknown = [r for r in base if get(r) is None]
    known.sort(key=get, reverse=reverse)  # stable: ties stay newest first
    return known + unknown


@dataclass(frozen=True)
class ReviewQuery:
    """Filters (text, client, severity, only incidents in a pattern) and the sort."""

    text: str = ""
    client: str = ""
    severities: frozenset[int] | None = None
    patterns_only: bool = False
    sort: str = "closed"
    reverse: bool = True

    @property
    def filtered(self) -> bool:
        """Whether any filter narrows the list."""
        return bool(self.text.strip() or self.client.strip() or self.severities or self.patterns_only)

    def with_sort(self, key: str) -> "ReviewQuery":
        """Sort by ``key``; the same key again flips the direction."""
        if key == self.sort:
            return replace(self, reverse=not self.reverse)
        return replace(self, sort=key, reverse=key in FIRST_REVERSED)

    def next_sort(self, step: int = 1) -> "ReviewQuery":
        """The next column in SORT_ORDER, in its natural direction."""
        position = SORT_ORDER.index(self.sort) if self.sort in SORT_ORDER else -1
        key = SORT_ORDER[(position + step) % len(SORT_ORDER)]
        return replace(self, sort=key, reverse=key in FIRST_REVERSED)

    def matches(self, row: ReviewRow, patterns: dict[int, Pattern]) -> bool:
        """Whether ``row`` passes every filter."""
        if self.severities is not None and row.severity not in self.severities:
            return False
        if self.client.strip() and client_key(self.client) not in client_key(row.client):
            return False
        if self.patterns_only and row.number not in patterns:
            return False
        words = self.text.casefold().split()
        if words:
            haystack = f"{row.id} {row.title} {row.client} {row.root_cause} {row.close_reason}".casefold()
            return all(word in haystack for word in words)
        return True

    def filter(self, rows: Sequence[ReviewRow], patterns: dict[int, Pattern]) -> list[ReviewRow]:
        """The rows that pass, in their given order (filter a sorted list: no sort per keystroke)."""
        if not self.filtered:
            return list(rows)
        return [r for r in rows if self.matches(r, patterns)]

    def apply(self, rows: Sequence[ReviewRow], patterns: dict[int, Pattern]) -> list[ReviewRow]:
        """The rows shown: sorted, then filtered."""
        return self.filter(sort_rows(rows, self.sort, self.reverse), patterns)
