"""Closes and reopens: an incident moving between open.json and its closed file, under the store's lock.

open.json decides: an incident it holds is open, whatever closed/ holds under its number.
So each move first does the step that may fail on its own (closed/ not writable, a full
disk) and writes open.json last, as the step that makes the move true:

- a close writes the closed file, then takes the incident out of open.json;
- a reopen puts the incident into open.json, then removes the closed file, and if that
  removal fails, takes the incident out of open.json again.

A move that fails changes nothing; one that returns is complete. A crash between the two
files leaves a closed file beside the open copy, which the next open removes (the move is
undone, or the reopen finished: ``finish_reopens``). A closed incident still in open.json
(how an older mishap's close was cut short) is finished: ``finish_closes``.
"""

from __future__ import annotations

from ...domain.model import Incident
from ..errors import CorruptFile, ReadOnlyStore, StoreError, way_out
from .files import read_bytes
from .history import ClosedHistory
from .open_file import OpenFile
from .permissions import read_only_file_reason
from .review_index import ReviewIndex


class Moves:
    """Saving a changed incident where its status puts it, and finishing moves a crash cut short."""

    def __init__(self, open_file: OpenFile, history: ClosedHistory, review_index: ReviewIndex):
        self.open_file = open_file
        self.history = history
        self.review_index = review_index

    def save(self, incident: Incident, was_closed: bool) -> None:
        """Write a changed incident: in open.json, in its closed file, or moved from one to the other."""
        doc = incident.to_dict()
        if not was_closed and incident.is_closed:
            self._close(incident, doc)
        elif not was_closed:
            self.open_file.replace(incident, doc)
        elif incident.is_closed:
            self._closed_file_writable(incident.number)
            self.history.write(doc)  # a closed incident changed (its close-out edited)
            self.review_index.record_closed(doc)
        else:
            self._reopen(incident, doc)

    def _closed_file_writable(self, number: int) -> None:
        """Refuse to replace or remove a closed file made read-only on purpose (ReadOnlyStore)."""
        path = self.history.file_of(number)
        reason = read_only_file_reason(path)
        if reason:
            raise ReadOnlyStore(f"{reason}: M-{number} was not changed; to change it: chmod u+w {path}")

    def _close(self, incident: Incident, doc: dict) -> None:
        number = incident.number
        self.check_no_collision(incident)
        self._closed_file_writable(number)
        self.history.write(doc)  # closed/ not writable, a full disk: raised here, nothing changed
        before = self.open_file.raw
        try:
            self.open_file.remove([number])
        except BaseException:
            self._take_back_closed_file(number, before)
            raise
        self.review_index.record_closed(doc)
        self.review_index.compact_if_long()

    def _take_back_closed_file(self, number: int, before: bytes | None) -> None:
        """After open.json refused a close: remove the closed file just written, so nothing changed."""
        try:
            if read_bytes(self.open_file.path) != before:
                return  # open.json was replaced after all (its folder's sync failed): the close stands
            self.history.remove(number)
        except (OSError, StoreError):
            pass  # beside the open copy it counts for nothing, and the next open removes it

    def _reopen(self, incident: Incident, doc: dict) -> None:
        number = incident.number
        self._closed_file_writable(number)
        self.open_file.insert(incident, doc)  # refused: nothing changed
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
            self.open_file.remove([number])
        except (OSError, StoreError) as undo:
            # Both files refused: the open copy stands, so M-n is open; the next open removes the leftover.
            return (f"M-{number} is open again, but its closed file {path} could not be removed ({cause}), and "
                    f"{self.open_file.path.name} could not be put back ({undo}); the next mishap that can write "
                    f"to {self.history.path} removes that file")
        return f"could not reopen M-{number}: cannot remove {path} ({cause}); nothing was changed"

    def check_no_collision(self, incident: Incident) -> None:
        """Refuse a close that would overwrite a different closed incident under the same number."""
        other = self.history.read(incident.number)  # a corrupt file there refuses the close: never overwritten
        if other is not None and other.get("created_at") != incident.to_dict()["created_at"]:
            raise StoreError(
                f"{self.history.file_of(incident.number)} already holds a different {incident.id} (opened "
                f"{other.get('created_at')}): closing this one would overwrite it; "
                f"was {self.open_file.path.name} restored from an old copy?")

    def _remove_closed(self, number: int) -> None:
        # The file goes first: the journal line then records closed/'s mtime as the removal left
        # it (a crash between the two moves it, so the next review lists closed/).
        self.history.remove(number)
        self.review_index.record_reopened(number)
        self.review_index.compact_if_long()

    # -- what a crash cut short ---------------------------------------------------------------------

    def finish_closes(self) -> None:
        """Under the lock: move closed incidents a crash left in open.json to their closed files."""
        pending = []
        for number, incident in self.open_file.incidents.items():
            if not incident.is_closed:
                continue
            try:
                self.check_no_collision(incident)
            except StoreError:
                continue  # one that would overwrite a different closed incident stays, visible
            pending.append(number)
        if not pending:
            return
        docs = [self.open_file.docs[number] for number in pending]
        for doc in docs:
            self.history.write(doc)
            self.review_index.record_closed(doc)
        self.open_file.remove(pending)
        self.review_index.compact_if_long()

    def finish_reopens(self) -> None:
        """Under the lock: remove the closed file of an incident a crash left reopened in open.json."""
        for number, incident in list(self.open_file.incidents.items()):
            if incident.is_closed or not self.history.exists(number):
                continue
            try:
                other = self.history.read(number)
            except CorruptFile:
                continue  # named when read; never removed unseen
            if other is not None and other.get("created_at") == self.open_file.docs[number].get("created_at"):
                self._remove_closed(number)
