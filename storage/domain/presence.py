"""Presence: who else has a console open on this store, on which incident, doing what.

A console says where it is (the board, or incident M-12) and what it does there: looking,
or drafting an update to a named audience. Each backend keeps these notes apart from the
record (storage.store.presence): none of it is user data, and a console that is gone must
vanish from the others' screens within :data:`GONE_WITHIN` seconds.

Here is only what is true of a note whatever keeps it: its fields, when it is stale, and
how a screen says it ("dana is here · drafting an update to Maria").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

LOOKING = "looking"
DRAFTING = "drafting"
DOINGS = (LOOKING, DRAFTING)

#: A console refreshes its note this often (seconds), and reads the others' as often.
BEAT_SECONDS = 3.0
#: A note not refreshed for this long is stale: its console is gone (or frozen).
STALE_SECONDS = 9.0
#: What the issue asks: a console that exits or is killed is gone from the others' screens within this.
#: A stale note is found at the next read, so the worst case is STALE_SECONDS + BEAT_SECONDS.
GONE_WITHIN = 15.0


@dataclass(frozen=True)
class Presence:
    """One console's note: who, where (``number``; None on the board), doing what, since when.

    ``since`` is when it started what it does now (opening the composer, say); ``beat`` when it
    last said it is still there. Both are UTC instants.
    """

    console: str
    user: str
    number: int | None = None
    doing: str = LOOKING
    audience: str = ""  # whom the update is drafted to, while drafting
    since: datetime | None = None
    beat: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"console": self.console, "user": self.user, "number": self.number, "doing": self.doing,
                "audience": self.audience, "since": _iso(self.since), "beat": _iso(self.beat)}

    @classmethod
    def from_dict(cls, d: Any) -> "Presence | None":
        """The note ``d`` holds, or None if it is not one (a damaged or foreign file is ignored)."""
        if not isinstance(d, dict):
            return None
        console, user, number = d.get("console"), d.get("user"), d.get("number")
        doing, audience = d.get("doing", LOOKING), d.get("audience", "")
        if not (isinstance(console, str) and console and isinstance(user, str) and user
                and (number is None or (isinstance(number, int) and not isinstance(number, bool)))
                and doing in DOINGS and isinstance(audience, str)):
            return None
        return cls(console, user, number, doing, audience, _instant(d.get("since")), _instant(d.get("beat")))

    def stale(self, now: datetime, after: float = STALE_SECONDS) -> bool:
        """Whether the note was last refreshed more than ``after`` seconds before ``now`` (or never)."""
        return self.beat is None or (now - self.beat).total_seconds() > after

    def words(self) -> str:
        """``dana is here`` or ``dana is here · drafting an update to Maria``."""
        if self.doing == DRAFTING:
            to = f" to {self.audience}" if self.audience else ""
            return f"{self.user} is here · drafting an update{to}"
        return f"{self.user} is here"


def others_here(notes: Iterable[Presence], number: int | None, me: str) -> list[Presence]:
    """The notes of consoles on incident ``number`` other than console ``me``: one per user, the one
    drafting first (a person with two consoles open is one person), in name order."""
    by_user: dict[str, Presence] = {}
    for note in notes:
        if note.number != number or note.console == me:
            continue
        held = by_user.get(note.user)
        if held is None or (note.doing == DRAFTING and held.doing != DRAFTING):
            by_user[note.user] = note
    return [by_user[user] for user in sorted(by_user, key=str.casefold)]


def here_words(notes: Iterable[Presence], number: int | None, me: str, user: str = "") -> str:
    """What a screen says of incident ``number``: ``dana is here · drafting an update to Maria; sam is here``;
    "" when nobody else is. ``user``: the user at this console, left out (not yourself)."""
    return "; ".join(n.words() for n in others_here(notes, number, me) if n.user != user)


def drafting_for(notes: Iterable[Presence], number: int, audience: str, me: str, user: str = "") -> Presence | None:
    """Someone else's note drafting an update to ``audience`` of incident ``number``, the longest at it; else None."""
    found = [n for n in notes if n.number == number and n.doing == DRAFTING and n.console != me
             and n.user != user and n.audience.casefold() == audience.casefold()]
    return min(found, key=lambda n: n.since or datetime.max.replace(tzinfo=timezone.utc), default=None)


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(timezone.utc).isoformat()


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=timezone.utc)
