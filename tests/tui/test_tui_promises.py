"""Keeping promises: the composer, drafts, the promise ledger keys, cadence, who heard first."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label, Select, Static, TextArea

import tui.screens.composer
from storage.domain.parts import DamageItem
from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui.screens.modals import PickerModal
from tui.screens.promises import PromiseForm, RenegotiateForm
from tui.widgets.row_table import RowTable
from tui_support import reread, table_rows, toasts, until

# A key's write runs on the store thread: pauses wait until it has landed (see conftest).
pytestmark = pytest.mark.usefixtures("writes_land")


@pytest.fixture
def incident(store):
    inc = store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana Reyes (HR)")
    store.change(inc.number, lambda i, now, by: i.add_damage(DamageItem("212 payslips", "underpaid by 3%", 1, "confirmed"), now, by))
    store.change(inc.number, lambda i, now, by: i.add_damage(DamageItem("Pension export", "", 2, "ruled out"), now, by))
    store.change(inc.number, lambda i, now, by: i.complete_step(0, now, by, note="export job paused at 09:02"))
    store.change(inc.number, lambda i, now, by: i.complete_step(3, now, by))  # an "Own" step: internal
    return store.get(inc.number)


async def open_composer(app, pilot) -> ComposerScreen:
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("u")
    await pilot.pause()
    assert isinstance(app.screen, ComposerScreen)
    await pilot.pause()
    return app.screen


def section(screen, key) -> str:
    return screen.query_one(f"#section-{key}", TextArea).text


async def test_composer_prefills_from_the_incident(incident, make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_composer(app, pilot)
        assert screen.query_one("#greeting", Input).value == "Hello Dana Reyes,"
        assert section(screen, "happened") == "Payroll file sent with last month's rates"
        assert section(screen, "affected") == "- 212 payslips: underpaid by 3%"  # ruled out items left out
        done = section(screen, "done")
        assert "Halt the job, send or process that produced the mistake (export job paused at 09:02)" in done
        assert "Write down in plain words" not in done  # internal steps are not client news
        assert section(screen, "next").startswith("- Make sure nothing else goes out")
        assert "our mistake" in section(screen, "apology")
        assert screen.query_one("#next", Input).value == "30m"
        assert "✓ apology check" in str(screen.query_one("#apology-check", Static).render())


async def test_apology_check_flags_deflecting_wording_without_blocking(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_composer(app, pilot)
        screen.query_one("#section-apology", TextArea).text = "We apologise for any inconvenience. Sorry if you were upset."
        await pilot.pause()
        check = str(screen.query_one("#apology-check", Static).render())
        assert "“for any inconvenience”" in check and "shrinks real harm" in check
        assert "“if you were upset”" in check and "conditional" in check
        assert screen.query_one("#apology-check").has_class("-flagged")
        screen.query_one("#section-apology", TextArea).text = "We are sorry that our error delayed your payroll."
        await pilot.pause()
        assert "✓ apology check" in str(screen.query_one("#apology-check", Static).render())
        screen.query_one("#section-apology", TextArea).text = "Mistakes were made."
        await pilot.pause()
        await pilot.press("ctrl+s")  # advice, not a gate: it still sends
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    assert "Mistakes were made." in reread(folder).get(incident.id).updates[0].summary


async def test_copy_to_clipboard_goes_through_the_terminal(incident, make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_composer(app, pilot)
        # Textual's copy_to_clipboard is what sends the text to the terminal (OSC 52); the bytes a
        # headless test run sends go to a private driver, so the call itself is what is checked.
        copied = []
        original = app.copy_to_clipboard
        app.copy_to_clipboard = lambda text: (copied.append(text), original(text))
        await pilot.press("f2")
        await pilot.pause()
        assert copied == [screen.text()]
        assert app.clipboard == screen.text()
        assert app.clipboard.startswith("Hello Dana Reyes,\n\nWhat happened:\nPayroll file sent")
        assert "Update copied to the clipboard" in toasts(app)


async def test_save_to_file_writes_the_update_and_never_overwrites(incident, make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_composer(app, pilot)
        assert screen.query_one("#file", Input).value == "M-1-update-1.txt"
        await pilot.press("f3")
        await pilot.pause()
        saved = (tmp_path / "M-1-update-1.txt").read_text()
        assert saved == screen.text()
        assert "You will hear from us again by" in saved
        (tmp_path / "M-1-update-1.txt").write_text("mine")
        await pilot.press("f3")
        await pilot.pause()
        assert "exists already" in str(screen.query_one("#form-error", Label).render())
    assert (tmp_path / "M-1-update-1.txt").read_text() == "mine"


async def test_draft_survives_a_quit_and_a_crash(incident, make_app, folder, monkeypatch):
    # The autosave's delay (a second after the last edit), made short: the test waits for the
    # saved draft itself, never for a second.
    monkeypatch.setattr(tui.screens.composer, "AUTOSAVE_SECONDS", 0.01)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_composer(app, pilot)
        assert reread(folder).draft(incident.id) is None  # opening the composer saves nothing
        screen.query_one("#section-happened", TextArea).text = "Draft [/] text 🔥"
        screen.query_one("#channel", Select).value = "phone"
        # No escape, no send: the edits alone get the draft to disk, as before a crash.
        await until(pilot, lambda: (reread(folder).draft(incident.id) or {}).get("channel") == "phone",
                    "the autosave wrote the edited draft")
    assert reread(folder).draft(incident.id)["section-happened"] == "Draft [/] text 🔥"
    again = make_app()
    async with again.run_test(size=(120, 36)) as pilot:
        screen = await open_composer(again, pilot)
        assert section(screen, "happened") == "Draft [/] text 🔥"
        assert screen.query_one("#channel", Select).value == "phone"
        assert any("Draft restored" in t for t in toasts(again))
        await pilot.press("ctrl+s")
        await pilot.pause()
    stored = reread(folder)
    assert stored.draft(incident.id) is None  # sent: the draft is gone
    update = stored.get(incident.id).updates[0]
    assert update.channel == "phone" and "Draft [/] text 🔥" in update.summary


async def test_escape_keeps_the_draft(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_composer(app, pilot)
        screen.query_one("#section-next", TextArea).text = "Resend at 14:00"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    assert reread(folder).draft(incident.id)["section-next"] == "Resend at 14:00"
    assert reread(folder).get(incident.id).updates == []


async def test_add_keep_and_renegotiate_promises(incident, make_app, folder, clock):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        await pilot.press("p")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PromiseForm)
        form.query_one("#what", Input).value = "Credit note [CN-7]"
        form.query_one("#due", Input).value = "2020-01-01T10:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "future" in str(form.query_one("#form-error", Label).render())
        form.query_one("#due", Input).value = "2h"
        await pilot.press("ctrl+s")
        await pilot.pause()
        stored = reread(folder).get(incident.id)
        assert [(p.text, p.kind) for p in stored.promises] == [
            ("First contact with the client", "update"), ("Credit note [CN-7]", "commitment")]
        rows = table_rows(screen.query_one("#promises-table", RowTable))
        assert rows[0][0] == "First contact with the client" and rows[1][0] == "Credit note [CN-7]"
        screen.query_one("#promises-table", RowTable).focus()
        await pilot.press("down", "m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RenegotiateForm)
        form.query_one("#due", Input).value = "5h"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "only with a reason" in str(form.query_one("#form-error", Label).render())
        form.query_one("#reason", Input).value = "Dana agreed to end of day"
        await pilot.press("ctrl+s")
        await pilot.pause()
        credit = reread(folder).get(incident.id).promises[1]
        assert credit.due == clock().add(hours=5)
        assert credit.renegotiations[0].reason == "Dana agreed to end of day"
        assert credit.broken_at is None
        assert table_rows(screen.query_one("#timeline-table", RowTable))[0][1].startswith("Renegotiated: Credit note")
        clock.advance(hours=6)  # kept, but after its time: broken stays on the record
        await pilot.press("x")
        await pilot.pause()
        credit = reread(folder).get(incident.id).promises[1]
        assert credit.state() == "kept late" and credit.broken_at == clock().subtract(hours=1)


async def test_keep_refuses_the_update_promise(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#promises-table", RowTable).focus()
        await pilot.press("x")
        await pilot.pause()
        assert any("kept by sending the update" in t for t in toasts(app))
    assert reread(folder).get(incident.id).promises[0].is_open


async def test_cadence_and_who_heard_first(incident, make_app, folder, clock):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("U")
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        await pilot.press("down", "down", "enter")  # from every 30 min to every 2 h
        await pilot.pause()
        assert reread(folder).get(incident.id).cadence_minutes == 120
        await pilot.press("u")
        await pilot.pause()
        assert app.screen.query_one("#next", Input).value == "2h"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
    stored = reread(folder).get(incident.id)
    assert stored.first_learned_by == "client"
    assert stored.timeline[-1].text == "Who learned first: the client told us"
