"""The store: one interface (interface.IncidentStore), the rules every backend keeps (rules),
and the backends: a TinyDB folder (folder) and a PostgreSQL database (postgres). ``open_store`` picks one.

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


def is_postgres(spec: str | Path | None) -> bool:
    """Whether ``spec`` names a PostgreSQL store (postgresql://… or postgres://…)."""
    return str(spec or "").startswith(POSTGRES_SCHEMES)


def open_store(spec: str | Path | None = None, *, clock: Clock = system_clock, user: str | None = None,
               progress=None) -> IncidentStore:
    """The store ``spec`` names (``--db``), else ``$MISHAP_DB``, else ``$MISHAP_HOME``, else the user data folder.

    A postgresql:// or postgres:// URL opens the PostgreSQL store (storage.store.postgres);
    a folder path opens the TinyDB folder store; ``progress(done, total)`` hears about a
    move from the first layout, if the folder needs one.
    """
    named = str(spec) if spec else os.environ.get("MISHAP_DB", "")
    if is_postgres(named):
        from .postgres.connect import psycopg_module

        psycopg_module()  # without the driver: one line saying what to install
        from .postgres import PostgresStore

        return PostgresStore.open(named, clock=clock, user=user)
    return FolderStore.open(default_folder(str(spec) if spec else None), clock=clock, user=user,
                            progress=progress)


__all__ = ["open_store", "IncidentStore", "FolderStore", "Store", "StoreError", "CorruptFile", "ReadOnlyStore",
           "NotFound", "default_folder", "parse_id", "is_postgres"]
