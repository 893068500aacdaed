"""Snapshots of the main screens at a pinned size, on a fixed store and a fake clock."""

from __future__ import annotations

from tui_support import SIZE, seed, steady

def test_board(snap_compare, store, clock, make_app):
    seed(store, clock)
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=steady)


def test_workspace_calm(snap_compare, store, clock, make_app):
    seed(store, clock)
    assert snap_compare(make_app(), terminal_size=SIZE, press=["down", "enter"], run_before=steady)


def test_workspace_overdue(snap_compare, store, clock, make_app):
    seed(store, clock)
    clock.advance(minutes=9)  # the payroll incident's first contact was due at +15 min

    async def overdue(pilot):
        await pilot.press("enter")
        await pilot.pause()
        pilot.app.bell = lambda: None
        pilot.app.tick()
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=overdue)


def test_composer_with_a_flagged_phrase(snap_compare, store, clock, make_app):
    seed(store, clock)

    async def form(pilot):
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        await pilot.press(*"Stopped the resend; corrected file by 14:00. ")
        apology = pilot.app.screen.query_one("#section-apology")
        apology.text = "We are sorry if this caused any inconvenience."
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=form)


def test_help(snap_compare, store, clock, make_app):
    seed(store, clock)
    assert snap_compare(make_app(), terminal_size=SIZE, press=["question_mark"], run_before=steady)
