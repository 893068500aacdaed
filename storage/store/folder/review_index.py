"""The review's rows of a folder store: a snapshot, a journal that grows by appends, and a check
that both agree with the files in closed/.

The review needs the row of every closed incident (storage.domain.review_row); rewriting
10,000 rows on each close would make a close cost what the history weighs. So a close or a
reopen appends one line to closed/index.log, and now and then the lines are folded into
closed/index.json (compaction: write the snapshot, then empty the journal). Each journal line
sets one number's row, or removes it, so applying lines a snapshot already holds changes
nothing: compaction is safe to cut short anywhere. Both files are derived data: deleting them
costs one slow review, never a record. The journal's lines are written and read by
storage.store.folder.review_journal.

The form of the rows (storage.domain.review_row) is named once per file: the snapshot's
``form``, the journal's first line. A journal line carries its row version (``v``). Rows of
any other form are worked out again from their files; so are rows of files without a form
(written before forms were named), unless they are of the first form, which those always were.

Whether closed/ holds what the rows say, mostly without listing it: every write mishap makes
into closed/ goes in by rename or unlink, which moves closed/'s own mtime, and is followed,
under the store lock, by a journal line recording closed/'s mtime as that write left it
(``"dir"``). Temp files live in closed/.tmp, whose changes do not move closed/'s mtime. So when
closed/'s mtime is the one last recorded, nothing entered or left closed/ since mishap last
said what it wrote, and the snapshot plus the journal are the whole truth. Otherwise the rows
are *reconciled*: closed/ is listed, and a file whose (mtime, size) differs from its row's is
read again. (A closed file rewritten in place, not by rename, by another program is found
at the next reconcile.)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable

from ...domain.speed import collection_paused
from ..errors import CorruptFile, StoreError
from .backups import check_incident
from .files import file_signature, read_bytes, write_atomically
from .layout import INDEX_FILE, JOURNAL_FILE
from .review_journal import ReviewJournal

if TYPE_CHECKING:  # the review's rows load with the review, not with every store open (start-up time)
    from pathlib import Path

    from ...domain.review_row import ReviewRow
    from ..base import Warnings
    from .history import ClosedHistory

Progress = Callable[[int, int], None]  # (done, total)
INDEX_FORMAT = 4  # 3: rows of the first form, unnamed; 4: the form named
# Past this many journal lines a writer folds them into the snapshot (cheap to read either way).
COMPACT_AFTER = 500


class HistoryProblem:
    """A closed file that could not be read: its incident is offline, everything else is not."""

    def __init__(self, number: int, message: str):
        self.number = number
        self.message = message


class ReviewIndex(ReviewJournal):
    """The review's rows of every closed incident in ``history``, read and kept up to date cheaply."""

    def __init__(self, history: "ClosedHistory", known_schema: int, warnings: "Warnings"):
        self.history = history
        self.known_schema = known_schema
        self.warnings = warnings  # the store's: a journal line that could not be written is said, never fatal
        self.index_path = history.path / INDEX_FILE
        self.journal_path = history.path / JOURNAL_FILE
        self.rows: dict[int, "ReviewRow"] = {}
        # (mtime_ns, size) of each file as its row was taken: a file changed by hand is read again
        self.stamps: dict[int, tuple[int, int]] = {}
        self.problems: dict[int, HistoryProblem] = {}
        self.loaded = False
        self.snapshot_stale = False  # the snapshot was missing, unreadable or behind the files on disk
        self._index_seen: tuple | None = None
        self._journal_seen: tuple | None = None
        self._journal_offset = 0
        self._journal_form_ok = True  # the journal's rows, so far, are of this mishap's form
        self._recorded_mtime: int | None = None  # closed/'s mtime as mishap's last write there left it
        self._to_read: set[int] = set()  # rows to take from their files: unreadable before, or of another form
        self._watched: tuple | None | bool = False  # the journal as last seen, once a closed incident was shown

    # -- seeing other processes' closes and reopens -----------------------------------------------

    def changed(self) -> bool:
        """Whether another process closed or reopened something since the rows were read (two stats)."""
        return (not self.loaded or file_signature(self.index_path) != self._index_seen
                or file_signature(self.journal_path) != self._journal_seen)

    def seen(self) -> tuple:
        """What the rows were read from (the two files' signatures): the same, the same rows."""
        return (self._index_seen, self._journal_seen)

    def watch(self) -> None:
        """From now on ``closed_changed`` reports closes and reopens, rows read or not (a closed one is shown)."""
        if self._watched is False:
            self._watched = file_signature(self.journal_path)

    def closed_changed(self) -> bool:
        """Whether another process closed, reopened or changed a closed incident since it was last seen."""
        if self.loaded and self.changed():
            return True
        return self._watched is not False and file_signature(self.journal_path) != self._watched

    def catch_up(self) -> bool:
        """Re-read what others closed or reopened; returns whether anything was."""
        changed = False
        if self.loaded and self.changed():
            self.load()
            changed = True
        if self._watched is not False:
            journal = file_signature(self.journal_path)
            changed = changed or journal != self._watched
            self._watched = journal
        return changed

    # -- the journal (review_journal.py): written by the process that closes or reopens, under the store lock

    def record_closed(self, doc: dict) -> None:
        """Note a close in the journal: the incident's review row, as of ``doc``."""
        from ...domain.review_row import ROW_VERSION

        number = int(doc["number"])
        path = self.history.file_of(number)
        row = _row_of(path, doc, self.known_schema, check=False)
        stamp = self.history.stamp(number)
        entry = {"n": number, "v": ROW_VERSION, "row": row.to_list() if row is not None else None, "at": stamp,
                 "dir": self.history.mtime()}
        if self.loaded:
            if row is not None:
                self.rows[number] = row
            else:
                self.rows.pop(number, None)
            self.stamps[number] = stamp
        self._append(entry)

    def record_reopened(self, number: int) -> None:
        """Note a reopen in the journal: the incident has no review row any more."""
        self.rows.pop(number, None)
        self.stamps.pop(number, None)
        self._append({"n": number, "gone": True, "dir": self.history.mtime()})

    def compact_if_long(self) -> None:
        """Fold a long journal into the snapshot (rarely: once per few hundred closes); under the store lock."""
        if self.journal_length() > COMPACT_AFTER * 400:
            try:
                self.compact()
            except OSError as exc:
                self.warnings.add(f"the review index in {self.history.path} was not compacted ({exc})")
            if self._watched is not False:
                self._watched = file_signature(self.journal_path)

    def compact(self) -> bool:
        """Fold the journal into the snapshot (under the store lock); returns whether written."""
        self.load()
        self.start_over(self.rows, self.stamps, sorted(self.problems))
        return True

    def start_over(self, rows: dict[int, "ReviewRow"], stamps: dict[int, tuple[int, int]],
                   problems: list[int] = (), *, checked: bool = True) -> None:
        """Write ``rows`` as the snapshot and empty the journal (under the store lock).

        ``checked``: the rows are known to match closed/ (else the next reader lists closed/ once).
        """
        from ...domain.review_row import ROW_FORM

        entries = [row.to_list() for _, row in sorted(rows.items())]
        # Files that could not be read have no row: named here, so a reader that trusts the
        # recorded mtime still tries them again (and names them) without listing closed/.
        text = json.dumps({"format": INDEX_FORMAT, "form": ROW_FORM, "rows": entries,
                           "stamps": {str(n): list(stamp) for n, stamp in sorted(stamps.items())},
                           "problems": list(problems)}, ensure_ascii=True, separators=(",", ":"))
        write_atomically(self.index_path, text, temp_dir=self.history.temp_path)
        write_atomically(self.journal_path, b"", temp_dir=self.history.temp_path)
        self.loaded = checked and self.loaded
        if not checked:
            return
        # Both renames above moved closed/'s mtime: the journal's first line records it (an
        # append, which moves nothing), so the next reader trusts rows and files agree.
        mtime = self.history.mtime()
        _, written = self._append_line(json.dumps({"dir": mtime}).encode("ascii") + b"\n")
        self._recorded_mtime = mtime
        self._index_seen = file_signature(self.index_path)
        self._journal_seen = file_signature(self.journal_path)
        self._journal_offset = written
        self._journal_form_ok = True
        self.snapshot_stale = False

    # -- reading the rows -----------------------------------------------------------------------

    def load(self, progress: Progress | None = None) -> bool:
        """Bring the rows up to date with the disk; returns whether anything was read.

        After another process's close or reopen only the new journal lines are read.
        """
        index_sig = file_signature(self.index_path)
        journal_sig = file_signature(self.journal_path)
        if self.loaded and index_sig == self._index_seen and journal_sig == self._journal_seen:
            return False
        if self.loaded and index_sig == self._index_seen and journal_sig is not None \
                and journal_sig[2] >= self._journal_offset:
            self._read_journal(self._journal_offset)
            self._journal_seen = journal_sig
            self._read_listed()
            return True
        self._to_read = set()
        with collection_paused():  # ten thousand rows at once, none of them in a cycle
            snapshot = self._read_snapshot()
        self.rows, self.stamps = snapshot if snapshot is not None else ({}, {})
        self.snapshot_stale = snapshot is None
        self._index_seen = index_sig
        self._journal_offset = 0
        self._journal_form_ok = True
        self._recorded_mtime = None
        self._read_journal(0)
        self._journal_seen = journal_sig
        self._check_files(progress, had_snapshot=snapshot is not None)
        self.loaded = True
        return True

    def _read_snapshot(self) -> tuple[dict[int, "ReviewRow"], dict[int, tuple[int, int]]] | None:
        try:
            raw = read_bytes(self.index_path)
        except (StoreError, OSError):  # a folder, no permission: only a slower review
            return None
        if raw is None:
            return None
        from ...domain.review_row import FIRST_FORM, ReviewRow, is_row_form

        try:
            data = json.loads(raw)
            form = {3: FIRST_FORM, INDEX_FORMAT: data.get("form")}.get(data.get("format"))
            if not is_row_form(form):
                return None  # rows of another form: each is worked out again from its file
            make = ReviewRow.from_list
            rows = {row.number: row for row in map(make, data["rows"])}
            self._to_read.update(int(n) for n in data.get("problems", []))
            stamps = {int(n): (int(a), int(b)) for n, (a, b) in data.get("stamps", {}).items()}
            return rows, stamps
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # a broken snapshot is only a slower review: rebuilt from the files

    # -- do the rows match the files in closed/? ----------------------------------------------------

    def _check_files(self, progress: Progress | None, had_snapshot: bool) -> None:
        """Reconcile the rows with closed/, unless the recorded mtime says nothing there changed."""
        if had_snapshot and self._recorded_mtime is not None and self._recorded_mtime == self.history.mtime():
            self._read_listed()
            return
        self._reconcile(progress)
        self._to_read = set()
        self.snapshot_stale = True  # so the next save writes a snapshot with a fresh mtime

    def _read_listed(self) -> None:
        """Take from their files the rows the index could not give: unreadable before, or of another form."""
        for number in sorted(self._to_read):  # a stat and a read each
            if number not in self.rows:
                self._read_again(number)
        self._to_read = set()

    def _reconcile(self, progress: Progress | None) -> None:
        """Match the rows to the files on disk: read a file that is new or changed, drop rows with no file."""
        on_disk = self.history.stamps()
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

    def _read_again(self, number: int, stamp: tuple[int, int] | None = None) -> None:
        """Take one closed file's row from the file itself; a file that cannot be read is named."""
        self.rows.pop(number, None)
        self.problems.pop(number, None)
        path = self.history.file_of(number)
        try:
            doc = self.history.read(number)
            row = None if doc is None else _row_of(path, doc, self.known_schema)
            if stamp is None:
                stamp = self.history.stamp(number)
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


def _row_of(path: "Path", doc: dict, known_schema: int, *, check: bool = True) -> "ReviewRow | None":
    """The review row of a document; None for one a newer mishap wrote (left out, never rewritten).

    A document read from disk is checked whole first (CorruptFile if it is not a valid
    incident); one mishap just wrote from a valid incident need not be (``check=False``).
    """
    schema = doc.get("schema")
    if isinstance(schema, int) and schema > known_schema:
        return None
    if check:
        check_incident(path, int(doc.get("number") or 0), doc)
    from ...domain import review_row  # looked up on each use: a test counts the documents read

    try:
        return review_row.row_from_document(doc)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        from .files import corrupt_file

        raise corrupt_file(path, f"it is not a valid incident ({exc})") from None
