"""The folder store's closes and reopens: an incident moving between open.json and its closed file.

A mixin of FolderStore (storage.store.folder); every method runs under the store's lock.
A close writes the open file first, then the closed file: a crash between the two is
finished by the next writer or open (``_finish_pending_moves``), and so is a reopen.
"""

from __future__ import annotations

from tinydb.table import Document

from ..domain.model import Incident
from .closed_history import COMPACT_AFTER
from .files import CorruptFile, StoreError, file_signature


class ClosedMoves:
    """Saving a changed incident where its status puts it, and finishing moves a crash cut short."""

    def _save_locked(self, incident: Incident, was_closed: bool) -> None:
        doc = incident.to_dict()
        number = incident.number
        if not was_closed:
            # Written to the open file first, closed or not: if we die before the move
            # below, the next open (or the next writer) finishes it.
            if incident.is_closed:
                self._check_no_collision(incident)
            self._replace_open(number, doc, incident)
            if incident.is_closed:
                self._move_to_closed([number])
        elif incident.is_closed:
            self.history.write(doc)  # a closed incident changed (its close-out edited)
            self.history.record_closed(doc)
            self._closed_cache.pop(number, None)
            self._saw_own_journal_line()
        else:
            # Reopened: into the open file first, then out of the closed history.
            self._open_table().insert(Document(doc, doc_id=number))
            self._after_open_write()
            self._open[number], self._open_docs[number] = incident, doc
            self._remove_closed(number)

    def _replace_open(self, number: int, doc: dict, incident: Incident) -> None:
        def replace(stored: dict) -> None:
            stored.clear()
            stored.update(doc)

        self._open_table().update(replace, doc_ids=[number])
        self._after_open_write()
        self._open[number], self._open_docs[number] = incident, doc

    def _check_no_collision(self, incident: Incident) -> None:
        """Refuse a close that would overwrite a different closed incident under the same number."""
        other = self.history.read(incident.number)  # a corrupt file there refuses the close: never overwritten
        if other is not None and other.get("created_at") != incident.to_dict()["created_at"]:
            raise StoreError(
                f"{self.history.file_of(incident.number)} already holds a different {incident.id} (opened "
                f"{other.get('created_at')}): closing this one would overwrite it; "
                f"was {self.open_path.name} restored from an old copy?")

    def _move_to_closed(self, numbers: list[int]) -> None:
        for number in numbers:
            doc = self._open_docs[number]
            self.history.write(doc)
            self.history.record_closed(doc)
            self._closed_cache.pop(number, None)
        self._open_table().remove(doc_ids=numbers)
        self._after_open_write()
        for number in numbers:
            self._open.pop(number, None)
            self._open_docs.pop(number, None)
        self._saw_own_journal_line()
        self._maybe_compact()

    def _remove_closed(self, number: int) -> None:
        # The file goes first: the journal line then records closed/'s mark as the removal left
        # it (a crash between the two moves the mark, so the next review lists closed/).
        self.history.remove(number)
        self.history.record_reopened(number)
        self._closed_cache.pop(number, None)
        self._saw_own_journal_line()
        self._maybe_compact()

    def _saw_own_journal_line(self) -> None:
        if self.history.journal_problem:
            self._warn(self.history.journal_problem)
            self.history.journal_problem = None
        if self._closed_seen is not False:
            self._closed_seen = file_signature(self.history.journal_path)

    def _maybe_compact(self) -> None:
        """Fold a long journal into the snapshot (rarely: once per few hundred closes)."""
        if self.history.journal_length() > COMPACT_AFTER * 400:
            try:
                self.history.compact()
                self._saw_own_journal_line()
            except OSError as exc:
                self.warnings.append(f"the review index in {self.history.path} was not compacted ({exc})")

    def _finish_pending_moves(self) -> None:
        """Under the lock: move closed incidents a crash left in open.json to their closed files."""
        pending = []
        for number, incident in self._open.items():
            if not incident.is_closed:
                continue
            try:
                self._check_no_collision(incident)
            except StoreError:
                continue  # one that would overwrite a different closed incident stays, visible
            pending.append(number)
        if pending:
            self._move_to_closed(pending)

    def _finish_pending_reopens(self) -> None:
        """Under the lock: remove the closed file of an incident a crash left reopened in open.json."""
        for number, incident in list(self._open.items()):
            if incident.is_closed or not self.history.exists(number):
                continue
            try:
                other = self.history.read(number)
            except CorruptFile:
                continue  # named when read; never removed unseen
            if other is not None and other.get("created_at") == self._open_docs[number].get("created_at"):
                self._remove_closed(number)
