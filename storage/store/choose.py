"""Where the store is: ``--db``, else ``$MISHAP_DB``, else ``$MISHAP_HOME``, else the user data folder.

Standard library only (platformdirs loads only when the user data folder is the answer), so
the light commands can find open.json without loading the store.
"""

from __future__ import annotations

import os
from pathlib import Path

OPEN_FILE = "open.json"  # the open incidents (TinyDB: tables "incidents", "meta", "drafts")
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


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
