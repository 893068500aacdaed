"""The approval screen when approving now would keep a hard deadline late and the author gave no reasons:
a "Reasons for the delay — required" field shows only then (also when the deadline passes while the screen
is open), ctrl+s without it says why inline and writes nothing, and with it the update is recorded with the
approver's reasons and name."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from storage.domain.deadlines import DEFAULT_RULES
from storage.store import FolderStore
from tui.screens.approval import ApprovalScreen
from tui_support import reread, screen_text, until

pytestmark = pytest.mark.usefixtures("writes_land")

NOTICE = "Notice of a personal data breach, ref 42."


async def test_the_reasons_field_shows_once_late_and_the_approval_carries_them(make_app, folder, clock):
    dana = FolderStore.open(folder, clock=clock, user="dana")
    inc = dana.create("Payroll file sent to the wrong client", "Marlow", 1)

    def asked(incident, now, by):
        incident.set_tags(["personal-data"], DEFAULT_RULES, now, by)
        authority = incident.find_audience("regulator")
        incident.ask_approval("portal", NOTICE, None, now.add(hours=71), by, audience=authority, by_cadence=True)

    dana.change(inc.id, asked)
    clock.advance(hours=71, minutes=30)  # asked for at 71 h; the GDPR notice is due at 72 h
    app = make_app()  # ana's console
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        approval = app.screen
        assert isinstance(approval, ApprovalScreen) and NOTICE in screen_text(app)
        delay = approval.query_one("#delay", Input)
        assert not delay.display and "Reasons for the delay" not in screen_text(app)  # in time: not needed
        clock.advance(hours=1)  # the deadline passes while the screen is open
        app.tick()
        await until(pilot, lambda: delay.display, "the reasons field to show once the deadline passed")
        shown = screen_text(app)
        assert "Reasons for the delay — required: “GDPR notice: 30 min late”" in shown, shown
        before = {p.name: p.read_bytes() for p in folder.glob("*.json")}
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is approval
        assert "give the reasons for the delay, then ctrl+s: “GDPR notice” is late" in \
            screen_text(app)
        assert {p.name: p.read_bytes() for p in folder.glob("*.json")} == before  # nothing written
        assert approval.focused is delay
        await pilot.press(*"the extent was confirmed only on day 3")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is not approval, "the approval to be recorded")
        stored = reread(folder).get(inc.id)
        [update] = stored.updates
        assert (update.by, update.approved_by) == ("dana", "ana")
        assert update.delay_reason == "the extent was confirmed only on day 3"
        assert stored.approvals[0].state == "approved" and stored.hard_deadlines() == []
        entry = next(e for e in reversed(stored.timeline) if e.event == "approval_approved")
        assert entry.by == "ana" and "reasons for the delay (ana's, approving): the extent was" in entry.text
