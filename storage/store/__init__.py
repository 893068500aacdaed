"""The store: where incidents live, behind one interface, and the only names the console may use.

- interface: IncidentStore, what every backend offers;
- rules: what every backend keeps on a change (an append-only timeline, numbers never reused);
- errors: what a store raises, each message saying what to do;
- base: what every backend does alike (read-only state, acting as someone, cadence defaults);
- choose: which store ``--db`` or the environment names, and ``open_store``;
- migrate: copying every incident from one store to another (``mishap migrate``);
- settings: the console's own preferences (the theme);
- personal: the user's own config.toml (mail, calendar), never the store's;
- presence: who else has a console open, kept apart from the record;
- folder/: the TinyDB folder store, the embedded default;
- postgres/: the PostgreSQL store, a team's store on a server.

Depends on storage.domain alone. The console (tui) imports only the names below. They load
on first use (PEP 562): ``mishap status`` imports this package on every shell prompt and must
not load TinyDB, pendulum or a backend to do so.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .choose import POSTGRES_SCHEMES, default_folder, is_postgres, open_store, store_folder  # stdlib only
from .errors import CorruptFile, NotFound, ReadOnlyStore, StoreError, WriteFailed  # stdlib only

if TYPE_CHECKING:  # pragma: no cover
    from .base import parse_id
    from .folder.files import inside_store, write_atomically
    from .folder.glance import Glance, glance, open_incident
    from .folder.store import FolderStore
    from .interface import IncidentStore
    from .migrate import copy_store, side_of
    from .rules import apply_change
    from .personal import PersonalConfig, personal_config_path, read_personal_config
    from .settings import load_settings, save_settings, settings_home
    from .presence import open_presence, presence_user

_LAZY = {
    "IncidentStore": "interface", "FolderStore": "folder.store", "parse_id": "base", "apply_change": "rules",
    "write_atomically": "folder.files", "inside_store": "folder.files",
    "glance": "folder.glance", "Glance": "folder.glance", "open_incident": "folder.glance",
    "load_settings": "settings", "save_settings": "settings", "settings_home": "settings",
    "copy_store": "migrate", "side_of": "migrate",
    "PersonalConfig": "personal", "personal_config_path": "personal", "read_personal_config": "personal",
    "open_presence": "presence", "presence_user": "presence",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["open_store", "is_postgres", "default_folder", "store_folder", "POSTGRES_SCHEMES", "StoreError",
           "ReadOnlyStore", "NotFound", "CorruptFile", "WriteFailed", *_LAZY]
