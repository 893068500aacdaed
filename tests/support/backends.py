"""The store backends the backend-neutral storage tests run on, each behind one small handle.

A test asks for the ``backend`` fixture (tests/storage/conftest.py) and gets a :class:`Backend`:
``spec`` names the store as ``--db`` would, ``open()`` opens a new handle on it (another
console, another process), and ``fingerprint()`` is everything the store holds, so a test can
prove that a refused change wrote nothing. Both backends are in ``BACKENDS``; the PostgreSQL one runs on a throwaway server
(support.pg_fixtures).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from storage.store import IncidentStore, open_store

#: Every backend the backend-neutral tests run on.
BACKENDS = ["folder", "postgres"]


@dataclass
class Backend:
    """One store of one backend, empty at the start of the test."""

    name: str
    spec: str
    clock: object

    def open(self, *, clock=None, user: str | None = "check") -> IncidentStore:
        """A new handle on the same store, as another console or process would open it."""
        return open_store(self.spec, clock=clock or self.clock, user=user)

    def fingerprint(self) -> str:
        """A digest of everything the store holds (files, or rows), to show that nothing was written."""
        if self.name == "folder":
            digest = hashlib.sha256()
            root = Path(self.spec)
            if root.exists():
                for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".mishap.lock"):
                    digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
            return digest.hexdigest()
        import psycopg

        digest = hashlib.sha256()
        with psycopg.connect(self.spec, autocommit=True) as conn:
            for query in ("SELECT number, status, schema, doc::text, version, updated_by, closed_at, review::text "
                          "FROM incidents ORDER BY number",
                          "SELECT seq, number, entry::text, change FROM timeline ORDER BY seq",
                          "SELECT number, doc::text, version FROM drafts ORDER BY number",
                          "SELECT name, body, version FROM team_files ORDER BY name"):
                for row in conn.execute(query):
                    digest.update(repr(row).encode() + b"\0")
        return digest.hexdigest()


def plant_newer_incident(backend: Backend, doc: dict) -> None:
    """Put ``doc`` (a document of a newer schema) in the store, as a newer mishap would have written it."""
    if backend.name == "folder":
        import json

        path = Path(backend.spec) / "open.json"
        data = json.loads(path.read_text())
        data["incidents"][str(doc["number"])] = doc
        path.write_text(json.dumps(data))
        return
    import psycopg
    from psycopg.types.json import Jsonb

    body = {key: value for key, value in doc.items() if key != "timeline"}
    with psycopg.connect(backend.spec, autocommit=True) as conn:
        conn.execute("INSERT INTO incidents (number, status, schema, doc, version, updated_by) "
                     "VALUES (%s, 'open', %s, %s, nextval('change_versions'), 'newer')",
                     [doc["number"], doc["schema"], Jsonb(body)])
