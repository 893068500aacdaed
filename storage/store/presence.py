"""Presence, kept apart from the record: ``open_presence(store)`` gives the board of notes its backend keeps.

A folder keeps one small file per console under ``presence/`` (storage.store.folder.presence);
a database keeps one row per console's own connection (storage.store.postgres.presence). Both
offer the same three things, each quick and never waiting for the store's lock:

- ``say(note)``: this console's note, written again (its heartbeat);
- ``read()``: every live note, this console's too (stale ones are left out, and removed);
- ``leave()``: this console's note taken away, as it closes.

None of it is user data: a note that cannot be written (a read-only folder, a database that
cannot be reached) is skipped, and the others' notes are still read.

Who a console is (``presence_user``): ``$MISHAP_USER`` when set (a convenience for a shared
login, not a proof of who anyone is), else on PostgreSQL the role the connection logged in as
(each responder connects with a role of their own), else the login name. It is the name the
record uses too: the console's store takes it (tui.presence.PresenceWatch), and so does
``mishap handover`` (tui.cli.handover.acting_user).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from datetime import datetime

    from ..domain.presence import Presence

Now = Callable[[], "datetime"]


class PresenceBoard:
    """What both backends offer (see the module's text)."""

    #: Why this console's own note could not be written last time (None: it was).
    problem: str | None = None

    def say(self, note: "Presence") -> None:
        raise NotImplementedError

    def read(self) -> list["Presence"]:
        raise NotImplementedError

    def leave(self, console: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Let go of what the board holds (a connection)."""


def open_presence(store, now: Now | None = None) -> PresenceBoard:
    """The presence board of ``store``'s backend; ``now`` judges staleness (the store's clock by default)."""
    now = now or store.clock
    if store.folder is not None:
        from .folder.presence import FolderPresence

        return FolderPresence(store.folder, now)
    from .postgres.presence import PostgresPresence

    return PostgresPresence(store.session.target, now)


def presence_user(store, board: PresenceBoard | None = None) -> str:
    """The name a console goes by (see the module's text): ``$MISHAP_USER``, else the database role
    ``board`` logged in as, else the store's user (the login name)."""
    mishap_user = os.environ.get("MISHAP_USER", "").strip()
    if mishap_user:
        return mishap_user
    role = getattr(board, "role", None)
    return role or store.user

