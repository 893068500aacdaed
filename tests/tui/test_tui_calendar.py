"""The console keeps the user's calendar file current: after its own writes and after others' changes it
sees, on a folder and on PostgreSQL; a file that is not mishap's is left alone with one toast.

Every wait is for the file's content to change (a condition), never a fixed time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pendulum
import pytest
from icalendar import Calendar

from storage.readers.calendar import PRODID
from storage.store import open_store
from tui.calendar_file import CalendarKeeper
from tui.widgets.row_table import RowTable
from tui_support import ObservedApp, toasts, until

ROOT = Path(__file__).resolve().parents[2]


def summaries(path: Path) -> list[str] | None:
    """The events' summaries of the file, sorted; None while there is no file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    calendar = Calendar.from_ical(data)
    assert str(calendar["prodid"]) == PRODID
    return sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))


@pytest.fixture
def calendar_file(tmp_path, monkeypatch) -> Path:
    """The user's own config (in tmp_path) names a calendar file in a synced folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "conf"))
    path = tmp_path / "synced" / "mishap.ics"
    path.parent.mkdir()
    config = tmp_path / "conf" / "mishap" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[calendar]\nfile = "{path}"\n')
    return path


@pytest.fixture
def rewrites(monkeypatch) -> list[int]:
    """How many times the console brought the file up to date (each rewrite, counted as it returns)."""
    done: list[int] = []
    rewrite = CalendarKeeper.rewrite

    def counted(self, incidents):
        result = rewrite(self, incidents)
        done.append(1)
        return result

    monkeypatch.setattr(CalendarKeeper, "rewrite", counted)
    return done


@pytest.mark.parametrize("backend", ["folder", "postgres"])
async def test_the_file_follows_a_key_press_and_another_responders_change(backend, request, folder, clock,
                                                                         calendar_file, rewrites, watched):
    spec = str(folder) if backend == "folder" else request.getfixturevalue("pg_url")
    ours = open_store(spec, clock=clock, user="ana")
    inc = ours.create("Payroll file sent twice", "Acme Ltd", 1)
    ours.change(inc.number, lambda i, now, by: i.add_promise("credit note", now + pendulum.duration(hours=3), now, by))
    app = ObservedApp(spec, clock=clock, user="ana", offer_demo=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: summaries(calendar_file) == ["M-1: credit note to Acme Ltd",
                                                                "M-1: update to Acme Ltd"],
                    "the file written at start")
        # A burst of changes: one rewrite for it (and none per change).
        await until(pilot, lambda: not app.calendar.busy, "the first rewrite done")
        before = len(rewrites)
        for _ in range(5):
            app.store_changed()
        await until(pilot, lambda: not app.calendar.busy, "the burst written")
        assert len(rewrites) == before + 1

        await pilot.press("enter")
        await until(pilot, lambda: app.screen.query("#promises-table"), "the workspace")
        app.screen.query_one("#promises-table", RowTable).focus()
        await pilot.press("down", "x")  # keep the credit note
        await until(pilot, lambda: summaries(calendar_file) == ["M-1: update to Acme Ltd"],
                    "the kept promise left the file")

        theirs = open_store(spec, clock=clock, user="omar")
        theirs.change(1, lambda i, now, by: i.add_promise("refund", now + pendulum.duration(hours=2), now, by))
        await until(pilot, lambda: summaries(calendar_file) == ["M-1: refund to Acme Ltd", "M-1: update to Acme Ltd"],
                    "another responder's promise reached the file")
        assert not [t for t in toasts(app) if "alendar" in t]

        # The user points the file at their own notes: left alone, one toast, the changes saved all the same.
        await until(pilot, lambda: not app.calendar.busy, "the last rewrite done")
        calendar_file.write_text("my own notes")
        for title in ("Another", "And another"):
            assert (await app.create(title, "Beta GmbH", 2)).ok
            await until(pilot, lambda: not app.calendar.busy, "the rewrite tried")
        assert sum("not an iCalendar file mishap wrote" in t for t in toasts(app)) == 1
        assert calendar_file.read_text() == "my own notes"
    assert [i.title for i in open_store(spec, clock=clock).open_incidents()][-2:] == ["Another", "And another"]
    for store in (ours, theirs):
        store.close()


def test_icalendar_loads_at_start_only_when_a_calendar_is_configured(tmp_path):
    # A process of its own: this test process has imported icalendar already.
    script = textwrap.dedent(f"""
        import asyncio, sys
        from support.clock import FakeClock
        from tui.app import MishapApp

        async def main():
            app = MishapApp({str(tmp_path / "store")!r}, clock=FakeClock(), user="ana", offer_demo=False)
            async with app.run_test(size=(120, 36)) as pilot:
                await pilot.pause()
                while app.calendar.busy:
                    await pilot.pause()
                print(app.calendar.keeper, "icalendar" in sys.modules)

        asyncio.run(main())
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=dict(os.environ, MISHAP_HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "c"),
                                   PYTHONPATH=os.pathsep.join((str(ROOT), str(ROOT / "tests")))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["False False"]
