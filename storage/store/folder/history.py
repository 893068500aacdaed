"""Closed incidents on disk: one stock-TinyDB file each, and a review index that grows by appends.

Layout inside the store folder::

    closed/M-12.json      {"incidents": {"12": {...}}}: readable by stock TinyDB and jq
    closed/index.json     the review rows of every closed incident (a snapshot)
    closed/index.log      one JSON line per close or reopen since that snapshot

Why one file per incident: closing writes one small file and reopening removes one, so
neither costs more with ten thousand closed incidents than with none; one corrupt byte
takes one incident offline, not the history. Why a journal beside the snapshot: the
review needs the rows of every closed incident, and rewriting 10,000 rows on each close
would make a close cost what the history weighs. Each journal line sets one number's
row (or removes it), so applying lines that a snapshot already holds changes nothing:
compaction (write the snapshot, then empty the journal) is safe to cut short anywhere.

The journal and the snapshot are derived data. Whenever rows are read whole, the
folder's list of files is compared with them: a file without a row is read, a row
without a file is dropped. Deleting both costs one slow review, never a record.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .files import (CorruptFile, StoreError, file_signature, fsync_folder, parse_tinydb_bytes, read_bytes,
                    write_atomically, dump_tinydb)
from ..domain.speed import collection_paused
from .backups import check_incident
from .review_index import FILE_NAME as _NAME, DirectoryMark, HistoryProblem, Progress, stamp_of

if TYPE_CHECKING:  # the review's rows load with the review, not with every store open (start-up time)
    from ..domain.review_row import ReviewRow

CLOSED_DIR = "closed"
INDEX_FILE = "index.json"
JOURNAL_FILE = "index.log"
TEMP_DIR = ".tmp"  # temp files of writes into closed/: found without listing ten thousand files
INDEX_FORMAT = 3
# Past this many journal lines a writer folds them into the snapshot (cheap to read either way).
COMPACT_AFTER = 500


def file_name(number: int) -> str:
    """The name of one closed incident's file: ``M-12.json``."""
    return f"M-{number}.json"


def wrap(doc: dict) -> str:
    """One incident's document as the text of a stock TinyDB file."""
    return dump_tinydb({"incidents": {str(doc["number"]): doc}})


