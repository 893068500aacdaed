"""Audiences: every party an incident owes word to, each on its own cadence.

The client is always audience 0, made from the client and contact when the incident
opens; our own management, a regulator or a downstream party are added beside it.
Audiences are named by their index in :attr:`Incident.audiences`, which only grows:
a party no longer owed word is retired, with a reason, and its history stays.

Mixed into :class:`storage.domain.model.Incident`; each change records itself on the timeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pendulum import DateTime

from .clock import to_iso, to_utc
from .fields import instant_field, require, text_field
from .intent import Unchanged
from .parts import CLIENT
from .ledger import cadence_phrase
from .spans import MAX_AHEAD_DAYS, quoted

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident
    from .parts import ClientUpdate, Promise

AUDIENCE_KINDS = ("client", "management", "regulator", "other")
_MAX_MINUTES = MAX_AHEAD_DAYS * 24 * 60
# Plain enough to catch a typo, not a full RFC 5322 parser: one @, a dot in the domain, no spaces.
_EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\.]+")


def check_email(address: str) -> str:
    """``address`` trimmed, or ValidationError saying it is not an email address ("" clears it)."""
    address = address.strip()
    require(address == "" or (len(address) <= 254 and address.isprintable() and _EMAIL.fullmatch(address)),
            f"{address!r} is not an email address (name@example.com)")
    return address


def check_name(name: str) -> str:
    """An audience's name, trimmed; it must say something and fit on a line."""
    name = " ".join(name.split())
    require(name != "", "an audience needs a name")
    require(len(name) <= 120, "an audience's name is at most 120 characters")
    return name


def cadence_text(minutes: int | None) -> str:
    """The cadence as the command line takes it back: ``none``, ``morning`` or ``90m``."""
    if minutes is None:
        return "none"
    return "morning" if minutes == 0 else f"{minutes}m"


def cadence_said(minutes: int | None) -> str:
    """The cadence in words: ``no promised updates``, else as the client's (``every 4 h``, ``next working morning``)."""
    return "no promised updates" if minutes is None else cadence_phrase(minutes)


@dataclass
class Audience:
    """A party owed word: the client, our management, a regulator, or another.

    ``cadence_minutes``: minutes between promised updates, 0 for the next working morning,
    None for no promised updates at all ("none", distinct from "morning").
    """

    name: str
    kind: str = "client"
    internal: bool = False
    channel: str = ""
    email: str = ""
    cadence_minutes: int | None = None
    owner: str = ""  # who keeps this audience told
    added_at: DateTime | None = None
    retired_at: DateTime | None = None
    retired_reason: str = ""

    @property
    def active(self) -> bool:
        """Still owed word (not retired)."""
        return self.retired_at is None

    def label(self) -> str:
        """The name with its kind when that says more: ``ICO (regulator)``."""
        return self.name if self.kind in ("client", "other") else f"{self.name} ({self.kind})"

    def to_dict(self) -> dict[str, Any]:
        d = {"name": self.name, "kind": self.kind, "internal": self.internal, "channel": self.channel,
             "email": self.email, "cadence_minutes": self.cadence_minutes, "owner": self.owner,
             "added_at": to_iso(self.added_at)}
        if self.retired_at is not None:
            d.update(retired_at=to_iso(self.retired_at), retired_reason=self.retired_reason)
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str) -> "Audience":
        require(isinstance(d, dict), f"{where} must be an object")
        kind = text_field(d, "kind", where, "other")
        require(kind in AUDIENCE_KINDS, f"{where}.kind must be one of {', '.join(AUDIENCE_KINDS)}")
        internal = d.get("internal", kind == "management")
        require(isinstance(internal, bool), f"{where}.internal must be true or false")
        cadence = d.get("cadence_minutes")
        require(_cadence_ok(cadence),
                f"{where}.cadence_minutes must be null or a whole number of minutes up to {MAX_AHEAD_DAYS} days")
        return cls(text_field(d, "name", where), kind, internal, text_field(d, "channel", where, ""),
                   text_field(d, "email", where, ""), cadence, text_field(d, "owner", where, ""),
                   instant_field(d, "added_at", where), instant_field(d, "retired_at", where),
                   text_field(d, "retired_reason", where, ""))


def client_audience(client_org: str, client_contact: str, cadence_minutes: int, email: str = "",
                    added_at: DateTime | None = None, owner: str = "") -> Audience:
    """The client's own audience, as every incident has it (and every document before audiences)."""
    return Audience(client_org, "client", False, "", email, cadence_minutes, owner, added_at)


