"""The PostgreSQL store's drafts and its review (precomputed rows, one query whatever the history).

A mixin of PostgresStore.
"""

from __future__ import annotations

import json

from ...domain.model import SCHEMA_VERSION
from ..common import NotFound, draft_document, draft_fields, number_of
from ..files import StoreError
from .codec import ESCAPE, decode, encode, jsonb as _jsonb


class DraftsAndReview:
    """Drafts of client updates (no timeline entry, every console sees them) and the review of closed ones."""

    def draft(self, incident_id: str | int) -> dict | None:
        """The saved draft of the next client update, if any."""
        number = number_of(incident_id)
        row = self._run(lambda conn: conn.execute("SELECT doc FROM drafts WHERE number = %s", [number]).fetchone())
        return draft_fields(decode(row[0])) if row else None

    def save_draft(self, incident_id: str | int, fields: dict[str, str]) -> None:
        """Keep a draft of a client update (committed on return; no timeline entry)."""
        number = number_of(incident_id)
        doc = draft_document(number, self.clock().isoformat(), fields, SCHEMA_VERSION)

        def work(conn):
            old = conn.execute("SELECT version FROM drafts WHERE number = %s FOR UPDATE", [number]).fetchone()
            if not conn.execute("SELECT EXISTS (SELECT 1 FROM incidents WHERE number = %s)", [number]).fetchone()[0]:
                raise NotFound(f"no incident M-{number}")
            version = conn.execute(
                "INSERT INTO drafts (number, doc, version) VALUES (%s, %s, nextval('change_versions')) "
                "ON CONFLICT (number) DO UPDATE SET doc = excluded.doc, version = excluded.version RETURNING version",
                [number, _jsonb(encode(doc))]).fetchone()[0]
            self._notify(conn, number)
            return (0, version - old[0]) if old else (1, version)

        self._saw_draft(self._write(f"the draft of M-{number}", work))

    def discard_draft(self, incident_id: str | int) -> None:
        """Forget the draft (sent, or thrown away)."""
        number = number_of(incident_id)

        def work(conn):
            old = conn.execute("DELETE FROM drafts WHERE number = %s RETURNING version", [number]).fetchone()
            if old is None:
                return (0, 0)
            self._notify(conn, number)
            return (-1, -old[0])

        self._saw_draft(self._write(f"the draft of M-{number}", work))

    def _saw_draft(self, delta: tuple[int, int]) -> None:
        if self._seen is not None:
            seen = list(self._seen)
            seen[2] += delta[0]
            seen[3] += delta[1]
            self._seen = tuple(seen)

    def review_rows(self, progress=None) -> list:
        """Every closed incident's precomputed review row (one query, whatever the history)."""
        from ...domain.review_row import ReviewRow

        count, total, text = self._run(lambda conn: conn.execute(
            "SELECT count(*), coalesce(sum(version), 0), "
            "       '[' || coalesce(string_agg(review, ',' ORDER BY number), '') || ']' "
            "FROM incidents WHERE status = 'closed'").fetchone())
        values = json.loads(text)
        if ESCAPE in text:
            values = decode(values)
        rows = list(map(ReviewRow._make, values))
        self._review = ((count, total), rows)
        return rows

    def review_patterns(self) -> dict:
        """Closed incidents that share a client or a kind of mistake with others, by number."""
        from ...domain.patterns import find_patterns

        rows = self.review_rows() if self._review is None else self._review[1]
        if self._patterns is None or self._patterns[0] != self._review[0]:
            self._patterns = (self._review[0], find_patterns(rows))
        return self._patterns[1]

    def review_needs_build(self) -> bool:
        """Never: the rows are precomputed at every close."""
        return False

    def review_changed(self) -> bool:
        """Whether someone closed, reopened or edited a closed incident since the rows were read."""
        if self._review is None:
            return True
        try:
            seen = self._run(lambda conn: conn.execute(
                "SELECT count(*), coalesce(sum(version), 0) FROM incidents WHERE status = 'closed'").fetchone())
        except StoreError:
            return False
        return tuple(seen) != self._review[0]

    def review_problems(self) -> list[str]:
        """None: every row is checked when it is written."""
        return []

    def save_review_index(self) -> bool:
        """Nothing to save: the rows live in the database."""
        return False
