"""Reading a store of the first layout (one closed.json for all history) without loading it whole.

closed.json of a long-used store holds ten thousand incidents and weighs tens of
megabytes; moving it to one file per incident must not need it all in memory. Its
documents are read here one at a time from a stream: a buffer of a megabyte or so is
decoded piece by piece with ``json.JSONDecoder.raw_decode``.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Callable, Iterator

from .files import CorruptFile

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
            raise CorruptFile(self.path, f"not UTF-8 text ({exc.reason})") from None
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
            raise CorruptFile(self.path, f"not a TinyDB document file (expected {what})")
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
                raise CorruptFile(self.path, f"not valid JSON ({exc})") from None
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
                raise CorruptFile(path, "not a TinyDB document file (a table name is not a string)")
            stream.expect(":", "':'")
            if table != "incidents":
                other = stream.value()  # another table (small): skipped, it holds no incident
                if not isinstance(other, dict):
                    raise CorruptFile(path, f"not a TinyDB document file (table {table!r} is not an object)")
            else:
                stream.expect("{", "the incidents table")
                if stream.peek() != "}":
                    while True:
                        key = stream.value()
                        if not (isinstance(key, str) and key.isascii() and key.isdigit()):
                            raise CorruptFile(path, f"not a TinyDB document file (document {key!r})")
                        stream.expect(":", "':'")
                        doc = stream.value()
                        if not isinstance(doc, dict):
                            raise CorruptFile(path, f"not a TinyDB document file (document {key!r})")
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
                raise CorruptFile(path, "not valid JSON (something follows the end of the file)")
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
