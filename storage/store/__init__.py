"""The store: one interface (interface.IncidentStore), the rules every backend keeps (rules),
and the backends: a TinyDB folder (folder) today. ``open_store`` picks one.

Depends on storage.domain, and on storage.readers.metrics for the review's rows.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..domain.clock import Clock, system_clock
from .files import CorruptFile, StoreError
from .common import NotFound, ReadOnlyStore, default_folder, parse_id
from .folder import FolderStore, Store
from .interface import IncidentStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(spec: str | Path | None = None, *, clock: Clock = system_clock, user: str | None = None,
               progress=None) -> IncidentStore:
    """The store ``spec`` names (``--db``), else ``$MISHAP_DB``, else ``$MISHAP_HOME``, else the user data folder.

    A folder path opens the TinyDB folder store; ``progress(done, total)`` hears about a
    move from the first layout, if the folder needs one.
    """
    named = str(spec) if spec else os.environ.get("MISHAP_DB", "")
    if named.startswith(POSTGRES_SCHEMES):
        raise StoreError("a PostgreSQL store (postgresql://…) is not supported by this version of mishap; "
                         "give a folder with --db, MISHAP_DB or MISHAP_HOME")
    return FolderStore.open(default_folder(str(spec) if spec else None), clock=clock, user=user,
                            progress=progress)


__all__ = ["open_store", "IncidentStore", "FolderStore", "Store", "StoreError", "CorruptFile", "ReadOnlyStore",
           "NotFound", "default_folder", "parse_id"]
