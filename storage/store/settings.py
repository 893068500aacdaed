"""Small console preferences (the chosen theme), kept in the store folder."""

from __future__ import annotations

import json
from pathlib import Path

from .files import write_atomically

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
    """Write the preferences durably."""
    write_atomically(Path(folder) / SETTINGS_FILE, json.dumps(settings, indent=2))
