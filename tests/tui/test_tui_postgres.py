"""The console on a PostgreSQL store, against a real server: another responder's change shows up
by itself, and when the server goes away the header says so, a write is refused, and the console
comes back to the latest state without a restart."""

from __future__ import annotations

import asyncio

from tui.widgets.row_table import RowTable
from tui_support import ObservedApp, table_rows

from storage.store import open_store


async def _until(pilot, condition, what: str, seconds: float = 60) -> None:
    """Let the app run until ``condition()`` holds: a real server's events take real time (backoff)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}")


def _titles(app) -> list[str]:
    return [row[2] for row in table_rows(app.screen.query_one("#board-table", RowTable))]


async def test_the_console_on_postgres_follows_the_team_and_survives_a_server_restart(
        pg_own_server, pg_url, pg_admin, clock, watched):
    ours = open_store(pg_url, clock=clock, user="ana")
    ours.create("Invoices doubled for March", "Acme Ltd", 2)
    app = ObservedApp(pg_url, clock=clock, user="ana", offer_demo=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await _until(pilot, lambda: any("Invoices doubled" in t for t in _titles(app)), "the board shows M-1")
        # Another responder, on another machine as far as the console knows.
        theirs = open_store(pg_url, clock=clock, user="omar")
        theirs.create("Payroll sent twice", "Beta GmbH", 1)
        await _until(pilot, lambda: any("Payroll sent twice" in t for t in _titles(app)),
                     "another responder's incident appears without a key pressed")

        pg_admin.close()
        await asyncio.to_thread(pg_own_server.stop)
        try:
            await _until(pilot, lambda: "OFFLINE" in app.title, "the header says the server is offline")
            written = await app.write(1, lambda inc, now, by: inc.add_note("typed while offline", now, by))
            assert not written.ok and "offline" in written.message
        finally:
            await asyncio.to_thread(pg_own_server.begin)
        later = open_store(pg_url, clock=clock, user="omar")
        later.change(2, lambda inc, now, by: inc.set_status("contained", now, by))
        await _until(pilot, lambda: app.title == "mishap", "the header says it is back")
        await _until(pilot, lambda: any(row[4] == "contained" for row in table_rows(app.screen.query_one("#board-table", RowTable))),
                     "the board shows the change made while it was away")
    notes = [t.text for t in open_store(pg_url, clock=clock).get(1).timeline if t.kind == "note"]
    assert notes == []  # the refused write wrote nothing
    for store in (ours, theirs, later):
        store.close()
