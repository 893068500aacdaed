"""The review of closed incidents (r): rows and metrics, sorting, filtering, summary, patterns,
the read-only view, export of both audiences with hostile text, reopen."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import Input, Label, Select

from storage.store import FolderStore
from tui.screens.closed_view import ClosedIncidentScreen
from tui.screens.export_form import ExportForm
from tui.screens.incident import IncidentScreen
from tui.screens.modals import TextForm
from tui.screens.review import ReviewScreen
from tui_support import HOSTILE, close_one, reread, settle, toasts, until

@pytest.fixture
def history(store, clock):
    """Three closed incidents (two for Oak & Ivy, two about a VAT rate) and one open one."""
    close_one(store, clock, "Wrong VAT rate on invoices", "Oak & Ivy", 3, ack=5, update=10, close_after=3 * 24 * 60)
    close_one(store, clock, "VAT rate wrong again", "Calder", 2, learned="client", ack=20, update=40, close_after=60,
              credits=300)
    close_one(store, clock, HOSTILE, "oak & ivy", 1, ack=2, update=12, close_after=120, reason=HOSTILE,
              note="INTERNAL: skipped the review")
    store.create("Still open", "Acme", 2)


async def open_review(app, pilot) -> ReviewScreen:
    await pilot.pause()
    await pilot.press("r")
    await settle(pilot)  # the patterns are worked out in a thread, after the rows are shown
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


def ids(screen: ReviewScreen) -> list[str]:
    """The incident ids in the order the table shows them (read off the screen)."""
    lines = screen.table.visible_text()[1:]
    return [next(w for w in line.split() if w.startswith("M-")) for line in lines if "M-" in line]


def summary(screen) -> str:
    return str(screen.query_one("#review-summary", Label).render())


def report_text(screen: ClosedIncidentScreen) -> str:
    console = Console(width=116, record=True, file=io.StringIO())
    console.print(screen.query_one("#view-report").content)
    return console.export_text()


async def test_every_closed_incident_with_its_metrics(history, make_app):
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        screen = await open_review(app, pilot)
        lines = screen.table.visible_text()
        assert lines[0].split()[:5] == ["Closed▼", "Sev", "Incident", "Client", "Open"]
        assert ids(screen) == ["M-3", "M-2", "M-1"]  # newest closed first; the open one is not here
        m1 = next(line for line in lines if "M-1 " in line)
        for cell in ("2026-11-26", "3d", "5m", "10m", "us", "100%"):
            assert cell in m1.split(), (cell, m1)
        m2 = next(line for line in lines if "M-2 " in line)
        for cell in ("1h", "20m", "40m", "client", "0%", "300+2h"):
            assert cell in m2.split(), (cell, m2)
        m3 = next(line for line in lines if "M-3 " in line)
        assert "a[/]b [bold]x | # `t` ␛[31m" in m3  # literally, the escape made visible
        assert summary(screen).startswith("3 closed · medians: open 2h, ack 5m, first contact 12m")
        assert "updates on time 67% (2 of 3)" in summary(screen)
        assert "client found out first: 1" in summary(screen) and "promises broken: 1" in summary(screen)


async def test_patterns_are_flagged_and_explained(history, make_app):
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        screen = await open_review(app, pilot)
        lines = {line.split("M-")[1].split()[0]: line for line in screen.table.visible_text()[1:] if "M-" in line}
        assert "⚑ M-1" in lines["1"] and "⚑ M-2" in lines["2"]  # same kind: "rate" and "vat"
        assert "⚑ Oak & Ivy" in lines["1"] and "⚑ oak & ivy" in lines["3"]  # same client
        assert "⚑ Calder" not in lines["2"]
        assert "same kind of mistake" in str(screen.query_one("#review-legend", Label).render())
        await pilot.press("p")
        await pilot.pause()
        assert sorted(ids(screen)) == ["M-1", "M-2", "M-3"]
        await pilot.press("escape")  # clears the pattern filter, stays on the review
        await pilot.pause()
        assert app.screen is screen


async def test_sort_by_key_and_by_clicking_a_header(history, make_app, folder):
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        screen = await open_review(app, pilot)
        await pilot.press("s")  # next column: client, A→Z
        await pilot.pause()
        assert screen.query_state.sort == "client" and ids(screen)[0] == "M-2"
        assert "Client▲" in screen.table.visible_text()[0]
        await pilot.press("S")
        await pilot.pause()
        assert ids(screen)[-1] == "M-2" and "Client▼" in screen.table.visible_text()[0]
        header = screen.table.visible_text()[0]
        await pilot.click("#review-table", offset=(header.index("Sev") + 1, 0))
        await pilot.pause()
        assert screen.query_state.sort == "sev" and ids(screen) == ["M-3", "M-2", "M-1"]
        await pilot.click("#review-table", offset=(header.index("Sev") + 1, 0))
        await pilot.pause()
        assert ids(screen) == ["M-1", "M-2", "M-3"]
        await pilot.click("#review-table", offset=(header.index("Contact") + 1, 0))  # worst first
        await pilot.pause()
        assert ids(screen) == ["M-2", "M-3", "M-1"]


async def test_filter_by_text_client_and_severity(history, make_app):
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        screen = await open_review(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert screen.focused is screen.query_one("#filter-text", Input)
        await pilot.press(*"vat")
        await pilot.pause()
        assert ids(screen) == ["M-2", "M-1"]
        assert summary(screen).startswith("2 shown of 3 closed")
        screen.query_one("#filter-client", Input).value = "OAK"
        await pilot.pause()
        assert ids(screen) == ["M-1"]
        screen.query_one("#filter-text", Input).value = ""
        screen.query_one("#filter-sev", Input).value = "1-2"
        await pilot.pause()
        assert ids(screen) == ["M-3"]
        screen.query_one("#filter-sev", Input).value = "9"
        await pilot.pause()
        assert "severity: use 1-4" in str(screen.query_one("#review-problem", Label).render())
        assert ids(screen) == ["M-3"]  # the last good filter stays
        screen.query_one("#filter-client", Input).value = "nobody"
        screen.query_one("#filter-sev", Input).value = ""
        await pilot.pause()
        assert ids(screen) == [] and "nothing matches the filter" in summary(screen)
        await pilot.press("escape")
        await pilot.pause()
        assert ids(screen) == ["M-3", "M-2", "M-1"] and summary(screen).startswith("3 closed")
        assert not screen.query_one("#review-filter").display
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)


async def test_enter_opens_a_read_only_view(history, make_app, store, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_review(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, ClosedIncidentScreen) and view.number == 3
        text = report_text(view)
        for part in ("How it went", "Damage assessment", "Client updates sent", "Promises", "Close-out",
                     "Timeline (", "INTERNAL: skipped the review", "Closed anyway", "we did, and told them",
                     "same client: 2 closed incidents"):
            assert part in text, part
        assert HOSTILE.replace("\x1b", "␛") in text
        before = reread(folder).get("M-3").to_dict()
        for key in ("u", "space", "a", "c", "o", "s"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is view
        assert reread(folder).get("M-3").to_dict() == before
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_export_both_audiences_with_hostile_text(history, make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default folder is the current one
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_review(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ExportForm)
        assert form.query_one("#path", Input).value == "M-3-post-incident.md"
        await pilot.press("ctrl+s")
        await pilot.pause()
        internal = (tmp_path / "M-3-post-incident.md").read_text(encoding="utf-8")
        assert any(f"Report written to {tmp_path / 'M-3-post-incident.md'}" in t for t in toasts(app))
        assert internal.startswith("# Post-incident report: M-3 — a\\[/\\]b \\[bold\\]x \\| \\# \\`t\\` ␛\\[31m 💥\n")
        assert "\x1b" not in internal
        assert "INTERNAL: skipped the review" in internal and "## Closed with the close-out incomplete" in internal
        assert "## Promises" in internal and "Promised updates on time" in internal

        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        form.query_one("#audience", Select).value = "client"
        await pilot.pause()
        assert form.query_one("#path", Input).value == "M-3-post-incident-client.md"
        await pilot.press("ctrl+s")
        await pilot.pause()
        client = (tmp_path / "M-3-post-incident-client.md").read_text(encoding="utf-8")
        assert "INTERNAL" not in client and "Cost (internal)" not in client
        assert "Closed with the close-out incomplete" not in client and "reason:" not in client
        assert "*Prepared for the client.*" in client and "\x1b" not in client
        headings = [line for line in client.splitlines() if line.startswith("# ")]
        assert len(headings) == 1

        await pilot.press("e")  # the same name again: asks before replacing
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExportForm)
        assert "M-3-post-incident.md exists: ctrl+s again replaces it" in str(
            app.screen.query_one("#form-error", Label).render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ClosedIncidentScreen)


async def test_reopen_from_the_read_only_view(history, make_app, folder):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        await pilot.press("down", "enter")  # M-2
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, TextForm)
        await pilot.press(*"Calder found more")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen) and app.screen.number == 2
        reopened = reread(folder).get("M-2")
        assert not reopened.is_closed and reopened.timeline[-1].text.endswith("— Calder found more")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and ids(screen) == ["M-3", "M-1"]


async def test_a_close_by_another_process_appears(history, make_app, folder, clock, watched):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        other = FolderStore.open(folder, clock=clock, user="bo")
        clock.advance(minutes=1)
        other.change("M-4", lambda i, now, by: i.close(now, by, reason="from a script"))
        await until(pilot, lambda: ids(screen)[0] == "M-4", "the review shows the close made elsewhere")
        assert summary(screen).startswith("4 closed")


async def test_hundreds_of_rows_scroll_and_open_the_right_one(store, clock, make_app, folder):
    from storage.store import write_atomically
    from storage.store.folder.files import dump_tinydb

    close_one(store, clock, "Template", "Client", 2)
    doc = store.get("M-1").to_dict()
    docs = {}
    for n in range(1, 301):
        closed_at = pendulum_iso(doc["closed_at"], minutes=n)
        docs[str(n)] = dict(doc, number=n, title=f"Incident number {n}", closed_at=closed_at)
    write_atomically(folder / "closed.json", dump_tinydb({"incidents": docs}))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        table = screen.table
        assert len(screen.shown) == 300
        lines = table.visible_text()
        assert len(lines) == table.scrollable_content_region.height < 40  # only what is on screen
        assert ids(screen)[0] == "M-300"
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor == 299 and ids(screen)[-1] == "M-1"
        await pilot.press("pageup")
        await pilot.pause()
        assert table.cursor == 299 - table.page
        assert f"M-{300 - table.cursor}" in ids(screen)
        await pilot.press("home", "down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ClosedIncidentScreen) and app.screen.number == 298
        assert "Incident number 298" in str(app.screen.query_one("#view-title", Label).render())


def pendulum_iso(text: str, **shift) -> str:
    import pendulum

    return pendulum.parse(text).add(**shift).isoformat()


async def test_no_closed_incidents_yet(store, make_app, folder):
    store.create("Still open", "Acme", 2)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(app, pilot)
        assert summary(screen) == "No closed incidents yet: c in an incident's workspace closes one."
        assert ids(screen) == [] and not app.store.review_changed()
        await pilot.press("enter", "s", "p")  # nothing to open, sort or flag: no error
        await pilot.pause()
        assert app.screen is screen
    assert not (folder / "closed.json").exists()
