"""A TinyDB folder store as one end of ``mishap migrate`` (see storage.store.copy).

Writes hold the store's lock for the whole copy. Closed incidents are written without a
sync each (as the first-layout move does) and synced once at the end; a copy cut short is
simply run again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from tinydb.table import Document

from .common import TEAM_FILES
from .files import StoreError, fsync_folder, write_atomically
from .folder import FolderStore
from .folder_layout import DRAFTS_TABLE


class FolderSide:
    """Documents in and out of a folder store."""

    def __init__(self, folder: str | Path):
        self.store = FolderStore.open(folder, user="mishap migrate")
        self.location = self.store.location
        self._guard = None

    def _lock(self) -> None:
        if self._guard is None:
            self.store._writable()
            self._guard = self.store._locked()
            self._guard.__enter__()
            self.store._sync_locked()

    def incidents(self) -> Iterator[dict]:
        """Open incidents as stored, then every closed file; an unreadable one stops the copy, named."""
        store = self.store
        yield from list(store._open_docs.values())
        for number, doc, problem in store.history.documents():
            if number in store._open_docs:
                continue  # a reopen cut short: the open copy wins
            if problem is not None:
                raise StoreError(f"{problem}; nothing after it was copied")
            yield doc

    def drafts(self) -> list[dict]:
        """Every saved draft."""
        if self.store._open_db is None:
            return []
        return [dict(doc) for doc in self.store._open_db.table(DRAFTS_TABLE).all()]

    def team_files(self) -> dict[str, str]:
        """playbook.toml and config.toml, those in the folder."""
        found = {}
        for name in TEAM_FILES:
            path = self.store.folder / name
            if path.is_file():
                found[name] = path.read_text(encoding="utf-8")
        return found

    def existing(self, number: int) -> dict | None:
        """Incident ``number`` as stored here (open or closed), or None."""
        if number in self.store._open_docs:
            return self.store._open_docs[number]
        return self.store.history.read(number)

    def put(self, doc: dict, replaces: dict | None) -> None:
        """Write the incident where its status puts it (an earlier copy moves if its status changed)."""
        self._lock()
        store = self.store
        number = doc["number"]
        if replaces is not None:
            from ..domain.model import Incident

            store._save_locked(Incident.from_dict(doc), was_closed=number not in store._open_docs)
        elif doc["status"] == "closed":
            store.history.write(doc, durable=False)
            store.history.record_closed(doc)
        else:
            store._open_table().insert(Document(doc, doc_id=number))
            store._after_open_write()
            from ..domain.model import Incident

            store._open_docs[number], store._open[number] = doc, Incident.from_dict(doc)

    def put_draft(self, doc: dict) -> None:
        """Keep the draft as it is."""
        self._lock()
        self.store._open_db.table(DRAFTS_TABLE).upsert(Document(doc, doc_id=doc["number"]))
        self.store._after_open_write()

    def put_team_file(self, name: str, body: str) -> None:
        """Write the team file into the folder."""
        self._lock()
        write_atomically(self.store.folder / name, body)

    def count_past(self, number: int) -> None:
        """Raise the folder's counter above ``number`` (never lower it)."""
        self._lock()
        meta = self.store._open_db.table("meta").get(doc_id=1) or {}
        if (meta.get("next_number") or 1) <= number:
            self.store._write_meta(number + 1)
            self.store._after_open_write()

    def finish(self) -> None:
        """Sync the closed files written without a sync, and let go of the lock."""
        if self._guard is None:
            return
        try:
            if self.store.history.path.exists():
                os.sync()
                fsync_folder(self.store.history.path)
        finally:
            self._guard.__exit__(None, None, None)
            self._guard = None