class AudienceBook:
    """The audiences of an incident: who is owed word, found by what a person types."""

    def audience(self: "Incident", index: int) -> Audience:
        require(0 <= index < len(self.audiences), f"there is no audience {index}")
        return self.audiences[index]

    def audience_name(self: "Incident", index: int) -> str:
        """The name of audience ``index`` (the client's for an index from a damaged document)."""
        return self.audiences[index].name if 0 <= index < len(self.audiences) else self.audiences[0].name

    def audiences_listed(self: "Incident") -> str:
        """``Marlow (client), Tom Reed (management)``: the active audiences, for a message."""
        return ", ".join(f"{a.name} ({a.kind})" for a in self.audiences if a.active)

    def find_audience(self: "Incident", text: str) -> int:
        """The audience ``text`` names, case-insensitive: an exact name, then a kind the incident
        has only one of, then the unique start of a name. Else ValidationError listing them."""
        wanted = " ".join(str(text).split()).casefold()
        require(wanted != "", f"name an audience: {self.audiences_listed()}")
        active = [(i, a) for i, a in enumerate(self.audiences) if a.active]
        for rule in (lambda a: a.name.casefold() == wanted, lambda a: a.kind == wanted,
                     lambda a: a.name.casefold().startswith(wanted)):
            found = [i for i, a in active if rule(a)]
            if len(found) == 1:
                return found[0]
        retired = [a.name for a in self.audiences if not a.active and a.name.casefold() == wanted]
        if retired:
            require(False, f"{retired[0]} was removed from {self.id}; its audiences are: {self.audiences_listed()}")
        require(False, f"{self.id} has no audience {quoted(text)} (or more than one starts so); its audiences are: "
                       f"{self.audiences_listed()}")
        return CLIENT  # pragma: no cover (require raised)

    def _check_unique(self: "Incident", name: str, skip: int | None = None) -> None:
        for i, a in enumerate(self.audiences):
            require(i == skip or not a.active or a.name.casefold() != name.casefold(),
                    f"{self.id} already has an audience named {a.name!r}")

    def add_audience(self: "Incident", name: str, kind: str, now: DateTime, by: str = "", *,
                     internal: bool | None = None, channel: str = "", email: str = "",
                     cadence_minutes: int | None = None) -> int:
        """Owe word to another party; returns its index. ``management`` is internal, others unless told."""
        name = check_name(name)
        require(kind in AUDIENCE_KINDS, f"unknown kind {kind!r}: use {', '.join(AUDIENCE_KINDS)}")
        self._check_unique(name)
        _check_cadence(cadence_minutes)
        audience = Audience(name, kind, kind == "management" if internal is None else internal or kind == "management",
                            channel.strip(), check_email(email), cadence_minutes, by, to_utc(now))
        self.audiences.append(audience)
        index = len(self.audiences) - 1
        where = "internal" if audience.internal else "external"
        self.record(now, "audience", f"Audience added: {name} ({kind}, {where}, {cadence_said(cadence_minutes)})",
                    by, "audience_added", audience=index)
        return index

    def edit_audience(self: "Incident", index: int, now: DateTime, by: str = "", *, name: str | None = None,
                      email: str | None = None, cadence_minutes: Any = ..., channel: str | None = None
                      ) -> Unchanged | None:
        """Change an audience's name, address, cadence or channel; Unchanged if it already is so."""
        audience = self.audience(index)
        require(audience.active, f"{audience.name} was removed from {self.id}: it cannot be edited")
        changes: dict[str, Any] = {}
        if name is not None:
            name = check_name(name)
            self._check_unique(name, skip=index)
            changes["name"] = name
        if email is not None:
            changes["email"] = check_email(email)
        if channel is not None:
            changes["channel"] = channel.strip()
        if cadence_minutes is not ...:
            _check_cadence(cadence_minutes)
            require(index != CLIENT or cadence_minutes is not None,
                    "the client is always promised its next update: give a span or morning "
                    "(to promise nothing once, send the update with --next none)")
            changes["cadence_minutes"] = cadence_minutes
        said = [f"{key.replace('_minutes', '')} {_shown(key, getattr(audience, key))} → {_shown(key, value)}"
                for key, value in changes.items() if getattr(audience, key) != value]
        if not said:
            return Unchanged(f"{audience.name} is already so")
        for key, value in changes.items():
            setattr(audience, key, value)
        if index == CLIENT and "cadence_minutes" in changes:
            self.cadence_minutes = audience.cadence_minutes
        self.record(now, "audience", f"Audience {audience.name}: {'; '.join(said)}", by, "audience_edited",
                    audience=index)
        return None

    def retire_audience(self: "Incident", index: int, reason: str, now: DateTime, by: str = "") -> list["Promise"]:
        """No more word owed to audience ``index``: its open promises are released with ``reason``.

        Its history stays. The client's audience cannot be retired. Returns the promises released.
        """
        audience = self.audience(index)
        require(index != CLIENT, "the client's audience cannot be removed: every incident owes the client word")
        require(audience.active, f"{audience.name} was already removed from {self.id}")
        require(reason.strip() != "", f"say why {audience.name} is owed no more word (a reason is kept)")
        released = []
        for promise in self.promises:
            if promise.is_open and promise.audience == index:
                self.release_promise(promise, reason, now)
                released.append(promise)
        audience.retired_at, audience.retired_reason = to_utc(now), reason
        self.record(now, "audience", f"Audience removed: {audience.name} — {reason}", by, "audience_removed",
                    audience=index)
        return released

    # -- who holds the pen ----------------------------------------------------------------

    def held_by(self: "Incident", user: str) -> bool:
        """Whether ``user`` owns the incident or one of its active audiences (``mishap list --mine``)."""
        wanted = user.casefold()
        return self.owner.casefold() == wanted or any(a.owner.casefold() == wanted for a in self.audiences if a.active)

    def hand_over(self: "Incident", to: str, note: str, now: DateTime, by: str = "",
                  audience: int | None = None) -> Unchanged | None:
        """Move the incident to ``to``, with the audiences its owner holds; or only ``audience``.

        A shift change says what the next person must know: ``note`` is required, and goes on
        the timeline. Decided from what is stored when it is applied, so a hand-over racing an
        update keeps both. Unchanged when ``to`` holds all of it already.
        """
        to = " ".join(str(to).split())
        require(to != "", "say whom to hand over to (--to NAME)")
        require(len(to) <= 120 and to.isprintable(), "a name is one line of at most 120 characters")
        note = note.strip()
        require(note != "", "a hand-over needs a note: what the next person must know (--note TEXT)")
        if audience is not None:
            held = self.audience(audience)
            require(held.active, f"{held.name} was removed from {self.id}: it cannot be handed over")
            if held.owner == to:
                return Unchanged(f"{held.name} on {self.id} is already held by {to}")
            was = held.owner
            held.owner = to
            self.record(now, "handover", f"{held.name} handed over from {was or 'nobody'} to {to}: {note}", by,
                        "handed_over", audience=audience)
            return None
        was = self.owner
        moving = [a for a in self.audiences if a.active and a.owner == was and a.owner != to]
        if was == to and not moving:
            return Unchanged(f"{self.id} is already held by {to}")
        self.owner = to
        for held in moving:
            held.owner = to
        names = f" with {', '.join(a.name for a in moving)}" if moving else ""
        self.record(now, "handover", f"Handed over from {was or 'nobody'} to {to}{names}: {note}", by, "handed_over")
        return None

    def owed_words(self: "Incident", promise: "Promise") -> str:
        """What a promise is, naming its audience unless it is the client's: ``client update``,
        ``update to Tom Reed``, ``GDPR notice to Supervisory authority``, ``credit note``."""
        to = "" if promise.audience == CLIENT else f" to {self.audience_name(promise.audience)}"
        if promise.hard:
            return f"{self.rule_label(promise)}{to}"
        if promise.kind == "update":
            return "client update" if promise.audience == CLIENT else f"update{to}"
        return f"{promise.text}{to}"

    def last_told(self: "Incident", index: int) -> "ClientUpdate | None":
        """The last update sent to audience ``index``."""
        return next((u for u in reversed(self.updates) if u.audience == index), None)

    def audience_promises(self: "Incident", index: int) -> list["Promise"]:
        """The open promises owed to audience ``index``, soonest first."""
        return [p for p in self.open_promises() if p.audience == index]

    def audience_next_due(self: "Incident", index: int) -> DateTime | None:
        """When the next update to audience ``index`` is due (its open update promise)."""
        promise = self.update_promise(index)
        return promise.due if promise is not None else None


def _cadence_ok(minutes: object) -> bool:
    """None (no promised updates), or whole minutes from 0 (the next working morning) to 90 days."""
    return minutes is None or (isinstance(minutes, int) and not isinstance(minutes, bool)
                               and 0 <= minutes <= _MAX_MINUTES)


def _check_cadence(minutes: int | None) -> None:
    require(_cadence_ok(minutes), f"a cadence is a span up to {MAX_AHEAD_DAYS} days, morning, or none")


def _shown(key: str, value: Any) -> str:
    if key == "cadence_minutes":
        return cadence_said(value)
    return repr(value) if value else "none"
