"""The review index's journal, closed/index.log: appending one line durably, and reading lines back.

Mixed into storage.store.folder.review_index.ReviewIndex, which says what the journal is for
and when it is folded into the snapshot. Each line is one JSON object: the form of the rows
(the first line), closed/'s mtime as mishap's last write there left it (``"dir"``), and one
number's row (``"n"``, ``"v"``, ``"row"``, ``"at"``) or its removal (``"gone"``).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from .files import file_signature

if TYPE_CHECKING:
    from .review_index import ReviewIndex


class ReviewJournal:
    """Writing and reading the journal's lines, for the ReviewIndex it is mixed into."""

    def _append(self: "ReviewIndex", entry: dict) -> None:
        """Add one line to the journal; a journal that cannot be written is said, never fatal.

        The journal is derived data: the incident's own file is already written, and the
        next full read of the rows finds a file without a row by its stamp.
        """
        line = json.dumps(entry, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"
        try:
            size, written = self._append_line(line)
        except OSError as exc:
            self.warnings.add(f"the review index {self.journal_path} was not updated ({exc.strerror or exc}); the next "
                      f"review reads the changed files instead")
            return
        if self.loaded and self._journal_offset == size and file_signature(self.index_path) == self._index_seen:
            # Nothing else was written since we read: our own line need not be read back.
            self._journal_offset = size + written
            self._journal_seen = file_signature(self.journal_path)
            self._recorded_mtime = entry.get("dir", self._recorded_mtime)
            self._journal_form_ok = self._journal_form_ok or size == 0
        if self._watched is not False:
            self._watched = file_signature(self.journal_path)

    def _append_line(self: "ReviewIndex", line: bytes) -> tuple[int, int]:
        """Append ``line`` durably (a new journal starts with its form); (size before, bytes written)."""
        self.history.path.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(self.journal_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            size = os.fstat(fd).st_size
            if not size:
                line = _form_line() + line
            elif os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # a writer killed mid-line left a fragment: ended, or this line would join it
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        return size, len(line)

    def journal_length(self: "ReviewIndex") -> int:
        """How many bytes the journal holds (0 when there is none)."""
        signature = file_signature(self.journal_path)
        return signature[2] if signature else 0

    def _read_journal(self: "ReviewIndex", offset: int) -> None:
        try:
            with open(self.journal_path, "rb") as handle:
                handle.seek(offset)
                tail = handle.read()
        except OSError:  # none yet, a folder, no permission: the reconcile covers it
            self._journal_offset = 0
            return
        from ...domain.review_row import FIRST_FORM, ROW_VERSION, ReviewRow, is_row_form

        if offset == 0:
            self._journal_form_ok = is_row_form(FIRST_FORM)  # a journal without a form: the first one
        complete = tail.rfind(b"\n") + 1  # a line still being written is read next time
        for line in tail[:complete].splitlines():
            try:
                entry = json.loads(line)
                if "form" in entry:
                    self._journal_form_ok = is_row_form(entry["form"])
                if "dir" in entry:
                    self._recorded_mtime = entry["dir"]
                if "n" not in entry:
                    continue  # a form, or closed/'s mtime alone
                number = int(entry["n"])
                if entry.get("gone"):
                    self.rows.pop(number, None)
                    self.stamps.pop(number, None)
                    continue
                self.problems.pop(number, None)
                if entry.get("row") is None:
                    self.rows.pop(number, None)  # written by a newer mishap: left out
                elif self._journal_form_ok and entry.get("v", 1) == ROW_VERSION \
                        and len(entry["row"]) == len(ReviewRow._fields):
                    self.rows[number] = ReviewRow.from_list(entry["row"])
                else:
                    self.rows.pop(number, None)  # a row of another form: taken from its file
                    self.stamps.pop(number, None)
                    self._to_read.add(number)
                    continue
                self.stamps[number] = tuple(entry["at"]) if entry.get("at") else (0, 0)
            except (ValueError, KeyError, TypeError):
                continue  # a fragment a killed writer left; the reconcile below covers its incident
        self._journal_offset = offset + complete


def _form_line() -> bytes:
    """The journal's first line: the form of the rows its lines carry."""
    from ...domain.review_row import ROW_FORM

    return json.dumps({"form": ROW_FORM}, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"
