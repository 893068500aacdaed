"""The console and the command agree: the board's order is `mishap list`'s, and the read-only view
of a closed incident shows the report the export writes (cadence words, the one punctuality figure)."""

from __future__ import annotations

import io
import json

from rich.console import Console

from storage.readers.export import markdown
from storage.readers.report import build_report
from tui.cli import main
from tui.screens.closed_view import ClosedIncidentScreen
from tui.screens.review import ReviewScreen
from tui.widgets.row_table import RowTable

from tui_support import reread, table_rows

REASON = "Dana went quiet [bold]x"


async def test_board_and_list_share_one_urgency_order(store, make_app, folder, clock, capsys):
    quiet = []
    for title, severity in (("Typo in newsletter", 4), ("Payroll sent twice", 1), ("Wrong report", 3),
                            ("Late invoice", 2)):
        inc = store.create(title, "Acme", severity)
        store.change(inc.id, lambda i, now, by: i.log_update("email", "All said", None, now, by))
        quiet.append(inc)
    soon = store.create("Doubled order", "Beta", 4)  # first contact promised: it leads
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        board = [row[2].split()[0] for row in table_rows(app.screen.query_one("#board-table", RowTable))]
    assert main(["list", "--json", "--db", str(folder)]) == 0
    listed = [f"M-{row['number']}" for row in json.loads(capsys.readouterr().out)]
    # Nothing promised: the most severe first, as a responder scans for it.
    assert board == listed == [soon.id, "M-2", "M-4", "M-3", "M-1"]


async def test_closed_view_shows_the_report_the_export_writes(store, make_app, clock, folder, tmp_path,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    inc = store.create("Typo in the newsletter", "Acme", 4)  # cadence: the next working morning
    clock.advance(minutes=10)
    store.change(inc.id, lambda i, now, by: i.log_update("email", "Sorry", now.add(minutes=30), now, by))
    store.change(inc.id, lambda i, now, by: i.add_note("INTERNAL: nobody proofread it", now, by))
    clock.advance(hours=2)  # the update promised for +40 min never went out
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason=REASON))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, ClosedIncidentScreen)
        console = Console(width=116, record=True, file=io.StringIO())
        console.print(view.query_one("#view-report").content)
        shown = console.export_text()
        lines = {line.split("  ", 1)[0]: line.split("  ", 1)[-1].strip() for line in shown.splitlines()}
        assert lines["Update cadence"] == "next working morning"
        assert lines["Client updates"] == "1 of 2 promised updates went out on time (50%)"
        assert "every 0 s" not in shown and "1 of 1" not in shown
        assert REASON in shown and "INTERNAL: nobody proofread it" in shown  # the internal view
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ClosedIncidentScreen)
    written = (tmp_path / f"{inc.id}-post-incident.md").read_text(encoding="utf-8")
    stored = reread(folder).get(inc.number)
    assert written == markdown(build_report(stored, "internal"))  # the export renders the same model
    assert "| Update cadence | next working morning |" in written
    assert "1 of 2 promised updates went out on time (50%)" in written


async def test_closed_view_says_who_was_told_what_and_when(store, make_app, clock):
    inc = store.create("Payroll table to every branch", "Northwind", 2)
    clock.advance(minutes=10)
    store.change(inc.id, lambda i, now, by: i.set_tags(["personal-data"], store.playbook.rules, now, by))
    store.change(inc.id, lambda i, now, by: i.add_audience("Dana [b]Whitfield[/b]", "management", now, by))
    clock.advance(hours=5)
    store.change(inc.id, lambda i, now, by: i.log_update("phone", "Told Dana everything", None, now, by, audience=2))
    clock.advance(hours=70)  # the GDPR notice goes out a day late, with its reasons
    store.change(inc.id, lambda i, now, by: i.log_update("portal", "Notified", None, now, by, audience=1,
                                                         delay_reason="the table's reach was confirmed on day 3"))
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed in the test"))
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, ClosedIncidentScreen)
        console = Console(width=136, record=True, file=io.StringIO())
        console.print(view.query_one("#view-report").content)
        shown = console.export_text()
    lines = {line.split("  ", 1)[0]: line.split("  ", 1)[-1].strip() for line in shown.splitlines()}
    assert lines["Management told"].endswith("(5 h 10 min after discovery)")
    assert lines["Hard deadlines"] == "0 met of 1"
    assert "Who was told what, and when" in shown and "Dana [b]Whitfield[/b] (management)" in shown
    assert "GDPR notice: kept late — the table's reach was confirmed on day 3" in " ".join(shown.split())
