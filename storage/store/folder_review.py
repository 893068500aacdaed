"""The folder store's drafts and the review of closed incidents (from closed/index.json, never every file).

A mixin of FolderStore (storage.store.folder).
"""

from __future__ import annotations

from typing import Callable

from tinydb.table import Document

from ..domain.model import SCHEMA_VERSION
from .common import draft_document, draft_fields, number_of as _number
from .folder_layout import DRAFTS_TABLE

Progress = Callable[[int, int], None]


class DraftsAndReview:
    """Drafts of client updates (kept so a crash loses nothing; not part of the record) and the review."""

    def draft(self, incident_id: str | int) -> dict | None:
        """The saved draft of the next client update for an incident, if any."""
        number = _number(incident_id)
        if self._open_db is None:
            return None
        doc = self._open_db.table(DRAFTS_TABLE).get(doc_id=number)
        return draft_fields(doc)

    def save_draft(self, incident_id: str | int, fields: dict[str, str]) -> None:
        """Keep the draft on disk (durable on return, like every write)."""
        self._writable()
        number = _number(incident_id)
        with self._locked():
            self._sync_locked()
            self._writable()
            doc = draft_document(number, self.clock().isoformat(), fields, SCHEMA_VERSION)
            self._open_db.table(DRAFTS_TABLE).upsert(Document(doc, doc_id=number))
            self._after_open_write()

    def discard_draft(self, incident_id: str | int) -> None:
        """Forget the draft (it was sent, or thrown away)."""
        self._writable()
        number = _number(incident_id)
        with self._locked():
            self._sync_locked()
            table = self._open_db.table(DRAFTS_TABLE)
            if table.contains(doc_id=number):
                table.remove(doc_ids=[number])
                self._after_open_write()

    def review_rows(self, progress: Progress | None = None) -> list:
        """Every closed incident as a ``storage.metrics.ReviewRow``, from the index (never every file)."""
        self.history.load(progress)
        return [row for number, row in self.history.rows.items() if number not in self._open]

    def review_patterns(self) -> dict:
        """Closed incidents that share a client or a kind of mistake with others, by number."""
        from ..domain.patterns import find_patterns

        rows = self.review_rows()
        key = (len(rows), self.history._index_seen, self.history._journal_seen)
        if self._patterns is None or self._patterns[0] != key:
            self._patterns = (key, find_patterns(rows))
        return self._patterns[1]

    def review_needs_build(self) -> bool:
        """Whether the review's rows must be read from every closed file (no index yet): a slow first time."""
        history = self.history
        return not history.loaded and not history.index_path.is_file() and not history.is_empty()

    def review_changed(self) -> bool:
        """Whether another process closed or reopened something since the rows were read (two stats)."""
        return self.history.changed()

    def review_problems(self) -> list[str]:
        """Closed files that cannot be read: each message names the file and the way out."""
        self.history.load()
        return [problem.message for problem in self.history.problems.values()]

    def save_review_index(self) -> bool:
        """Fold the review's journal into its snapshot when that spares the next process work.

        Derived data: skipped when read-only, or when another process holds the lock.
        """
        history = self.history
        if self.read_only or not history.loaded:
            return False
        if not history.snapshot_stale and history.journal_length() < 64 * 1024:
            return False
        self._locked()  # makes the lock object
        try:
            self._lock.acquire(timeout=0)
        except OSError:  # a writer is busy (TimeoutError), or no lock can be taken here
            return False  # the next review writes it
        try:
            return history.compact()
        except OSError:
            return False
        finally:
            self._lock.release()
