"""How the review knows that closed/ holds what its rows say, mostly without listing closed/.

The rows of the review come from a snapshot and a journal (see closed_history). A file
written or removed behind their back (a close killed between its file and its journal
line, a file restored by hand) is found by *reconciling*: listing closed/ and comparing
every file's (mtime, size) stamp with the rows'. With ten thousand closed incidents that
listing and its stats cost more than reading the rows, so it is done only when needed.

The mark: every write mishap makes into closed/ goes in by rename or unlink, which moves
closed/'s own mtime, and is followed, under the store lock, by a journal line that
records closed/'s mtime as that write left it (``"dir"``). Temp files live in closed/.tmp,
whose changes do not move closed/'s mtime. So when closed/'s mtime is the one the journal
last recorded, nothing entered or left closed/ since mishap last said what it wrote, and
the snapshot plus the journal are the whole truth. Otherwise the rows are reconciled, and
the next ``save_review_index`` writes a snapshot with a fresh mark.

What the mark cannot see: a closed file rewritten in place (not by rename) by another
program. Such a file is read again at the next reconcile.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable

from .files import CorruptFile


def stamp_of(path) -> tuple[int, int]:
    """(mtime_ns, size) of a file, as the index remembers it."""
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size)

Progress = Callable[[int, int], None]  # (done, total)
FILE_NAME = re.compile(r"^M-([1-9][0-9]*)\.json$")  # one closed incident's file


@dataclass
class HistoryProblem:
    """A closed file that could not be read: its incident is offline, everything else is not."""

    number: int
    message: str


class DirectoryMark:
    """The part of ClosedHistory that compares its rows with the files in closed/."""

    def _dir_now(self) -> int | None:
        """closed/'s mtime now (None when there is no closed/ yet)."""
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return None

    def _dir_unchanged(self) -> bool:
        """Whether nothing entered or left closed/ since mishap's last recorded write there."""
        return self._dir_mark is not None and self._dir_mark == self._dir_now()

    def _check_files(self, progress: Progress | None, had_snapshot: bool) -> None:
        """Reconcile the rows with closed/, unless the mark says nothing there changed."""
        if had_snapshot and self._dir_unchanged():
            for number in self._snapshot_problems:  # still unreadable? (a stat and a read each)
                if number not in self.rows:
                    self._read_again(number)
            return
        self._reconcile(progress)
        self.snapshot_stale = True  # so the next save writes a snapshot with a fresh mark

    def _reconcile(self, progress: Progress | None) -> None:
        """Match the rows to the files on disk: read a file that is new or changed, drop rows with no file."""
        on_disk = self._stamps_on_disk()
        if any(n not in on_disk for n in self.stamps):
            self.snapshot_stale = True
        for number in [n for n in self.stamps if n not in on_disk]:
            self.rows.pop(number, None)
            del self.stamps[number]
        for number in [n for n in self.rows if n not in on_disk]:
            del self.rows[number]
        self.problems = {n: p for n, p in self.problems.items() if n in on_disk}
        stale = [n for n, stamp in sorted(on_disk.items()) if self.stamps.get(n) != stamp]
        for done, number in enumerate(stale, 1):
            self._read_again(number, on_disk[number])
            if progress is not None and (done % 200 == 0 or done == len(stale)):
                progress(done, len(stale))

    def _stamps_on_disk(self) -> dict[int, tuple[int, int]]:
        """(mtime_ns, size) of every closed file, by number (one listing and a stat each)."""
        found = {}
        try:
            with os.scandir(self.path) as entries:
                for entry in entries:
                    match = FILE_NAME.match(entry.name)
                    if match:
                        try:
                            st = entry.stat()
                        except FileNotFoundError:
                            continue
                        found[int(match.group(1))] = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            pass
        return found

    def _read_again(self, number: int, stamp: tuple[int, int] | None = None) -> None:
        """Take one closed file's row from the file itself; a file that cannot be read is named."""
        self.rows.pop(number, None)
        self.problems.pop(number, None)
        try:
            row = self._row_for(number)
            if stamp is None:
                stamp = stamp_of(self.file_of(number))
        except CorruptFile as exc:
            self.problems[number] = HistoryProblem(number, str(exc))
            return  # no stamp: tried again next time
        except FileNotFoundError:
            self.stamps.pop(number, None)
            return
        if row is not None:
            self.rows[number] = row
        self.stamps[number] = stamp
        self.snapshot_stale = True
