"""The console opens its store on the store thread: what opening writes (the folder, the note of a folder others
can read, the upkeep after a killed writer) never runs on the event loop, and is all done before the board
reads the store, its messages shown as before."""

from __future__ import annotations

import json
import os
import threading

from tui_support import screen_text, toasts

from storage.store import FolderStore
from tui.screens.board import BoardScreen


def crash_mid_close(folder, clock) -> None:
    """Leave the store as a close killed between its two writes would, with a writer's temp file and an old
    backup beside it."""
    store = FolderStore.open(folder, clock=clock, user="ana")
    kept = store.create("Still open", "Acme", 2)
    closing = store.create("Being closed", "Beta", 2)
    store.create("Also open", "Gamma", 3)
    incident = store.get(closing.number)
    incident.close(clock(), "ana", reason="closed without a close-out in this test")
    data = json.loads((folder / "open.json").read_text())
    data["incidents"][str(closing.number)] = incident.to_dict()  # first write done: still in open.json
    (folder / "open.json").write_text(json.dumps(data))
    (folder / ".open.json.k1ll3d.tmp").write_text("a killed writer's copy")
    assert kept.number != closing.number


def record_writes_on(thread: threading.Thread, folder, monkeypatch) -> list[str]:
    """Every write, fsync, rename, removal or new folder in ``folder`` made from ``thread``."""
    made: list[str] = []
    where = os.fspath(folder)

    def path_of(target) -> str:
        if isinstance(target, int):
            try:
                return os.readlink(f"/proc/self/fd/{target}")
            except OSError:
                return ""
        return os.fspath(target) if isinstance(target, (str, bytes, os.PathLike)) else ""

    def watching(name, real, *, write_flags=False):
        def call(target, *args, **kwargs):
            flags = args[0] if args else kwargs.get("flags", 0)
            if (threading.current_thread() is thread and str(path_of(target)).startswith(where)
                    and (not write_flags or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))):
                made.append(f"{name} {path_of(target)}")
            return real(target, *args, **kwargs)
        return call

    for name in ("fsync", "replace", "rename", "unlink", "remove", "mkdir", "write", "truncate"):
        monkeypatch.setattr(os, name, watching(name, getattr(os, name)))
    monkeypatch.setattr(os, "open", watching("open", os.open, write_flags=True))
    return made


async def test_opening_tidies_up_after_a_killed_writer_off_the_event_loop_before_the_board_reads(
        folder, clock, make_app, monkeypatch):
    crash_mid_close(folder, clock)
    (folder / "open.json.bak").write_text("{}")  # an old backup: opening refreshes it
    os.chmod(folder, 0o755)  # others can read it: said once, and noted in the store
    on_the_loop = record_writes_on(threading.current_thread(), folder, monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        shown = screen_text(app)
        # The close cut short was finished before the board's first read: it is not on the board.
        assert "Still open" in shown and "Also open" in shown and "Being closed" not in shown
        assert any("is not private (mode 0755)" in toast for toast in toasts(app))
    assert on_the_loop == []
    assert not list(folder.glob(".*.tmp"))
    assert (folder / "open.json.bak").read_bytes() == (folder / "open.json").read_bytes()
    assert (folder / ".mishap-mode-noted").read_text() == "0755\n"
    again = FolderStore.open(folder, clock=clock)
    assert [i.title for i in again.closed_incidents()] == ["Being closed"]


async def test_a_store_that_cannot_be_opened_is_said_as_before(tmp_path, clock, make_app):
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "open.json").write_text('{"incidents": {"1": {"schema": 1, "title": ')
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.store is None and app.access is None
        assert "open.json" in screen_text(app)
