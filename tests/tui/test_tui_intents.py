"""A key does what the screen showed, even when another console changed the disk meanwhile.

Each test opens the workspace, changes the incident through a second FolderStore on the same folder
(another console or process), and only then presses the key. The console's once-a-second
re-read is held off, so its screen is still the one the user decided on.
"""

from __future__ import annotations

import pytest
from textual.widgets import Label

from storage.domain.parts import DamageItem
from storage.store import FolderStore
from tui.screens.incident import IncidentScreen
from tui.screens.modals import PickerModal
from tui.widgets.row_table import RowTable
from tui_support import SIZE, put_cursor, reread, table_rows, toasts

# A key's write runs on the store thread: pauses wait until it has landed (see conftest).
pytestmark = pytest.mark.usefixtures("writes_land")


@pytest.fixture(autouse=True)
def stale_screen(monkeypatch):
    """No periodic re-read during the test: the keypress races the other console's write."""
    monkeypatch.setattr("tui.app.TICK_SECONDS", 3600)


@pytest.fixture
def incident(store):
    return store.create("Payroll file sent with last month's rates", "Acme Ltd", 2)


@pytest.fixture
def lena(folder, clock):
    """The other console."""
    return FolderStore.open(folder, clock=clock, user="lena")


async def open_workspace(app, pilot) -> IncidentScreen:
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


def rows(screen, table: str) -> list[list[str]]:
    return table_rows(screen.query_one(f"#{table}", RowTable))


async def test_space_on_a_step_another_console_just_completed(incident, make_app, folder, clock, lena):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workspace(app, pilot)
        lena.change(incident.number, lambda inc, now, by: inc.complete_step(0, now, by))
        clock.advance(minutes=1)
        assert rows(screen, "checklist-table")[1][0] == "▶"  # ana still sees step 1 open
        await pilot.press("space")
        await pilot.pause()
        assert "Step 1 is already done — by lena at 10:00" in toasts(app)
        shown = rows(screen, "checklist-table")[1]
        assert shown[0] == "✓" and shown[3].startswith("lena")  # the screen now shows the disk
    stored = reread(folder).get(incident.id)
    assert stored.steps[0].done_by == "lena" and stored.revision == 1
    assert [t.text.split(":")[0] for t in stored.timeline if t.kind == "step"] == ["Done"]


async def test_space_on_a_step_another_console_just_reopened(incident, make_app, folder, clock, lena, store):
    store.change(incident.number, lambda inc, now, by: inc.complete_step(0, now, by))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workspace(app, pilot)
        table = screen.query_one("#checklist-table", RowTable)
        put_cursor(table, "0")
        clock.advance(minutes=2)
        lena.change(incident.number, lambda inc, now, by: inc.reopen_step(0, now, by))
        assert rows(screen, "checklist-table")[1][0] == "✓"  # ana still sees step 1 done
        await pilot.press("space")  # "reopen step 1"
        await pilot.pause()
        assert "Step 1 is already reopened — by lena at 10:02" in toasts(app)
        assert rows(screen, "checklist-table")[1][0] == "▶"
    stored = reread(folder).get(incident.id)
    assert not stored.steps[0].done and stored.revision == 2
    assert [t.text.split(":")[0] for t in stored.timeline if t.kind == "step"] == ["Done", "Reopened"]


async def test_keeping_a_promise_another_console_just_kept(incident, make_app, folder, clock, lena, store):
    store.change(incident.number, lambda inc, now, by: inc.add_promise("Credit note", now.add(hours=2), now, by))
    store.change(incident.number, lambda inc, now, by: inc.add_promise("Refund", now.add(hours=1), now, by))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workspace(app, pilot)
        screen.query_one("#promises-table", RowTable).focus()
        # Soonest first: first contact, the refund (stored third), the credit note (stored second).
        await pilot.press("down", "down")
        assert [row[0] for row in rows(screen, "promises-table")] == [
            "First contact with the client", "Refund", "Credit note"]
        clock.advance(minutes=3)
        lena.change(incident.number, lambda inc, now, by: inc.keep_promise(1, now, by))  # the credit note
        assert rows(screen, "promises-table")[2][2] == "open"
        await pilot.press("x")
        await pilot.pause()
        assert "“Credit note” is already kept — by lena at 10:03" in toasts(app)
        assert not any(t.startswith("Not saved") or t == "Promise kept" for t in toasts(app))
        assert [row[2] for row in rows(screen, "promises-table")] == ["open", "open", "kept"]
    stored = reread(folder).get(incident.id)
    assert [t.text for t in stored.timeline if t.text.startswith("Kept")] == ["Kept: Credit note"]
    assert stored.promises[2].is_open and stored.revision == 3


