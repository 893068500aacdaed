"""The one-time move of a store of the first layout (one closed.json) to one file per closed incident.

Run by upkeep on the first open with write access, under the store lock:

1. closed.json is read one document at a time (``stream_documents``), never whole: a
   long-used store's file holds ten thousand incidents and weighs tens of megabytes. Each
   document is written to closed/M-N.json unless that file already holds it (a move cut
   short and run again rewrites nothing twice). Each file is renamed into place, and the
   file system is synced once at the end rather than twice per file.
2. The review's index is written from the rows gathered on the way.
3. closed.json becomes closed.json.v1: the move is done. A crash anywhere before this
   rename leaves closed.json where it was, and the next open starts again.
4. A later open checks that every incident of closed.json.v1 has its file (or is open
   again) and only then deletes closed.json.v1 and its .bak.

A closed.json from a newer mishap is never moved: the store opens read-only.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from ...domain.model import SCHEMA_VERSION
from ..errors import CorruptFile
from ..rules import newer_schema_reason
from .backups import check_incident
from .files import backup_path, corrupt_file, fsync_folder, read_bytes
from .history import ClosedHistory, document_of, wrap
from .layout import LEGACY_CLOSED, LEGACY_KEPT
from .open_file import OpenFile
from .review_index import ReviewIndex

Progress = Callable[[int, int], None]


class MoveOutcome(NamedTuple):
    """What a move did: how many it moved, what to tell the user, or why the store is read-only."""

    moved: int
    message: str | None
    newer_reason: str | None = None


class FirstLayout:
    """A store folder's closed.json (layout 1), moved to closed/ and then retired."""

    def __init__(self, folder: Path, history: ClosedHistory, review_index: ReviewIndex, open_file: OpenFile):
        self.folder = folder
        self.history = history
        self.review_index = review_index
        self.open_file = open_file
        self.legacy = folder / LEGACY_CLOSED
        self.kept = folder / LEGACY_KEPT

    def waiting(self) -> bool:
        """Whether a closed.json waits to be moved."""
        return self.legacy.exists()

    def move(self, progress: Progress | None = None) -> MoveOutcome:
        """Move closed.json's incidents to their own files (under the store lock)."""
        reason = newer_schema_reason(str(self.legacy), newest_schema(self.legacy))
        if reason:
            return MoveOutcome(0, None, reason)
        from ...domain.review_row import row_from_document

        legacy, history = self.legacy, self.history
        total = legacy.stat().st_size
        history.path.mkdir(mode=0o700, exist_ok=True)
        rows, stamps, moved = {}, {}, 0
        read = [0]

        def on_bytes(done: int) -> None:
            read[0] = min(done, total)

        still_open = self.open_file.incidents
        for number, doc in stream_documents(legacy, on_bytes):
            if number in still_open and not still_open[number].is_closed:
                continue  # reopened since: the open copy wins, as it always did
            text = wrap(doc).encode("utf-8")
            path = history.file_of(number)
            existing = read_bytes(path)
            if existing != text and not (existing is not None and _readable(path, existing, number)):
                history.write(doc, durable=False)
            # (an existing readable file that differs: moved, then changed (closed again): the newer file stays)
            try:
                check_incident(path, number, doc)  # checked whole on the way: the index holds only valid ones
                row = row_from_document(doc)
                if existing is None or existing == text:
                    rows[number] = row
                    stamps[number] = history.stamp(number)
            except (CorruptFile, KeyError, TypeError, ValueError, AttributeError, OverflowError):
                pass  # an invalid document is moved as it is, and named whenever it is read
            moved += 1
            if progress is not None:
                progress(read[0], total)
        history.sync_all()  # every file written above is on disk before the old one is retired
        self.review_index.start_over(rows, stamps, checked=False)  # the next review lists closed/ once
        os.replace(legacy, self.kept)
        fsync_folder(self.folder)
        return MoveOutcome(moved, (
            f"moved {moved} closed incident{'s' if moved != 1 else ''} from {legacy.name} to "
            f"{history.path}/, one file each; {legacy.name} is kept as {LEGACY_KEPT} until the next "
            f"open has checked the move"))

    def retire_checked(self) -> str | None:
        """Check a finished move against the kept closed.json.v1, then delete the old copy; a problem, or None."""
        if not self.kept.exists():
            return None
        history = self.history
        try:
            for number, doc in stream_documents(self.kept):
                if number in self.open_file.incidents:
                    continue
                if not history.exists(number):
                    return (f"{self.kept} holds M-{number}, which has no file in {history.path}/: both are kept; "
                            f"move {self.kept.name} back to {LEGACY_CLOSED} to move it again")
        except CorruptFile as exc:
            return str(exc)
        self.kept.unlink()
        for old in (backup_path(self.legacy), self.folder / "closed.review.json"):
            try:
                old.unlink()
            except (FileNotFoundError, IsADirectoryError):
                pass
        fsync_folder(self.folder)
        return None


