"""The PostgreSQL store's drafts of client updates: no timeline entry, every console sees them.

A mixin of storage.store.postgres.store.PostgresStore: it uses the store's session, its
transactions, its notifications (``draft NUMBER INSTANCE``) and its view.
"""

from __future__ import annotations

from ...domain.model import SCHEMA_VERSION
from ..base import draft_document, draft_fields, number_of
from ..errors import NotFound
from .codec import decode, encode, jsonb


class Drafts:
    """draft, save_draft and discard_draft of a PostgresStore."""

    def draft(self, incident_id: str | int) -> dict | None:
        """The saved draft of the next client update, if any."""
        number = number_of(incident_id)
        row = self.session.run(lambda conn: conn.execute("SELECT doc FROM drafts WHERE number = %s",
                                                         [number]).fetchone())
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
                [number, jsonb(encode(doc))]).fetchone()[0]
            self.notify(conn, number, "draft")
            return (0, version - old[0]) if old else (1, version)

        self.view.saw_draft(*self.transaction(f"the draft of M-{number}", work))

    def discard_draft(self, incident_id: str | int) -> None:
        """Forget the draft (sent, or thrown away)."""
        number = number_of(incident_id)

        def work(conn):
            old = conn.execute("DELETE FROM drafts WHERE number = %s RETURNING version", [number]).fetchone()
            if old is None:
                return (0, 0)
            self.notify(conn, number, "draft")
            return (-1, -old[0])

        self.view.saw_draft(*self.transaction(f"the draft of M-{number}", work))
