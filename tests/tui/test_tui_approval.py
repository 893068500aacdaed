"""A second pair of eyes in the console (issue 21 §2): a pending update shows on the board, reaches the
desktop of a console whose user did not ask for it as its deadline nears, and ``v`` then ``ctrl+s`` sends it
by email (a real aiosmtpd server) through the approver's own settings; the composer's mark-sent asks."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from storage.store import FolderStore
from tui.screens.approval import ApprovalScreen
from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui_support import notices, reread, screen_text, toasts, until
from support.smtp import mail_server, user_config, write_mail_config  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("writes_land")


async def test_a_pending_update_shows_reaches_the_desktop_and_v_approves_and_emails_it(
        make_app, folder, clock, mail_server, user_config, monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('[notifications]\nmethod = "osc777"\n[updates]\napprove = ["client"]\n')
    dana = FolderStore.open(folder, clock=clock, user="dana")
    inc = dana.create("Payroll file sent to the wrong client", "Marlow", 1, client_email="pay@marlow.example")
    dana.change(inc.id, lambda i, now, by: i.ask_approval("email", "We sent your file to another client.", None, now,
                                                          by, by_cadence=True, email=True,
                                                          author_address="Dana Reyes <dana@ours.example>"))
    write_mail_config(user_config, mail_server, **{"from": "Ana Silva <ana@ours.example>"})  # the approver's own
    app = make_app()  # ana's console
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        row = next(line for line in shown.splitlines() if "M-1  " in line)
        assert "M-1  Payroll file sent t" in row and "… ⧗ approval " in row, row  # the title, then the marker
        assert "Approval    update to Marlow by dana awaits approval (asked " in shown  # the brief, in full
        assert " v Approve " in shown.splitlines()[-1]  # the footer offers it
        assert notices(app) == []  # its first contact is 15 min away: not near yet
        clock.advance(minutes=11)
        app.tick()
        await pilot.pause()
        said = b"".join(notices(app))
        assert b"M-1: update to Marlow awaits approval;by dana; due" in said
        assert any("approve it with v" in t for t in toasts(app))
        await pilot.press("v")
        await pilot.pause()
        approval = app.screen
        assert isinstance(approval, ApprovalScreen)
        assert "We sent your file to another client." in screen_text(app)
        assert "Cc and Reply-To: Dana Reyes <dana@ours.example>" in screen_text(app), screen_text(app)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is not approval, "the approval to be sent and recorded")
        [got] = mail_server.received
        assert got.message["From"] == "Ana Silva <ana@ours.example>"
        assert got.message["Cc"] == got.message["Reply-To"] == "Dana Reyes <dana@ours.example>"
        assert sorted(got.rcpt_tos) == ["dana@ours.example", "pay@marlow.example"]
        [update] = reread(folder).get(inc.id).updates
        assert (update.by, update.approved_by, update.message_id) == ("dana", "ana", got.message["Message-ID"])
        shown = screen_text(app)
        assert "⧗" not in shown and "awaits approval" not in shown and " v Approve " not in shown.splitlines()[-1]

        # Ana's own update to the client asks for approval from the composer, and v offers her to withdraw it.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("u")
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen) and "ctrl+s ask for approval" in screen_text(app)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is not composer, "the composer to close once asked")
        stored = reread(folder).get(inc.id)
        assert len(stored.updates) == 1 and [r.by for r in stored.pending_updates()] == ["ana"]
        assert any("awaits approval" in t and "nothing sent yet" in t for t in toasts(app))
        assert "update to Marlow awaiting approval (v)" in app.screen.sub_title
        told = len(notices(app))
        clock.advance(minutes=30)
        app.tick()
        await pilot.pause()
        assert not any(b"awaits approval" in n for n in notices(app)[told:])  # her own reaches others only
        await pilot.press("v")
        await pilot.pause()
        mine = app.screen
        assert isinstance(mine, ApprovalScreen) and mine.own
        await pilot.press("ctrl+s")  # approving her own is not offered
        await pilot.pause()
        assert app.screen is mine and reread(folder).get(inc.id).pending_updates() != []
        mine.query_one("#reason", Input).focus()
        await pilot.press("ctrl+t")
        await until(pilot, lambda: app.screen is not mine, "the withdrawal")
        assert [r.state for r in reread(folder).get(inc.id).approvals] == ["approved", "withdrawn"]

        # f4 asks for approval to email it: her own From is kept for the approver's Cc and Reply-To.
        await pilot.press("u")
        await pilot.pause()
        composer = app.screen
        await pilot.press("f4")
        await until(pilot, lambda: app.screen is not composer, "the composer to close once asked")
        asked = reread(folder).get(inc.id).approvals[-1]
        assert (asked.state, asked.email, asked.author_address) == ("pending", True, "Ana Silva <ana@ours.example>")
    assert len(mail_server.received) == 1
