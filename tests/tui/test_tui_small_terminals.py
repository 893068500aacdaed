"""Small terminals: every layout fits from the minimum size up, and below it a message says so.

Asserted on what is drawn (the screen as text, widget regions), and on the store where a
resize must not lose anything.
"""

from __future__ import annotations

import io
import shutil

import pytest
from rich.console import Console
from support.clock import FakeClock
from textual.widgets import Input, Label, TextArea

from storage.domain.clock import Countdown
from storage.readers.demo import fill_demo
from storage.domain.model import DamageItem
from storage.domain.playbook import PLAYBOOK_FILE
from storage.store import FolderStore as Store
from tui.screens.board import BoardScreen, due_words
from tui.screens.close import CloseForm
from tui.screens.composer import ComposerScreen
from tui.screens.export_form import ExportForm
from tui.screens.incident import IncidentScreen
from tui.screens.modals import DamageForm, NewIncidentForm, PickerModal, QuestionForm, TextForm
from tui.screens.promises import PromiseForm, RenegotiateForm
from tui.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from tui.widgets.row_table import RowTable
from tui_support import START, reread

MINIMUM = (MIN_WIDTH, MIN_HEIGHT)
PANES = ("checklist", "damage", "promises", "timeline")


def screen_text(app) -> list[str]:
    """The terminal as the user sees it, one string per line (modals over what shows through)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()


def visible_lines(app, widget) -> int:
    """How many lines of ``widget``'s content (inside its border) are on screen: 0 when it is
    scrolled away or squeezed to its frame."""
    return widget.content_region.intersection(app.screen.find_widget(widget).clip).height


async def settle(pilot) -> None:
    """Let posted messages, the size classes and the layout they bring all land."""
    await pilot.pause()
    await pilot.pause()


async def open_workspace(app, pilot) -> IncidentScreen:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


@pytest.fixture
def incident(store):
    return store.create("Payroll file sent with last month's rates to every employee", "Acme Ltd", 1,
                        client_contact="Dana Reyes")


# -- the composer at 60×20 --------------------------------------------------------------------------

async def test_composer_at_60x20_types_into_a_field_on_screen(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen)
        field = app.focused
        assert isinstance(field, TextArea) and field.id == "section-happened"
        assert visible_lines(app, field) >= 1
        await pilot.press("home", *"Qzx ")
        await settle(pilot)
        assert field.text.startswith("Qzx ")
        assert any("Qzx" in line for line in screen_text(app))
        await pilot.press("escape")  # the draft is kept
        await settle(pilot)
    assert reread(folder).draft(incident.number)["section-happened"].startswith("Qzx ")


# -- the workspace header, footer and panes ---------------------------------------------------------

async def test_at_60x20_the_board_and_workspace_cut_cells_header_and_footer_cleanly(incident, make_app):
    """One console at 60×20 (once four tests, each starting its own): on the board, then in the workspace,
    the footer ends with the palette key, cells too long for their column end with an ellipsis,
    and the header keeps the id on one line."""
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        # The board.
        footer = screen_text(app)[-1]
        assert footer.endswith("▏^p palette"), footer  # nothing after it: no stray letter
        board_row = next(line for line in screen_text(app) if "M-1" in line and "OVERDUE" not in line)  # not the banner
        assert "M-1  Payroll" in board_row and "…" in board_row
        # The workspace.
        screen = await open_workspace(app, pilot)
        footer = screen_text(app)[-1]
        assert footer.endswith("▏^p palette"), footer  # nothing after it: no stray letter
        steps = [line for line in screen_text(app) if "Stop the" in line or "Halt" in line]
        assert steps and all("…" in line for line in steps)
        assert screen.query_one("#strip-title", Label).region.height == 1
        lines = screen_text(app)
        title_line = next(line for line in lines if "M-1" in line and "Payroll" in line)
        assert "…" in title_line  # cut with an ellipsis, not wrapped
        assert not any(line.strip() in ("M", "-", "1") for line in lines)


async def test_at_40x12_the_header_is_not_drawn_one_letter_a_line_but_the_size_is_named(incident, make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workspace(app, pilot)
        await pilot.resize_terminal(40, 12)
        await settle(pilot)
        lines = screen_text(app)
        assert not any(line.strip() in ("M", "-", "1") for line in lines)
        assert f"mishap needs at least {MIN_WIDTH}×{MIN_HEIGHT}" in " ".join(line.strip() for line in lines)


async def test_each_workspace_pane_shows_rows_at_60x20(incident, make_app, store):
    store.change(incident.number, lambda inc, now, by: inc.add_damage(
        DamageItem("212 payslips", "underpaid", 1), now, by))
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_workspace(app, pilot)
        seen = {}
        for _ in range(4):
            table = app.focused
            assert isinstance(table, RowTable)
            seen[table.id] = visible_lines(app, table)
            await pilot.press("tab")
            await settle(pilot)
        # Each table shows its header and at least one row when focused (tab scrolls to it).
        assert set(seen) == {"checklist-table", "damage-table", "promises-table", "timeline-table"}
        assert all(lines >= 2 for lines in seen.values()), seen
        assert len(screen.query_one("#damage-table", RowTable).rows) == 1


# -- table cells ------------------------------------------------------------------------------------

async def test_ten_thousand_step_checklist_shows_its_whole_count(folder, clock, make_app):
    steps = ", ".join(f'"step {i + 1}"' for i in range(10_000))
    folder.mkdir(parents=True)
    (folder / PLAYBOOK_FILE).write_text(f'[[phase]]\nname = "Everything"\nsteps = [{steps}]\n')
    created = Store.open(folder, clock=clock, user="ana").create("Huge checklist", "Acme", 2)
    assert reread(folder).get(created.id).progress() == (0, 10_000)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        row = next(line for line in screen_text(app) if "Huge checklist" in line)
        assert "0/10000" in row
        screen = await open_workspace(app, pilot)
        assert str(screen.query_one("#checklist-title", Label).render()) == "Checklist 0/10000"
        await pilot.press("ctrl+end")
        await settle(pilot)
        last = next(line for line in reversed(screen_text(app)) if "step 10000" in line)
        assert " 10000 " in last  # the step number is not cut to "10"


async def test_board_next_update_cell_is_never_cut_inside_its_brackets(incident, store, make_app, clock):
    store.change(incident.number, lambda inc, now, by: inc.log_update("email", "first", now.add(hours=1), now, by))
    clock.advance(days=1, hours=4)  # 1 d 3 h late: "1 d 3 h late (Mon 11:00)" is 24 cells, the column 22
    app = make_app()
    app.bell = lambda: None
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        row = next(line for line in screen_text(app) if "M-1" in line and "OVERDUE" not in line)  # not the banner
        assert row.lstrip().startswith("1 d 3 h late (…)")
        due = row.lstrip()[:22]
        assert due.count("(") == due.count(")")


def test_due_cell_leaves_out_a_time_that_does_not_fit_whole(clock):
    countdown = Countdown.at(clock().add(days=2, hours=5), clock())
    assert due_words(countdown, 40)[0] == "in 2 d 5 h (Wed 15:00)"
    assert due_words(countdown, 20)[0] == "in 2 d 5 h (…)"
    assert due_words(countdown, 8)[0] == "in 2 d …"


# -- below the minimum size -------------------------------------------------------------------------

async def test_too_small_message_covers_the_console_and_goes_when_it_grows(incident, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("u")
        await settle(pilot)
        composer, field = app.screen, app.focused
        await pilot.press("home", *"Qzx ")
        await pilot.resize_terminal(40, 12)
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        said = " ".join(line.strip() for line in screen_text(app))
        assert f"mishap needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is 40×12" in said
        await pilot.press(*"abc", "question_mark")  # goes nowhere: no field is on screen, no help
        await pilot.resize_terminal(59, 30)
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        assert "this terminal is 59×30" in " ".join(line.strip() for line in screen_text(app))
        await pilot.resize_terminal(*MINIMUM)
        await settle(pilot)
        assert app.screen is composer and app.focused is field
        assert field.text.startswith("Qzx ") and "abc" not in field.text
        assert visible_lines(app, field) >= 1
        assert any("Qzx" in line for line in screen_text(app))
        await pilot.resize_terminal(120, 36)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    assert reread(folder).draft(incident.number)["section-happened"].startswith("Qzx ")


async def test_workspace_comes_back_whole_after_the_message(incident, make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_workspace(app, pilot)
        await pilot.press("u")
        await settle(pilot)
        await pilot.resize_terminal(40, 12)
        await settle(pilot)
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.resize_terminal(*MINIMUM)
        await settle(pilot)
        assert app.screen is screen and app.focused.id == "checklist-table"
        lines = screen_text(app)
        assert any("Checklist 0/26" in line for line in lines)  # the pane is not scrolled past its title
        assert visible_lines(app, app.focused) >= 2


async def test_starting_in_a_tiny_terminal_shows_the_message_then_the_board(incident, make_app):
    app = make_app()
    async with app.run_test(size=(30, 8)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        assert "this terminal is 30×8" in " ".join(line.strip() for line in screen_text(app))
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert any("M-1  Payroll" in line for line in screen_text(app))


# -- every form at the minimum size -------------------------------------------------------------------

FORMS = {
    # name: keys from the board that open it
    "new incident": ("n",),
    "composer": ("enter", "u"),
    "close form": ("enter", "c"),
    "add damage": ("enter", "a"),
    "damage edit": ("enter", "tab", "e"),
    "question": ("enter", "A"),
    "note": ("enter", "o"),
    "step note": ("enter", "e"),
    "promise": ("enter", "p"),
    "renegotiate": ("enter", "tab", "tab", "m"),
    "status picker": ("enter", "s"),
    "export": ("r", "enter", "e"),
}


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    """A store of the demo data, written once for the module: each form's test opens a copy."""
    folder = tmp_path_factory.mktemp("demo") / "store"
    fill_demo(Store.open(folder, clock=FakeClock(START), user="ana"))
    return folder


