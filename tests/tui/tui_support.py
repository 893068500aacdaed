"""Helpers shared by the console tests (importable by name: tests/tui is on sys.path)."""

from __future__ import annotations

import pendulum
from rich.text import Text
from textual.widgets import DataTable

from storage.store.folder import Store

SIZE = (120, 36)  # snapshots and screenshots are taken at this pinned size
START = pendulum.datetime(2026, 11, 23, 9, 0, tz="UTC")


class FakeClock:
    """A clock the test moves by hand; the app and the store read it."""

    def __init__(self, start=START):
        self.instant = start

    def __call__(self):
        return self.instant

    def advance(self, **kwargs) -> None:
        self.instant = self.instant.add(**kwargs)


def reread(folder, clock=None) -> Store:
    """A fresh Store on the same folder: what is really on disk."""
    return Store.open(folder, clock=clock or FakeClock(), user="check")


def table_rows(table: DataTable) -> list[list[str]]:
    """Every row of a DataTable as plain strings."""
    rows = []
    for row_key in table.rows:
        rows.append([cell.plain if isinstance(cell, Text) else str(cell) for cell in table.get_row(row_key)])
    return rows


def toasts(app) -> list[str]:
    """The text of every notification currently shown."""
    return [str(n.message) for n in app._notifications]


def seed(store: Store, clock: FakeClock) -> list:
    """A small, fixed set of incidents for snapshots (times come from the fake clock)."""
    from storage.domain.model import DamageItem

    payroll = store.create("Payroll file sent with last month's rates", "Acme Ltd", 1, client_contact="Dana Reyes")
    store.change(payroll.number, lambda inc, now, by: inc.complete_step(0, now, by))
    store.change(payroll.number, lambda inc, now, by: inc.add_damage(
        DamageItem("212 payslips", "underpaid by 3%", 1, "confirmed"), now, by))
    store.change(payroll.number, lambda inc, now, by: inc.add_question("Did the bank file go out?", now, by))
    clock.advance(minutes=5)
    order = store.create("Purchase order doubled [PO-88]", "Beta GmbH", 3, client_contact="Jo")
    store.change(order.number, lambda inc, now, by: inc.log_update("phone", "Cancelled the copy", now.add(hours=3), now, by))
    clock.advance(minutes=5)
    return [payroll, order]


async def steady(pilot) -> None:
    """Before a snapshot: no blinking cursors, and every posted message handled."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


def screen_text(app) -> str:
    """The text of every segment the current screen draws: what goes to the terminal, minus styles."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)
