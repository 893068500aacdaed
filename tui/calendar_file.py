"""Writing the deadlines' iCalendar file, and keeping the one the user configured current.

``[calendar] file = "PATH"`` in the user's own config.toml (storage.store.personal) names a file
that every mishap rewrites after it changes the store: the ``mishap`` command after a change
(``tui.cli.common.keep_calendar``), the console after its own writes and after the changes of
others it sees (``MishapApp.keep_calendar``, on the store thread). Each rewrite is atomic (temp
file, fsync, rename): a calendar app syncing the folder reads the old file or the new one.

A file that is not an iCalendar file mishap wrote (another PRODID, or not iCalendar at all) is
never overwritten here: the user may have pointed the setting at their own calendar. That, and a
write that fails, is a warning, never a failed change. Nothing here loads Textual; icalendar loads
only when a file is written.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Iterable

HEAD_BYTES = 64 * 1024  # a calendar's own properties (PRODID among them) come before its first event


class NotOurs(ValueError):
    """The file exists and is not an iCalendar file mishap wrote: it is left as it is."""


def check_ours(path: Path) -> bytes | None:
    """The bytes of ``path`` when it is mishap's own calendar (None if there is no file yet).

    Raises NotOurs when the file holds something else, IsADirectoryError for a folder.
    """
    from storage.readers.calendar import written_by_mishap

    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            if not written_by_mishap(head):
                raise NotOurs(f"{path} is not an iCalendar file mishap wrote")
            return head + handle.read()
    except FileNotFoundError:
        return None


def write_calendar(path: Path, incidents: Iterable, *, force: bool = False) -> bool:
    """Write every open deadline of ``incidents`` to ``path``, atomically; whether the file changed.

    A file mishap did not write is refused (NotOurs) unless ``force``. A file already holding the
    same calendar is not written again (its bytes only change when a deadline does).
    """
    from storage.readers.calendar import calendar_bytes
    from storage.store import write_atomically

    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file", str(path))
    current = None if force else check_ours(path)
    data = calendar_bytes(incidents)
    if current == data:
        return False
    write_atomically(path, data)
    return True


def calendar_setting() -> tuple[Path | None, str | None]:
    """(the file ``[calendar] file`` names, or None; what is wrong with the setting, or None)."""
    from storage.store import read_personal_config

    config = read_personal_config()
    if config.problem:
        return None, config.problem
    value = config.table("calendar").get("file")
    if value is None:
        return None, None
    where = f"[calendar] file in {config.path}"
    if not isinstance(value, str) or not value.strip():
        return None, f"{where} must be a path in quotes (file = \"~/Sync/mishap.ics\"); the calendar is not written"
    path = Path(os.path.expandvars(value.strip())).expanduser()
    if not path.is_absolute():
        return None, f"{where} must be a whole path, or start with ~ ({value!r}); the calendar is not written"
    return path, None


class CalendarKeeper:
    """The configured calendar file, kept current by a process that changes the store."""

    def __init__(self, path: Path | None, problem: str | None = None):
        self.path = path
        self.problem = problem

    @classmethod
    def configured(cls) -> "CalendarKeeper | None":
        """The keeper of the file the user's config names; None when it names none (nothing to do)."""
        path, problem = calendar_setting()
        if path is None and problem is None:
            return None
        return cls(path, problem)

    def rewrite(self, incidents: Iterable) -> str | None:
        """Bring the file up to date with ``incidents``; a warning to show when it could not be done."""
        if self.path is None:
            return f"calendar not updated: {self.problem}"
        try:
            write_calendar(self.path, incidents)
        except NotOurs as exc:
            return (f"calendar not updated: {exc}, so it was left as it is; point [calendar] file at another "
                    "file, or remove this one")
        except OSError as exc:
            # WriteFailed says what failed and the way out; another OSError gets the file named here.
            said = getattr(exc, "message", None) or f"could not write {self.path}: {exc.strerror or exc}"
            if not self.path.parent.is_dir():
                said = f"could not write {self.path}: its folder is not there (a synced folder not mounted?)"
            return f"calendar not updated: {said}"
        return None


class CalendarWatch:
    """What the ``mishap`` command keeps of the store at opening, to rewrite the calendar only after a change."""

    def __init__(self, keeper: CalendarKeeper, store):
        self.keeper = keeper
        self.store = store
        self.before = _revisions(store)
        # A file not there yet is written by the first command, whatever it is (a stat: cheap).
        self.missing = keeper.path is not None and not os.path.lexists(keeper.path)

    def after_command(self) -> str | None:
        """Rewrite the file if the command changed an open incident (opened, changed, closed), or if there is
        none yet; a warning, or None."""
        if not self.missing and _revisions(self.store) == self.before:
            return None
        self.missing = False
        self.before = _revisions(self.store)
        return self.keeper.rewrite(self.store.open_incidents())


def _revisions(store) -> dict[int, int]:
    """Each open incident's number and revision: every change to one bumps it, a close removes it."""
    return {incident.number: incident.revision for incident in store.open_incidents()}


def watch_for_command(store) -> CalendarWatch | None:
    """A watch of ``store`` for the ``mishap`` command, when a calendar file is configured; else None."""
    keeper = CalendarKeeper.configured()
    return None if keeper is None or store.read_only else CalendarWatch(keeper, store)


class ConsoleCalendar:
    """The console's side: after every change it sees (its own writes, others'), the file rewritten on the
    store thread, never on the event loop; changes that come while a rewrite runs make one more, not one each.

    The setting is read once, on the store thread, at the first rewrite (after the first frame): no
    setting, and nothing more is ever done, and icalendar never loads. A problem (a file not mishap's,
    a failed write) is one toast per console.
    """

    def __init__(self, app):
        self.app = app  # provides access (tui.store_access.StoreAccess), store, run_worker and notify
        self.keeper: CalendarKeeper | bool | None = None  # None: the setting not read yet; False: none
        self.stale = False  # a change came that the file does not show yet
        self.busy = False  # a rewrite is on its way (its worker runs)
        self.warned = False

    def changed(self) -> None:
        """The store changed (or the console started): the file is rewritten soon, on the store thread."""
        if self.keeper is False or getattr(self.app, "access", None) is None:
            return
        self.stale = True
        if not self.busy:
            self.busy = True
            self.app.run_worker(self._rewrites(), group="calendar")

    async def _rewrites(self) -> None:
        try:
            while self.stale:
                self.stale = False
                problem = await self.app.access.call_outside(self.rewrite_now)
                if problem and not self.warned:
                    self.warned = True
                    self.app.notify(problem, title="Calendar", severity="warning", timeout=10, markup=False)
        finally:
            self.busy = False

    def rewrite_now(self) -> str | None:
        """On the store thread: the file brought up to date with the store as the console holds it; a warning."""
        if self.keeper is None:
            try:
                self.keeper = CalendarKeeper.configured() or False
            except Exception as exc:  # noqa: BLE001 - the console goes on without it, and says why once
                self.keeper = False
                return f"calendar not kept: {exc}"
        if self.keeper is False:
            return None
        try:
            return self.keeper.rewrite(self.app.store.open_incidents())
        except Exception as exc:  # noqa: BLE001 - a store that cannot be read now: said, tried at the next change
            return f"calendar not updated: {exc}"
