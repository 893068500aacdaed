"""Keys that mean nothing are not offered: the empty board's enter, shift+n and filter, an empty review's.

The footer and the palette show them again as soon as there is something to act on.
"""

from __future__ import annotations

from tui.screens.board import BoardScreen
from tui.screens.composer import ComposerScreen
from tui.screens.review import ReviewScreen
from tui_support import screen_text, settle, until


def footer(app) -> str:
    """The footer's line, as on screen."""
    return screen_text(app).splitlines()[-1]


def palette(app) -> list[str]:
    """What the command palette offers on the current screen (the titles it searches)."""
    return [c.title for c in app.get_system_commands(app.screen)]


async def test_an_empty_board_offers_no_key_that_needs_an_incident(store, make_app, watched):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        keys = footer(app)
        assert "Open" not in keys and "Filter" not in keys, keys
        assert "New" in keys and "Closed" in keys and "Quit" in keys, keys
        offered = palette(app)
        assert not any(t.startswith(("Open", "No news yet", "Filter")) for t in offered), offered
        assert any(t.startswith("New") for t in offered), offered
        await pilot.press("enter", "N", "slash")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen) and not app.screen.query("#filter")  # nothing happened
        incident = store.create("Payroll sent twice", "Acme Ltd", 1)  # another process opens one
        await until(pilot, lambda: "Open" in footer(app), "enter offered once there is an incident")
        assert "Filter" in footer(app)
        offered = palette(app)
        assert any(t.startswith("Open") for t in offered) and any(t.startswith("No news yet") for t in offered)
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen) and app.screen.incident.number == incident.number


async def test_a_filter_that_matches_nothing_leaves_nothing_to_open(store, make_app):
    store.create("Payroll sent twice", "Acme Ltd", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert "Open" in footer(app)
        await pilot.press("slash", *"zzz", "enter")
        await pilot.pause()
        keys = footer(app)
        assert "Open" not in keys and "Filter" in keys, keys  # the filter can still be changed
        assert not any(t.startswith(("Open", "No news yet")) for t in palette(app))
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert "Open" in footer(app)


async def test_an_empty_review_offers_only_the_way_back(store, make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        keys = footer(app)
        for word in ("Open", "Filter", "Sort", "Reverse", "Patterns"):
            assert word not in keys, (word, keys)
        assert "Back" in keys
        assert not any(t.startswith(("Open", "Filter", "Sort", "Reverse", "Patterns")) for t in palette(app))
