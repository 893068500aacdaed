"""What the console redraws at rest: a screen under a dialog is not ticked and catches up when it is back
on top, a workspace's tick redraws only what shows time, and a cursor blink in a dialog asks only the widgets under the cursor for their lines,
sending the terminal the same bytes as Textual's own compositor would."""

from __future__ import annotations

from collections import Counter

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input, Label, Select, TextArea

from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui.widgets.countdown import CountdownBadge
from tui.widgets.repaint import CroppedCompositor
from tui_support import until


async def tick_at(app, pilot, instant) -> None:
    """Move the clock to ``instant`` and tick, as the console's own timer would, then let the screens draw."""
    app.clock.set(instant)
    app.tick()
    await pilot.pause()


async def open_composer(app, pilot, ticked_at=None) -> IncidentScreen:
    """The first incident's workspace (ticked at ``ticked_at``, if given), then the client update composer over
    it; returns the workspace."""
    await pilot.pause()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, IncidentScreen), "the workspace open")
    workspace = app.screen
    if ticked_at is not None:
        await tick_at(app, pilot, ticked_at)
    await pilot.press("u")
    await until(pilot, lambda: isinstance(app.screen, ComposerScreen), "the composer open")
    return workspace


async def test_a_screen_under_a_dialog_is_not_ticked_and_catches_up_its_countdown_when_it_closes(
        store, make_app, clock):
    start = clock()
    store.create("Wrong invoice run", "Acme", 1)  # first contact due in 15 min
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        workspace = await open_composer(app, pilot, ticked_at=start.add(minutes=1))
        badge = workspace.query_one(CountdownBadge)
        assert workspace.now == start.add(minutes=1) and badge.countdown.face == "0:14:00"
        for seconds in (20, 40, 85, 130):  # across minutes: the veiled workspace is drawn for none of them
            await tick_at(app, pilot, start.add(minutes=1, seconds=seconds))
        assert isinstance(app.screen, ComposerScreen)
        assert workspace.now == start.add(minutes=1) and badge.countdown.face == "0:14:00"
        clock.set(start.add(minutes=3, seconds=50))  # no tick after this: the catch-up comes from closing
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is workspace, "the composer closed")
        await until(pilot, lambda: badge.countdown.face == "0:11:10", "the countdown caught up at once")
        assert workspace.now == start.add(minutes=3, seconds=50)


async def test_a_workspace_tick_redraws_what_shows_time_not_the_whole_screen(store, make_app, clock, monkeypatch):
    start = clock()
    store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen), "the workspace open")
        workspace = app.screen
        await tick_at(app, pilot, start.add(seconds=1))
        full = []
        render_full = Compositor.render_full_update
        monkeypatch.setattr(Compositor, "render_full_update",
                            lambda compositor, *a, **k: full.append(compositor) or render_full(compositor, *a, **k))
        badge = workspace.query_one(CountdownBadge)
        for seconds in (2, 3, 4):  # the countdown's seconds turn: only its badge is drawn again
            await tick_at(app, pilot, start.add(seconds=seconds))
            assert badge.countdown.face == f"0:14:{60 - seconds:02d}"
        assert full == [], "a tick repainted the whole workspace"


async def test_a_cursor_blink_in_the_composer_asks_only_the_widgets_under_the_cursor(
        store, make_app, monkeypatch):
    store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_composer(app, pilot)
        composer = app.screen
        await pilot.pause()
        area = composer.focused
        assert isinstance(area, TextArea) and isinstance(composer._compositor, CroppedCompositor)
        area.blink_timer.pause()  # the blink below is the test's own, not the timer's (which runs on real time)
        asked: Counter = Counter()
        render_lines = Widget.render_lines
        monkeypatch.setattr(Widget, "render_lines",
                            lambda widget, crop: asked.update([widget]) or render_lines(widget, crop))
        area._toggle_cursor_blink_visible()  # what the blink timer calls every half second
        await pilot.pause()
        assert asked[area] == 1
        # The blinking line's own widgets (the TextArea, what holds it, a scroll bar beside it), none of the
        # other fields, labels or sections: they were asked at every blink before.
        others = [w for w in asked if isinstance(w, (Input, Label, Select, TextArea)) and w is not area]
        assert others == [] and len(asked) <= 6, [type(w).__name__ for w in asked]


