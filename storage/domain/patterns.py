"""Patterns in closed incidents: the same client, or the same kind of mistake, more than once.

Works on review rows (``storage.domain.review_row.ReviewRow``): a title's and a root cause's
significant words are what make two mistakes "the same kind"; nothing here reads a file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import chain, combinations
from typing import TYPE_CHECKING, Sequence

from .speed import collection_paused

if TYPE_CHECKING:  # pragma: no cover
    from .review_row import ReviewRow


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
    with collection_paused():  # tens of thousands of words, pairs and patterns, none in a cycle
        return _find_patterns(rows)


def _find_patterns(rows: Sequence[ReviewRow]) -> dict[int, Pattern]:
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
