"""The review's fast path over closed.json: rows of metrics without building every incident.

Parsing 10,000 closed incidents into dataclasses takes seconds; the review needs a
few numbers of each. Three layers keep it fast:

1. In memory, the rows are kept until closed.json's signature changes.
2. On disk, ``closed.review.json`` keeps the rows with closed.json's signature, so a
   new process opens the review without reading closed.json at all. It is derived
   data: deleting it costs one slow review, never a record.
3. When closed.json changed, its bytes are split into documents with two anchored
   regular expressions (the store writes compact JSON, each document ending with its
   ``revision``), and only documents whose bytes (length and CRC-32) are new are parsed.

A file in any other shape is read the slow, sure way.
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .files import CorruptFile, StoreError, file_signature, loads_data, parse_tinydb_bytes, read_bytes
from .metrics import Pattern, ReviewRow, find_patterns, row_from_document
from .model import SCHEMA_VERSION

INDEX_FILE = "closed.review.json"
INDEX_FORMAT = 2

_HEAD = b'{"incidents":{'
_KEY = re.compile(rb'"(\d+)":\{')
# "revision" is the last key the model writes; inside user text every quote is escaped
# (\"), so this matches only the end of a document.
_END = re.compile(rb'"revision":-?\d+\}')

Key = tuple[int, int, int]  # (number, length, crc32) of one document's bytes


def split_documents(raw: bytes) -> list[tuple[int, int, int]] | None:
    """(number, start, end) of each document in closed.json's bytes, or None if not in the store's shape."""
    if raw in (b"{}", b'{"incidents":{}}'):
        return []
    if not raw.startswith(_HEAD):
        return None
    spans = []
    pos = len(_HEAD)
    while True:
        key = _KEY.match(raw, pos)
        if key is None:
            return None
        start = key.end() - 1
        end = _END.search(raw, start)
        if end is None:
            return None
        spans.append((int(key.group(1)), start, end.end()))
        following = raw[end.end():end.end() + 1]
        if following == b",":
            pos = end.end() + 1
        elif raw[end.end():] == b"}}":
            return spans
        else:
            return None


def _row(path: Path, number: int, doc) -> ReviewRow | None:
    """The row of one document; None for one a newer mishap wrote that this one cannot read."""
    try:
        if not isinstance(doc, dict) or doc.get("number") != number:
            raise ValueError("its number does not match its key")
        return row_from_document(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        schema = doc.get("schema") if isinstance(doc, dict) else None
        if isinstance(schema, int) and schema > SCHEMA_VERSION:
            return None  # as the store does: left out, never rewritten (the store is read-only then)
        raise CorruptFile(path, f"document {number} is not a valid incident ({exc})") from None


@dataclass
class ReviewIndex:
    """Rows of the closed incidents as of one version of closed.json."""

    path: Path  # closed.json
    signature: tuple | None = None
    rows: dict[int, ReviewRow] = field(default_factory=dict)
    keys: dict[int, Key] = field(default_factory=dict)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # offsets, valid for ``signature``
    dirty: bool = False  # rows differ from the index file on disk
    loaded: bool = False  # refreshed at least once (the index file is looked at only then)
    _patterns: dict[int, Pattern] | None = None
    # The index is written from a worker thread: what it writes is taken under this lock, and
    # the rows, keys and signature are only ever replaced together, never changed in place.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def index_path(self) -> Path:
        """Where the rows are kept between runs."""
        return self.path.with_name(INDEX_FILE)

    def current(self) -> bool:
        """Whether the rows are those of closed.json as it is now (one stat)."""
        return self.loaded and file_signature(self.path) == self.signature

    def patterns(self) -> dict[int, Pattern]:
        """Patterns over every closed incident (computed once per version of the rows)."""
        with self._lock:
            rows, patterns = self.rows, self._patterns
        if patterns is None:
            patterns = find_patterns(list(rows.values()))
            with self._lock:
                if self.rows is rows:  # not replaced meanwhile by a refresh on another thread
                    self._patterns = patterns
        return patterns

    # -- bringing the rows up to date ----------------------------------------------------

    def refresh(self) -> bool:
        """Make the rows match closed.json; returns whether anything was re-read."""
        signature = file_signature(self.path)
        if self.loaded and signature == self.signature:
            return False
        first, self.loaded = not self.loaded, True
        if first and signature is not None and self._load_index(signature):
            return True
        raw = read_bytes(self.path) if signature is not None else None
        if raw is None:  # no closed incident yet
            self._replace(None, {}, {}, {})
            return True
        self._rebuild(signature, raw)
        return True

    def _replace(self, signature, rows, keys, spans) -> None:
        changed = rows != self.rows
        with self._lock:
            self.signature, self.rows, self.keys, self.spans = signature, rows, keys, spans
            self.dirty = True
            if changed:
                self._patterns = None

    def _rebuild(self, signature: tuple, raw: bytes) -> None:
        spans = split_documents(raw)
        if spans is None:
            self._rebuild_slowly(signature, raw)
            return
        view = memoryview(raw)
        known = {key: number for number, key in self.keys.items()}
        rows, keys, offsets = {}, {}, {}
        for number, start, end in spans:
            key = (number, end - start, zlib.crc32(view[start:end]))
            old = known.get(key)
            if old is not None and self.rows.get(old) is not None:
                rows[number] = self.rows[old]
            else:
                try:
                    doc = loads_data(raw[start:end])
                except ValueError:  # NotFinite too: the slow way names the file and the field
                    self._rebuild_slowly(signature, raw)  # not what it looked like: read it properly
                    return
                rows[number] = _row(self.path, number, doc)
                if rows[number] is None:
                    del rows[number]
                    continue
            keys[number] = key
            offsets[number] = (start, end)
        self._replace(signature, rows, keys, offsets)

    def _rebuild_slowly(self, signature: tuple, raw: bytes) -> None:
        data = parse_tinydb_bytes(self.path, raw)
        rows = {int(k): _row(self.path, int(k), doc) for k, doc in data.get("incidents", {}).items()}
        rows = {number: row for number, row in rows.items() if row is not None}
        self._replace(signature, rows, {}, {})

    # -- the index file --------------------------------------------------------------------

    def _load_index(self, signature) -> bool:
        """Take the rows from the index file; True if they are those of closed.json now."""
        try:
            raw = read_bytes(self.index_path)
        except (OSError, StoreError):  # a folder, unreadable: derived data, rebuilt from closed.json
            return False
        if raw is None:
            return False
        try:
            data = loads_data(raw)
            if data.get("format") != INDEX_FORMAT:
                return False
            make = ReviewRow.from_list
            rows = {}
            keys = {}
            for key, values in data["rows"]:
                row = make(values)
                rows[row.number] = row
                if key:
                    keys[row.number] = tuple(key)
            stored = tuple(data["signature"]) if data.get("signature") else None
            current = stored is not None and stored == signature
            patterns = None
            if current and isinstance(data.get("patterns"), dict):
                patterns = {int(n): Pattern(c, (a, b) if a else None, k)
                            for n, (c, a, b, k) in data["patterns"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            return False  # a broken index is only a slower review: rebuilt from closed.json
        with self._lock:
            self.rows, self.keys, self._patterns = rows, keys, patterns
            if current:
                self.signature, self.spans, self.dirty = signature, {}, False
        # Out of date, its rows still spare parsing the documents that did not change.
        return current

    def snapshot(self) -> tuple[tuple | None, str]:
        """(signature, the index file's content) of one consistent version of the rows."""
        with self._lock:
            signature, rows, keys, patterns = self.signature, self.rows, self.keys, self._patterns
        entries = [[list(keys[n]) if n in keys else None, row.to_list()] for n, row in sorted(rows.items())]
        data = {"format": INDEX_FORMAT, "signature": list(signature) if signature else None, "rows": entries}
        if patterns is not None:
            data["patterns"] = {str(n): [p.same_client, *(p.kind or (None, None)), p.same_kind]
                                for n, p in patterns.items()}
        return signature, json.dumps(data, ensure_ascii=True, separators=(",", ":"))

    def saved(self, signature: tuple | None) -> None:
        """The index file now holds the rows of ``signature``."""
        with self._lock:
            if signature == self.signature:
                self.dirty = False

    # -- one incident's document -----------------------------------------------------------

    def document(self, number: int) -> dict | None:
        """The stored document of one closed incident, parsed alone; None if there is none."""
        signature = file_signature(self.path)
        raw = read_bytes(self.path)
        if raw is None:
            return None
        if signature != self.signature or number not in self.spans:
            spans = split_documents(raw)
            found = None if spans is None else next(((s, e) for n, s, e in spans if n == number), None)
        else:
            found = self.spans[number]
        if found is not None:
            try:
                doc = loads_data(raw[found[0]:found[1]])
            except ValueError:
                doc = None
            if isinstance(doc, dict) and doc.get("number") == number:
                return doc
        data = parse_tinydb_bytes(self.path, raw)
        return data.get("incidents", {}).get(str(number))
