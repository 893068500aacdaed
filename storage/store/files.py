"""Durable JSON files: atomic replace, fsync, stale temp cleanup, and TinyDB's storage API.

TinyDB's own JSONStorage rewrites its file in place, so a kill mid-write leaves
half a file. Here every write goes to a temporary file in the same folder, is
fsynced, renamed over the old file, and the folder is fsynced too.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from tinydb.storages import Storage

TEMP_SUFFIX = ".tmp"


class StoreError(Exception):
    """Something about the store prevents the operation; the message says what to do."""


class CorruptFile(StoreError):
    """A data file is unreadable or not a mishap store; it is left untouched."""

    def __init__(self, path: Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        backup = backup_path(self.path)
        hint = (f"A copy of the last good file is {backup}: move {self.path.name} aside and copy "
                f"the backup in its place to recover." if backup.exists()
                else f"No backup exists: move {self.path.name} aside to start an empty store, "
                     f"or repair it by hand.")
        super().__init__(f"Cannot open {self.path}: {problem}. Nothing was changed. {hint}")


def backup_path(path: Path) -> Path:
    """Where the copy of the last good version of ``path`` is kept."""
    return path.with_name(path.name + ".bak")


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """Cheap identity of a file's current version (inode, mtime, size), or None if absent."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves either the old or the new file.

    The new file is created 0600 (``mkstemp``) and never exists half-written under
    its real name. ``text`` may be ``str`` (written as UTF-8) or ``bytes``.
    """
    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_folder(path.parent)


def stale_temps(folder: Path, names: Iterable[str] | None = None) -> list[Path]:
    """Temp files of ``names`` (or any) in ``folder``: left by a killed writer, or a live one's."""
    patterns = [f".*{TEMP_SUFFIX}"] if names is None else [f".{name}.*{TEMP_SUFFIX}" for name in names]
    return sorted({c for pattern in patterns for c in Path(folder).glob(pattern)})


def remove_stale_temps(folder: Path, names: Iterable[str] | None = None) -> list[Path]:
    """Delete temp files a killed writer left behind (full copies of client data).

    Call only while holding the store lock: a live writer holds it for as long
    as its temp file exists. With ``names``, only the temp files of those files
    are removed (others, like the settings file's, are not written under the lock).
    """
    removed = []
    for candidate in stale_temps(folder, names):
        try:
            candidate.unlink()
            removed.append(candidate)
        except FileNotFoundError:
            pass
    return removed


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None if it does not exist."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def read_tinydb_file(path: Path) -> dict[str, dict[str, Any]] | None:
    """Parse a TinyDB JSON file and check its shape; None if it does not exist."""
    raw = read_bytes(path)
    if raw is None:
        return None
    return parse_tinydb_bytes(path, raw)


def parse_tinydb_bytes(path: Path, raw: bytes) -> dict[str, dict[str, Any]]:
    """Parse the bytes of a TinyDB JSON file read from ``path`` and check their shape."""
    if not raw.strip():
        raise CorruptFile(path, "the file is empty")
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise CorruptFile(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise CorruptFile(path, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise CorruptFile(path, f"not a TinyDB document file (top level is a {type(data).__name__})")
    for table, docs in data.items():
        if not isinstance(docs, dict):
            raise CorruptFile(path, f"not a TinyDB document file (table {table!r} is not an object)")
        for key, doc in docs.items():
            # isascii: str.isdigit() accepts "²" and other digits int() refuses.
            if not (key.isascii() and key.isdigit()) or not isinstance(doc, dict):
                raise CorruptFile(path, f"not a TinyDB document file (table {table!r}, document {key!r})")
    return data


def dump_tinydb(data: dict) -> str:
    """Serialise TinyDB tables the way stock TinyDB can read them back."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"))


class AtomicJSONStorage(Storage):
    """A TinyDB storage that writes atomically and durably, and re-reads only when the file changed."""

    def __init__(self, path: str | Path, **_: Any):
        self.path = Path(path)
        self._signature: tuple[int, int, int] | None = None
        self._text: str | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        signature = file_signature(self.path)
        if signature is None:
            return None
        if signature != self._signature or self._text is None:
            data = read_tinydb_file(self.path)
            self._text = dump_tinydb(data)
            self._signature = signature
            return data
        # A fresh copy each time: TinyDB mutates what it reads before writing it back.
        return json.loads(self._text)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        text = dump_tinydb(data)
        write_atomically(self.path, text)
        self._text = text
        self._signature = file_signature(self.path)

    def close(self) -> None:
        self._text = None