@dataclass(eq=False, repr=False)  # one per store, compared by identity; and each generated method is start-up time
class ClosedHistory(DirectoryMark):
    """The closed incidents of one store folder: their files and the review's rows."""

    folder: Path  # the store folder; files live in folder/closed
    known_schema: int
    rows: dict[int, ReviewRow] = field(default_factory=dict)
    # (mtime_ns, size) of each file as its row was taken: a file changed by hand is read again
    stamps: dict[int, tuple[int, int]] = field(default_factory=dict)
    problems: dict[int, HistoryProblem] = field(default_factory=dict)
    loaded: bool = False
    journal_problem: str | None = None  # why the last journal line could not be written, if it could not
    snapshot_stale: bool = False  # the snapshot was missing, unreadable or behind the files on disk
    _index_seen: tuple | None = None
    _journal_seen: tuple | None = None
    _journal_offset: int = 0
    _dir_mark: int | None = None  # closed/'s mtime as mishap's last write there left it (journal "dir")
    _snapshot_problems: list[int] = field(default_factory=list)  # unreadable files the snapshot names

    # -- where things are --------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The folder of closed incident files."""
        return self.folder / CLOSED_DIR

    @property
    def temp_path(self) -> Path:
        """Where writes into the history make their temp files (beside it, same file system)."""
        return self.path / TEMP_DIR

    @property
    def index_path(self) -> Path:
        """The review rows' snapshot."""
        return self.path / INDEX_FILE

    @property
    def journal_path(self) -> Path:
        """The closes and reopens since the snapshot."""
        return self.path / JOURNAL_FILE

    def file_of(self, number: int) -> Path:
        """Where incident ``number`` lives once closed."""
        return self.path / file_name(number)

    def exists(self, number: int) -> bool:
        """Whether a closed file for ``number`` is on disk (one stat)."""
        return self.file_of(number).exists()

    def numbers(self) -> list[int]:
        """The numbers of every closed file on disk, in order (one directory listing)."""
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return []
        found = []
        for name in names:
            match = _NAME.match(name)
            if match:
                found.append(int(match.group(1)))
        return sorted(found)

    def is_empty(self) -> bool:
        """Whether no incident was ever closed here (stops at the first file seen)."""
        try:
            with os.scandir(self.path) as entries:
                return not any(_NAME.match(entry.name) for entry in entries)
        except FileNotFoundError:
            return True

    # -- one incident -------------------------------------------------------------------------

    def read(self, number: int) -> dict | None:
        """The stored document of closed incident ``number``; None if it has no file.

        Raises CorruptFile, naming the file, when it is not one valid-looking document.
        """
        path = self.file_of(number)
        raw = read_bytes(path)
        if raw is None:
            return None
        return document_of(path, raw, number)

    def _row_for(self, number: int) -> "ReviewRow | None":
        """The review row of a closed file read from disk (None: gone, or a newer mishap's)."""
        doc = self.read(number)
        return None if doc is None else _row_of(self.file_of(number), doc, self.known_schema)

    def write(self, doc: dict, *, durable: bool = True) -> None:
        """Write one closed incident's file (atomic; under the store lock)."""
        self.path.mkdir(mode=0o700, exist_ok=True)
        path = self.file_of(int(doc["number"]))
        if durable:
            write_atomically(path, wrap(doc), temp_dir=self.temp_path)
        else:  # a migration syncs once at its end instead of twice a file
            _write_replace(path, wrap(doc))

    def remove(self, number: int) -> None:
        """Remove one closed incident's file (under the store lock), durably."""
        try:
            self.file_of(number).unlink()
        except FileNotFoundError:
            return
        fsync_folder(self.path)

    # -- the journal: written by the process that closes or reopens, under the store lock --------

    def record_closed(self, doc: dict) -> None:
        """Note a close in the journal: the incident's review row, as of ``doc``."""
        number = int(doc["number"])
        row = _row_of(self.file_of(number), doc, self.known_schema, check=False)
        stamp = stamp_of(self.file_of(number))
        entry = {"n": number, "row": row.to_list() if row is not None else None, "at": stamp,
                 "dir": self._dir_now()}
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
        self._append({"n": number, "gone": True, "dir": self._dir_now()})

    def _append(self, entry: dict) -> None:
        """Add one line to the journal; a journal that cannot be written is noted, never fatal.

        The journal is derived data: the incident's own file is already written, and the
        next full read of the rows finds a file without a row by its stamp.
        """
        line = json.dumps(entry, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"
        try:
            size = self._append_line(line)
        except OSError as exc:
            self.journal_problem = (f"the review index {self.journal_path} was not updated "
                                    f"({exc.strerror or exc}); the next review reads the changed files instead")
            return
        if self.loaded and self._journal_offset == size and file_signature(self.index_path) == self._index_seen:
            # Nothing else was written since we read: our own line need not be read back.
            self._journal_offset = size + len(line)
            self._journal_seen = file_signature(self.journal_path)
            self._dir_mark = entry.get("dir", self._dir_mark)

    def _append_line(self, line: bytes) -> int:
        """Append ``line`` durably; returns the journal's size before it."""
        self.path.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(self.journal_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size:
                # A writer killed mid-line left a fragment: end it, or this line would join it.
                if os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        return size

    def journal_length(self) -> int:
        """How many bytes the journal holds (0 when there is none)."""
        signature = file_signature(self.journal_path)
        return signature[2] if signature else 0

    def compact(self) -> bool:
        """Fold the journal into the snapshot (under the store lock); returns whether written."""
        self.load()
        write_atomically(self.index_path, self._snapshot_text(), temp_dir=self.temp_path)
        write_atomically(self.journal_path, b"", temp_dir=self.temp_path)
        # Both renames above moved closed/'s mtime: the journal's first line records it (an
        # append, which moves nothing), so the next reader trusts rows and files agree.
        mark = self._dir_now()
        line = json.dumps({"dir": mark}).encode("ascii") + b"\n"
        self._append_line(line)
        self._dir_mark = mark
        self._index_seen = file_signature(self.index_path)
        self._journal_seen = file_signature(self.journal_path)
        self._journal_offset = len(line)
        self.snapshot_stale = False
        return True

    def _snapshot_text(self) -> str:
        entries = [row.to_list() for _, row in sorted(self.rows.items())]
        stamps = {str(n): list(stamp) for n, stamp in sorted(self.stamps.items())}
        # Files that could not be read have no row: named here, so a reader that trusts the
        # mark still tries them again (and names them) without listing closed/.
        return json.dumps({"format": INDEX_FORMAT, "rows": entries, "stamps": stamps,
                           "problems": sorted(self.problems)}, ensure_ascii=True, separators=(",", ":"))

    # -- the review's rows ---------------------------------------------------------------------

    def changed(self) -> bool:
        """Whether another process closed or reopened something since the rows were read (two stats)."""
        return (not self.loaded or file_signature(self.index_path) != self._index_seen
                or file_signature(self.journal_path) != self._journal_seen)

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
            return True
        self._snapshot_problems = []
        with collection_paused():  # ten thousand rows at once, none of them in a cycle
            snapshot = self._read_snapshot()
        self.rows, self.stamps = snapshot if snapshot is not None else ({}, {})
        self.snapshot_stale = snapshot is None
        self._index_seen = index_sig
        self._journal_offset = 0
        self._dir_mark = None
        self._read_journal(0)
        self._journal_seen = journal_sig
        self._check_files(progress, had_snapshot=snapshot is not None)
        self.loaded = True
        return True

    def _read_snapshot(self) -> tuple[dict[int, ReviewRow], dict[int, tuple[int, int]]] | None:
        try:
            raw = read_bytes(self.index_path)
        except (StoreError, OSError):  # a folder, no permission: only a slower review
            return None
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            if data.get("format") != INDEX_FORMAT:
                return None
            from ..domain.review_row import ReviewRow

            make = ReviewRow.from_list
            rows = {row.number: row for row in map(make, data["rows"])}
            self._snapshot_problems = [int(n) for n in data.get("problems", [])]
            stamps = {int(n): (int(a), int(b)) for n, (a, b) in data.get("stamps", {}).items()}
            return rows, stamps
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # a broken snapshot is only a slower review: rebuilt from the files

    def _read_journal(self, offset: int) -> None:
        try:
            with open(self.journal_path, "rb") as handle:
                handle.seek(offset)
                tail = handle.read()
        except OSError:  # none yet, a folder, no permission: the reconcile covers it
            self._journal_offset = 0
            return
        complete = tail.rfind(b"\n") + 1  # a line still being written is read next time
        for line in tail[:complete].splitlines():
            try:
                entry = json.loads(line)
                if "dir" in entry:
                    self._dir_mark = entry["dir"]
                if "n" not in entry:
                    continue  # a mark alone (written after a snapshot)
                number = int(entry["n"])
                if entry.get("gone"):
                    self.rows.pop(number, None)
                    self.stamps.pop(number, None)
                    continue
                if entry.get("row") is not None:
                    from ..domain.review_row import ReviewRow

                    self.rows[number] = ReviewRow.from_list(entry["row"])
                else:
                    self.rows.pop(number, None)  # written by a newer mishap: left out
                self.stamps[number] = tuple(entry["at"]) if entry.get("at") else (0, 0)
                self.problems.pop(number, None)
            except (ValueError, KeyError, TypeError):
                continue  # a fragment a killed writer left; the reconcile below covers its incident
        self._journal_offset = offset + complete

    def documents(self) -> Iterator[tuple[int, dict | None, str | None]]:
        """Every closed file's (number, document, problem), one at a time, never all in memory."""
        for number in self.numbers():
            try:
                yield number, self.read(number), None
            except CorruptFile as exc:
                yield number, None, str(exc)


def document_of(path: Path, raw: bytes, number: int) -> dict:
    """The one document of a closed file's bytes; CorruptFile (naming the file) if it is not that."""
    data = parse_tinydb_bytes(path, raw)
    docs = data.get("incidents")
    if not isinstance(docs, dict) or list(docs) != [str(number)]:
        raise CorruptFile(path, f"it should hold incident M-{number} alone in table 'incidents'")
    doc = docs[str(number)]
    if doc.get("number") != number:
        raise CorruptFile(path, f"its document is numbered {doc.get('number')!r}, not {number}")
    return doc


def _row_of(path: Path, doc: dict, known_schema: int, *, check: bool = True) -> ReviewRow | None:
    """The review row of a document; None for one a newer mishap wrote (left out, never rewritten).

    A document read from disk is checked whole first (CorruptFile if it is not a valid
    incident); one mishap just wrote from a valid incident need not be (``check=False``).
    """
    schema = doc.get("schema")
    if isinstance(schema, int) and schema > known_schema:
        return None
    if check:
        check_incident(path, int(doc.get("number") or 0), doc)
    from ..domain import review_row  # looked up on each use: a test counts the documents read

    try:
        return review_row.row_from_document(doc)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise CorruptFile(path, f"it is not a valid incident ({exc})") from None




def _write_replace(path: Path, text: str) -> None:
    """Write-then-rename without fsync (the caller syncs the file system once afterwards)."""
    tmp = path.with_name(f".{path.name}.migrating.tmp")
    with open(tmp, "wb") as handle:
        handle.write(text.encode("utf-8"))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


__all__ = ["ClosedHistory", "HistoryProblem", "CLOSED_DIR", "INDEX_FILE", "JOURNAL_FILE", "file_name",
           "document_of", "wrap", "COMPACT_AFTER", "StoreError"]