async def test_the_cropped_compositor_sends_the_terminal_what_textuals_own_would(store, make_app):
    store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_composer(app, pilot)
        await pilot.pause()
        compositor = app.screen._compositor
        width, height = compositor.size
        # Changed regions of every shape: a line of the cursor, a column of fields, a block, the whole width.
        for changed in ([Region(20, 17, 80, 1)], [Region(30, 5, 3, 25)], [Region(0, 10, 120, 4)],
                        [Region(25, 8, 10, 2), Region(60, 22, 40, 3)]):
            sent = []
            for get_renders in (compositor._get_renders, Compositor._get_renders.__get__(compositor)):
                crop = Region.from_union(changed).intersection(compositor.size.region)
                spans = list(compositor._regions_to_spans(changed))
                rows = {y for y, _, _ in spans}
                compositor._get_renders = get_renders
                try:
                    chops = compositor._render_chops(crop, rows.__contains__)
                finally:
                    del compositor._get_renders
                update = ChopsUpdate(chops, spans, [cuts[1:] for cuts in compositor.cuts])
                sent.append(update.render_segments(app.console))
            assert sent[0] == sent[1] and sent[0], changed


async def test_a_text_field_styles_itself_when_its_css_changes_not_at_each_blink(store, make_app, monkeypatch):
    from textual._text_area_theme import TextAreaTheme

    from tui.widgets.text_field import TextField

    store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_composer(app, pilot)
        composer = app.screen
        await pilot.pause()
        area = composer.focused
        assert isinstance(area, TextField)
        area.blink_timer.pause()
        styled = []
        apply_css = TextAreaTheme.apply_css
        monkeypatch.setattr(TextAreaTheme, "apply_css", lambda theme, widget: styled.append(widget) or
                            apply_css(theme, widget))
        lines = Region(0, 0, area.size.width, area.size.height)

        def drawn_as_textual_would() -> None:
            """What the field draws now (its kept styles first), against Textual's TextArea (styled afresh)."""
            kept = area.render_lines(lines)
            fresh = TextArea.render_lines(area, lines)
            assert kept == fresh, "the field drew with stale styles"

        for _ in range(4):  # blinks: nothing about the field's CSS changed, so it is not styled again
            area._toggle_cursor_blink_visible()
            await pilot.pause()
        assert area not in styled
        drawn_as_textual_would()
        for change in ("blur", "theme", "class"):
            styled.clear()
            if change == "blur":
                composer.query_one("#delay").display = True
                composer.query(Input).first().focus()
            elif change == "theme":
                app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
            else:
                area.add_class("-flagged")
            await pilot.pause()
            area.render_lines(lines)
            assert area in styled, f"not styled again after a {change}"
            drawn_as_textual_would()


async def test_a_fields_cursor_blinks_after_activity_then_rests_shown_until_the_next_key(store, make_app):
    from tui.widgets.text_field import BLINK_PHASES, LineField, TextField

    store.create("Wrong invoice run", "Acme", 1)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_composer(app, pilot)
        composer = app.screen
        await pilot.pause()
        area = composer.focused
        assert isinstance(area, TextField)
        line = composer.query(LineField).first()
        for field, toggle, timer in ((area, "_toggle_cursor_blink_visible", "blink_timer"),
                                     (line, "_toggle_cursor", "_blink_timer")):
            field.focus()
            await pilot.pause()
            getattr(field, timer).pause()  # the phases below are the test's own, not the timer's (real time)
            field._restart_blink()  # as a key, a click or focus does
            seen = []
            for _ in range(BLINK_PHASES + 4):
                getattr(field, toggle)()
                seen.append(field._cursor_visible)
            # It blinks for BLINK_PHASES phases, then rests with the cursor shown, its timer stopped.
            assert seen[:BLINK_PHASES] == [i % 2 == 1 for i in range(BLINK_PHASES)], (type(field).__name__, seen)
            assert seen[BLINK_PHASES:] == [True] * 4, (type(field).__name__, seen)
            assert not getattr(field, timer)._active.is_set(), "the resting cursor's timer still runs"
            await pilot.press("end")  # a key: it blinks again
            assert getattr(field, timer)._active.is_set()
            getattr(field, timer).pause()
            getattr(field, toggle)()
            assert field._cursor_visible is False, type(field).__name__