# Three consoles walk the forms (once a console per form): the workspace's forms are opened one after
# the other in a workspace (half of them in each of two consoles, so that no one test is long),
# left with escape each time, and the other two from the board. At the
# minimum size only: every terminal under 30 lines gets the forms' short layout (the -short size
# class; the width classes change nothing in a dialog), so a larger one such as 80x24 only gives
# the same layout more room.
_IN_THE_WORKSPACE = [name for name, keys in FORMS.items() if keys[0] == "enter"]
WALKS = {
    "from the workspace, one half": _IN_THE_WORKSPACE[0::2],
    "from the workspace, the other half": _IN_THE_WORKSPACE[1::2],
    "from the board and the review": [name for name, keys in FORMS.items() if keys[0] != "enter"],
}
FORM_CLASS = {"new incident": NewIncidentForm, "composer": ComposerScreen, "close form": CloseForm,
              "add damage": DamageForm, "damage edit": DamageForm, "question": QuestionForm, "note": TextForm,
              "step note": TextForm, "promise": PromiseForm, "renegotiate": RenegotiateForm,
              "status picker": PickerModal, "export": ExportForm}


async def open_form(pilot, name: str) -> None:
    """Press the keys that open the form ``name``: from the board, or (a workspace form, when the
    workspace is already open) from the workspace with its first pane focused, as it opens."""
    app, keys = pilot.app, FORMS[name]
    if keys[0] == "enter" and isinstance(app.screen, IncidentScreen):
        for _ in PANES:
            if getattr(app.focused, "id", None) == "checklist-table":
                break
            await pilot.press("tab")
            await pilot.pause()
        assert app.focused.id == "checklist-table", name
        keys = keys[1:]
    else:
        for _ in range(3):
            if isinstance(app.screen, BoardScreen):
                break
            await pilot.press("escape")
            await settle(pilot)
        assert isinstance(app.screen, BoardScreen), name
    await pilot.press(*keys)
    await settle(pilot)


