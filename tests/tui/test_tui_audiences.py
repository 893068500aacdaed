"""Every party owed word, in the console: the board and the header name the audience and keep a hard
deadline in sight; the audiences pane says who was told what and when; u writes to one, n adds one,
t sets or removes tags; the composer writes to the audience it was opened for (issue 19, sections 1-3)."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, Label, Select, TextArea

from tui.screens.audience_forms import AudienceForm, TagsForm
from tui.screens.board import BoardScreen
from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui.widgets.row_table import RowTable
from tui_support import reread, screen_text, table_rows, toasts

# A key's write runs on the store thread: pauses wait until it has landed (see conftest).
pytestmark = pytest.mark.usefixtures("writes_land")

MARKUP = "Tom [bold]Reed[/] \x1b[31m(MD)"  # markup, a closing tag and an escape sequence: shown, never obeyed
MARKUP_SHOWN = "Tom [bold]Reed[/] ␛[31m(MD)"


@pytest.fixture
def plain(store):
    """M-1: owes only its client (first contact due 15 min after discovery)."""
    return store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana")


@pytest.fixture
def breach(store, plain):
    """M-2: a personal-data breach (the GDPR clock runs 72 h from discovery) whose MD is owed word in 10 min."""
    inc = store.create("Report with another client's figures", "Marlow Ltd", 3, client_contact="Ines")
    rules = store.playbook.rules

    def owe(i, now, by):
        i.set_tags(["personal-data"], rules, now, by)
        told = i.add_audience("Tom Reed", "management", now, by, email="tom@example.com", cadence_minutes=120)
        i.log_update("phone", "Told Tom: Marlow's report held Calder's payroll figures", now.add(minutes=10), now, by,
                     audience=told)

    store.change(inc.number, owe)
    return store.get(inc.number)


async def open_workspace(app, pilot, row: int = 0) -> IncidentScreen:
    await pilot.pause()
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


def board_cells(app) -> dict[str, dict[str, str]]:
    """Each board row's cells by column key, keyed by incident id."""
    table = app.screen.query_one("#board-table", RowTable)
    keys = [c.key for c in table.columns]
    return {incident.id: dict(zip(keys, cells)) for incident, cells in zip(table.rows, table_rows(table))}


def pane_lines(screen) -> list[str]:
    return [cells[0] for cells in table_rows(screen.query_one("#audiences-table", RowTable))]


def label_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Label).render())


async def focus_audiences(pilot, screen, line_key: str | None = None) -> RowTable:
    table = screen.query_one("#audiences-table", RowTable)
    table.focus()
    await pilot.pause()
    if line_key is not None:
        table.cursor = next(i for i, row in enumerate(table.rows) if row.key == line_key)
    return table


# -- 1. the board and the workspace header -----------------------------------------------------------

async def test_board_names_the_audience_owed_and_keeps_the_hard_deadline_beside_it(breach, make_app, clock):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        rows = board_cells(app)
        # Most urgent first: the MD's update (10 min) before the client's first contact (15 min).
        assert list(rows) == ["M-2", "M-1"]
        assert rows["M-2"]["due"].startswith("in 10 min")
        assert rows["M-2"]["owed"] == "GDPR notice: 3 d left · update to Tom Reed"
        assert rows["M-1"]["owed"] == ""  # owes only its client: nothing more to say
        assert "GDPR notice: 3 d left · update to…" in screen_text(app)  # drawn, cut at the end only

        clock.advance(hours=1)
        app.tick()
        await pilot.pause()
        # The MD's update, now late, is still the nearest; the GDPR clock beside it has moved on.
        assert board_cells(app)["M-2"]["owed"] == "GDPR notice: 2 d 23 h left · update to Tom Reed"
        assert board_cells(app)["M-2"]["due"].endswith("late (10:10)")  # 09:10 UTC, shown in Berlin time
        # Where the column does not fit, the same words lead the title: never hidden.
        await pilot.resize_terminal(70, 24)
        await pilot.pause()
        await pilot.pause()
        assert "owed" not in [c.key for c in app.screen.query_one("#board-table", RowTable).columns]
        assert board_cells(app)["M-2"]["title"].startswith("M-2  GDPR notice: 2 d 23 h left · update to Tom Reed · Report")


