"""Export README screenshots (SVG) from the real app on the demo data: ``python -m tui.screenshots``."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import pendulum

from storage.domain.presence import DRAFTING, Presence
from storage.readers.demo import fill_demo
from storage.store import FolderStore, open_presence

from .app import MishapApp

# A fixed instant and zone, so regenerating changes a picture only when the UI changed.
MOMENT = pendulum.datetime(2026, 11, 23, 14, 0, tz="UTC")
ZONE = "Europe/London"
SIZE = (120, 36)


async def _shoot(folder: Path, out: Path) -> list[Path]:
    app = MishapApp(folder, clock=lambda: MOMENT, user="ana", offer_demo=False)
    app.bell = lambda: None
    shots: list[Path] = []

    async def save(pilot, name: str) -> None:
        for widget in app.screen.query("Input, TextArea"):
            widget.cursor_blink = False
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()
        path = out / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(out))
        shots.append(path)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await save(pilot, "board")
        await pilot.press("enter")
        await pilot.pause()
        await save(pilot, "workspace-overdue")
        await pilot.press("tab", "tab", "tab", "tab", "down", "down", "down")  # to the supervisory authority
        await pilot.pause()
        await save(pilot, "workspace-audiences")
        await pilot.press("u")  # an update to the regulator: its own prefill
        await pilot.pause()
        await pilot.pause()
        await save(pilot, "regulator-update")
        await pilot.press("escape", "escape", "down", "down", "enter")
        await pilot.pause()
        await save(pilot, "workspace")
        await pilot.press("Z")  # the client's time zone: promise times in theirs and ours
        await pilot.pause()
        app.screen.query_one("#text").value = "America/New_York"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        await save(pilot, "workspace-zones")
        await pilot.press("u")
        await pilot.pause()
        await pilot.press(*"Resend is stopped; corrected file goes out by 15:00, checked by Priya.")
        await save(pilot, "client-update")
        await pilot.press("escape", "escape", "question_mark")
        await pilot.pause()
        await save(pilot, "help")
        await pilot.press("escape", "r")
        await pilot.pause()
        await save(pilot, "review")
        await pilot.press("g")  # the month-by-month chart (textual-plot, loaded now)
        await pilot.pause()
        await pilot.pause()
        await save(pilot, "review-chart")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        await save(pilot, "closed-incident")
        await pilot.press("escape", "escape", "enter", "c")
        await pilot.pause()
        form = app.screen
        form.query_one("#root_cause").text = ("The vendor renamed the overtime column; our import mapped both "
                                              "the old and the new name.")
        form.query_one("#fix").text = "Corrected the six draft invoices before any went out."
        form.query_one("#prev-text-0").value = "Import refuses a file whose columns changed since the last run"
        form.query_one("#prev-owner-0").value = "jonas"
        form.query_one("#prev-due-0").value = "2026-11-30"
        form.query_one("#cost-hours").value = "7.5"
        await save(pilot, "close-form")
    return shots


def _team_at_work(store) -> None:
    """Others on the store while the pictures are taken: tom drafting to Northwind (M-5), and an update of
    jonas's to Kessler & Vogt (M-7) awaiting someone else's approval."""
    board = open_presence(store)
    board.say(Presence("screenshot-tom", "tom", 5, DRAFTING, "Northwind Dental Group", MOMENT, MOMENT))
    board.close()

    def ask(incident, now, by):
        incident.ask_approval("email", "The corrected invoices are ready; we send them to you at 16:00 today.",
                              None, now, by, email=True, author_address="jonas@example.com")

    store.acting_as("jonas").change(7, ask)


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots into ``screenshots/`` (or --out)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "screenshots"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pendulum.set_local_timezone(pendulum.timezone(ZONE))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "store"
        store = FolderStore.open(folder, clock=lambda: MOMENT, user="ana")
        fill_demo(store)
        _team_at_work(store)
        for path in asyncio.run(_shoot(folder, out)):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
