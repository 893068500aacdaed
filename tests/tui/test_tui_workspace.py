"""The incident workspace: every key path, asserted on screen and on disk."""

from __future__ import annotations

import pytest
from textual.widgets import Digits, Input, Label, TextArea

from storage.store import FolderStore
from tui.screens.incident import IncidentScreen
from tui.screens.composer import ComposerScreen
from tui.screens.modals import DamageForm, PickerModal, QuestionForm, TextForm
from tui.widgets.countdown import CountdownBadge
from tui.widgets.row_table import RowTable
from tui_support import reread, table_rows, toasts, until

# A key's write runs on the store thread: pauses wait until it has landed (see conftest).
pytestmark = pytest.mark.usefixtures("writes_land")


@pytest.fixture
def incident(store):
    return store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana")


async def open_workspace(app, pilot):
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


def label_text(screen, selector) -> str:
    return str(screen.query_one(selector, Label).render())


async def test_header_strip_shows_incident_and_countdown(incident, make_app, clock):
    clock.advance(minutes=3)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        assert "Payroll file sent" in label_text(screen, "#strip-title")
        assert "Acme Ltd — Dana" in label_text(screen, "#strip-client")
        assert "discovered 3 min ago" in label_text(screen, "#strip-meta")
        badge = screen.query_one(CountdownBadge)
        # 12 min left of a 30 min cadence: not yet under 10 min or a quarter of the cadence
        assert badge.has_class("-calm") and not badge.has_class("-soon")
        assert screen.query_one("#countdown-face", Digits).value == "0:12:00"
        words = label_text(screen, "#countdown-words")
        assert "in 12 min" in words and "due 10:15" in words  # 09:15 UTC is 10:15 in Berlin


async def test_countdown_states_calm_soon_due_overdue(store, make_app, clock):
    incident = store.create("Report with wrong figures", "Beta", 2)  # cadence 60 min
    store.change(incident.number, lambda inc, now, by: inc.log_update("email", "first", now.add(hours=1), now, by))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        badge = screen.query_one(CountdownBadge)
        seen = []
        for minutes in (0, 46, 13, 2):  # 60 left, 14 left, 1 left, 1 late
            clock.advance(minutes=minutes)
            app.tick()
            await pilot.pause()
            seen.append([s for s in ("-calm", "-soon", "-due", "-overdue") if badge.has_class(s)])
        assert seen == [["-calm"], ["-soon"], ["-due"], ["-overdue"]]
        assert screen.query_one("#countdown-face", Digits).value == "-0:01:00"
        assert "1 min late" in label_text(screen, "#countdown-words")


async def test_space_completes_and_reopens_step(incident, make_app, folder, clock):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        await pilot.press("space")
        await pilot.pause()
        step = reread(folder).get(incident.id).steps[0]
        assert step.done_by == "ana" and step.done_at == clock()
        rows = table_rows(screen.query_one("#checklist-table", RowTable))
        assert rows[1][0] == "✓" and rows[1][3].startswith("ana")
        assert "Checklist 1/26" in label_text(screen, "#checklist-title")
        timeline = table_rows(screen.query_one("#timeline-table", RowTable))
        assert timeline[0][1].startswith("Done: Stop")
        await pilot.press("space")
        await pilot.pause()
        assert not reread(folder).get(incident.id).steps[0].done
        assert table_rows(screen.query_one("#timeline-table", RowTable))[0][1].startswith("Reopened")


async def test_next_open_step_is_marked_and_focused(store, incident, make_app):
    store.change(incident.number, lambda inc, now, by: inc.complete_step(0, now, by))
    store.change(incident.number, lambda inc, now, by: inc.complete_step(1, now, by))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        table = screen.query_one("#checklist-table", RowTable)
        assert screen.focused is table
        assert table.current.key == "2"
        assert table.current.cells[0].plain == "▶"


async def test_log_client_update_resets_countdown(incident, make_app, folder, clock):
    clock.advance(minutes=10)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ComposerScreen)
        assert form.query_one("#next", Input).value == "30m"  # severity 1 cadence
        form.query_one("#section-happened", TextArea).text = "Called Dana: resend under way"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        stored = reread(folder).get(incident.id)
        summary = stored.updates[-1].summary
        assert summary.startswith("Hello Dana,\n\nWhat happened:\nCalled Dana: resend under way")
        assert "You will hear from us again by 10:40 (Europe/Berlin)" in summary  # 09:40 UTC
        assert stored.next_update_due == clock().add(minutes=30)
        assert stored.first_learned_by == "us"
        first_contact = stored.promises[0]
        assert first_contact.text == "First contact with the client" and first_contact.state() == "kept"
        assert stored.promises[1].due == clock().add(minutes=30) and stored.promises[1].is_open
        assert screen.query_one("#countdown-face", Digits).value == "0:30:00"
        assert table_rows(screen.query_one("#timeline-table", RowTable))[0][1].startswith("Client update (email)")


