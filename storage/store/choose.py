"""How a store is chosen: ``--db``, else ``$MISHAP_DB``, else ``$MISHAP_HOME``, else the user data folder.

A ``postgresql://`` or ``postgres://`` URL names the PostgreSQL store (storage.store.postgres);
anything else is a folder for the TinyDB folder store (storage.store.folder). Standard library
only (platformdirs loads only when the user data folder is the answer, a backend only when a
store is opened), so the light commands can find the store without loading one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..domain.clock import Clock
    from .interface import IncidentStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(spec: str | Path | None) -> bool:
    """Whether ``spec`` names a PostgreSQL store (postgresql://… or postgres://…)."""
    return str(spec or "").startswith(POSTGRES_SCHEMES)


def default_folder(cli_value: str | None = None) -> Path:
    """Where the store lives: ``--db``, else ``MISHAP_DB``, else ``MISHAP_HOME``, else the user data dir."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get("MISHAP_DB") or os.environ.get("MISHAP_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("mishap", appauthor=False))


def store_folder(spec: str | Path | None = None) -> Path:
    """The folder ``spec`` (``--db``) or the environment names (callers route a PostgreSQL address first)."""
    return default_folder(str(spec) if spec else None)


def open_store(spec: str | Path | None = None, *, clock: "Clock | None" = None, user: str | None = None,
               progress=None) -> "IncidentStore":
    """The store ``spec`` names (``--db``), else ``$MISHAP_DB``, else ``$MISHAP_HOME``, else the user data folder.

    ``progress(done, total)`` hears about a move from the first layout, if the folder needs one.
    """
    from ..domain.clock import system_clock
    from .errors import StoreError

    named = str(spec) if spec else os.environ.get("MISHAP_DB", "")
    if is_postgres(named):
        from .postgres.connect import psycopg_module

        psycopg_module()  # without the driver: one line saying what to install
        from .postgres.store import PostgresStore

        return PostgresStore.open(named, clock=clock or system_clock, user=user)
    from .folder.store import FolderStore

    try:
        folder = store_folder(spec)
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    return FolderStore.open(folder, clock=clock or system_clock, user=user, progress=progress)
