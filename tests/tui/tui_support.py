"""Helpers shared by the console tests (importable by name: tests/tui is on sys.path).

Everything here reads the console through Textual's public API: the Notify message for toasts,
``export_screenshot`` for what the terminal is sent, the worker manager for background work.
"""

from __future__ import annotations

import asyncio
import html
import re
import time

import pendulum
from rich.cells import cell_len
from rich.text import Text
from support.clock import FakeClock
from textual import on
from textual.notifications import Notification, Notify
from textual.widgets import DataTable

from tui.widgets.row_table import RowTable

from storage.domain.parts import Cost
from storage.store import FolderStore
from tui.app import WATCH_GROUP, MishapApp

SIZE = (120, 36)  # snapshots and screenshots are taken at this pinned size
START = pendulum.datetime(2026, 11, 23, 9, 0, tz="UTC")
HOSTILE = "a[/]b [bold]x | # `t` \x1b[31m 💥"  # markup, a pipe, a heading mark, backticks, an escape, an emoji


class ObservedApp(MishapApp):
    """The console as users run it, plus a record of the toasts it raised.

    Textual keeps the toasts being shown in a private list; the Notify message that carries each
    one to the app is public, so the record is kept from it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.raised: list[Notification] = []
        self.written: list[bytes] = []  # every byte mishap itself sent the terminal, in order

    def write_to_terminal(self, data: bytes) -> None:
        self.written.append(data)
        super().write_to_terminal(data)

    @on(Notify)
    def _record(self, message: Notify) -> None:
        self.raised.append(message.notification)


def notices(app: ObservedApp) -> list[bytes]:
    """What mishap wrote to the terminal to notify (each ends with the bell), leaving out the title sequences."""
    return [data for data in app.written if not data.startswith((b"\x1b]0;", b"\x1b[22;", b"\x1b[23;"))]


def reread(folder, clock=None) -> FolderStore:
    """A fresh FolderStore on the same folder: what is really on disk."""
    return FolderStore.open(folder, clock=clock or FakeClock(START), user="check")


def table_rows(table: DataTable | RowTable) -> list[list[str]]:
    """Every row of a table as plain strings (a RowTable's before they are cut to their column)."""
    if isinstance(table, RowTable):
        return [[text for text, _ in table.cells(row)] for row in table.rows]
    rows = []
    for row_key in table.rows:
        rows.append([cell.plain if isinstance(cell, Text) else str(cell) for cell in table.get_row(row_key)])
    return rows


def put_cursor(table: RowTable, key: str) -> None:
    """Move a pane's cursor to the row with ``key`` (as the arrow keys would)."""
    table.cursor = next(i for i, row in enumerate(table.rows) if row.key == key)


def toasts(app: ObservedApp) -> list[str]:
    """The text of every toast raised so far.

    Whether its timeout has run out is not asked: that is wall-clock time, so the answer would
    depend on how fast the machine ran the test (a 3 s toast is gone after a slow step).
    """
    return [str(n.message) for n in app.raised]


def seed(store: FolderStore, clock: FakeClock) -> list:
    """A small, fixed set of incidents for snapshots (times come from the fake clock)."""
    from storage.domain.parts import DamageItem

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


def close_one(store, clock: FakeClock, title, client, severity, *, learned="us", ack=5, update=10, close_after=60,
              reason="closed for the test", note=None, credits=0):
    """A closed incident with known times (minutes after its discovery)."""
    inc = store.create(title, client, severity, first_learned_by=learned)
    start = clock.now
    clock.advance(minutes=ack)
    store.change(inc.id, lambda i, now, by: i.acknowledge(now, by))
    clock.set(start.add(minutes=update))
    store.change(inc.id, lambda i, now, by: i.log_update("phone", f"Told {client}", None, now, by))
    if note:
        store.change(inc.id, lambda i, now, by: i.add_note(note, now, by))
    if credits:
        store.change(inc.id, lambda i, now, by: i.set_cost(Cost(2, credits, 50), now, by))
    clock.set(start.add(minutes=close_after))
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason=reason))
    clock.advance(minutes=30)
    return inc


async def steady(pilot) -> None:
    """Before a snapshot: no blinking cursors, and every posted message handled."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


async def settle(pilot) -> None:
    """Until no worker runs (a write, a review build, an index write, a palette search) and what they posted
    is handled; the store's watcher runs as long as the app, so it is not waited for.

    Waits on the workers themselves, not on a guess of how long they take.
    """
    while running := [w for w in pilot.app.workers if not w.is_finished and w.group != WATCH_GROUP]:
        # A cancelled search raises WorkerCancelled here: it is finished all the same. A failed
        # worker has already been reported by the app, and run_test raises it on exit.
        await asyncio.gather(*(w.wait() for w in running), return_exceptions=True)
        await pilot.pause()
    await pilot.pause()


async def until(pilot, condition, what: str, guard: float = 60) -> None:
    """Let the app run, a message round at a time, until ``condition()`` holds; fail naming ``what``.

    ``guard`` seconds is a guard against hanging, not a speed test: a busy machine only makes it
    take longer (a count of rounds would run out sooner when a thread, not the loop, is slow).
    """
    give_up = time.monotonic() + guard
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"never happened: {what}")
        await pilot.pause()


_TEXT = re.compile(r"<text ([^>]*)>(.*?)</text>", re.S)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def screen_text(app) -> str:
    """The characters of the current screen as the terminal is sent them, one line per row, without styles.

    Read from ``export_screenshot`` (the SVG of a full redraw): each drawn run of text is an
    element with its column (x over the cell width) and its row (its clip path names the line).
    A run of spaces is not drawn, so each run is placed at its column (wide characters fill two).
    """
    height = app.size.height
    rows, cells = [""] * height, [0] * height  # a row's text, and how many cells it fills
    for attributes, body in _TEXT.findall(app.export_screenshot()):
        attr = dict(_ATTR.findall(attributes))
        if "clip-path" not in attr:
            continue  # the window title drawn above the terminal, not a cell of it
        text = html.unescape(body).replace("\xa0", " ")  # the SVG spells every space as &#160;
        if text == "\n":
            continue  # the line break after each row
        row = int(attr["clip-path"].rsplit("-line-", 1)[1].rstrip(")"))
        column = round(float(attr["x"]) / (float(attr["textLength"]) / len(text)))  # x is in cells
        rows[row] += " " * (column - cells[row]) + text
        cells[row] = column + cell_len(text)
    return "\n".join(rows)
