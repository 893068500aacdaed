"""Snapshots of the close form and the review table (pinned size, fake clock, fixed store)."""

from __future__ import annotations

from textual.widgets import TextArea

from tui_support import HOSTILE, SIZE, close_one, seed, steady

def test_close_form_with_gaps(snap_compare, store, clock, make_app):
    seed(store, clock)

    async def form(pilot):
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        screen = pilot.app.screen
        screen.query_one("#root_cause", TextArea).text = "We copied last month's template; one pivot still pointed at the old sheet."
        screen.query_one("#prev-text-0").value = "Four-eyes check of every data source"
        screen.query_one("#prev-owner-0").value = "priya"
        screen.query_one("#prev-due-0").value = "2026-12-01"
        screen.query_one("#cost-hours").value = "6.5"
        screen.query_one("#cost-credits").value = "lots"
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=form)


def test_review_table(snap_compare, store, clock, make_app):
    close_one(store, clock, "Wrong VAT rate on invoices", "Oak & Ivy", 3, close_after=3 * 24 * 60)
    close_one(store, clock, "VAT rate wrong again", "Calder", 2, learned="client", ack=20, update=40,
              credits=300)
    close_one(store, clock, HOSTILE, "oak & ivy", 1, ack=2, update=12, close_after=120)
    close_one(store, clock, "DNS change took the booking site offline", "Seaview Physio", 1, ack=3, update=14,
              close_after=22 * 60)
    store.create("Still open", "Acme", 2)

    async def review(pilot):
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("down")
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=review)
