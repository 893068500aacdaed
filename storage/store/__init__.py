"""The store: one interface (interface.IncidentStore), the rules every backend keeps (rules),
and the backends: a TinyDB folder (folder) today. ``open_store`` picks one.

Depends on storage.domain, and on storage.readers.metrics for the review's rows.

The names below load on first use (PEP 562): importing a light module of this package
(``where``, ``glance``) must not load TinyDB and the whole domain, or ``mishap status``
could not run on every shell prompt.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from .where import POSTGRES_SCHEMES, default_folder, store_folder  # noqa: F401  (stdlib only)

if TYPE_CHECKING:  # pragma: no cover
    from ..domain.clock import Clock
    from .files import CorruptFile, StoreError
    from .folder import FolderStore, NotFound, ReadOnlyStore, Store, parse_id
    from .interface import IncidentStore

_LAZY = {"CorruptFile": "files", "StoreError": "files", "FolderStore": "folder", "NotFound": "folder",
         "ReadOnlyStore": "folder", "Store": "folder", "parse_id": "folder", "IncidentStore": "interface"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(spec: str | Path | None = None, *, clock: "Clock | None" = None, user: str | None = None,
               progress=None) -> "IncidentStore":
    """The store ``spec`` names (``--db``), else ``$MISHAP_DB``, else ``$MISHAP_HOME``, else the user data folder.

    A folder path opens the TinyDB folder store; ``progress(done, total)`` hears about a
    move from the first layout, if the folder needs one.
    """
    from ..domain.clock import system_clock
    from .files import StoreError
    from .folder import FolderStore

    try:
        folder = store_folder(spec)
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    return FolderStore.open(folder, clock=clock or system_clock, user=user, progress=progress)


__all__ = ["open_store", "IncidentStore", "FolderStore", "Store", "StoreError", "CorruptFile", "ReadOnlyStore",
           "NotFound", "default_folder", "parse_id"]
