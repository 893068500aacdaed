"""What every store backend shares: incident ids, who is at the keyboard, the errors, drafts, acting as someone.

Backend-neutral: the TinyDB folder store and the PostgreSQL store both build on it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable, TypeVar

from .files import StoreError
from .where import default_folder  # noqa: F401  (re-exported: every backend names where it lives)

if TYPE_CHECKING:
    from pendulum import DateTime

    from ..domain.clock import Clock
    from ..domain.model import Incident

T = TypeVar("T")
TEAM_FILES = ("playbook.toml", "config.toml")  # the team's shared settings, in a folder or a database


class ReadOnlyStore(StoreError):
    """The store can be read but not written (newer schema, or no write permission)."""


class NotFound(StoreError):
    """No incident with that id."""


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
    """Who is at the keyboard, for 'done by' and the timeline."""
    # What getpass.getuser() does, without importing it (and termios) at start-up.
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(name):
            return os.environ[name]
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


class ActingAs:
    """A store seen as another user and clock: the demo's cast acting on the same store.

    Works with any backend that offers ``_create(title, client, severity, user, now, details)``
    and ``_change(number, apply, user, clock)``.
    """

    def __init__(self, store, user: str, clock: "Clock"):
        self._store = store
        self.user = user
        self.clock = clock

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def create(self, title: str, client_org: str, severity: int, **details) -> "Incident":
        """A new incident, created by this user at this clock's instant."""
        return self._store._create(title, client_org, severity, self.user, self.clock(), details)

    def change(self, incident_id: str | int, apply: Callable[["Incident", "DateTime", str], T]) -> T:
        """A change made by this user at this clock's instant."""
        return self._store._change(number_of(incident_id), apply, self.user, self.clock)

    def acting_as(self, user: str | None = None, clock: "Clock | None" = None) -> "ActingAs":
        """Another user or clock, on the same store."""
        return ActingAs(self._store, user or self.user, clock or self.clock)
