"""Closed incidents on disk: one stock-TinyDB file each (the review's index beside them is review_index).

Layout inside the store folder::

    closed/M-12.json      {"incidents": {"12": {...}}}: readable by stock TinyDB and jq
    closed/index.json     the review rows of every closed incident (a snapshot; see review_index)
    closed/index.log      one JSON line per close or reopen since that snapshot

Why one file per incident: closing writes one small file and reopening removes one, so
neither costs more with ten thousand closed incidents than with none; one corrupt byte
takes one incident offline, not the history. Reading one closed incident reads its file
alone (and keeps it parsed until the file changes).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..errors import CorruptFile, ReadOnlyStore
from ..rules import newer_schema_reason
from .backups import check_incident
from .files import corrupt_file, dump_tinydb, file_signature, fsync_folder, parse_tinydb_bytes, read_bytes, \
    write_atomically
from .layout import CLOSED_DIR, CLOSED_FILE, TEMP_DIR, closed_file_name

if TYPE_CHECKING:
    from ...domain.model import Incident


def wrap(doc: dict) -> str:
    """One incident's document as the text of a stock TinyDB file."""
    return dump_tinydb({"incidents": {str(doc["number"]): doc}})


class ClosedHistory:
    """The closed incidents of one store folder, one file each."""

    def __init__(self, folder: Path):
        self.folder = folder  # the store folder; files live in folder/closed
        self.path = folder / CLOSED_DIR
        self.temp_path = self.path / TEMP_DIR  # temp files of writes into closed/, beside it
        self._parsed: dict[int, tuple[tuple | None, "Incident"]] = {}  # number → (file signature, incident)

    # -- where things are --------------------------------------------------------------------

    def file_of(self, number: int) -> Path:
        """Where incident ``number`` lives once closed."""
        return self.path / closed_file_name(number)

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
            match = CLOSED_FILE.match(name)
            if match:
                found.append(int(match.group(1)))
        return sorted(found)

    def stamp(self, number: int) -> tuple[int, int]:
        """(mtime_ns, size) of closed file ``number``, as the review's index remembers it."""
        st = os.stat(self.file_of(number))
        return (st.st_mtime_ns, st.st_size)

    def stamps(self) -> dict[int, tuple[int, int]]:
        """(mtime_ns, size) of every closed file, by number (one listing and a stat each)."""
        found = {}
        try:
            with os.scandir(self.path) as entries:
                for entry in entries:
                    match = CLOSED_FILE.match(entry.name)
                    if match:
                        try:
                            st = entry.stat()
                        except FileNotFoundError:
                            continue
                        found[int(match.group(1))] = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            pass
        return found

    def mtime(self) -> int | None:
        """closed/'s own mtime (None when there is no closed/ yet): moved by every file renamed in or removed."""
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return None

    def is_empty(self) -> bool:
        """Whether no incident was ever closed here (stops at the first file seen)."""
        try:
            with os.scandir(self.path) as entries:
                return not any(CLOSED_FILE.match(entry.name) for entry in entries)
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

    def checked(self, number: int, doc: dict) -> "Incident":
        """The incident of closed file ``number``'s document, checked whole.

        ReadOnlyStore if a newer mishap wrote it; CorruptFile, naming the file, if it is not valid.
        """
        path = self.file_of(number)
        reason = newer_schema_reason(str(path), doc.get("schema"))
        if reason:
            raise ReadOnlyStore(f"{reason.split(':')[0]}: this mishap cannot show it; upgrade mishap")
        return check_incident(path, int(doc.get("number") or 0), doc)

    def incident(self, number: int) -> "Incident | None":
        """Closed incident ``number`` (its file alone is read, once until it changes); None if there is none."""
        signature = file_signature(self.file_of(number))
        parsed = self._parsed.get(number)
        if parsed is not None and parsed[0] == signature:
            return parsed[1]
        doc = self.read(number)
        if doc is None:
            return None
        incident = self.checked(number, doc)
        self._parsed[number] = (signature, incident)
        return incident

    def write(self, doc: dict, *, durable: bool = True) -> None:
        """Write one closed incident's file (atomic; under the store lock)."""
        self.path.mkdir(mode=0o700, exist_ok=True)
        number = int(doc["number"])
        self._parsed.pop(number, None)
        path = self.file_of(number)
        if durable:
            write_atomically(path, wrap(doc), temp_dir=self.temp_path)
        else:  # a migration syncs once at its end instead of twice a file
            _write_replace(path, wrap(doc))

    def remove(self, number: int) -> None:
        """Remove one closed incident's file (under the store lock), durably."""
        self._parsed.pop(number, None)
        try:
            self.file_of(number).unlink()
        except FileNotFoundError:
            return
        fsync_folder(self.path)

    def documents(self) -> Iterator[tuple[int, dict | None, str | None]]:
        """Every closed file's (number, document, problem), one at a time, never all in memory."""
        for number in self.numbers():
            try:
                yield number, self.read(number), None
            except CorruptFile as exc:
                yield number, None, str(exc)

    def sync_all(self) -> None:
        """Make every file written with ``durable=False`` durable (one sync for them all)."""
        if self.path.exists():
            os.sync()
            fsync_folder(self.path)


def document_of(path: Path, raw: bytes, number: int) -> dict:
    """The one document of a closed file's bytes; CorruptFile (naming the file) if it is not that."""
    data = parse_tinydb_bytes(path, raw)
    docs = data.get("incidents")
    if not isinstance(docs, dict) or list(docs) != [str(number)]:
        raise corrupt_file(path, f"it should hold incident M-{number} alone in table 'incidents'")
    doc = docs[str(number)]
    if doc.get("number") != number:
        raise corrupt_file(path, f"its document is numbered {doc.get('number')!r}, not {number}")
    return doc


def _write_replace(path: Path, text: str) -> None:
    """Write-then-rename without fsync (the caller syncs the file system once afterwards)."""
    tmp = path.with_name(f".{path.name}.migrating.tmp")
    with open(tmp, "wb") as handle:
        handle.write(text.encode("utf-8"))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
