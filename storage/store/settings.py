"""Small console preferences (the chosen theme), kept in the store folder (or, for a database
store, in the user's own config folder: a theme is one person's, not the team's)."""

from __future__ import annotations

import json
from pathlib import Path

from .folder.files import write_atomically
from .folder.permissions import make_private_folders

SETTINGS_FILE = "settings.json"


def load_settings(folder: Path) -> dict:
    """The saved preferences; {} when none. Raises ValueError for a file that is not ours."""
    path = Path(folder) / SETTINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not readable settings ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not readable settings (not an object)")
    return data


def save_settings(folder: Path, settings: dict) -> None:
    """Write the preferences durably (making their folder if it is not there yet)."""
    make_private_folders(Path(folder))  # parents 0700 too: mkdir -p would give them the umask's mode
    write_atomically(Path(folder) / SETTINGS_FILE, json.dumps(settings, indent=2))


def settings_home() -> Path:
    """Where a console on a database store keeps its preferences: the user's config folder."""
    import platformdirs

    return Path(platformdirs.user_config_dir("mishap", appauthor=False))