async def test_update_form_validates_and_saves_nothing(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        form = app.screen
        for area in form.query("TextArea.section"):
            area.text = ""
        await pilot.press("ctrl+s")  # nothing said yet
        await pilot.pause()
        assert app.screen is form
        assert "the update is empty" in label_text(form, "#form-error")
        form.query_one("#section-happened", TextArea).text = "Told them"
        form.query_one("#next", Input).value = "2020-01-01T10:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "past" in label_text(form, "#form-error")
        form.query_one("#next", Input).value = "tomorrowish"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "cannot read" in label_text(form, "#form-error")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    assert reread(folder).get(incident.id).updates == []


async def test_damage_add_edit_and_move_through_states(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, DamageForm)
        await pilot.press(*"212 payslips")
        await pilot.press("tab", *"underpaid by 3%")
        await pilot.press("ctrl+s")
        await pilot.pause()
        item = reread(folder).get(incident.id).damage[0]
        assert (item.what, item.impact, item.state) == ("212 payslips", "underpaid by 3%", "suspected")
        table = screen.query_one("#damage-table", RowTable)
        assert table_rows(table)[0][:2] == ["212 payslips", "underpaid by 3%"]
        table.focus()
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert reread(folder).get(incident.id).damage[0].state == "contained"
        assert table_rows(table)[0][3] == "contained"
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert reread(folder).get(incident.id).damage[0].state == "confirmed"
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DamageForm)
        assert form.query_one("#what", Input).value == "212 payslips"
        form.query_one("#severity", Input).value = "9"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "severity must be 1, 2, 3 or 4" in label_text(form, "#form-error")
        form.query_one("#severity", Input).value = "1"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert reread(folder).get(incident.id).damage[0].severity == 1


async def test_open_question_added_and_answered(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, QuestionForm)
        await pilot.press(*"Did the bank file go out?", "ctrl+s")
        await pilot.pause()
        assert reread(folder).get(incident.id).questions[0].text == "Did the bank file go out?"
        table = screen.query_one("#damage-table", RowTable)
        assert table_rows(table)[0][3] == "open ?"
        table.focus()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"No, stopped at 09:05", "ctrl+s")
        await pilot.pause()
        q = reread(folder).get(incident.id).questions[0]
        assert q.answer == "No, stopped at 09:05" and q.answered_at is not None
        assert table_rows(table)[0][3] == "answered"


async def test_status_change_and_note(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert reread(folder).get(incident.id).status == "contained"
        assert "contained" in label_text(screen, "#strip-meta")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, TextForm)
        await pilot.press(*"Spoke to their payroll lead", "ctrl+s")
        await pilot.pause()
        entry = reread(folder).get(incident.id).timeline[-1]
        assert (entry.kind, entry.text, entry.by) == ("note", "Spoke to their payroll lead", "ana")
        assert table_rows(screen.query_one("#timeline-table", RowTable))[0][1] == "Spoke to their payroll lead"


async def test_step_note_with_e_on_checklist(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, TextForm)
        await pilot.press(*"export job paused", "ctrl+s")
        await pilot.pause()
        assert reread(folder).get(incident.id).steps[0].note == "export job paused"


async def test_tab_moves_between_panes(incident, make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        seen = []
        for _ in range(4):
            seen.append(screen.focused.id)
            await pilot.press("tab")
        assert seen == ["checklist-table", "damage-table", "promises-table", "timeline-table"]


async def test_write_failure_is_shown_and_screen_shows_disk(incident, make_app, folder, monkeypatch):
    import storage.store.folder.open_file

    def disk_full(path, text):
        raise OSError(28, "No space left on device")

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        monkeypatch.setattr(storage.store.folder.open_file, "write_atomically", disk_full)
        await pilot.press("space")
        await pilot.pause()
        assert any("No space left" in t for t in toasts(app))
        assert table_rows(screen.query_one("#checklist-table", RowTable))[1][0] != "✓"
        assert "Checklist 0/26" in label_text(screen, "#checklist-title")
    assert not reread(folder).get(incident.id).steps[0].done


async def test_incident_changed_elsewhere_redraws_workspace(incident, make_app, folder, clock, watched):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        other = FolderStore.open(folder, clock=clock, user="bob")
        other.change(incident.number, lambda inc, now, by: inc.add_note("from the other terminal", now, by))
        await until(pilot, lambda: table_rows(screen.query_one("#timeline-table", RowTable))[0][1]
                    == "from the other terminal", "the workspace redrawn with the other terminal's note")


async def test_choosing_closed_in_the_status_picker_opens_the_close_form(incident, make_app, folder):
    from tui.screens.close import CloseForm

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("down", "down", "down", "enter")  # open, contained, resolved, closed
        await pilot.pause()
        assert isinstance(app.screen, CloseForm)
    assert reread(folder).get(incident.id).status == "open"


async def test_damage_counts_a_regulator_asks_for_are_typed_in_the_form(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DamageForm)
        form.query_one("#what", Input).value = "Salary table"
        form.query_one("#people", Input).value = "two hundred"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "people affected: a whole number, or blank" in label_text(form, "#form-error")
        assert reread(folder).get(incident.id).damage == []  # refused: nothing written
        form.query_one("#people", Input).value = "1,212"
        form.query_one("#category", Input).value = "salaries and bank details"
        await pilot.press("ctrl+s")
        await pilot.pause()
        (item,) = reread(folder).get(incident.id).damage
        assert (item.people, item.records, item.category) == (1212, None, "salaries and bank details")
        app.screen.query_one("#damage-table", RowTable).focus()
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DamageForm) and form.query_one("#people", Input).value == "1212"
        assert form.query_one("#records", Input).value == ""
