"""The open incidents as one PostgreSQL handle last read them, and catching up with only what changed.

Reading everything (the first read, and the resync after a reconnect) is one query over the
open incidents. After that a change costs what changed:

- a notification names the incident: ``catch_up`` reads its row only if its version is newer
  than the one held, and then only the timeline entries after the last one held (the timeline
  is append-only, and one incident's entries are written under its row lock, so in order);
- a poll (``changed``, ``refresh``) asks which rows were written by a transaction at or above
  the snapshot xmin of the previous look (the ``changed_in`` column, indexed, set by a trigger;
  storage/store/postgres/migrations/0005_changed_in.sql): every write that was not visible
  then, and a few already seen, told apart by their versions. Drafts and the team files are
  a handful of rows, counted directly.

Neither scans the closed incidents or their timelines, whatever the history holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.model import Incident
from ..errors import ReadOnlyStore
from .codec import decode

if TYPE_CHECKING:
    from .store import PostgresStore

_ENTRIES = """LEFT JOIN LATERAL (SELECT jsonb_agg(t.entry ORDER BY t.seq) AS entries, max(t.seq) AS last
                                 FROM timeline t WHERE t.number = i.number AND t.seq > {after}) t ON true"""
#: every open incident with its whole timeline and its last entry's seq
OPEN = (f"SELECT i.number, i.version, i.doc, t.entries, t.last FROM incidents i {_ENTRIES.format(after=0)} "
        f"WHERE i.status <> 'closed' ORDER BY i.number")
#: one incident (whatever its status), with its whole timeline and its last entry's seq
ONE = f"SELECT i.doc, t.entries, t.last FROM incidents i {_ENTRIES.format(after=0)} WHERE i.number = %s"
#: one incident if its version is above the one held: its status, and if open its document and new entries
NEWER = """SELECT i.version, i.status <> 'closed', CASE WHEN i.status <> 'closed' THEN i.doc END, t.entries, t.last
FROM incidents i LEFT JOIN LATERAL (SELECT jsonb_agg(t.entry ORDER BY t.seq) AS entries, max(t.seq) AS last
                                    FROM timeline t WHERE t.number = i.number AND t.seq > %(seq)s
                                                          AND i.status <> 'closed') t ON true
WHERE i.number = %(number)s AND i.version > %(version)s"""
XMIN = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text"
#: rows written at or after a snapshot's xmin; never prepared (a generic plan, not knowing the xmin, scans them all)
SINCE = "SELECT number, version, status FROM incidents WHERE changed_in >= %s::xid8"
OTHERS = ("SELECT (SELECT count(*) FROM drafts), (SELECT coalesce(sum(version), 0) FROM drafts), "
          "(SELECT coalesce(sum(version), 0) FROM team_files)")


class OpenView:
    """What one handle holds: its open incidents, their versions and timelines, and when it last looked."""

    def __init__(self, store: "PostgresStore"):
        self.store = store
        self.incidents: dict[int, Incident] = {}
        self._timelines: dict[int, tuple[int, list]] = {}  # number: (last seq held, entries as stored)
        self._versions: dict[int, int] = {}  # number: version as last seen (open ones, and closed ones seen change)
        self._xmin = "0"  # the snapshot xmin of the last look: every write since is at or above it
        self._others: tuple | None = None  # drafts' count and versions, team files' versions

    # -- reading everything ---------------------------------------------------------------------

    def load(self, conn) -> None:
        """Read every open incident, in one snapshot with what it then knew of the rest."""
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            xmin = conn.execute(XMIN).fetchone()[0]
            rows = conn.execute(OPEN).fetchall()
            since = conn.execute(SINCE, [xmin], prepare=False).fetchall()
            others = conn.execute(OTHERS).fetchone()
        self.incidents, self._timelines, self._versions = {}, {}, {}
        for number, version, doc, entries, last in rows:
            self._take(number, version, doc, entries, last, 0, [])
        self._versions.update((number, version) for number, version, _ in since if number not in self.incidents)
        self._xmin, self._others = xmin, tuple(others)

    def _take(self, number: int, version: int, doc: dict, entries, last, held_seq: int, held: list) -> bool:
        """Hold incident ``number`` as ``doc`` with ``held`` (up to ``held_seq``) + ``entries`` (up to ``last``).

        False for an incident a newer mishap wrote: not held, and the store turns read-only.
        """
        timeline = held + decode(entries or [])
        stored = decode(doc)
        stored["timeline"] = list(timeline)
        self._versions[number] = version
        try:
            incident = self.store.checked(stored)[1]
        except ReadOnlyStore:
            store = self.store
            store.read_only_reason = store.read_only_reason or store.newer_reason(stored.get("schema"))
            self.incidents.pop(number, None)
            self._timelines.pop(number, None)
            return False
        self.incidents[number] = incident
        self._timelines[number] = (held_seq if last is None else last, timeline)
        return True

    # -- what changed ---------------------------------------------------------------------------

    def catch_up(self, conn, number: int) -> bool:
        """Incident ``number`` changed (a notification said so): read what is new of it; whether anything was."""
        seq, held = self._timelines.get(number, (0, []))
        row = conn.execute(NEWER, {"number": number, "version": self._versions.get(number, 0),
                                   "seq": seq}).fetchone()
        if row is None:
            return False  # what we hold is as new (our own write, or an older notification)
        version, is_open, doc, entries, last = row
        if not is_open:  # closed: no longer on the board (and the review has a row more)
            self._versions[number] = version
            self._timelines.pop(number, None)
            self.incidents.pop(number, None)
            return True
        self._take(number, version, doc, entries, last, seq, held)
        return True

    def _look(self, conn) -> tuple[str, list, tuple]:
        """(xmin now, rows written since the last look whose version is not the one held, drafts and files)."""
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            xmin = conn.execute(XMIN).fetchone()[0]
            since = conn.execute(SINCE, [self._xmin], prepare=False).fetchall()  # see SINCE
            others = tuple(conn.execute(OTHERS).fetchone())
        return xmin, [row for row in since if self._versions.get(row[0]) != row[1]], others

    def changed(self, conn) -> bool:
        """Whether anything was written since the last look (nothing read, nothing held changes)."""
        _, news, others = self._look(conn)
        return bool(news) or others != self._others

    def refresh(self, conn) -> bool:
        """Catch up with every write since the last look; whether there was any."""
        xmin, news, others = self._look(conn)
        for number, version, status in news:
            if status == "closed":
                self._versions[number] = version
                self.incidents.pop(number, None)
                self._timelines.pop(number, None)
            else:
                self.catch_up(conn, number)
        files_changed = self._others is None or others[2] != self._others[2]
        changed = bool(news) or others != self._others
        self._xmin, self._others = xmin, others
        if files_changed:
            self.store.load_team_files(conn)
        return changed

    # -- our own writes -------------------------------------------------------------------------

    def wrote(self, number: int, version: int, stored: dict, incident: Incident, last: int) -> None:
        """Our own write left incident ``number`` at ``version`` as ``incident`` (``stored``: its document)."""
        self._versions[number] = version
        if incident.is_closed:
            self.incidents.pop(number, None)
            self._timelines.pop(number, None)
        else:
            self.incidents[number] = incident
            self._timelines[number] = (last, list(stored["timeline"]))

    def saw_draft(self, count: int, versions: int) -> None:
        """Our own write added ``count`` drafts (-1: removed one) and moved their versions' sum by ``versions``."""
        if self._others is not None:
            drafts, total, files = self._others
            self._others = (drafts + count, total + versions, files)
