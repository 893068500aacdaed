"""The board row keeps its title readable: the id and the title first, then short markers for who else is on
the incident and an update awaiting approval; the brief below the table says them in full; ``v`` is in the
footer while the highlighted incident has an update awaiting approval."""

from __future__ import annotations

import pytest

from storage.domain.presence import DRAFTING, LOOKING, Presence
from storage.store import open_presence
from tui.screens.approval import ApprovalScreen
from tui.screens.board_row import TITLE_KEEP, TITLE_MIN, row_title
from tui.text import literal
from tui.widgets.row_table import RowTable
from tui_support import screen_text, until

pytestmark = pytest.mark.usefixtures("writes_land")

# Markup, a closing tag and an escape sequence in the title: shown as typed, never obeyed.
TITLE = "Payroll [bold]file[/] sent\x1b[31m to the wrong client, twice over, with last month's rates"
SHOWN = literal(TITLE, multiline=False)
BREACH = "Report with another client's figures sent to the whole mailing list"


def row_on_screen(app, incident_id: str) -> str:
    """The board row of ``incident_id`` as drawn (the table is above the brief, which names it again)."""
    return next(line for line in screen_text(app).splitlines() if f" {incident_id}  " in line)


async def test_a_row_with_both_markers_keeps_its_title_at_every_width(store, make_app, clock, watched):
    # M-1 owes a hard deadline (GDPR), so the board has its "Owed" words; M-2 has tom drafting an update,
    # lee looking, and an update of sam's awaiting approval.
    breach = store.create(BREACH, "Marlow Ltd", 3)
    store.change(breach.number, lambda i, now, by: i.set_tags(["personal-data"], store.playbook.rules, now, by))
    marked = store.create(TITLE, "Acme Ltd", 1, client_contact="Maria Olsen")
    store.acting_as("sam").change(marked.number, lambda i, now, by: i.ask_approval("email", "Sorry.", None, now, by))
    store.create("Typo", "Beta GmbH", 4)  # a short title, nothing to mark
    others = open_presence(store)
    others.say(Presence("c-tom", "tom", marked.number, DRAFTING, "Maria Olsen", clock(), clock()))
    others.say(Presence("c-lee", "[b]lee\x07", marked.number, LOOKING, "", clock(), clock()))
    app = make_app()
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: "✎ tom" in row_on_screen(app, "M-2"), "the row marks tom drafting")
            table = app.screen.query_one("#board-table", RowTable)
            for width in (140, 120, 100, 80):
                await pilot.resize_terminal(width, 40)
                await until(pilot, lambda: len(screen_text(app).splitlines()[0]) <= width
                            and table.size.width == width, f"the board laid out at {width} columns")
                row = row_on_screen(app, "M-2")
                # The id, then the title's first 20 characters (as typed), then the markers, in that order.
                at = row.index(f"M-2  {SHOWN[:TITLE_KEEP]}")
                assert at < row.index("✎ tom +1") < row.index("⧗"), (width, row)
                assert "␛[31m" not in row[:at] and len(row) <= width, (width, row)
                keys = [c.key for c in table.columns]
                assert table.widths()[keys.index("title")] >= TITLE_MIN, (width, keys, table.widths())
                if width >= 120:  # the "Owed" column fits beside a readable title
                    assert keys[:2] == ["due", "owed"], (width, keys)
                    assert f"M-1  {BREACH[:TITLE_KEEP]}" in row_on_screen(app, "M-1"), width
                else:  # the owed words lead M-1's title instead: a hard deadline is never hidden
                    assert "owed" not in keys and "M-1  GDPR notice: 3 d left" in row_on_screen(app, "M-1"), width
                assert "M-3  Typo " in row_on_screen(app, "M-3")  # a short title whole, nothing marked
            # The brief below the table says in full who is there and what awaits approval.
            await pilot.resize_terminal(140, 40)

            async def highlight(number: int) -> None:
                await pilot.press("home", *["down"] * next(i for i, r in enumerate(table.rows) if r.number == number))
                await until(pilot, lambda: table.current.number == number, f"M-{number} highlighted")

            await highlight(marked.number)
            shown = screen_text(app)
            assert "Others      [b]lee␇ is here; tom is here · drafting an update to Maria Olsen" in shown
            assert "Approval    update to Acme Ltd by sam awaits approval (asked 10:00): v to read it" in shown
            footer = shown.splitlines()[-1]
            assert " v Approve " in footer, footer

            # v is offered only where it applies: not on M-3, nor in the palette there.
            await highlight(3)
            await until(pilot, lambda: " v Approve " not in screen_text(app).splitlines()[-1], "v leaves the footer")
            assert "Approval " not in screen_text(app) and "Others " not in screen_text(app)
            assert not any(c.title.startswith("Approve") for c in app.get_system_commands(app.screen))
            await pilot.press("v")  # nothing to approve here: nothing opens
            await pilot.pause()
            assert not isinstance(app.screen, ApprovalScreen)
            await highlight(marked.number)
            await until(pilot, lambda: " v Approve " in screen_text(app).splitlines()[-1], "v back in the footer")
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "v opens sam's update")
            assert app.screen.request.by == "sam"

            # tom and lee leave, sam's update is approved elsewhere: the markers go.
            others.leave("c-tom")
            others.leave("c-lee")
            await pilot.press("escape")
            store.change(marked.number, lambda i, now, by: i.approve_update(i.pending_updates()[0].number, now, by))
            app.presence.beat()
            await until(pilot, lambda: not {"✎", "◉", "⧗"} & set(row_on_screen(app, "M-2")), "the markers leave the row")
    finally:
        others.close()


def test_the_title_keeps_its_room_and_its_first_characters():
    # The title gives way to the markers down to its first 20 characters, then the markers shorten.
    title = "Payroll file sent to the wrong client"
    assert row_title("M-1  ", title, ("✎ tom  ⧗ approval",), 60) == f"M-1  {title} ✎ tom  ⧗ approval"
    marks = ("✎ tom  ⧗ approval", "✎ tom  ⧗")
    assert row_title("M-1  ", title, marks, 44) == "M-1  Payroll file sent to… ✎ tom  ⧗ approval"
    assert row_title("M-1  ", title, marks, 40) == "M-1  Payroll file sent to the… ✎ tom  ⧗"
    assert row_title("M-1  ", title, marks, 20) == "M-1  Payroll file sent to… ✎ tom  ⧗"  # the cell cuts the rest
    # Owed words leading a narrow row leave too little for 20 characters: the markers go whole, if some title shows.
    owed = "M-5  GDPR notice: 2 d 21 h left · "
    assert row_title(owed, title, ("✎ tom",), 50) == f"{owed}Payroll f… ✎ tom"
    assert row_title(owed, title, ("✎ tom",), 41) == f"{owed}Payroll file sent to… ✎ tom"  # the cell cuts it
    assert row_title("M-1  ", title, (), 20) == f"M-1  {title}"  # nothing marked: the cell cuts it, as before
    # Wide characters are measured in cells, control characters made visible.
    wide = row_title("M-1  ", "給与ファイルを別の顧客に送信しました、二回も", ("⧗",), TITLE_MIN)
    from rich.cells import cell_len
    assert TITLE_MIN - 1 <= cell_len(wide) <= TITLE_MIN and wide.endswith("… ⧗"), wide
    assert row_title("M-1  ", "a\x1bb", ("✎ \x07x",), 40) == "M-1  a␛b ✎ ␇x"
