"""The user's own config file: settings that belong to one person, never to the store.

``config.toml`` in the platform's user config folder (platformdirs; on Linux
``$XDG_CONFIG_HOME/mishap/config.toml``). It holds, each in a table of its own:

- ``[mail]``: how this person's updates leave by email (host, port, security, username, from);
- ``[calendar]``: ``file = "PATH"``, the iCalendar file mishap keeps current with every open deadline.

A team's database never holds these, and ``mishap migrate`` never copies them: a responder's mail
account and calendar are theirs. The store's own ``config.toml`` (storage.domain.config) is a
different file, shared by the team.

Each table is read by the module that uses it; this one only finds and parses the file, so a
mistake in one table is reported once, with the file's path, and loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PERSONAL_FILE = "config.toml"


def personal_config_path() -> Path:
    """Where this user's own config.toml lives (it need not exist)."""
    import platformdirs

    return Path(platformdirs.user_config_dir("mishap", appauthor=False)) / PERSONAL_FILE


@dataclass(frozen=True)
class PersonalConfig:
    """The user's own config.toml as read: its tables, or why it could not be read."""

    path: Path
    tables: dict = field(default_factory=dict)
    #: "PATH is not valid TOML (…)" when the file exists but cannot be read; the tables are then empty.
    problem: str | None = None

    def table(self, name: str) -> dict:
        """One table (``mail``, ``calendar``), {} when absent; a value that is not a table counts as absent."""
        value = self.tables.get(name)
        return value if isinstance(value, dict) else {}


def read_personal_config(path: Path | None = None) -> PersonalConfig:
    """Read the user's own config.toml (``path`` for tests); a missing file is an empty config."""
    import tomllib

    where = Path(path) if path is not None else personal_config_path()
    try:
        with open(where, "rb") as handle:
            tables = tomllib.load(handle)
    except FileNotFoundError:
        return PersonalConfig(where)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return PersonalConfig(where, problem=f"{where} is not readable TOML ({exc}); its settings are not used")
    return PersonalConfig(where, tables)

