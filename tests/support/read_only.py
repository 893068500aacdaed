"""Folders that cannot be written, for real, whoever runs the tests (CI runs as root).

Root ignores a folder's mode, so as root a folder is made unwritable by a read-only bind
mount of itself (EROFS for every write in it); as anyone else, by ``chmod 0555`` (EACCES).
Either way the store meets a refusal from the kernel, never a stand-in.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


class ReadOnlyFolders:
    """``make(path)`` makes a folder unwritable; ``undo(path)`` gives it back; ``undo_all()`` at the end."""

    def __init__(self) -> None:
        self._done: dict[Path, str] = {}

    def make(self, path: Path) -> None:
        """Refuse every write in ``path`` from now on."""
        path = Path(path)
        if os.geteuid() != 0:
            path.chmod(0o555)
            self._done[path] = "chmod"
            return
        for args in (["mount", "--bind", str(path), str(path)], ["mount", "-o", "remount,bind,ro", str(path)]):
            done = subprocess.run(args, capture_output=True, text=True, timeout=30)
            if done.returncode != 0:
                if path in self._done:
                    self.undo(path)
                pytest.skip(f"cannot make {path} read-only here ({' '.join(args[:3])}): {done.stderr.strip()}")
            self._done[path] = "mount"

    def undo(self, path: Path) -> None:
        """Let ``path`` be written again."""
        path = Path(path)
        how = self._done.pop(path, None)
        if how == "chmod":
            path.chmod(0o700)
        elif how == "mount":
            subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)

    def undo_all(self) -> None:
        """Give back every folder still made read-only."""
        for path in list(self._done)[::-1]:
            self.undo(path)
