"""The folder store's closes and reopens: an incident moving between open.json and its closed file.

A mixin of FolderStore (storage.store.folder); every method runs under the store's lock.

open.json decides: an incident it holds is open, whatever closed/ holds under its number.
So each move first does the step that may fail on its own (closed/ not writable, a full
disk) and writes open.json last, as the step that makes the move true:

- a close writes the closed file, then takes the incident out of open.json;
- a reopen puts the incident into open.json, then removes the closed file, and if that
  removal fails, takes the incident out of open.json again.

A move that fails changes nothing; one that returns is complete. A crash between the two
files leaves a closed file beside the open copy, which the next open removes (the move is
undone, or the reopen finished: ``_finish_pending_reopens``). A closed incident still in
open.json (how an older mishap's close was cut short) is finished: ``_finish_pending_moves``.
"""

from __future__ import annotations

from tinydb.table import Document

from ..domain.model import Incident
from .closed_history import COMPACT_AFTER
from .common import ReadOnlyStore
from .files import CorruptFile, StoreError, file_signature, read_bytes, way_out
from .permissions import read_only_file_reason


class ClosedMoves:
    """Saving a changed incident where its status puts it, and finishing moves a crash cut short."""

    def _save_locked(self, incident: Incident, was_closed: bool) -> None:
        doc = incident.to_dict()
        number = incident.number
        if not was_closed and incident.is_closed:
            self._close_locked(incident, doc)
        elif not was_closed:
            self._replace_open(number, doc, incident)
        elif incident.is_closed:
            self._closed_file_writable(number)
            self.history.write(doc)  # a closed incident changed (its close-out edited)
            self.history.record_closed(doc)
            self._closed_cache.pop(number, None)
            self._saw_own_journal_line()
        else:
            self._reopen_locked(incident, doc)

    def _closed_file_writable(self, number: int) -> None:
        """Refuse to replace or remove a closed file made read-only on purpose (ReadOnlyStore)."""
        path = self.history.file_of(number)
        reason = read_only_file_reason(path)
        if reason:
            raise ReadOnlyStore(f"{reason}: M-{number} was not changed; to change it: chmod u+w {path}")

    def _close_locked(self, incident: Incident, doc: dict) -> None:
        number = incident.number
        self._check_no_collision(incident)
        self._closed_file_writable(number)
        self.history.write(doc)  # closed/ not writable, a full disk: raised here, nothing changed
        before = self._open_raw
        try:
            self._open_table().remove(doc_ids=[number])
        except BaseException:
            self._take_back_closed_file(number, before)
            raise
        self._after_open_write()
        self.history.record_closed(doc)
        self._closed_cache.pop(number, None)
        self._open.pop(number, None)
        self._open_docs.pop(number, None)
        self._saw_own_journal_line()
        self._maybe_compact()

    def _take_back_closed_file(self, number: int, before: bytes | None) -> None:
        """After open.json refused a close: remove the closed file just written, so nothing changed."""
        try:
            if read_bytes(self.open_path) != before:
                return  # open.json was replaced after all (its folder's sync failed): the close stands
            self.history.remove(number)
        except (OSError, StoreError):
            pass  # beside the open copy it counts for nothing, and the next open removes it

    def _reopen_locked(self, incident: Incident, doc: dict) -> None:
        number = incident.number
        self._closed_file_writable(number)
        self._open_table().insert(Document(doc, doc_id=number))  # refused: nothing changed
        self._after_open_write()
        self._open[number], self._open_docs[number] = incident, doc
        try:
            self._remove_closed(number)
        except OSError as exc:
            if self.history.exists(number):
                raise StoreError(self._undo_reopen(number, exc)) from None
            # Removed, only its folder's sync failed: the open copy decides, so the reopen stands.

    def _undo_reopen(self, number: int, exc: OSError) -> str:
        """After closed/ kept the file: take the incident out of open.json again; returns the message."""
        path = self.history.file_of(number)
        advice = way_out(exc, path.parent)
        cause = f"{exc.strerror or exc}{f'; {advice}' if advice else ''}"
        try:
            self._open_table().remove(doc_ids=[number])
            self._after_open_write()
        except (OSError, StoreError) as undo:
            # Both files refused: the open copy stands, so M-n is open; the next open removes the leftover.
            return (f"M-{number} is open again, but its closed file {path} could not be removed ({cause}), and "
                    f"{self.open_path.name} could not be put back ({undo}); the next mishap that can write to "
                    f"{self.history.path} removes that file")
        self._open.pop(number, None)
        self._open_docs.pop(number, None)
        return f"could not reopen M-{number}: cannot remove {path} ({cause}); nothing was changed"

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
