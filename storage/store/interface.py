"""What every store backend offers the console and the CLI: the one interface they use.

The console and the ``mishap`` command know a store only through :class:`IncidentStore`;
which backend sits behind it (a TinyDB folder, or a PostgreSQL database for teams) is
chosen once, by :func:`storage.store.choose.open_store`. The rules every backend keeps on a
change live in :mod:`storage.store.rules`, written once; what every backend does alike, in
:mod:`storage.store.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, AsyncIterator, Callable, ContextManager, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from pathlib import Path

    from pendulum import DateTime

    from ..domain.clock import Clock
    from ..domain.config import StoreConfig
    from ..domain.patterns import Pattern
    from ..domain.review_row import ReviewRow
    from ..domain.model import Incident
    from ..domain.playbook import LoadedPlaybook

T = TypeVar("T")
Apply = Callable[["Incident", "DateTime", str], T]


@runtime_checkable
class IncidentStore(Protocol):
    """A place incidents live: read them, change them one unit of work at a time, see others' changes.

    Every method that writes is durable when it returns: the screen or the command may
    say "done" right after. Errors are :class:`storage.store.errors.StoreError` (or a
    subclass) with a message a person can act on.
    """

    #: Who makes the changes (the timeline's "by"); the demo acts as other people.
    user: str
    #: Where instants come from; the demo and the tests pass their own.
    clock: "Clock"
    #: The team's checklist and cadence settings, as loaded with the store.
    playbook: "LoadedPlaybook"
    config: "StoreConfig"

    # -- where, and whether writes are allowed ----------------------------------------------

    @property
    def location(self) -> str:
        """The store as messages name it: a folder path, or host and database (never a password)."""

    @property
    def folder(self) -> "Path | None":
        """The folder the store's files live in (a report is never written there); None for a database."""

    @property
    def read_only_reason(self) -> str | None:
        """Why writes are refused (a newer mishap wrote it, no permission), or None."""

    @property
    def read_only(self) -> bool:
        """Whether writes are refused (see ``read_only_reason``)."""

    @property
    def connection_problem(self) -> str | None:
        """"offline: cannot reach HOST/DB, retrying" while a server store cannot be reached; None otherwise.

        A write meanwhile is refused with a StoreError; reads show what was last read.
        """

    #: Opening found another writer holding the lock: its upkeep waits (``upkeep()`` again later).
    upkeep_waiting: bool

    def upkeep(self) -> bool:
        """Tidying that opening could not do because another writer was busy; never waits, never fails."""

    def writer_lock(self) -> "ContextManager":
        """What a writer holds so other processes wait for it (the folder's lock; nothing on a database)."""

    @property
    def warnings(self) -> list[str]:
        """Problems found on opening that did not stop it (a backup not refreshed, a corrupt closed file)."""

    def close(self) -> None:
        """Let go of files, connections and listeners."""

    # -- reading -------------------------------------------------------------------------------

    def open_incidents(self) -> list["Incident"]:
        """Every incident not closed, as last read."""

    def closed_incidents(self) -> list["Incident"]:
        """Every closed incident that can be read (costly on a long history: prefer review_rows)."""

    def get(self, incident_id: str | int) -> "Incident":
        """One incident, open or closed, by ``M-12``, ``12`` or 12; NotFound if there is none."""

    def is_empty(self) -> bool:
        """Whether the store holds no incident at all, open or closed."""

    # -- writing -------------------------------------------------------------------------------

    def create(self, title: str, client_org: str, severity: int, **details) -> "Incident":
        """A new open incident with the playbook's checklist and a number never used before."""

    def change(self, incident_id: str | int, apply: "Apply[T]") -> T:
        """The one unit of work: ``apply(incident, now, user)`` on the incident as stored now, saved.

        The store's rules hold whatever ``apply`` does (see storage.store.rules): the
        timeline only grows, an edit leaves an entry, the revision goes up. A
        ValidationError from ``apply`` leaves the store untouched.
        """

    def draft(self, incident_id: str | int) -> dict | None:
        """The saved draft of the next client update, if any."""

    def save_draft(self, incident_id: str | int, fields: dict[str, str]) -> None:
        """Keep a draft of a client update (durable; not part of the record, no timeline entry)."""

    def discard_draft(self, incident_id: str | int) -> None:
        """Forget the draft (sent, or thrown away)."""

    # -- other writers ---------------------------------------------------------------------------

    def changed(self) -> bool:
        """Whether someone else changed the store since it was last read (cheap: no parse)."""

    def refresh(self) -> bool:
        """Re-read what others changed; returns whether anything did."""

    def changes(self, interval: float = 1.0) -> AsyncIterator[None]:
        """Yield once each time someone else changed the store (after refreshing it).

        The console runs one worker over this, whatever the backend: a folder is polled
        every ``interval`` seconds, a database pushes notifications. A database also
        yields when it goes offline and once after every reconnect (what was notified
        meanwhile is lost): look at ``connection_problem`` and redraw.
        """

    # -- the review of closed incidents ------------------------------------------------------------

    def review_rows(self, progress: Callable[[int, int], None] | None = None) -> list["ReviewRow"]:
        """Every closed incident as a review row, without reading every closed incident."""

    def review_patterns(self) -> dict[int, "Pattern"]:
        """Closed incidents sharing a client or a kind of mistake with others, by number."""

    def review_needs_build(self) -> bool:
        """Whether the first call to review_rows reads every closed incident (show progress then)."""

    def review_changed(self) -> bool:
        """Whether the review rows are out of date (someone closed or reopened meanwhile)."""

    def review_problems(self) -> list[str]:
        """Closed incidents that cannot be read, each named with its file and the way out."""

    def save_review_index(self) -> bool:
        """Keep the review's rows where the next process reads them fast (derived data; never waits)."""

    # -- acting as someone else ----------------------------------------------------------------------

    def acting_as(self, user: str | None = None, clock: "Clock | None" = None) -> "IncidentStore":
        """The same store, with changes made by ``user`` at ``clock``'s instants (the demo's cast)."""
