"""Toasts and dialogs: no toast hides a dialog's keys.

An overdue toast says what the overdue banner says: while a dialog is open none is raised (the
bell still rings), one showing is taken back when a dialog opens, and only a screen without the
banner (the review) is told when the dialog closes. Any other toast over a dialog is drawn at the
top of the screen, clear of the key line at the dialog's bottom.
"""

from __future__ import annotations

import pytest
from textual.widgets._toast import Toast

from tui.screens.board import BoardScreen
from tui.screens.composer import ComposerScreen
from tui.screens.help import HelpScreen
from tui.screens.incident import IncidentScreen
from tui.screens.review import ReviewScreen
from tui_support import notices, reread, screen_text, settle, until

COMPOSER_KEYS = "ctrl+s mark sent · f4 email it · f2 copy · f3 save to file · escape close (the draft is kept)"
COMPOSER_KEYS_SHORT = "ctrl+s mark sent · f4 email it · f2 copy"  # the line wraps at 80 columns

# How to reach each dialog from the board with one open incident, and the key line at its bottom.
DIALOGS = {
    "composer": (("N",), COMPOSER_KEYS_SHORT),
    "new incident form": (("n",), "ctrl+s save  ·  escape cancel"),
    "status picker": (("enter", "s"), "enter pick  ·  escape cancel"),
    "close form": (("enter", "c"), "ctrl+s close incident  ·  ctrl+o save, keep open  ·  escape cancel"),
    "help": (("question_mark",), None),  # keys from top to bottom: none of them may be hidden either
}


@pytest.fixture(autouse=True)
def bell_only(folder):
    """Reminders ring the bell (the same bytes on every machine)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: no warning about its mode among the toasts
    (folder / "config.toml").write_text('[notifications]\nmethod = "bell"\n', encoding="utf-8")


def row_of(app, text: str) -> int:
    """The screen row on which ``text`` is drawn whole (fails if it is not)."""
    rows = [i for i, line in enumerate(screen_text(app).splitlines()) if text in line]
    assert rows, f"not on screen: {text!r}\n{screen_text(app)}"
    return rows[0]


async def test_the_overdue_toast_of_start_up_is_taken_back_when_a_dialog_opens(store, make_app, clock):
    late = store.create("Payroll sent twice", "Acme Ltd", 1)  # first contact due in 15 min
    clock.advance(minutes=16)
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await until(pilot, lambda: f"Client update overdue: {late.id}" in screen_text(app), "the overdue toast")
        await pilot.press("N")  # a holding update: the composer opens over the board
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)
        shown = screen_text(app)
        assert COMPOSER_KEYS in shown  # the key line whole, and the field above it
        assert f"{late.id}-update-1.txt" in shown
        assert "Client update overdue" not in shown
        # Gone from the board below too, not left for its timer to take away (a full redraw then).
        board = app.screen_stack[-2]
        assert isinstance(board, BoardScreen)
        assert [t for t in board.query(Toast) if "overdue" in str(t.render()).lower()] == []
        await pilot.press("escape")
        await pilot.pause()
        shown = screen_text(app)
        assert f"‼ OVERDUE  {late.id}" in shown  # the banner still says it
        assert "Client update overdue" not in shown  # and the toast does not come back


async def test_a_promise_falling_due_under_a_dialog_rings_but_raises_no_toast(store, make_app, clock, folder):
    incident = store.create("Payroll sent twice", "Acme Ltd", 1)
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)
        clock.advance(minutes=16)
        app.tick()
        await settle(pilot)
        shown = screen_text(app)
        assert COMPOSER_KEYS in shown and f"{incident.id}-update-1.txt" in shown
        assert "Promise overdue" not in shown and "First contact with the client" not in shown
        assert notices(app) == [b"\x07"]  # the bell rang all the same
        await pilot.press("escape")
        await pilot.pause()
        shown = screen_text(app)
        assert f"‼ OVERDUE  {incident.id}" in shown  # the banner says it on the board
        assert "Promise overdue" not in shown and "Client update overdue" not in shown
    assert reread(folder).get(incident.id).promises[0].state() == "broken"  # recorded as before


async def test_a_screen_without_the_banner_is_told_when_the_dialog_closes(store, make_app, clock):
    incident = store.create("Payroll sent twice", "Acme Ltd", 1)
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        clock.advance(minutes=16)
        app.tick()
        await settle(pilot)
        assert "overdue" not in screen_text(app).lower()
        await pilot.press("escape")
        await until(pilot, lambda: f"Client update overdue: {incident.id}" in screen_text(app),
                    "the overdue toast on the review, which has no banner")
        assert isinstance(app.screen, ReviewScreen)


async def test_a_reminder_on_a_screen_without_a_dialog_is_a_toast_as_before(store, make_app, clock):
    incident = store.create("Payroll sent twice", "Acme Ltd", 1)
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        clock.advance(minutes=16)
        app.tick()
        await until(pilot, lambda: f"{incident.id} First contact with the client" in screen_text(app),
                    "the reminder's toast on the board")


async def to_the_board(pilot) -> None:
    """Escape until the board shows (a dialog, then the workspace)."""
    for _ in range(3):
        if isinstance(pilot.app.screen, BoardScreen):
            return
        await pilot.press("escape")
        await settle(pilot)
    assert isinstance(pilot.app.screen, BoardScreen), pilot.app.screen


# One console per size opens each dialog in turn (once a console per dialog and size): from the
# board, or the close form from the workspace the status picker left open. The toasts of one
# dialog are cleared before the next, so each toast checked is the one raised over its dialog.
@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
async def test_a_toast_over_a_dialog_is_drawn_above_its_keys(store, make_app, size):
    store.create("Payroll sent twice", "Acme Ltd", 1)
    app = make_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        for dialog, (keys, key_line) in DIALOGS.items():
            if keys[0] == "enter" and isinstance(app.screen, IncidentScreen):
                keys = keys[1:]  # the workspace is open already
            else:
                await to_the_board(pilot)
            await pilot.press(*keys)
            await settle(pilot)
            assert app.screen.is_modal, dialog
            assert "Saved a copy" not in screen_text(app), dialog  # the last dialog's toast is gone
            app.notify("Saved a copy", title="Note")
            await until(pilot, lambda: "Saved a copy" in screen_text(app), f"the toast over the {dialog}")
            assert row_of(app, "Saved a copy") < len(screen_text(app).splitlines()) // 2, dialog  # in the top half
            if key_line:
                row_of(app, key_line)  # whole on screen
            app.clear_notifications()
            await pilot.press("escape")
            await settle(pilot)
            assert not app.screen.is_modal, dialog


async def test_a_toast_over_the_first_question_leaves_its_answers_in_view(folder, make_app):
    app = make_app(offer_demo=True)  # an empty store: the demo set is offered
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.notify("Saved a copy", title="Note")
        await until(pilot, lambda: "Saved a copy" in screen_text(app), "the toast")
        assert row_of(app, "Saved a copy") < row_of(app, "y yes  ·  n no")
