"""A TinyDB folder store as one end of ``mishap migrate`` (see storage.store.migrate).

Writes hold the store's lock for the whole copy. Closed incidents are written without a
sync each (as the first-layout move does) and synced once at the end; a copy cut short is
simply run again.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Iterator

from ...domain.model import Incident
from ..base import TEAM_FILES
from ..errors import StoreError
from .files import write_atomically
from .store import FolderStore


class FolderSide:
    """Documents in and out of a folder store."""

    def __init__(self, folder: str | Path):
        self.store = FolderStore.open(folder, user="mishap migrate")
        self.location = self.store.location
        self._held: ExitStack | None = None  # the lock, from the first write to ``finish``

    def _lock(self) -> None:
        if self._held is None:
            self.store.writable()
            held = ExitStack()
            held.enter_context(self.store.writer_lock())
            self._held = held
            self.store.sync_locked()

    def incidents(self) -> Iterator[dict]:
        """Open incidents as stored, then every closed file; an unreadable one stops the copy, named."""
        store = self.store
        yield from list(store.open_file.docs.values())
        for number, doc, problem in store.history.documents():
            if number in store.open_file.docs:
                continue  # a reopen cut short: the open copy wins
            if problem is not None:
                raise StoreError(f"{problem}; nothing after it was copied")
            yield doc

    def highest(self) -> int:
        """The highest incident number held, open or closed (0 for none), from the names alone."""
        return max([0, *self.store.open_file.docs, *self.store.history.numbers()])

    def drafts(self) -> list[dict]:
        """Every saved draft."""
        return self.store.open_file.drafts()

    def team_files(self) -> dict[str, str]:
        """playbook.toml and config.toml, those in the folder."""
        found = {}
        for name in TEAM_FILES:
            path = self.store.folder / name
            if path.is_file():
                found[name] = path.read_text(encoding="utf-8")
        return found

    def count(self) -> int:
        """How many incidents are held, open and closed, from the names alone."""
        return len(set(self.store.open_file.docs) | set(self.store.history.numbers()))

    def existing(self, numbers: list[int]) -> dict[int, dict]:
        """Those of incidents ``numbers`` stored here (open or closed), by number."""
        found = {}
        for number in numbers:
            doc = self.store.open_file.docs.get(number) or self.store.history.read(number)
            if doc is not None:
                found[number] = doc
        return found

    def put(self, docs: list[tuple[dict, dict | None]]) -> None:
        """Write each incident where its status puts it (an earlier copy moves if its status changed).

        Each file is written whole (a closed one by a rename): a copy killed between two leaves
        the ones written, and the next run finds them there.
        """
        self._lock()
        store = self.store
        for doc, replaces in docs:
            number = doc["number"]
            if replaces is not None:
                store.moves.save(Incident.from_dict(doc), was_closed=number not in store.open_file.docs)
            elif doc["status"] == "closed":
                store.history.write(doc, durable=False)
                store.review_index.record_closed(doc)
            else:
                store.open_file.insert(Incident.from_dict(doc), doc)

    def put_draft(self, doc: dict) -> None:
        """Keep the draft as it is."""
        self._lock()
        self.store.open_file.put_draft(doc)

    def put_team_file(self, name: str, body: str) -> None:
        """Write the team file into the folder."""
        self._lock()
        write_atomically(self.store.folder / name, body)

    def count_past(self, number: int) -> None:
        """Raise the folder's counter above ``number`` (never lower it)."""
        self._lock()
        if (self.store.open_file.counter() or 1) <= number:
            self.store.open_file.write_counter(number + 1)

    def finish(self) -> None:
        """Sync the closed files written without a sync, and let go of the lock."""
        if self._held is None:
            return
        try:
            self.store.history.sync_all()
        finally:
            held, self._held = self._held, None
            held.close()
