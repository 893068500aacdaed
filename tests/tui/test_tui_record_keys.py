"""The workspace's keys around promises: snooze (z), no news yet (shift+n), the client's zone (shift+z),
correcting the record (shift+c); and every promise time in both zones across the 2026 DST weeks."""

from __future__ import annotations

import pendulum
import pytest
from textual.widgets import Input, Label, OptionList, Select, TextArea

from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui.screens.modals import NewIncidentForm, PickerModal, TextForm
from tui.screens.record import CorrectionForm
from tui.widgets.row_table import RowTable
from tui_support import notices, reread, screen_text, settle, table_rows, toasts


@pytest.fixture(autouse=True)
def outside_tmux(monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)


def overdue_toasts(app) -> list[str]:
    return [str(n.message) for n in app.raised if n.title == "Promise overdue"]


async def test_snooze_quiets_one_promise_and_never_moves_it(store, make_app, folder, clock):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text('[notifications]\nmethod = "osc9"\n', encoding="utf-8")
    incident = store.create("Wrong invoice run", "Acme", 1)  # first contact due in 15 min
    due = incident.promises[0].due
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        clock.advance(minutes=16)
        app.tick()
        await pilot.pause()
        assert len(notices(app)) == 1 and len(overdue_toasts(app)) == 1  # overdue: said once, with the bell
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("z")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert [str(o.prompt) for o in picker.query_one(OptionList).options] == ["10 min", "30 min", "60 min"]
        await pilot.press("down", "enter")  # 30 min
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        stored = reread(folder).get(incident.id).promises[0]
        assert stored.due == due and stored.state() == "broken"  # unchanged: still due, still broken
        assert stored.snoozed_until == clock().add(minutes=30)
        assert app.screen.query_one("#countdown").has_class("-overdue")  # the countdown stays red
        timeline = table_rows(app.screen.query_one("#timeline-table", RowTable))
        assert timeline[0][1].startswith("Reminder snoozed 30 min: First contact with the client")
        written = len(notices(app))
        for minutes in (10, 10, 9):  # 10, 20, 29 min into the snooze: a reminder would be due at 10
            clock.advance(minutes=minutes)
            app.tick()
            await pilot.pause()
        assert len(notices(app)) == written and len(overdue_toasts(app)) == 1  # no bytes, no bell, no toast
        assert "‼ OVERDUE" in screen_text(app)  # the banner is not snoozed
        clock.advance(minutes=1)  # the snooze is over
        app.tick()
        await pilot.pause()
        assert notices(app)[written:] == [b"\x1b]9;mishap \xe2\x80\xbc M-1 31m late: First contact with the "
                                          b"client\x07\x07"]
    assert reread(folder).get(incident.id).timeline[-1].event == "reminder_snoozed"


async def test_snooze_is_said_by_a_second_console_sharing_the_store(store, make_app, folder, clock):
    incident = store.create("Wrong invoice run", "Acme", 1)
    clock.advance(minutes=16)
    store.change(incident.number, lambda inc, now, by: inc.snooze_reminder(0, 60, now, by))  # elsewhere
    folder.joinpath("config.toml").write_text('[notifications]\nmethod = "bell"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        clock.advance(minutes=20)
        app.tick()
        assert notices(app) == []
        assert "(snoozed)" in screen_text(app)


async def test_no_news_yet_opens_a_holding_update_and_sends_it_as_any_update(store, make_app, folder, clock):
    incident = store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana Reyes")
    store.change(incident.number, lambda inc, now, by: inc.complete_step(0, now, by))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("N")  # on the board, for the highlighted incident
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        happened = composer.query_one("#section-happened", TextArea).text
        assert happened.startswith("A short update on: Payroll file sent") and "no news yet" in happened
        still = composer.query_one("#section-next", TextArea).text
        assert still == ("- Make sure nothing else goes out until it is understood\n"  # the next open steps
                         "- Stop the faulty process and fence off the affected area")  # that are client news
        assert composer.query_one("#section-done", TextArea).text == ""
        assert "You will hear from us again by 10:30" in composer.text()  # the next promised time
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
    stored = reread(folder).get(incident.id)
    assert len(stored.updates) == 1 and "no news yet" in stored.updates[0].summary
    assert stored.next_update_due == clock().add(minutes=30)
    assert stored.promises[0].state() == "kept"


async def test_no_news_key_in_the_workspace(store, make_app):
    store.create("Wrong invoice run", "Acme", 2)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen) and app.screen.holding


