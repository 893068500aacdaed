"""App-wide behaviour: new incident form, hostile text, bad stores, help, palette, theme."""

from __future__ import annotations

import json

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Label, Markdown, Static

from tui.screens.board import BoardScreen
from tui.screens.help import HelpScreen
from tui.screens.incident import IncidentScreen
from tui.screens.composer import ComposerScreen
from tui.screens.modals import NewIncidentForm
from tui.screens.problem import StoreProblemScreen
from tui.widgets.row_table import RowTable
from tui_support import reread, settle, table_rows, toasts

HOSTILE = "a[/]b [bold]x[/bold] \x1b[31mred\x1b[0m 🔥 漢字 \u202ertl"
SHOWN = "a[/]b [bold]x[/bold] ␛[31mred␛[0m 🔥 漢字 ⟨U+202E⟩rtl"  # ESC shown as ␛, the bidi override by its code point: never sent


async def test_new_incident_form_validates_then_creates(make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewIncidentForm)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "title" in str(form.query_one("#form-error", Label).render())
        form.query_one("#title", Input).value = "Invoices sent twice"
        form.query_one("#client", Input).value = "Acme Ltd"
        form.query_one("#severity", Input).value = "7"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "severity must be 1, 2, 3 or 4" in str(form.query_one("#form-error", Label).render())
        assert reread(folder).open_incidents() == []
        form.query_one("#severity", Input).value = "1"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        stored = reread(folder).open_incidents()
        assert [(i.title, i.client_org, i.severity, i.owner) for i in stored] == [
            ("Invoices sent twice", "Acme Ltd", 1, "ana")]
        await pilot.press("escape")
        await pilot.pause()
        assert table_rows(app.screen.query_one("#board-table", RowTable))[0][2] == "M-1  Invoices sent twice"


async def test_hostile_text_in_every_field_is_shown_literally(store, make_app, folder):
    incident = store.create(HOSTILE, HOSTILE, 1, client_contact=HOSTILE)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        board = table_rows(app.screen.query_one("#board-table", RowTable))
        assert board[0][2] == f"{incident.id}  {SHOWN}"
        assert board[0][3].startswith(SHOWN[:30])
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert str(screen.query_one("#strip-title", Label).render()) == f"{incident.id}  {SHOWN}"
        # damage item, question, note and client update, all typed through the forms
        for key, fill in (("a", ["#what", "#impact"]), ("A", ["#text"])):
            await pilot.press(key)
            await pilot.pause()
            for selector in fill:
                app.screen.query_one(selector, Input).value = HOSTILE
            await pilot.press("ctrl+s")
            await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#text").text = HOSTILE
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        for area in app.screen.query("TextArea.section"):
            area.text = ""
        app.screen.query_one("#greeting").value = HOSTILE
        app.screen.query_one("#section-happened").text = HOSTILE
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        damage = table_rows(screen.query_one("#damage-table", RowTable))
        assert damage[0][0] == SHOWN and damage[0][1] == SHOWN
        assert damage[1][0] == f"? {SHOWN}"
        timeline = [row[1] for row in table_rows(screen.query_one("#timeline-table", RowTable))]
        assert timeline[1] == SHOWN  # the note
        assert timeline[0].startswith(f"Client update (email): {SHOWN}␊␊What happened:␊{SHOWN[:29]}")  # cut at 120: ⟨U+202E⟩ takes 8
        app.notify(HOSTILE, markup=False)  # toasts take the same path as every user-text toast
        await pilot.pause()
    stored = reread(folder).get(incident.id)
    assert stored.title == HOSTILE and stored.damage[0].what == HOSTILE
    assert stored.questions[0].text == HOSTILE
    assert stored.updates[0].summary.startswith(f"{HOSTILE}\n\nWhat happened:\n{HOSTILE}\n\n")


async def test_a_megabyte_paste_stays_literal_and_short_on_screen(store, make_app, folder):
    huge = ("[/] " * 262144)[:1_000_000]
    incident = store.create("Big paste", "Acme", 2)
    store.change(incident.number, lambda inc, now, by: inc.add_note(huge, now, by))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        row = table_rows(app.screen.query_one("#timeline-table", RowTable))[0]
        assert row[1].startswith("[/] [/]") and row[1].endswith("…") and len(row[1]) <= 120
    assert reread(folder).get(incident.id).timeline[-1].text == huge


@pytest.mark.parametrize("content, problem", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2, 3]", "not a TinyDB document file"),
    (b'{"incidents": {"1": {"schema": 1, "number": 1, "severity": 9}}}', "not a valid incident"),
])
async def test_bad_store_shows_problem_screen_and_changes_nothing(folder, make_app, content, problem):
    folder.mkdir(parents=True)
    (folder / "open.json").write_bytes(content)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StoreProblemScreen)
        message = str(app.screen.query_one("#problem-message", Static).render())
        assert str(folder / "open.json") in message and problem in message
        await pilot.press("q")
        await pilot.pause()
    assert (folder / "open.json").read_bytes() == content


async def test_newer_schema_opens_read_only_and_refuses_changes(store, make_app, folder):
    incident = store.create("Wrong report", "Acme", 2)
    path = folder / "open.json"
    data = json.loads(path.read_text())
    data["incidents"][str(incident.number)]["schema"] = 99
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert any("newer mishap" in t for t in toasts(app))
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        assert any(t.startswith("Not saved") and "read-only" in t for t in toasts(app))
    assert path.read_bytes() == before


async def test_help_lists_keys_and_escape_closes(store, make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        source = app.screen.query_one(Markdown).source
        for key in ("`space`", "`u`", "`ctrl+s`", "`/`", "`shift+a`"):
            assert key in source
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)


async def test_every_workspace_action_is_in_the_palette(store, make_app):
    store.create("Wrong report", "Acme", 2)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for action in ("Done/undo", "Client update", "Add damage", "Add question", "Edit", "Status", "Note", "Board"):
            assert any(t.startswith(action) for t in titles), action
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Client update")
        await settle(pilot)  # the palette's search runs as a worker: wait for it, not for a guess
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen)


async def test_theme_is_remembered(store, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.theme = "nord"
        await pilot.pause()
    assert json.loads((folder / "settings.json").read_text())["theme"] == "nord"
    again = make_app()
    async with again.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert again.theme == "nord"
