"""Presence in a folder store: one small file per console, ``presence/<console>.json``.

Each console writes its own note (a temp file renamed over it: a reader never sees half of
one) and reads everyone's. Nothing here takes the store's lock, fsyncs, or touches the record:
a note is not user data. A note is stale when its heartbeat is older than
:data:`storage.domain.presence.STALE_SECONDS`, or at once when it was written on this machine
by a process that no longer runs (a console killed with SIGKILL); whoever finds one stale
removes it. A folder this user may not write to still shows the others.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Callable

from ...domain.presence import Presence

FOLDER = "presence"
TEMP_AGE = 60.0  # seconds: a temp file this old was left by a killed writer


def process_gone(pid: object, host: object) -> bool:
    """Whether the note's process is known to be gone: it ran on this machine and runs no more."""
    if host != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False  # another machine's console: only its heartbeat tells
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False  # someone else's process, alive
    return False


class FolderPresence:
    """The notes under ``folder/presence/`` (a :class:`storage.store.presence.PresenceBoard`)."""

    def __init__(self, folder: Path, now: Callable):
        self.folder = Path(folder) / FOLDER
        self.now = now
        self.problem: str | None = None

    def _path(self, console: str) -> Path:
        return self.folder / f"{console}.json"

    def say(self, note: Presence) -> None:
        data = dict(note.to_dict(), pid=os.getpid(), host=socket.gethostname())
        temp = self.folder / f".{note.console}.tmp"
        try:
            if not self.folder.is_dir():
                self._make_folder()
            temp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temp, self._path(note.console))
        except OSError as exc:  # a read-only folder: the others are still read
            self.problem = f"could not say you are here in {self.folder}: {exc.strerror or exc}"
            return
        self.problem = None

    def _make_folder(self) -> None:
        """``presence/``, open to whoever the store folder is open to: on a folder a team shares, every
        member's console writes its note there (and removes a stale one)."""
        self.folder.mkdir(exist_ok=True)
        try:
            os.chmod(self.folder, self.folder.parent.stat().st_mode & 0o7777)
        except OSError:
            pass  # made by someone else meanwhile: theirs to set

    def read(self) -> list[Presence]:
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return []  # no one has said anything yet
        now = self.now()
        found = []
        for entry in entries:
            if entry.name.startswith("."):
                self._tidy_temp(entry)
                continue
            if not entry.name.endswith(".json"):
                continue
            try:
                data = json.loads(Path(entry.path).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # removed meanwhile, or not ours
            note = Presence.from_dict(data)
            if note is None:
                continue
            if note.stale(now) or process_gone(data.get("pid"), data.get("host")):
                self._remove(Path(entry.path))
                continue
            found.append(note)
        return found

    def leave(self, console: str) -> None:
        self._remove(self._path(console))

    def close(self) -> None:
        """Nothing is held between calls."""

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            path.unlink()
        except OSError:
            pass  # gone already, or a folder we may not change: its next reader removes it

    def _tidy_temp(self, entry: os.DirEntry) -> None:
        try:
            if time.time() - entry.stat().st_mtime > TEMP_AGE:
                os.unlink(entry.path)
        except OSError:
            pass
