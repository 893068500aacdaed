"""What every store backend does alike: who acts and when, whether writes are allowed, the
team's cadence for a new incident, acting as someone else, and incident ids and drafts.

A backend (storage.store.folder.store, storage.store.postgres.store) subclasses
:class:`StoreBase` and adds where its incidents live: ``create_as`` and ``change_as`` do the
writing, whoever acts.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Callable, ContextManager, Iterator, TypeVar

from .errors import NotFound, ReadOnlyStore

if TYPE_CHECKING:
    from pathlib import Path

    from pendulum import DateTime

    from ..domain.clock import Clock
    from ..domain.config import StoreConfig
    from ..domain.model import Incident
    from ..domain.playbook import LoadedPlaybook

T = TypeVar("T")
Apply = Callable[["Incident", "DateTime", str], T]
TEAM_FILES = ("playbook.toml", "config.toml")  # the team's shared settings, in a folder or a database


def parse_id(text: str) -> int:
    """``M-12``, ``m12`` or ``12`` → 12."""
    cleaned = text.strip().upper().removeprefix("M").removeprefix("-")
    if not (cleaned.isascii() and cleaned.isdigit()) or int(cleaned) <= 0:
        raise NotFound(f"{text!r} is not an incident id (like M-12)")
    return int(cleaned)


def number_of(incident_id: str | int) -> int:
    """The incident number of ``M-12``, ``12`` or 12."""
    return incident_id if isinstance(incident_id, int) else parse_id(incident_id)


def current_user() -> str:
    """Who is at the keyboard, for 'done by', the timeline, presence and approvals.

    ``$MISHAP_USER`` when set (a convenience for a shared login, not a proof of who anyone is),
    else the login name.
    """
    # What getpass.getuser() does, without importing it (and termios) at start-up.
    for name in ("MISHAP_USER", "LOGNAME", "USER", "LNAME", "USERNAME"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):  # no passwd entry in some containers
        return "me"


def draft_document(number: int, saved_at: str, fields: dict[str, str], schema: int) -> dict:
    """A saved draft as every backend keeps it: not part of the record, no timeline entry."""
    return {"schema": schema, "number": number, "saved_at": saved_at, "fields": dict(fields)}


def draft_fields(doc: dict | None) -> dict | None:
    """The fields of a stored draft document, or None when there is none (or it is not ours)."""
    fields = doc.get("fields") if isinstance(doc, dict) else None
    return dict(fields) if isinstance(fields, dict) else None


class Warnings(list):
    """Problems found that did not stop anything, each kept once (the console shows each new one)."""

    def add(self, message: str) -> None:
        """Keep ``message``, unless it is kept already."""
        if message not in self:
            self.append(message)


class StoreBase:
    """What every backend keeps alike; a backend adds where incidents live (``create_as``, ``change_as``)."""

    #: The folder the store's files live in; None for a database (a report may be written anywhere).
    folder: "Path | None" = None
    #: Opening found another writer holding the lock: its upkeep waits (``upkeep()`` again later).
    upkeep_waiting = False

    def __init__(self, *, clock: "Clock", user: str | None, playbook: "LoadedPlaybook", config: "StoreConfig"):
        self.clock = clock
        self.user = user or current_user()
        self.playbook = playbook
        self.config = config
        self.read_only_reason: str | None = None
        self.warnings = Warnings()  # problems found that did not stop anything; never fatal

    @property
    def read_only(self) -> bool:
        """Whether writes are refused (see ``read_only_reason``)."""
        return self.read_only_reason is not None

    @property
    def connection_problem(self) -> str | None:
        """Why the store cannot be reached now; None (a backend with a connection says otherwise)."""
        return None

    def refuse_if_read_only(self) -> None:
        """Raise ReadOnlyStore, with the reason, when writes are refused."""
        if self.read_only_reason:
            raise ReadOnlyStore(self.read_only_reason)

    def warn(self, message: str) -> None:
        """Add a warning (once: the console shows each new one)."""
        self.warnings.add(message)

    def writer_lock(self) -> ContextManager:
        """What a writer holds so other processes wait for it: nothing here (a database locks rows itself)."""
        return contextlib.nullcontext()

    def upkeep(self) -> bool:
        """Tidying opening could not do (see the folder store); nothing to do here, so done."""
        return True

    def with_cadence(self, severity: int, details: dict) -> dict:
        """``details`` with the team's update cadence and first-contact time for ``severity``, unless given."""
        if severity in self.config.cadence:
            details.setdefault("cadence_minutes", self.config.cadence[severity])
            details.setdefault("first_contact_minutes", self.config.first_contact[severity])
        return details

    def open_incidents(self) -> list["Incident"]:
        """Every incident not closed, as last read."""
        raise NotImplementedError

    def __iter__(self) -> Iterator["Incident"]:
        return iter(self.open_incidents())

    def create(self, title: str, client_org: str, severity: int, **details) -> "Incident":
        """A new open incident with the playbook's checklist and a number never used before."""
        return self.create_as(title, client_org, severity, self.user, self.clock, details)

    def change(self, incident_id: str | int, apply: Apply[T]) -> T:
        """Apply ``apply(incident, now, user)`` to the incident as stored now, and save it (durable on return).

        A ValidationError from ``apply`` leaves the store untouched.
        """
        return self.change_as(number_of(incident_id), apply, self.user, self.clock)

    def create_as(self, title: str, client_org: str, severity: int, user: str, clock: "Clock",
                  details: dict) -> "Incident":
        """``create``, by ``user`` at ``clock``'s instant."""
        raise NotImplementedError

    def change_as(self, number: int, apply: Apply[T], user: str, clock: "Clock") -> T:
        """``change``, by ``user`` at ``clock``'s instant."""
        raise NotImplementedError

    def acting_as(self, user: str | None = None, clock: "Clock | None" = None) -> "ActingAs":
        """This store, with changes made by ``user`` at ``clock``'s instants (the demo's cast)."""
        return ActingAs(self, user or self.user, clock or self.clock)


class ActingAs:
    """A store seen as another user and clock: the demo's cast acting on the same store."""

    def __init__(self, store: StoreBase, user: str, clock: "Clock"):
        self._store = store
        self.user = user
        self.clock = clock

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def create(self, title: str, client_org: str, severity: int, **details) -> "Incident":
        """A new incident, created by this user at this clock's instant."""
        return self._store.create_as(title, client_org, severity, self.user, self.clock, details)

    def change(self, incident_id: str | int, apply: Apply[T]) -> T:
        """A change made by this user at this clock's instant."""
        return self._store.change_as(number_of(incident_id), apply, self.user, self.clock)

    def acting_as(self, user: str | None = None, clock: "Clock | None" = None) -> "ActingAs":
        """Another user or clock, on the same store."""
        return ActingAs(self._store, user or self.user, clock or self.clock)
