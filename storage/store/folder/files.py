"""Durable files: atomic replace, fsync, stale temp cleanup, and reading TinyDB's JSON safely.

A file is never rewritten in place (TinyDB's own JSONStorage does that, so a kill mid-write
leaves half a file): every write goes to a temporary file in the same folder, is fsynced,
renamed over the old file, and the folder is fsynced too. Standard library only.
"""

from __future__ import annotations

import glob
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from ..errors import CorruptFile, StoreError, WriteFailed, is_known_write_failure
from .layout import CLOSED_DIR, CLOSED_FILE

TEMP_SUFFIX = ".tmp"


def corrupt_file(path: Path, problem: str) -> CorruptFile:
    """The error for a data file that cannot be read, with what to do about it (see ``recovery_hint``)."""
    return CorruptFile(path, problem, recovery_hint(Path(path)))


def recovery_hint(path: Path) -> str:
    """What to do about a data file that cannot be read, and what following the advice costs.

    A closed incident's file (``closed/M-12.json``) holds that incident alone: moving it aside
    drops only that one, so the advice says so rather than offering an empty store.
    """
    backup = backup_path(path)
    closed = CLOSED_FILE.match(path.name) if path.parent.name == CLOSED_DIR else None
    if closed:
        ident = f"M-{closed[1]}"
        copy = (f"A copy to restore it from is {backup}." if backup.exists()
                else "mishap keeps no other copy of it: restore it from your own backups, or repair it by hand.")
        return f"Moving {path.name} out of {path.parent} leaves out {ident} alone; every other incident stays. {copy}"
    if backup.exists():
        return (f"A copy of the last good file is {backup}: move {path.name} aside and copy the backup in "
                f"its place to recover.")
    return f"No backup exists: move {path.name} aside to start an empty store, or repair it by hand."


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


def inside_store(path: Path, store_folder: Path) -> bool:
    """Whether ``path`` is in ``store_folder`` or below it, however it is spelt (links, ``..``, bind mounts).

    A report or a saved message written there could replace the store's own files.
    """
    target = Path(os.path.realpath(Path(path).expanduser()))
    root = Path(os.path.realpath(store_folder))
    if target == root or root in target.parents:
        return True
    try:
        root_id = os.stat(root)
    except OSError:
        return False
    for folder in (target, *target.parents):  # the same folder under another name
        try:
            seen = os.stat(folder)
        except OSError:
            continue
        if (seen.st_dev, seen.st_ino) == (root_id.st_dev, root_id.st_ino):
            return True
    return False


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, text: str | bytes, *, temp_dir: Path | None = None,
                     durable: bool = True) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves either the old or the new file.

    The new file is created 0600 (``mkstemp``) and never exists half-written under
    its real name. ``text`` may be ``str`` (written as UTF-8) or ``bytes``. A symbolic
    link is written through: its target is replaced, in the target's folder. A failure
    (disk full, no permission) raises WriteFailed naming ``path``.

    ``temp_dir`` (on the same file system, beside ``path``) holds the temp file instead of
    ``path``'s folder: a folder of thousands of files is then never listed to find what a
    killed writer left.

    ``durable=False`` leaves the data and the rename to the file system's next commit (seconds)
    instead of waiting for the disk: a process killed at any point still leaves the old file or
    the new one, whole, but a power cut may leave an empty file under ``path``. Only for a
    copy that is checked against its original before it is trusted, such as a backup.
    """
    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    target = write_target(path)
    where = target.parent
    try:
        if temp_dir is not None and target.parent == path.parent:  # a link elsewhere keeps its own folder
            where = Path(temp_dir)
            where.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=where)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        if durable:
            fsync_folder(target.parent)
    except WriteFailed:
        raise
    except OSError as exc:
        if is_known_write_failure(exc):
            raise WriteFailed(path, exc) from exc
        # Anything else keeps its type, but names the file asked for, not the temp file.
        raise type(exc)(exc.errno, exc.strerror, str(path)) from exc


def stale_temps(folder: Path, names: Iterable[str] | None = None) -> list[Path]:
    """Temp files of ``names`` (or any) in ``folder``: left by a killed writer, or a live one's.

    For a name that is a symbolic link, the temp files next to its target count too
    (a write goes through the link, so its temp file is made there).
    """
    folder = Path(folder)
    if names is None:
        return sorted(folder.glob(f".*{TEMP_SUFFIX}"))
    places = []
    for name in names:
        places.append((folder, name))
        if (folder / name).is_symlink():
            target = Path(os.path.realpath(folder / name))
            places.append((target.parent, target.name))
    return sorted({c for where, name in places for c in where.glob(f".{glob.escape(name)}.*{TEMP_SUFFIX}")})


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
    """The file's bytes, or None if it does not exist (a link to nothing is an error, not 'absent')."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        if os.path.islink(path):
            raise StoreError(_dangling(Path(path))) from None
        return None
    except IsADirectoryError:
        raise StoreError(f"{path} is a folder, not a mishap data file: move it aside") from None


