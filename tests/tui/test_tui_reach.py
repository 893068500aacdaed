"""Deadlines outside the window: the bytes of each notification, the window title, and the overdue banner."""

from __future__ import annotations

import os
import stat

import pytest
from textual.widgets import Input

from tui.desktop import POP_TITLE, PUSH_TITLE, title_bytes
from tui.screens.promises import RenegotiateForm
from tui.widgets.banner import OverdueBanner
from tui.widgets.row_table import RowTable
from tui_support import notices, reread, screen_text, settle, toasts, until


@pytest.fixture(autouse=True)
def outside_tmux(monkeypatch):
    """The bytes below are those written straight to the terminal (inside tmux they are wrapped)."""
    monkeypatch.delenv("TMUX", raising=False)


def configure(folder, method: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(f'[notifications]\nmethod = "{method}"\n', encoding="utf-8")


async def test_a_due_and_an_overdue_promise_write_these_exact_bytes(store, make_app, folder, clock):
    configure(folder, "osc777")
    store.create("Wrong invoice run", "Acme", 1)  # first contact due in 15 min
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert notices(app) == []  # what is close at start is on the screen; reminders follow from there
        clock.advance(minutes=11)
        app.tick()
        assert notices(app) == [b"\x1b]777;notify;mishap M-1 in 4m;First contact with the client\x07\x07"]
        clock.advance(minutes=1)
        app.tick()
        assert len(notices(app)) == 1  # said once per promised instant
        clock.advance(minutes=4)
        app.tick()
        assert notices(app)[1:] == [
            b"\x1b]777;notify;mishap \xe2\x80\xbc M-1 1m late;First contact with the client\x07\x07"]


async def test_osc9_inside_tmux_is_wrapped_for_passthrough(store, make_app, folder, clock, monkeypatch):
    configure(folder, "osc9")
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        clock.advance(minutes=16)
        app.tick()
        assert notices(app) == [b"\x1bPtmux;\x1b\x1b]9;mishap \xe2\x80\xbc M-1 1m late: First contact with the "
                                b"client\x07\x1b\\\x07"]


async def test_off_writes_nothing_and_the_title_still_follows(store, make_app, folder, clock):
    configure(folder, "off")
    store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        clock.advance(minutes=16)
        app.tick()
        assert notices(app) == []
        assert app.written[-1] == title_bytes("mishap ‼ M-1 1m late")


async def test_notify_send_runs_the_real_program_without_waiting(store, make_app, folder, clock, monkeypatch,
                                                                 tmp_path):
    configure(folder, "notify-send")
    bin_dir, said = tmp_path / "bin", tmp_path / "said.txt"
    bin_dir.mkdir()
    program = bin_dir / "notify-send"
    program.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > {said}\n', encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    store.create("Wrong invoice run \x1b[31m", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        clock.advance(minutes=16)
        app.tick()
        assert notices(app) == [b"\x07"]  # the bell, with the desktop bubble
        await settle(pilot)  # the program ran in a worker, the event loop never waited for it
    assert said.read_text(encoding="utf-8").splitlines() == [
        "--app-name=mishap", "--urgency=critical", "--", "mishap ‼ M-1 1m late", "First contact with the client"]


async def test_window_title_on_start_on_change_and_given_back_on_exit(store, make_app, folder, clock):
    configure(folder, "bell")
    store.create("Wrong invoice run", "Acme", 1)  # due in 15 min: within the title's 30
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.written == [PUSH_TITLE, b"\x1b]0;mishap M-1 in 15m\x07"]
        clock.advance(seconds=1)  # 14 min 59 s: spans are cut, never rounded up
        app.tick()
        assert app.written[2:] == [b"\x1b]0;mishap M-1 in 14m\x07"]
        clock.advance(seconds=50)
        app.tick()
        assert len(app.written) == 3  # the same words: nothing written
        clock.advance(minutes=15, seconds=9)
        app.tick()
        assert app.written[3:] == [b"\x07", b"\x1b]0;mishap \xe2\x80\xbc M-1 1m late\x07"]
        await app.write(1, lambda inc, now, by: inc.log_update("phone", "Told them", now.add(hours=2), now, by))
        # The overdue reminder above also recorded the promise broken, in a write of its own that may
        # still hold the store: a tick then waits for the next one, so let it land first.
        await settle(pilot)
        app.tick()
        assert app.written[-1] == b"\x1b]0;mishap\x07"  # nothing due within 30 min
        written = len(app.written)
    assert app.written[written:] == [POP_TITLE]


async def test_banner_stays_until_the_late_promise_is_moved(store, make_app, folder, clock):
    configure(folder, "off")
    store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one(OverdueBanner).display
        clock.advance(minutes=16)
        app.tick()
        await pilot.pause()
        banner = app.screen.query_one(OverdueBanner)
        assert banner.display
        assert "‼ OVERDUE  M-1 First contact with the … 1m late" in screen_text(app)
        clock.advance(minutes=30)  # every toast has expired long since: the banner has not
        app.tick()
        await pilot.pause()
        assert "M-1 First contact with the … 31m late" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one(OverdueBanner).display  # in the workspace too
        assert "‼ OVERDUE  M-1" in screen_text(app)
        app.screen.query_one("#promises-table", RowTable).focus()
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RenegotiateForm)
        form.query_one("#due", Input).value = "1h"
        form.query_one("#reason", Input).value = "Dana agreed to a call at ten"
        await pilot.press("ctrl+s")
        await settle(pilot)
        app.tick()
        await until(pilot, lambda: not app.screen.query_one(OverdueBanner).display, "the banner gone once moved")
        assert "OVERDUE  M-1" not in screen_text(app)
    moved = reread(folder).get("M-1").promises[0]
    assert moved.state() == "broken" and moved.due == clock().add(hours=1)  # moved, and still broken