def _readable(path: Path, raw: bytes, number: int) -> bool:
    try:
        doc = document_of(path, raw, number)
    except CorruptFile:
        return False
    return isinstance(doc.get("schema"), int) and doc["schema"] <= SCHEMA_VERSION


# -- reading closed.json one document at a time ------------------------------------------------------
# Its documents are read from a stream: a buffer of a megabyte or so is decoded piece by
# piece with ``json.JSONDecoder.raw_decode``.

CHUNK = 1 << 20
_SPACE = re.compile(r"\s*")
_SCHEMA = re.compile(rb'"schema":\s*(\d+)')


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


class _Stream:
    """Text of a file decoded as UTF-8 in chunks, with a read position."""

    def __init__(self, path: Path, on_bytes: Callable[[int], None] | None):
        self.path = path
        self.handle = open(path, "rb")
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.pos = 0
        self.eof = False
        self.read_bytes = 0
        self.on_bytes = on_bytes

    def more(self) -> bool:
        """Read the next chunk; False at the end of the file."""
        if self.eof:
            return False
        chunk = self.handle.read(CHUNK)
        self.read_bytes += len(chunk)
        if self.on_bytes is not None:
            self.on_bytes(self.read_bytes)
        try:
            decoded = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise corrupt_file(self.path, f"not UTF-8 text ({exc.reason})") from None
        self.text = self.text[self.pos:] + decoded  # drop what was consumed
        self.pos = 0
        if not chunk:
            self.eof = True
        return True

    def skip_space(self) -> None:
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text) or not self.more():
                return

    def expect(self, char: str, what: str) -> None:
        self.skip_space()
        if self.text[self.pos:self.pos + 1] != char:
            raise corrupt_file(self.path, f"not a TinyDB document file (expected {what})")
        self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos:self.pos + 1]

    def value(self):
        """The next JSON value, reading more of the file until it is whole."""
        self.skip_space()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except ValueError as exc:
                if self.more():
                    continue
                raise corrupt_file(self.path, f"not valid JSON ({exc})") from None
            # A number at the very end of the buffer may continue in the next chunk.
            if end == len(self.text) and not self.eof and not isinstance(value, (dict, list, str)):
                self.more()
                continue
            self.pos = end
            return value

    def close(self) -> None:
        self.handle.close()


def stream_documents(path: Path, on_bytes: Callable[[int], None] | None = None) -> Iterator[tuple[int, dict]]:
    """(number, document) of each incident in a first-layout closed.json, one at a time.

    Raises CorruptFile, naming the file, when it is not a TinyDB document file; nothing
    is yielded past the point where it stops making sense.
    """
    stream = _Stream(path, on_bytes)
    try:
        stream.expect("{", "an object")
        if stream.peek() == "}":
            return
        while True:
            table = stream.value()
            if not isinstance(table, str):
                raise corrupt_file(path, "not a TinyDB document file (a table name is not a string)")
            stream.expect(":", "':'")
            if table != "incidents":
                other = stream.value()  # another table (small): skipped, it holds no incident
                if not isinstance(other, dict):
                    raise corrupt_file(path, f"not a TinyDB document file (table {table!r} is not an object)")
            else:
                stream.expect("{", "the incidents table")
                if stream.peek() != "}":
                    while True:
                        key = stream.value()
                        if not (isinstance(key, str) and key.isascii() and key.isdigit()):
                            raise corrupt_file(path, f"not a TinyDB document file (document {key!r})")
                        stream.expect(":", "':'")
                        doc = stream.value()
                        if not isinstance(doc, dict):
                            raise corrupt_file(path, f"not a TinyDB document file (document {key!r})")
                        yield int(key), doc
                        if stream.peek() == ",":
                            stream.pos += 1
                            continue
                        break
                stream.expect("}", "the end of the incidents table")
            if stream.peek() == ",":
                stream.pos += 1
                continue
            stream.expect("}", "the end of the file")
            stream.skip_space()
            if stream.pos < len(stream.text):
                raise corrupt_file(path, "not valid JSON (something follows the end of the file)")
            return
    finally:
        stream.close()


def newest_schema(path: Path) -> int:
    """The highest document schema in a file, found by scanning its bytes (no parsing)."""
    highest = 0
    tail = b""
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                break
            data = tail + chunk
            for match in _SCHEMA.finditer(data):
                highest = max(highest, int(match.group(1)))
            tail = data[-32:]  # a key cut between two chunks is found whole in the next
    return highest
