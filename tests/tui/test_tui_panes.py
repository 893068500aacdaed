"""The workspace as the composition of its panes: closed or open as the store says, whoever changed it,
and forms that give a value back to the screen, which writes it."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from storage.domain.parts import DamageItem
from storage.store import FolderStore
from tui.screens.close import CloseForm
from tui.screens.composer import ComposerScreen
from tui.screens.incident import CLOSED_LOOK, IncidentScreen
from tui.screens.modals import DamageForm, TextForm
from tui.widgets.row_table import RowTable
from tui_support import SIZE, reread, screen_text, settle, table_rows, toasts, until

# A key's write runs on the store thread: pauses wait until it has landed (see conftest).
pytestmark = pytest.mark.usefixtures("writes_land")

CLOSED_SUBTITLE = "closed · read-only · shift+r reopens"


@pytest.fixture
def incident(store):
    return store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana")


@pytest.fixture
def lena(folder, clock):
    """Another console on the same folder."""
    return FolderStore.open(folder, clock=clock, user="lena")


async def open_workspace(app, pilot) -> IncidentScreen:
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


def looks_closed(screen) -> bool:
    """True when the strip and every pane title carry the closed look, False when none does."""
    parts = list(screen.query(CLOSED_LOOK))
    assert len(parts) == 6  # the strip, its title, four pane titles
    marked = {part.has_class("-closed") for part in parts}
    assert len(marked) == 1, "some parts look closed and some do not"
    return marked.pop()


async def test_a_close_made_by_another_console_shows_in_full(incident, make_app, folder, lena, watched):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workspace(app, pilot)
        open_strip = screen.query_one("#strip").styles.background
        assert "Client update" in footer(app) and "Reopen" not in footer(app)
        lena.change(incident.number, lambda inc, now, by: inc.close(now, by, reason="client ended the contract"))
        await until(pilot, lambda: screen.incident.is_closed, "the console picked up the other process's close")
        await pilot.pause()
        assert screen.sub_title == CLOSED_SUBTITLE
        assert looks_closed(screen)
        assert screen.query_one("#strip").styles.background != open_strip  # the closed styling shows
        assert "shift+r Reopen" in footer(app) and "Client update" not in footer(app)
        written = reread(folder).get(incident.id).timeline
        await pilot.press("u")  # an open incident's key: refused, said
        await pilot.pause()
        assert app.screen is screen
        assert f"{incident.id} is closed and read-only: shift+r reopens it" in toasts(app)
        await pilot.press("space")  # a pane's key: refused too
        await pilot.pause()
        assert reread(folder).get(incident.id).timeline == written
        await pilot.press("R")  # the closed incident's key works
        await pilot.pause()
        assert isinstance(app.screen, TextForm)
        await pilot.press(*"More rows turned up", "ctrl+s")
        await settle(pilot)  # the reopen is written off the event loop
        assert app.screen is screen
        assert not looks_closed(screen) and screen.sub_title == "open"
        assert "Client update" in footer(app) and "Reopen" not in footer(app)
    assert reread(folder).get(incident.id).timeline[-1].text == "Reopened (closed → open) — More rows turned up"


async def test_a_reopen_made_by_another_console_gives_the_keys_back(incident, store, make_app, folder, lena,
                                                                     watched):
    store.change(incident.number, lambda inc, now, by: inc.close(now, by, reason="test"))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.open_incident(incident.number)  # a closed incident is not on the board
        await until(pilot, lambda: "shift+r Reopen" in footer(app), "the footer offers the closed workspace's keys")
        screen = app.screen
        assert looks_closed(screen) and "shift+r Reopen" in footer(app)
        lena.change(incident.number, lambda inc, now, by: inc.reopen(now, by, "the client wrote again"))
        await until(pilot, lambda: not screen.incident.is_closed, "the console picked up the other process's reopen")
        await pilot.pause()
        assert not looks_closed(screen) and screen.sub_title == "open"
        assert "Client update" in footer(app) and "Reopen" not in footer(app)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)


async def test_a_form_gives_its_value_back_and_writes_nothing(incident, make_app, folder):
    app = make_app()
    answers = []
    async with app.run_test(size=SIZE) as pilot:
        await open_workspace(app, pilot)
        app.push_screen(DamageForm(), answers.append)
        await pilot.pause()
        await pilot.press(*"212 payslips", "tab", *"underpaid by 3%", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert answers == [DamageItem("212 payslips", "underpaid by 3%")]
        assert table_rows(app.screen.query_one("#damage-table", RowTable))[0][0] == "none yet: a adds"
    assert reread(folder).get(incident.id).damage == []


async def test_a_write_refused_by_the_store_reopens_the_form_with_what_was_typed(incident, make_app, folder, lena):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CloseForm)
        form.query_one("#root_cause", TextArea).text = "Copied last month's template"
        form.query_one("#prev-text-0", Input).value = "Four-eyes check before sending"
        form.query_one("#reason", Input).value = "the client wants it closed today"
        # Meanwhile another console closes it: this console has not re-read the store yet.
        lena.change(incident.number, lambda inc, now, by: inc.close(now, by, reason="closed at the other desk"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        again = app.screen
        assert isinstance(again, CloseForm) and again is not form
        assert f"{incident.id} is already closed" in str(again.query_one("#form-error").render())
        assert again.query_one("#root_cause", TextArea).text == "Copied last month's template"
        assert again.query_one("#prev-text-0", Input).value == "Four-eyes check before sending"
        assert again.query_one("#reason", Input).value == "the client wants it closed today"
        await pilot.press("ctrl+o")  # keep the close-out on the closed incident
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen) and looks_closed(app.screen)
    stored = reread(folder).get(incident.id)
    assert stored.close_reason == "closed at the other desk"
    assert stored.root_cause == "Copied last month's template"
    assert stored.prevention[0].text == "Four-eyes check before sending"
