"""Times typed in the console follow the one grammar: out of range is a message, never a crash."""

from __future__ import annotations

import time

import pendulum
import pytest
from textual.widgets import Input, Label

from tui.screens.close import CloseForm
from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui.screens.promises import PromiseForm, RenegotiateForm
from tui.widgets.row_table import RowTable
from tui_support import reread, toasts

# A key's write runs on the store thread: pauses wait until it has landed (see conftest).
pytestmark = pytest.mark.usefixtures("writes_land")


@pytest.fixture
def incident(store):
    return store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana")


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Label).render())


async def type_into(pilot, field: Input, text: str) -> None:
    """Clear a field and type into it key by key, as a person would."""
    field.focus()
    field.value = ""
    await pilot.press(*["space" if c == " " else c for c in text])
    await pilot.pause()


async def open_workspace(app, pilot) -> IncidentScreen:
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


# Each refused time and what it says. All are typed into one form, one after the other (once a
# console per time): each is a case of its own, named in its assertion messages.
BAD_NEXT_TIMES = [
    ("99999999d", "'99999999d' is too far ahead: a span is at most 90 days"),
    ("20h30", "could be the time 20:30 or a span"),
    ("now", "cannot read 'now' as a time: use a span"),
    ("12.5h", "cannot read '12.5h' as a time"),
]
BAD_DUE_TIMES = [
    ("99999999d", "'99999999d' is too far ahead: a span is at most 90 days"),
    ("2999-01-01T10:00", "too far ahead: at most 90 days from now"),
    ("none", "a time is needed here, not 'none'"),
]


async def test_composer_refuses_each_bad_next_time_and_keeps_the_form_then_takes_a_combined_span(
        incident, make_app, folder, clock):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ComposerScreen)
        field = form.query_one("#next", Input)
        for typed, message in BAD_NEXT_TIMES:
            await type_into(pilot, field, typed)
            assert message in shown(form, "#next-hint"), f"{typed!r}: not said while typing"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form and app.is_running, f"{typed!r}: the form did not stay"
            assert message in shown(form, "#form-error"), f"{typed!r}: the refusal does not say why"
            assert field.value == typed, f"{typed!r}: what was typed is gone"
            assert reread(folder).get(incident.id).updates == [], f"{typed!r}: an update was written"
        # A good time after the refusals is taken.
        await type_into(pilot, field, "1h30")
        assert "expect the next update at 11:30" in shown(form, "#next-hint")  # 10:00 Berlin + 1 h 30
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    assert reread(folder).get(incident.id).next_update_due == clock().add(minutes=90)


async def test_promise_form_refuses_each_bad_time_and_keeps_the_form(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("p")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PromiseForm)
        await type_into(pilot, form.query_one("#what", Input), "Credit note")
        for typed, message in BAD_DUE_TIMES:
            await type_into(pilot, form.query_one("#due", Input), typed)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form and app.is_running, f"{typed!r}: the form did not stay"
            assert message in shown(form, "#form-error"), f"{typed!r}: the refusal does not say why"
            assert form.query_one("#due", Input).value == typed, f"{typed!r}: what was typed is gone"
            assert form.query_one("#what", Input).value == "Credit note", f"{typed!r}: the promise's words are gone"
            assert [p.kind for p in reread(folder).get(incident.id).promises] == ["update"], \
                f"{typed!r}: a promise was written"


async def test_renegotiate_form_refuses_99999999d_and_keeps_the_form(incident, make_app, folder, clock):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        screen.query_one("#promises-table", RowTable).focus()
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RenegotiateForm)
        await type_into(pilot, form.query_one("#due", Input), "99999999d")
        await type_into(pilot, form.query_one("#reason", Input), "Dana agreed")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and app.is_running
        assert "'99999999d' is too far ahead" in shown(form, "#form-error")
        assert form.query_one("#due", Input).value == "99999999d"
        await type_into(pilot, form.query_one("#due", Input), "2h 30m")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
    promise = reread(folder).get(incident.id).promises[0]
    assert promise.due == clock().add(minutes=150) and promise.renegotiations[0].reason == "Dana agreed"


async def test_close_form_refuses_a_far_prevention_date_and_keeps_the_form(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CloseForm)
        await type_into(pilot, form.query_one("#prev-text-0", Input), "Four-eyes check")
        await type_into(pilot, form.query_one("#prev-due-0", Input), "99999999d")
        assert "prevention 1: the due date: '99999999d' is too far ahead" in shown(form, "#form-error")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and app.is_running
        assert form.query_one("#prev-due-0", Input).value == "99999999d"
        await type_into(pilot, form.query_one("#prev-due-0", Input), "2026-12-01")  # a date is fine here
        assert "prevention 1" not in shown(form, "#form-error")
    assert reread(folder).get(incident.id).prevention == []


@pytest.fixture
def system_zone(monkeypatch):
    """Let the console read TZ itself (the other tests pin Berlin), and put TZ back afterwards."""

    def use(tz: str) -> None:
        pendulum.set_local_timezone()
        monkeypatch.setenv("TZ", tz)
        time.tzset()

    yield use
    pendulum.set_local_timezone(pendulum.timezone("Europe/Berlin"))
    monkeypatch.undo()
    time.tzset()


async def test_an_unknown_time_zone_is_said_once_at_start(incident, make_app, system_zone):
    system_zone("Invalid/Zone")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        warnings = [t for t in toasts(app) if "TZ=Invalid/Zone" in t]
        assert warnings == ["TZ=Invalid/Zone is not a time zone this system knows, and the C library reads it as "
                            "UTC: times are shown and read in UTC (set TZ to a zone such as Europe/Berlin, or "
                            "unset it)"]
        await open_workspace(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        await type_into(pilot, app.screen.query_one("#next", Input), "17:30")
        assert "expect the next update at 17:30" in shown(app.screen, "#next-hint")
        assert len([t for t in toasts(app) if "TZ=" in t]) == 1


async def test_a_posix_rule_is_honoured_without_a_warning(incident, make_app, folder, system_zone):
    system_zone("EST5EDT,M3.2.0,M11.1.0")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert not [t for t in toasts(app) if "TZ=" in t]
        await open_workspace(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        form = app.screen
        await type_into(pilot, form.query_one("#next", Input), "17:30")
        await pilot.press("ctrl+s")
        await pilot.pause()
    due = reread(folder).get(incident.id).next_update_due
    # 17:30 EST (UTC-5 in November) is 22:30 UTC: what the C library says for this TZ.
    assert due == pendulum.datetime(2026, 11, 23, 22, 30, tz="UTC")
    assert time.localtime(due.int_timestamp)[3:5] == (17, 30)