@pytest.mark.parametrize("walk", WALKS)
async def test_every_form_keeps_each_focused_field_on_screen(demo_folder, folder, make_app, walk):
    shutil.copytree(demo_folder, folder)
    app = make_app()
    app.bell = lambda: None
    hidden = []
    async with app.run_test(size=MINIMUM) as pilot:
        await settle(pilot)
        for name in WALKS[walk]:
            await open_form(pilot, name)
            form = app.screen
            assert form.is_modal, name
            assert isinstance(form, FORM_CLASS[name]), (name, form)
            first, seen = app.focused, 0
            while True:  # every field the tab key reaches, once
                field = app.focused
                if field is None or visible_lines(app, field) < 1:
                    hidden.append((name, getattr(field, "id", None)))
                if isinstance(field, (Input, TextArea)):
                    await pilot.press("ctrl+e" if isinstance(field, TextArea) else "end", "Q")
                    assert "Q" in (field.text if isinstance(field, TextArea) else field.value), (name, field.id)
                await pilot.press("tab")
                await pilot.pause()
                seen += 1
                if app.focused is first or seen > 30:
                    break
            await pilot.press("escape")  # leaves the form; nothing typed is saved (the composer keeps a draft)
            await settle(pilot)
            assert app.screen is not form, name
    assert hidden == []
