"""Closing from the workspace waits for an update awaiting approval: the form says why, nothing is written,
and the close-out can still be saved with the incident left open."""

from __future__ import annotations

import pytest

from test_tui_close import COMPLETE, fill, open_close_form, text_of
from tui.screens.close import CloseForm
from tui.screens.incident import IncidentScreen
from tui_support import reread, toasts

pytestmark = pytest.mark.usefixtures("writes_land")


async def test_a_close_waits_for_an_update_awaiting_approval(store, make_app, folder, clock):
    incident = store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana")
    store.change(incident.number, lambda inc, now, by: inc.ask_approval("phone", "We sent the wrong file", None,
                                                                         now, "dana", by_cadence=True))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        form = await open_close_form(app, pilot)
        fill(form, **COMPLETE)
        await pilot.pause()
        assert text_of(form, "#gaps") == "Nothing missing: ready to close."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CloseForm)
        error = text_of(form, "#form-error")
        assert "1 update awaiting approval (update 1 to Acme Ltd by dana)" in error, error
        assert "approve, reject or withdraw it before closing" in error
        on_disk = reread(folder).get(incident.id)
        assert not on_disk.is_closed and on_disk.root_cause == ""  # nothing half-written
        assert [r.state for r in on_disk.approvals] == ["pending"]
        await pilot.press("ctrl+o")  # the close-out alone is kept; the incident stays open
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        kept = reread(folder).get(incident.id)
        assert not kept.is_closed and kept.root_cause == COMPLETE["root_cause"]
        assert any("the incident stays open" in t for t in toasts(app))


async def test_the_workspace_offers_v_only_while_an_update_awaits_approval(store, make_app, folder, clock,
                                                                           watched):
    from storage.store import FolderStore
    from tui.screens.approval import ApprovalScreen
    from tui_support import screen_text, until

    incident = store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana")
    app = make_app()
    async with app.run_test(size=(200, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen), "the workspace open")
        footer = lambda: screen_text(app).splitlines()[-1]  # noqa: E731
        assert " v Approve " not in footer(), footer()
        await pilot.press("v")  # nothing to open: the key is not offered and does nothing
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        # Someone asks for approval from another console: the workspace offers v.
        elsewhere = FolderStore.open(folder, clock=clock, user="dana")
        elsewhere.change(incident.number, lambda inc, now, by: inc.ask_approval("phone", "We sent the wrong file", None,
                                                                             now, "dana", by_cadence=True))
        await until(pilot, lambda: " v Approve " in footer(), "v in the footer")
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the update awaiting approval opened")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen), "back in the workspace")
        elsewhere.change(incident.number, lambda inc, now, by: inc.withdraw_update(None, now, "dana"))
        await until(pilot, lambda: " v Approve " not in footer(), "v leaves the footer")