async def test_board_without_other_audiences_keeps_its_columns(plain, make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert [c.key for c in app.screen.query_one("#board-table", RowTable).columns] == [
            "due", "sev", "title", "client", "status", "steps", "damage"]


async def test_header_names_the_audience_and_shows_the_hard_deadline_until_released(breach, make_app, clock, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        assert label_text(screen, "#countdown-caption") == "soon: update to Tom Reed"
        deadline = screen.query_one("#strip-deadlines", Label)
        assert deadline.display and str(deadline.render()) == "⚖ GDPR notice: 3 d left"
        clock.advance(hours=73)
        app.tick()
        await pilot.pause()
        assert str(deadline.render()) == "⚖ GDPR notice: 1 h late"
        assert deadline.has_class("-late")

        # t, the tag removed: a tag with deadlines asks for the reason, and nothing is written until given.
        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TagsForm)
        assert form.query_one("#tags", Input).value == "personal-data"
        form.query_one("#tags", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "give the reason" in label_text(form, "#form-error")
        assert reread(folder).get(breach.id).tags == ["personal-data"]
        form.query_one("#reason", Input).value = "no personal data after all: test accounts only"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        stored = reread(folder).get(breach.id)
        gdpr = next(p for p in stored.promises if p.hard)
        assert stored.tags == [] and gdpr.released_at is not None and gdpr.broken_at is not None  # late stays broken
        assert gdpr.release_reason == "no personal data after all: test accounts only"
        assert not deadline.display
        assert "Untagged personal-data" in toasts(app)


async def test_t_sets_a_tag_and_its_deadline_is_at_once_in_sight(plain, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        assert not screen.query_one("#strip-deadlines", Label).display
        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        assert "personal-data" in label_text(form, ".field-label")  # the playbook's tags are offered
        form.query_one("#tags", Input).value = "personal-data [bold]x"  # a tag is user text too
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        stored = reread(folder).get(plain.id)
        assert stored.tags == ["personal-data", "[bold]x"]
        assert [a.name for a in stored.audiences] == ["Acme Ltd", "Supervisory authority"]
        assert str(screen.query_one("#strip-deadlines", Label).render()) == "⚖ GDPR notice: 3 d left"
        lines = pane_lines(screen)
        assert "Supervisory authority — regulator, external · no promised updates" in lines
        assert "   owed: GDPR notice: 3 d left" in lines
        assert "Tagged personal-data, [bold]x" in toasts(app)


# -- 2. the audiences pane ---------------------------------------------------------------------------

async def test_pane_says_who_was_told_what_and_when_and_what_waits(store, plain, make_app, clock):
    rules = store.playbook.rules
    store.change(plain.number, lambda i, now, by: i.log_update("email", "We sent the wrong rates;\nfix by noon",
                                                               now.add(hours=1), now, by))
    clock.advance(minutes=5)
    store.change(plain.number, lambda i, now, by: i.set_tags(["nis2"], rules, now, by))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        lines = pane_lines(screen)
        assert lines == [
            "Acme Ltd — client, external · every 30 min",
            "   told 10:00 by email: “We sent the wrong rates; fix by noon”",
            "   owed: next update in 55 min",
            "CSIRT — regulator, external · no promised updates",
            "   not told yet",
            "   owed: NIS2 early warning: 23 h 55 min left · NIS2 notification: 2 d 23 h left",
            "   waiting: NIS2 final report (1 month) — starts when NIS2 notification is kept",
        ]
        assert label_text(screen, "#audiences-title") == "Audiences · 2 · 2 hard deadlines open"
        # Tab reaches the audiences after the four panes.
        seen = []
        for _ in range(5):
            seen.append(app.focused.id)
            await pilot.press("tab")
        assert seen == ["checklist-table", "damage-table", "promises-table", "timeline-table", "audiences-table"]
        clock.advance(minutes=1)
        app.tick()
        await pilot.pause()
        assert pane_lines(screen)[2] == "   owed: next update in 54 min"  # relative times follow the clock


async def test_n_adds_an_audience_through_its_form_and_the_domain_refusals_show_there(plain, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        await focus_audiences(pilot, screen)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AudienceForm)
        form.query_one("#name", Input).value = "ICO"
        form.query_one("#kind", Select).value = "regulator"
        form.query_one("#email", Input).value = "not an address"
        form.query_one("#cadence", Input).value = "1d"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "is not an email address" in label_text(form, "#form-error")
        form.query_one("#cadence", Input).value = "sometimes"
        form.query_one("#email", Input).value = "casework@ico.example"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "cadence" in label_text(form, "#form-error")
        form.query_one("#cadence", Input).value = "1d"
        form.query_one("#channel", Input).value = "portal"
        form.query_one("#internal", Checkbox).value = False
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        ico = reread(folder).get(plain.id).audiences[1]
        assert (ico.name, ico.kind, ico.internal, ico.email, ico.channel, ico.cadence_minutes) == (
            "ICO", "regulator", False, "casework@ico.example", "portal", 1440)
        assert "ICO — regulator, external · casework@ico.example · every 1 d" in pane_lines(screen)
        assert "ICO added: u in the audiences pane writes to them" in toasts(app)
        # A second ICO is refused in the form, with the domain's words.
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#name", Input).value = "ico"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "already has an audience named 'ICO'" in label_text(app.screen, "#form-error")
        await pilot.press("escape")
        await pilot.pause()
        assert len(reread(folder).get(plain.id).audiences) == 2


async def test_audience_names_are_shown_literally_everywhere(store, plain, make_app, clock):
    def owe(i, now, by):
        told = i.add_audience(MARKUP, "management", now, by, cadence_minutes=5)
        i.log_update("chat", "Told them", now.add(minutes=5), now, by, audience=told)

    store.change(plain.number, owe)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert board_cells(app)["M-1"]["owed"] == f"update to {MARKUP_SHOWN}"
        screen = await open_workspace(app, pilot)
        assert f"{MARKUP_SHOWN} — management, internal · every 5 min" in pane_lines(screen)
        assert label_text(screen, "#countdown-caption") == f"soon: update to {MARKUP_SHOWN}"[:41] + "…"
        text = screen_text(app)
        assert MARKUP_SHOWN in text and "Tom Reed" not in text.replace("Tom [bold]Reed", "")
        assert not any(b"\x1b[31m(MD)" in data for data in app.written)  # the escape never reached the terminal


async def test_workspace_at_the_minimum_size_keeps_the_deadline_and_the_audiences(breach, make_app):
    app = make_app()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        assert board_cells(app)["M-2"]["title"].startswith("M-2  GDPR notice: 3 d left · update to Tom Reed · ")
        screen = await open_workspace(app, pilot)
        assert "⚖ GDPR notice: 3 d" in screen_text(app)
        for _ in range(4):
            await pilot.press("tab")
            await pilot.pause()
        assert app.focused.id == "audiences-table"
        await pilot.pause()
        assert any(line.strip("│ ").startswith("Marlow Ltd — client") for line in screen_text(app).splitlines())


# -- 3. the composer for an audience -----------------------------------------------------------------

async def test_u_in_the_pane_writes_to_the_highlighted_audience_and_leaves_the_client_draft(
        breach, store, make_app, folder, clock):
    store.save_draft(breach.number, {"section-happened": "half-written words to the client"})
    clock.advance(minutes=2)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_workspace(app, pilot)
        await focus_audiences(pilot, screen, "2.owed")  # any line of Tom Reed's stands for him
        await pilot.press("u")
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen) and composer.audience == 2
        assert label_text(composer, ".dialog-title").startswith("Update to Tom Reed · M-2")
        assert composer.query_one("#next", Input).value == "2h"  # his cadence
        assert composer.query_one("#channel", Select).value == "email"
        assert "not run on an internal update" in str(composer.query_one("#apology-check").render())
        assert not composer.query_one("#delay", TextArea).display  # no hard deadline of his is late
        assert composer.query_one("#greeting", Input).value == "Hello Tom Reed,"
        composer.query_one("#section-need", TextArea).text = "Approval to credit Marlow's March invoice"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        stored = reread(folder).get(breach.id)
        sent = stored.updates[-1]
        assert sent.audience == 2 and "What we need from you:\nApproval to credit" in sent.summary
        assert stored.first_learned_by is None and stored.first_contact_at is None  # the client heard nothing
        assert stored.update_promise(2).due == clock().add(hours=2)
        assert "Update to Tom Reed logged" in toasts(app)
        assert reread(folder).draft(breach.number) == {"section-happened": "half-written words to the client"}
        # u elsewhere in the workspace is still the client's update.
        screen.query_one("#checklist-table").focus()
        await pilot.press("u")
        await pilot.pause()
        assert app.screen.audience == 0 and label_text(app.screen, ".dialog-title").startswith("Client update")
        assert app.screen.query_one("#section-happened", TextArea).text == "half-written words to the client"


async def test_a_late_notice_to_a_regulator_needs_the_reasons_for_the_delay(breach, store, make_app, folder, clock):
    store.change(breach.number, lambda i, now, by: i.edit_audience(1, now, by, channel="portal"))
    clock.advance(hours=73)  # the GDPR notice was due at 72 h
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_workspace(app, pilot)
        await focus_audiences(pilot, screen, "1")
        await pilot.press("u")
        await pilot.pause()
        composer = app.screen
        assert label_text(composer, ".dialog-title").startswith("Update to Supervisory authority · M-2")
        assert composer.query_one("#channel", Select).value == "portal"  # the audience's own channel
        assert composer.query_one("#next", Input).value == "none"
        delay = composer.query_one("#delay", TextArea)
        assert delay.display and "GDPR notice: 1 h late" in label_text(composer, "#delay-label")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is composer and "give the reasons for the delay" in label_text(composer, "#form-error")
        assert len(reread(folder).get(breach.id).updates) == 1  # nothing written
        delay.text = "The report's recipients were only confirmed on Friday."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        stored = reread(folder).get(breach.id)
        sent, gdpr = stored.updates[-1], next(p for p in stored.promises if p.hard)
        assert (sent.audience, sent.channel) == (1, "portal")
        assert sent.delay_reason == "The report's recipients were only confirmed on Friday."
        assert "Reasons for the delay:\nThe report's recipients" in sent.summary
        assert gdpr.state() == "kept late" and sent.kept == stored.promises.index(gdpr)
        assert not screen.query_one("#strip-deadlines", Label).display  # kept: no longer beside the countdown