@pytest.mark.parametrize("elsewhere, message, kept", [
    # lena already made the same move: nothing to do.
    ("confirmed", "Damage “212 payslips” is already confirmed — set by lena at 10:00", "confirmed"),
    # lena moved it somewhere else: ] must not move it on from a state ana never saw.
    ("resolved", "Damage “212 payslips” is now resolved, not suspected as shown — set by lena at 10:00. "
                 "Nothing changed.", "resolved"),
])
async def test_moving_damage_another_console_just_moved(incident, make_app, folder, lena, store,
                                                        elsewhere, message, kept):
    store.change(incident.number, lambda inc, now, by: inc.add_damage(DamageItem("212 payslips"), now, by))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workspace(app, pilot)
        screen.query_one("#damage-table", RowTable).focus()
        lena.change(incident.number, lambda inc, now, by: inc.set_damage_state(0, elsewhere, now, by))
        assert rows(screen, "damage-table")[0][3] == "suspected"
        await pilot.press("right_square_bracket")  # suspected → confirmed, as ana saw it
        await pilot.pause()
        assert message in toasts(app)
        assert rows(screen, "damage-table")[0][3] == kept
    stored = reread(folder).get(incident.id)
    assert stored.damage[0].state == kept and stored.revision == 2
    assert [t.by for t in stored.timeline if " → " in t.text] == ["lena"]


@pytest.mark.parametrize("elsewhere, message", [
    ("contained", "M-1 is already contained — set by lena at 10:00"),
    # Picking "contained" from a picker that showed "open" must not move a resolved incident back.
    ("resolved", "M-1 is now resolved, not open as shown — set by lena at 10:00. Nothing changed."),
])
async def test_picking_a_status_another_console_just_changed(incident, make_app, folder, lena, elsewhere, message):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workspace(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        lena.change(incident.number, lambda inc, now, by: inc.set_status(elsewhere, now, by))
        await pilot.press("down", "enter")  # open → contained
        await pilot.pause()
        assert message in toasts(app)
        assert "Status is now contained" not in toasts(app)
        assert f"· {elsewhere} ·" in str(screen.query_one("#strip-meta", Label).render())
    stored = reread(folder).get(incident.id)
    assert stored.status == elsewhere and stored.revision == 1
    assert [t.by for t in stored.timeline if t.kind == "status"] == ["lena"]


async def test_who_found_first_recorded_by_another_console_meanwhile(incident, make_app, folder, lena):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("F")
        await pilot.pause()
        lena.change(incident.number, lambda inc, now, by: inc.set_first_learned("us", now, by))
        await pilot.press("down", "enter")  # "The client told us"
        await pilot.pause()
        assert ("Who learned first was recorded meanwhile as “we found it” — set by lena at 10:00. "
                "Nothing changed.") in toasts(app)
    stored = reread(folder).get(incident.id)
    assert stored.first_learned_by == "us" and stored.revision == 1


async def test_close_form_saved_with_the_debrief_box_untouched_keeps_another_consoles_debrief(
        incident, make_app, folder, lena):
    from tui.screens.close import CloseForm

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CloseForm)
        lena.change(incident.number, lambda inc, now, by: inc.confirm_client(now, by))
        form.query_one("#root_cause").text = "Copied last month's template"
        await pilot.press("ctrl+o")  # save, keep open; the debrief box was never touched
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    stored = reread(folder).get(incident.id)
    assert stored.root_cause == "Copied last month's template"
    assert stored.client_confirmed_at is not None
    assert [t.by for t in stored.timeline if t.kind == "closeout" and "confirm" in t.text] == ["lena"]
