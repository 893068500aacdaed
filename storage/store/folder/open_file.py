"""open.json: the open incidents, the counter of incident numbers, and the drafts of client updates.

One TinyDB file, replaced whole and atomically by every write (see ``AtomicJSONStorage``).
What was last read or written is kept parsed (``incidents``), as stored (``docs``) and as
bytes (``raw``): a change made under the lock compares the bytes on disk with ``raw`` to
know whether another process wrote meanwhile (by content: ext4 hands a freed inode to the
next temporary file, so a stat signature can repeat).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from ...domain.model import SCHEMA_VERSION, Incident
from ...domain.fields import ValidationError
from ..errors import StoreError
from ..rules import newer_schema_reason
from .files import corrupt_file, dump_tinydb, file_signature, parse_tinydb_bytes, read_bytes, read_tinydb_file, \
    write_atomically
from .layout import DRAFTS_TABLE, INCIDENTS_TABLE, LAYOUT, META_TABLE, OPEN_FILE


class OpenFile:
    """open.json of one store folder, as last read or written; every write is durable on return."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / OPEN_FILE
        self.incidents: dict[int, Incident] = {}
        self.docs: dict[int, dict] = {}  # the same, as stored
        self.raw: bytes | None = None  # the bytes as last read or written
        self.backup_due = False  # written under the lock held now: its .bak follows when the lock is let go
        self._seen: tuple | None = None
        self._db: TinyDB | None = None

    # -- reading -------------------------------------------------------------------------------

    def load(self, read_only_reason: str | None, raw: bytes | None = None,
             signature: tuple | None = None) -> str | None:
        """Read the file (or ``raw``, read with ``signature``); returns the read-only reason, newer if it says so.

        Raises CorruptFile, naming the file, when it is not a store's open.json.
        """
        if raw is None:
            # The signature before the bytes: if a write slips in between, the next
            # look sees a different signature and reads again (never the reverse).
            signature = file_signature(self.path)
            raw = read_bytes(self.path)
        data = parse_tinydb_bytes(self.path, raw) if raw is not None else None
        self.incidents, self.docs, reason = self._parse(data, read_only_reason)
        self._seen = signature
        self.raw = raw
        self._db = TinyDB(self.path, storage=AtomicJSONStorage)
        return reason

    def _parse(self, data: dict | None, reason: str | None) -> tuple[dict[int, Incident], dict[int, dict], str | None]:
        if data is None:
            return {}, {}, reason
        for table in data.values():
            for doc in table.values():
                newer = newer_schema_reason(str(self.path), doc.get("schema"))
                if newer:
                    reason = newer
                    break
        incidents, docs = {}, {}
        for key, doc in data.get(INCIDENTS_TABLE, {}).items():
            try:
                incident = Incident.from_dict(doc)
            except ValidationError as exc:
                if reason is not None:
                    continue  # a newer schema may hold what this version cannot read
                raise corrupt_file(self.path, f"document {key} is not a valid incident ({exc})") from None
            if incident.number != int(key):
                raise corrupt_file(self.path, f"document {key} holds incident {incident.id}")
            incidents[incident.number] = incident
            docs[incident.number] = doc
        meta = data.get(META_TABLE, {}).get("1")
        if meta is not None and reason is None:
            number = meta.get("next_number")
            if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                raise corrupt_file(self.path, f"meta.next_number must be a positive integer, found {number!r}")
            layout = meta.get("layout", 1)
            if isinstance(layout, int) and layout > LAYOUT:
                reason = (f"{self.folder} was laid out by a newer mishap (layout {layout}): "
                          f"opened read-only; upgrade mishap to change it")
        return incidents, docs, reason

    def changed(self) -> bool:
        """Whether another process wrote the file since it was last read (a stat, no parse)."""
        return file_signature(self.path) != self._seen

    def sync(self, read_only_reason: str | None) -> str | None:
        """Under the lock: read the file again if its bytes differ from ours; returns the read-only reason."""
        signature = file_signature(self.path)
        raw = read_bytes(self.path)
        if raw != self.raw or self._db is None:
            return self.load(read_only_reason, raw, signature)
        self._seen = signature
        return read_only_reason

    def counter(self) -> int | None:
        """The number the next new incident gets, as the file says (None in a new store)."""
        return (self._table(META_TABLE).get(doc_id=1) or {}).get("next_number")

    def draft(self, number: int) -> dict | None:
        """The stored draft document of incident ``number``, if any."""
        return None if self._db is None else self._db.table(DRAFTS_TABLE).get(doc_id=number)

    def drafts(self) -> list[dict]:
        """Every stored draft document."""
        return [] if self._db is None else [dict(doc) for doc in self._db.table(DRAFTS_TABLE).all()]

    # -- writing, under the store's lock ----------------------------------------------------------

    def _table(self, name: str):
        if self._db is None:
            raise StoreError(f"{self.path} was not read before a write")
        return self._db.table(name)

    def _written(self) -> None:
        self._seen = file_signature(self.path)
        self.raw = read_bytes(self.path)
        self.backup_due = True

    def write_counter(self, next_number: int) -> None:
        """Set the number the next new incident gets (and mark the file as of this layout)."""
        self._table(META_TABLE).upsert(Document({"schema": SCHEMA_VERSION, "next_number": next_number,
                                                 "layout": LAYOUT}, doc_id=1))
        self._written()

    def insert(self, incident: Incident, doc: dict) -> None:
        """Add an open incident (a new one, or one reopened)."""
        self._table(INCIDENTS_TABLE).insert(Document(doc, doc_id=incident.number))
        self._written()
        self.incidents[incident.number], self.docs[incident.number] = incident, doc

    def replace(self, incident: Incident, doc: dict) -> None:
        """Write an open incident's new version over its old one."""
        def replace(stored: dict) -> None:
            stored.clear()
            stored.update(doc)

        self._table(INCIDENTS_TABLE).update(replace, doc_ids=[incident.number])
        self._written()
        self.incidents[incident.number], self.docs[incident.number] = incident, doc

    def remove(self, numbers: list[int]) -> None:
        """Take incidents out (closed, or a reopen undone); nothing changed if the write is refused."""
        self._table(INCIDENTS_TABLE).remove(doc_ids=numbers)
        self._written()
        for number in numbers:
            self.incidents.pop(number, None)
            self.docs.pop(number, None)

    def put_draft(self, doc: dict) -> None:
        """Keep a draft document as it is (a new version replaces the old)."""
        self._table(DRAFTS_TABLE).upsert(Document(doc, doc_id=doc["number"]))
        self._written()

    def discard_draft(self, number: int) -> None:
        """Forget incident ``number``'s draft, if it has one."""
        table = self._table(DRAFTS_TABLE)
        if table.contains(doc_id=number):
            table.remove(doc_ids=[number])
            self._written()


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
        try:
            text = dump_tinydb(data)
        except ValueError:  # a NaN or an infinity: the file would be unreadable afterwards
            raise StoreError(f"not written to {self.path}: a number in it is not finite (NaN or infinity)") from None
        write_atomically(self.path, text)
        self._text = text
        self._signature = file_signature(self.path)

    def close(self) -> None:
        self._text = None
