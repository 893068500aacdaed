"""Closing from the workspace (c), the close-out gate and its reason, the read-only closed workspace, reopen."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, Label, TextArea

from tui.screens.close import CloseForm
from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui.screens.modals import TextForm
from tui.widgets.row_table import RowTable
from tui_support import reread, table_rows, toasts

# A key's write runs on the store thread: pauses wait until it has landed (see conftest).
pytestmark = pytest.mark.usefixtures("writes_land")

HOSTILE = "a[/]b [bold]x | # `tick` \x1b[31mred 💥"


@pytest.fixture
def incident(store):
    return store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana")


async def open_close_form(app, pilot) -> CloseForm:
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, IncidentScreen)
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, CloseForm)
    return app.screen


def text_of(screen, selector) -> str:
    return str(screen.query_one(selector, Label).render())


def fill(form: CloseForm, **values) -> None:
    """Set fields as a person would leave them (Input and TextArea post Changed, like typing)."""
    for widget_id, value in values.items():
        widget = form.query_one(f"#{widget_id.replace('_', '-') if widget_id.startswith(('prev', 'cost')) else widget_id}")
        if isinstance(widget, TextArea):
            widget.text = value
        elif isinstance(widget, Checkbox):
            widget.value = value
        else:
            widget.value = value


COMPLETE = dict(root_cause="Copied last month's template", fix="Resent the right file",
                prev_text_0="Four-eyes check before sending", prev_owner_0="priya", prev_due_0="2026-12-01",
                debrief=True, cost_hours="6,5", cost_credits="1,200", cost_share="40", lessons="Check the source")


async def test_gaps_are_listed_live_and_closing_needs_a_reason(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        form = await open_close_form(app, pilot)
        gaps = text_of(form, "#gaps")
        for gap in ("root cause", "the fix", "prevention action with an owner and a due date", "client debrief",
                    "the cost", "lessons learned"):
            assert gap in gaps
        await pilot.press(*"Old template")  # typed into the focused root cause
        await pilot.pause()
        assert form.query_one("#root_cause", TextArea).text == "Old template"
        assert "root cause" not in text_of(form, "#gaps")
        assert form.query_one("#reason", Input).display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "cannot close yet, missing: the fix" in text_of(form, "#form-error")
        assert "Give a reason to close anyway" in text_of(form, "#form-error")
        on_disk = reread(folder).get(incident.id)
        assert not on_disk.is_closed and on_disk.root_cause == ""  # nothing half-written
        fill(form, reason=HOSTILE)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        closed = reread(folder).get(incident.id)
        assert closed.is_closed and closed.close_reason == HOSTILE and closed.root_cause == "Old template"
        assert closed.timeline[-1].text.endswith(f"— reason: {HOSTILE}")
        assert any(f"{incident.id} closed (with a reason" in t for t in toasts(app))
        assert "read-only" in app.screen.sub_title


async def test_a_complete_close_out_closes_without_a_reason(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        form = await open_close_form(app, pilot)
        fill(form, **COMPLETE)
        await pilot.pause()
        assert text_of(form, "#gaps") == "Nothing missing: ready to close."
        assert not form.query_one("#reason", Input).display
        await pilot.press("ctrl+s")
        await pilot.pause()
        closed = reread(folder).get(incident.id)
        assert closed.is_closed and closed.close_reason == "" and closed.close_gaps() == []
        assert (closed.cost.unbilled_hours, closed.cost.credits, closed.cost.our_share_percent) == (6.5, 1200, 40)
        assert closed.prevention[0].due.in_timezone("Europe/Berlin").to_date_string() == "2026-12-01"
        assert closed.client_confirmed_at is not None
        timeline = table_rows(app.screen.query_one("#timeline-table", RowTable))
        assert timeline[0][1] == "Closed (open → closed)"


async def test_invalid_numbers_and_dates_get_an_inline_message(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        form = await open_close_form(app, pilot)
        cases = [(dict(cost_hours="six"), "unbilled hours must be a number, like 6.5 (not 'six')"),
                 (dict(cost_hours="", cost_share="150"), "our share is a percentage, 0-100"),
                 (dict(cost_share="", cost_credits="-3"), "credits cannot be negative"),
                 (dict(cost_credits="", prev_text_0="x", prev_due_0="someday"), "prevention 1: the due date"),
                 (dict(prev_text_0="", prev_due_0="", prev_owner_1="tom"), "prevention 2: say what will prevent it")]
        for values, message in cases:
            fill(form, **values)
            await pilot.pause()
            assert message in text_of(form, "#form-error"), values
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form
        assert reread(folder).get(incident.id).timeline == incident.timeline  # nothing saved


async def test_ctrl_o_saves_the_fields_and_keeps_it_open(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        form = await open_close_form(app, pilot)
        fill(form, root_cause=HOSTILE, prev_text_0="Audit", prev_owner_0="tom", prev_due_0="14d")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        saved = reread(folder).get(incident.id)
        assert not saved.is_closed and saved.root_cause == HOSTILE
        assert saved.prevention[0].owner == "tom"
        assert "Close-out saved; the incident stays open" in toasts(app)
        await pilot.press("c")  # the form comes back with what was saved
        await pilot.pause()
        # shown with the escape made visible (the stored text keeps it)
        assert app.screen.query_one("#root_cause", TextArea).text == HOSTILE.replace("\x1b", "␛")
        assert app.screen.query_one("#prev-owner-0", Input).value == "tom"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)


async def test_escape_cancels_and_saves_nothing(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        form = await open_close_form(app, pilot)
        fill(form, **COMPLETE)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert reread(folder).get(incident.id).to_dict() == incident.to_dict()


async def test_a_closed_workspace_is_read_only_until_reopened(incident, store, make_app, folder):
    store.change(incident.id, lambda inc, now, by: inc.close(now, by, reason="test"))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        app.open_incident(incident.number)  # a closed incident is not on the board
        await pilot.pause()
        screen = app.screen
        await pilot.pause()
        shown = {b.binding.action for b in screen.active_bindings.values()}
        assert "reopen_incident" in shown and "log_update" not in shown and "close_incident" not in shown
        for key in ("u", "space", "a", "c", "o"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, key
        assert f"{incident.id} is closed and read-only: shift+r reopens it" in toasts(app)
        assert reread(folder).get(incident.id).timeline == store.get(incident.id).timeline
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, TextForm)
        await pilot.press(*"Client found more rows")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        reopened = reread(folder).get(incident.id)
        assert not reopened.is_closed
        assert reopened.timeline[-1].text == "Reopened (closed → open) — Client found more rows"
        timeline = table_rows(screen.query_one("#timeline-table", RowTable))
        assert timeline[0][1] == "Reopened (closed → open) — Client found more rows"
        await pilot.press("u")  # writable again
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)


async def test_shift_r_on_an_open_incident_does_nothing(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert not reread(folder).get(incident.id).is_closed
