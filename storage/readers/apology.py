"""The apology check: wording that deflects or does not own the mistake, and why.

It advises and never blocks: the person sending the update decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    """A phrase in the text that weakens the apology, where it is, and why."""

    start: int
    end: int
    phrase: str
    why: str


_RULES: tuple[tuple[str, str], ...] = (
    (r"\bif (?:you|anyone|someone) (?:were|was|felt|feel|have been|has been) (?:upset|offended|troubled|inconvenienced|affected|hurt)\b",
     "conditional: it doubts the harm instead of owning it; say what went wrong and that it was our fault"),
    (r"\bsorry if\b",
     "'sorry if' apologises for a possibility; we know what happened, so apologise for it plainly"),
    (r"\bmistakes? (?:was|were|has been|have been) made\b",
     "passive voice hides who made the mistake; say 'we made a mistake'"),
    (r"\b(?:for|about) any (?:inconvenience|trouble|disruption|confusion)\b",
     "'any inconvenience' shrinks real harm to a possibility; name the actual impact"),
    (r"\bany inconvenience\b",
     "'any inconvenience' shrinks real harm to a possibility; name the actual impact"),
    (r"\bsorry (?:that )?you (?:feel|felt|think|thought|see it)\b",
     "apologises for the client's feelings, not for our mistake"),
    (r"\bunfortunately,? it (?:seems|appears|looks like)\b",
     "hedges as if the error happened by itself; state what we did wrong"),
    (r"\b(?:it|this) (?:seems|appears) (?:that )?(?:an? )?(?:error|mistake|issue) (?:occurred|happened|was made)\b",
     "distances us from the error; say 'we made an error'"),
    (r"\bwe regret any\b",
     "'regret any' is a non-apology; apologise for the specific harm"),
)

_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), why) for pattern, why in _RULES)


def check_apology(text: str) -> list[Flag]:
    """Every deflecting phrase in ``text``, in order, without overlaps."""
    found: list[Flag] = []
    for pattern, why in _COMPILED:
        for match in pattern.finditer(text):
            if any(match.start() < f.end and f.start < match.end() for f in found):
                continue
            found.append(Flag(match.start(), match.end(), match.group(0), why))
    return sorted(found, key=lambda f: f.start)
