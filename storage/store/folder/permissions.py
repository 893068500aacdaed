"""What the file system's permissions mean for a store: private folders, a folder others can read, read-only files.

The store holds client data, so what mishap creates is private (folders 0700, files 0600)
whatever the umask. What the user set up is respected, never changed behind their back: a
store folder others can read is said once (and remembered in the store), and a data file
with no write permission means "do not change this" (the store opens read-only).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Remembers which mode of the store folder the user was told about (so it is said once).
MODE_NOTED_FILE = ".mishap-mode-noted"


def make_private_folders(folder: Path) -> None:
    """Create ``folder`` and every missing parent 0700 (``mkdir -p`` would give parents the umask's mode).

    Raises what ``Path.mkdir`` raises: FileExistsError, NotADirectoryError, OSError.
    """
    folder = Path(folder)
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists() or candidate.is_symlink():
            break  # a folder to build on, or a file in the way (mkdir below says which)
        missing.append(candidate)
    for candidate in reversed(missing):
        try:
            # mkdir's mode is masked by the umask: 0700 masked by anything stays at most 0700.
            candidate.mkdir(mode=0o700)
        except FileExistsError:
            if not candidate.is_dir():
                raise  # a file in the way; another process making the same folder is fine
    folder.mkdir(mode=0o700, exist_ok=True)  # FileExistsError when the path is a file, as Path.mkdir says


def read_only_file_reason(path: Path) -> str | None:
    """``PATH is read-only (mode 0444)`` when the data file ``path`` must not be replaced, else None.

    Writes replace a file by renaming a new one over it, which the folder's permission allows
    even when the file's own does not: a file made read-only on purpose would be silently
    replaced. Root may write anything, so the mode bits themselves are what say "read-only".
    """
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None  # a folder or a device in its place is named when read
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o222:
        return f"{path} is read-only (mode {mode:04o})"
    if os.access(path, os.W_OK) or os.statvfs(path).f_flag & os.ST_RDONLY:
        return None  # on a read-only disk the write itself is refused, and says so
    return f"{path} is not writable by you (mode {mode:04o})"


def folder_exposure(mode: int) -> str | None:
    """Who besides its owner may read or change a folder of ``mode``, in words; None when no one may."""
    group_or_other = mode & 0o066
    if not group_or_other:
        return None  # execute alone lets others pass through, not list or read what is inside
    who = "other users" if mode & 0o006 else "its group"
    can = ("read and change" if group_or_other & 0o022 and group_or_other & 0o044
           else "change" if group_or_other & 0o022 else "read")
    return f"{who} can {can} it"


def note_open_folder(folder: Path) -> str | None:
    """A warning, once per store and mode, when others may read or change the store folder; else None.

    Remembered in the store (``MODE_NOTED_FILE``) so that every later open stays quiet until the
    mode changes again. When that cannot be written, nothing is said: a store mishap cannot
    even note it in is not one the user can make private from here, and saying it on every command
    would bury the warnings that matter.
    """
    try:
        mode = stat.S_IMODE(os.stat(folder).st_mode)
    except OSError:
        return None
    exposure = folder_exposure(mode)
    if exposure is None:
        return None
    marker = Path(folder) / MODE_NOTED_FILE
    noted = f"{mode:04o}\n".encode("ascii")
    try:
        if marker.read_bytes() == noted:
            return None
    except OSError:
        pass  # not noted yet (or unreadable: noted again below)
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, noted)
        finally:
            os.close(fd)
    except OSError:
        return None
    return (f"the store folder {folder} is not private (mode {mode:04o}): {exposure}, though it holds client "
            f"data; to make it private: chmod 700 {folder} (said once for this store)")
