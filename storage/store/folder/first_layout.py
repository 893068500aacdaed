"""Moving a store of the first layout (closed.json) to one file per closed incident.

Run by the store on its first open with write access, under the store lock:

1. closed.json is read one document at a time (storage.legacy), never whole; each
   document is written to closed/M-N.json unless that file already holds it (a move
   cut short and run again rewrites nothing twice). Each file is renamed into place,
   and the file system is synced once at the end rather than twice per file.
2. The review's index is written from the rows gathered on the way.
3. closed.json becomes closed.json.v1: the move is done. A crash anywhere before this
   rename leaves closed.json where it was, and the next open starts again.
4. A later open checks that every incident of closed.json.v1 has its file (or is open
   again) and only then deletes closed.json.v1 and its .bak.

A closed.json from a newer mishap is never moved: the store opens read-only.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Callable

from .closed_history import INDEX_FORMAT, document_of, stamp_of, wrap
from .backups import check_incident
from .files import CorruptFile, backup_path, fsync_folder, read_bytes, write_atomically
from .legacy import newest_schema, stream_documents
from ..domain.review_row import row_from_document
from ..domain.model import SCHEMA_VERSION
from .rules import newer_schema_reason

if TYPE_CHECKING:
    from .folder import FolderStore

Progress = Callable[[int, int], None]


def move_first_layout(store: "FolderStore", progress: Progress | None = None) -> int:
    """Move closed.json's incidents to their own files; returns how many were moved."""
    legacy = store.legacy_path
    reason = newer_schema_reason(str(legacy), newest_schema(legacy))
    if reason:
        store.read_only_reason = reason
        return 0
    total = legacy.stat().st_size
    history = store.history
    history.path.mkdir(mode=0o700, exist_ok=True)
    rows = []
    stamps = {}
    moved = 0

    read = [0]

    def on_bytes(done: int) -> None:
        read[0] = min(done, total)

    for number, doc in stream_documents(legacy, on_bytes):
        if number in store._open and not store._open[number].is_closed:
            continue  # reopened since: the open copy wins, as it always did
        text = wrap(doc)
        path = history.file_of(number)
        existing = read_bytes(path)
        if existing != text.encode("utf-8"):
            if existing is not None and _readable(path, existing, number):
                pass  # already moved, then changed (closed again): the newer file stays
            else:
                history.write(doc, durable=False)
        try:
            check_incident(path, number, doc)  # checked whole on the way: the index holds only valid ones
            row = row_from_document(doc)
            if existing is None or existing == text.encode("utf-8"):
                rows.append(row)
                stamps[str(number)] = list(stamp_of(path))
        except (CorruptFile, KeyError, TypeError, ValueError, AttributeError, OverflowError):
            pass  # an invalid document is moved as it is, and named whenever it is read
        moved += 1
        if progress is not None:
            progress(read[0], total)
    os.sync()  # every file written above is on disk before the old one is retired
    fsync_folder(history.path)
    write_atomically(history.index_path, json.dumps(
        {"format": INDEX_FORMAT, "rows": [row.to_list() for row in sorted(rows)], "stamps": stamps},
        ensure_ascii=True, separators=(",", ":")), temp_dir=history.temp_path)
    write_atomically(history.journal_path, b"", temp_dir=history.temp_path)
    history.loaded = False  # read again from what was just written
    os.replace(legacy, store.folder / "closed.json.v1")
    fsync_folder(store.folder)
    store.warnings.append(
        f"moved {moved} closed incident{'s' if moved != 1 else ''} from {legacy.name} to "
        f"{history.path}/, one file each; {legacy.name} is kept as closed.json.v1 until the next "
        f"open has checked the move")
    return moved


def finish_layout_move(store: "FolderStore") -> None:
    """Check a finished move against the kept closed.json.v1, then delete the old copy."""
    kept = store.folder / "closed.json.v1"
    if not kept.exists() or any("closed.json.v1 until" in w for w in store.warnings):
        return  # nothing kept, or moved in this very open: checked by the next one
    history = store.history
    try:
        for number, doc in stream_documents(kept):
            if number in store._open:
                continue
            if not history.exists(number):
                store.warnings.append(
                    f"{kept} holds M-{number}, which has no file in {history.path}/: both are kept; "
                    f"move {kept.name} back to closed.json to move it again")
                return
    except CorruptFile as exc:
        store.warnings.append(str(exc))
        return
    kept.unlink()
    for old in (backup_path(store.legacy_path), store.folder / "closed.review.json"):
        try:
            old.unlink()
        except (FileNotFoundError, IsADirectoryError):
            pass
    fsync_folder(store.folder)


def _readable(path, raw: bytes, number: int) -> bool:
    try:
        doc = document_of(path, raw, number)
    except CorruptFile:
        return False
    return isinstance(doc.get("schema"), int) and doc["schema"] <= SCHEMA_VERSION