async def test_correcting_when_it_happened_keeps_old_new_and_reason(store, make_app, folder, clock):
    incident = store.create("Wrong invoice run", "Acme", 2)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("C")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CorrectionForm)
        form.query_one("#what", Select).value = "discovered"
        await pilot.pause()
        assert form.query_one("#when", Input).value == "2026-11-23 10:00"  # what is recorded, in our time
        form.query_one("#when", Input).value = "2026-11-23 09:40"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CorrectionForm)  # no reason: the domain's words, the form stays
        assert "say why when it was discovered is corrected" in str(form.query_one("#form-error", Label).render())
        form.query_one("#reason", Input).value = "Dana's first mail was at 09:40"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        row = table_rows(app.screen.query_one("#timeline-table", RowTable))[0][1]
        assert row == ("Corrected discovered: from 2026-11-23T09:00:00+00:00 to 2026-11-23T08:40:00+00:00 — "
                       "Dana's first mail was at 09:40")
    assert reread(folder).get(incident.id).discovered_at == pendulum.datetime(2026, 11, 23, 8, 40, tz="UTC")


async def test_new_incident_takes_the_client_zone_and_refuses_an_unknown_one(store, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewIncidentForm)
        form.query_one("#title", Input).value = "Wrong rates"
        form.query_one("#client", Input).value = "Acme Inc"
        form.query_one("#zone", Input).value = "America/Nowhere"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "'America/Nowhere' is not a time zone: give an IANA name such as Europe/Paris" in str(
            form.query_one("#form-error", Label).render())
        form.query_one("#zone", Input).value = "America/New_York"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    assert reread(folder).get("M-1").client_tz == "America/New_York"


async def test_two_zones_exact_in_the_2026_weeks_the_clocks_disagree(store, make_app, folder, clock):
    """New York moves to summer time on 8 March 2026, Berlin on 29 March: five hours apart in between,
    six before and after. Every promise time is converted in each zone on its own."""
    clock.set(pendulum.datetime(2026, 3, 20, 14, 0, tz="UTC"))
    incident = store.create("Wrong rates", "Acme Inc", 3)
    store.change(incident.number, lambda inc, now, by: inc.add_promise(
        "Credit note", pendulum.datetime(2026, 3, 20, 16, 0, tz="UTC"), now, by))
    store.change(incident.number, lambda inc, now, by: inc.add_promise(
        "Corrected invoices", pendulum.datetime(2026, 4, 2, 16, 0, tz="UTC"), now, by))
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("Z")  # the client's zone, set in the workspace
        await pilot.pause()
        assert isinstance(app.screen, TextForm)
        app.screen.query_one("#text", Input).value = "America/New_York"
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = {row[0]: row[1] for row in table_rows(app.screen.query_one("#promises-table", RowTable))}
        assert rows["Credit note"] == "12:00 their time (17:00 ours)"  # 5 h apart on 20 March
        # 6 h again on 2 April; 13 days off, so the date rather than a weekday that could be next week's
        assert rows["Corrected invoices"] == "2 Apr 12:00 their time (2 Apr 18:00 ours)"
        assert "due 12:00 their time (17:00 ours)" in screen_text(app)  # the header's countdown
        await pilot.press("u")
        await pilot.pause()
        app.screen.query_one("#next", Input).value = "2026-03-20T18:00"  # our time (Berlin)
        await pilot.pause()
        assert "You will hear from us again by 13:00 (America/New_York)" in app.screen.text()
    assert reread(folder).get(incident.id).client_tz == "America/New_York"


async def test_an_overdue_promise_to_management_names_whom_it_is_owed_to(store, make_app, clock):
    incident = store.create("Wrong invoice run", "Acme", 4)  # first client contact due in 8 h
    clock.advance(minutes=1)
    store.change(incident.id, lambda i, now, by: i.add_audience("Tom Reed (MD)", "management", now, by))
    store.change(incident.id, lambda i, now, by: i.add_promise("Cost estimate", now.add(minutes=20), now, by,
                                                               audience=1))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        clock.advance(minutes=25)
        app.tick()
        await pilot.pause()
        (said,) = overdue_toasts(app)
        assert said.startswith(f"{incident.id} Cost estimate to Tom Reed (MD): ") and "Wrong invoice run" in said