def _dangling(path: Path) -> str:
    return (f"{path} is a link to {os.readlink(path)}, which does not exist: reconnect the disk it is on, "
            f"or remove the link to start that file afresh")


def write_target(path: Path) -> Path:
    """The file a write to ``path`` replaces: the link's target when ``path`` is a symbolic link.

    Replacing the link itself would silently fork the data: the link's target would keep
    the old version and every other reader of it would stop seeing changes.
    """
    path = Path(path)
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if not target.exists():
        raise StoreError(_dangling(path))
    return target


def read_tinydb_file(path: Path) -> dict[str, dict[str, Any]] | None:
    """Parse a TinyDB JSON file and check its shape; None if it does not exist."""
    raw = read_bytes(path)
    if raw is None:
        return None
    return parse_tinydb_bytes(path, raw)


class NotFinite(ValueError):
    """A JSON number that is not finite (NaN, Infinity, or too big for a float)."""


def _refuse_constant(token: str):
    raise NotFinite(token)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotFinite(text)
    return value


def loads_data(raw: bytes | str) -> Any:
    """``json.loads`` for mishap's files: NaN, Infinity and numbers that overflow are refused (NotFinite).

    Python's json accepts them by default; one of them in a revision or a cost turns into
    an OverflowError deep in the code instead of a message about the file.
    """
    return json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)


class _Bad:
    def __init__(self, token: str):
        self.token = token


def _where_not_finite(raw: bytes) -> str:
    """Where the first non-finite number is, as ``incidents.3.cost.credits is Infinity``."""
    def mark(token: str):
        return _Bad(token)

    def maybe(text: str):
        value = float(text)
        return value if math.isfinite(value) else _Bad(text)

    try:
        data = json.loads(raw, parse_constant=mark, parse_float=maybe)
    except ValueError:
        return "a number is not finite"
    stack = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, _Bad):
            return f"{where or 'the top level'} is {value.token}"
        if isinstance(value, dict):
            stack.extend(reversed([(f"{where}.{k}" if where else str(k), v) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{where}[{i}]", v) for i, v in enumerate(value)]))
    return "a number is not finite"


def json_problem(exc: json.JSONDecodeError) -> str:
    """What json found wrong, and where: ``Expecting value at line 2, column 7``.

    Some of json's messages end with "at" already ("Unterminated string starting at",
    "Invalid control character at"): the place follows them without a second one.
    """
    where = f"line {exc.lineno}, column {exc.colno}"
    return f"{exc.msg} {where}" if exc.msg.endswith(" at") else f"{exc.msg} at {where}"


def parse_tinydb_bytes(path: Path, raw: bytes) -> dict[str, dict[str, Any]]:
    """Parse the bytes of a TinyDB JSON file read from ``path`` and check their shape."""
    if not raw.strip():
        raise corrupt_file(path, "the file is empty")
    try:
        data = loads_data(raw)
    except UnicodeDecodeError as exc:
        raise corrupt_file(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise corrupt_file(path, f"not valid JSON ({json_problem(exc)})") from None
    except NotFinite:
        raise corrupt_file(path, f"{_where_not_finite(raw)}: not a finite number") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise corrupt_file(path, f"not valid data ({exc})") from None
    if not isinstance(data, dict):
        raise corrupt_file(path, f"not a TinyDB document file (top level is a {type(data).__name__})")
    for table, docs in data.items():
        if not isinstance(docs, dict):
            raise corrupt_file(path, f"not a TinyDB document file (table {table!r} is not an object)")
        for key, doc in docs.items():
            # isascii: str.isdigit() accepts "²" and other digits int() refuses.
            if not (key.isascii() and key.isdigit()) or not isinstance(doc, dict):
                raise corrupt_file(path, f"not a TinyDB document file (table {table!r}, document {key!r})")
    return data


def dump_tinydb(data: dict) -> str:
    """Serialise TinyDB tables the way stock TinyDB can read them back (never NaN or Infinity)."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
