"""Stored text cannot drive the terminal through the console.

Every widget that shows user text (tables, headers, form fields, labels, toasts) shows
escape sequences, C1 and bidi controls and lone surrogates made visible. A form opened
on stored text and saved untouched keeps the stored text exactly.
"""

from __future__ import annotations

import pytest

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.budget import examples
from support.clock import FakeClock
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Label, TextArea
from tui_support import START, put_cursor, reread, screen_text, toasts

from storage.domain.model import DamageItem, PreventionAction
from storage.store import FolderStore as Store
from tui.app import MishapApp
from tui.screens.close import CloseForm
from tui.screens.closed_view import ClosedIncidentScreen
from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui.screens.modals import DamageForm, NewIncidentForm, QuestionForm, TextForm
from tui.screens.promises import RenegotiateForm
from tui.screens.review import ReviewScreen
from tui.text import clip, literal
from tui.widgets.row_table import RowTable

# A key's write runs on the store thread: pauses wait until it has landed (see conftest).
pytestmark = pytest.mark.usefixtures("writes_land")

PROBE = "x \x1b]0;HIJACK\x07 \x1b]52;c;cHduZWQ=\x07 \x1b[2J"
PROBE_SHOWN = "x ␛]0;HIJACK␇ ␛]52;c;cHduZWQ=␇ ␛[2J"
HOSTILE = f"{PROBE} \x9b31m \u202eevil\u202c \x7f\x00 é 🔥"
# Written out here, not taken from the code under test.
BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
PLAYBOOK = '[[phase]]\nname = "Stop \\u009b"\nsteps = ["Halt \\u001b]0;HIJACK\\u0007 it", "Breathe"]\n'


def problems(text: str) -> list[str]:
    """Characters in ``text`` a terminal would obey, or could not encode."""
    return sorted({f"U+{ord(c):04X}" for c in text
                   if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F or ord(c) in BIDI
                   or 0xD800 <= ord(c) <= 0xDFFF})


def fill(folder: Path, clock, text: str) -> None:
    """M-1 open, M-2 and M-3 closed (the same client: a pattern), with ``text`` in every field;
    a hostile playbook step and draft."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "playbook.toml").write_text(PLAYBOOK, encoding="utf-8")
    store = Store.open(folder, clock=clock, user=text[:100])  # the owner's name too
    for n in (1, 2, 3):
        store.create(text, text, 2, client_contact=text)

        def everything(inc, now, by):
            inc.add_damage(DamageItem(text, text, 2, "confirmed"), now, by)
            inc.add_question(text, now, by)
            inc.add_note(text, now, by)
            inc.add_promise(text, now.add(minutes=5), now, by)
            for name in ("root_cause", "fix", "lessons"):
                inc.set_text(name, text, now, by)
            inc.add_prevention(PreventionAction(text, text, now.add(days=14)), now, by)

        store.change(n, everything)
    for n in (2, 3):
        store.change(n, lambda inc, now, by: inc.close(now, by, reason=text))
    store.save_draft(1, {"greeting": text, "section-happened": text})


async def open_workspace(app, pilot) -> IncidentScreen:
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


# -- each defect, through the real console ---------------------------------------------------


async def escape_to(pilot, screen) -> None:
    await pilot.press("escape")
    await pilot.pause()
    assert pilot.app.screen is screen


async def test_the_workspace_forms_show_stored_text_with_controls_visible_and_untouched_saves_keep_it(
        folder, clock, make_app):
    """Each form over one workspace in turn (once a console each), on a store with the text everywhere."""
    fill(folder, clock, HOSTILE)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_workspace(app, pilot)

        # The composer shows the stored draft and the prefill with controls visible.
        await pilot.press("u")
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        happened = composer.query_one("#section-happened", TextArea).text
        greeting = composer.query_one("#greeting", Input).value
        assert happened.startswith(PROBE_SHOWN) and greeting.startswith(PROBE_SHOWN)
        assert problems(happened) == problems(greeting) == []
        assert problems(composer.query_one("#section-affected", TextArea).text) == []  # the damage, prefilled
        assert problems(screen_text(app)) == [], "composer"
        await escape_to(pilot, screen)

        # The step note form shows the playbook step with controls visible.
        screen.query_one("#checklist-table", RowTable).focus()
        await pilot.press("e")  # the first step: "Halt ESC]0;HIJACK BEL it"
        await pilot.pause()
        assert isinstance(app.screen, TextForm)
        assert "Halt ␛]0;HIJACK␇ it" in screen_text(app)
        assert problems(screen_text(app)) == [], "step note"
        await escape_to(pilot, screen)

        # The damage form shows controls, and an untouched save keeps the stored text.
        damage = screen.query_one("#damage-table", RowTable)
        damage.focus()
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DamageForm)
        assert form.query_one("#what", Input).value.startswith(PROBE_SHOWN)
        assert problems(form.query_one("#impact", Input).value) == []
        assert problems(screen_text(app)) == [], "damage form"
        form.query_one("#severity", Input).value = "1"
        await pilot.press("ctrl+s")
        await pilot.pause()
        item = reread(folder).get("M-1").damage[0]
        assert (item.what, item.impact, item.severity) == (HOSTILE, HOSTILE, 1)  # nothing lost
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#impact", Input).value = "typed anew"
        await pilot.press("ctrl+s")
        await pilot.pause()
        item = reread(folder).get("M-1").damage[0]
        assert (item.what, item.impact) == (HOSTILE, "typed anew")

        # The question's label and answer show controls (the row below the damage).
        assert app.screen is screen and app.focused is damage and damage.cursor == 0
        await pilot.press("down", "e")
        await pilot.pause()
        assert isinstance(app.screen, QuestionForm)
        assert problems(screen_text(app)) == [] and PROBE_SHOWN in screen_text(app), "question"
        await escape_to(pilot, screen)

        # The renegotiate form shows the promise with controls visible.
        table = screen.query_one("#promises-table", RowTable)
        table.focus()
        put_cursor(table, "1")  # the promise written with the hostile text
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, RenegotiateForm)
        assert app.screen.query_one("#what", Input).value.startswith(PROBE_SHOWN)
        assert problems(screen_text(app)) == [], "renegotiate form"
        await escape_to(pilot, screen)

        # The close form shows controls, and an untouched save keeps the stored text.
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CloseForm)
        for area in ("#root_cause", "#fix", "#lessons"):
            assert form.query_one(area, TextArea).text.startswith(PROBE_SHOWN)
        for field in ("#prev-text-0", "#prev-owner-0"):
            assert form.query_one(field, Input).value.startswith(PROBE_SHOWN)
        assert problems(screen_text(app)) == [], "close form"
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        stored = reread(folder).get("M-1")
        assert (stored.root_cause, stored.fix, stored.lessons) == (HOSTILE, HOSTILE, HOSTILE)
        assert (stored.prevention[0].text, stored.prevention[0].owner) == (HOSTILE, HOSTILE)


async def test_a_stored_draft_whose_field_names_are_not_selectors_opens_the_composer(folder, clock, make_app, store):
    store.create("T", "C", 2)
    store.save_draft(1, {"a[": "x", "\x1b]0;X": "y", "section-happened": PROBE})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_workspace(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)
        assert app.screen.query_one("#section-happened", TextArea).text == PROBE_SHOWN


async def test_the_promise_overdue_toast_shows_controls(folder, clock, make_app):
    fill(folder, clock, HOSTILE)
    app = make_app()
    app.bell = lambda: None
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        clock.advance(hours=2)
        app.tick()
        await pilot.pause()
        await pilot.pause()
        shown = [t for t in toasts(app) if "late" in t]
        assert shown and all(problems(t) == [] for t in shown)
        assert any(PROBE_SHOWN in t for t in shown)
        assert problems(screen_text(app)) == []
        assert PROBE_SHOWN[:20] in screen_text(app)  # the toast is drawn, made visible


async def test_a_paste_carrying_an_escape_sequence_is_shown_not_obeyed(folder, clock, make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NewIncidentForm)
        app.post_message(events.Paste(PROBE + "\u202e"))  # as the terminal delivers a bracketed paste
        await pilot.pause()
        assert app.screen.query_one("#title", Input).value == PROBE_SHOWN + "⟨U+202E⟩"
        assert problems(screen_text(app)) == []


async def test_workspace_header_and_closed_report_show_controls(folder, clock, make_app):
    fill(folder, clock, HOSTILE)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_workspace(app, pilot)
        assert problems(screen_text(app)) == []  # the owner's name in the header included
        await pilot.press("escape", "r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert problems(screen_text(app)) == []
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ClosedIncidentScreen)
        assert problems(screen_text(app)) == [] and PROBE_SHOWN in screen_text(app)
        assert "same client: 2 closed incidents for x ␛]0;HIJACK␇" in screen_text(app)  # the pattern line


async def test_a_store_problem_naming_a_hostile_path_is_shown_made_visible(tmp_path, clock):
    folder = tmp_path / "s \x1b]0;HIJACK\x07 \u202e"
    Store.open(folder, clock=clock).create("T", "C", 2)
    (folder / "open.json").write_text('{"x": ', encoding="utf-8")
    app = MishapApp(folder, clock=clock, user="ana", offer_demo=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "StoreProblemScreen"
        assert "s ␛]0;HIJACK␇ ⟨U+202E⟩/open.json" in str(app.screen.query_one("#problem-message").render())
        assert problems(screen_text(app)) == []


async def test_the_review_problem_line_shows_a_hostile_path_made_visible(tmp_path, clock):
    folder = tmp_path / "t \x1b]0;HIJACK\x07"
    store = Store.open(folder, clock=clock)
    store.create("T", "C", 2)
    store.change(1, lambda inc, now, by: inc.close(now, by, reason="test"))
    (folder / "closed" / "M-1.json").write_text('{"x": ', encoding="utf-8")
    app = MishapApp(folder, clock=clock, user="ana", offer_demo=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "t ␛]0;HIJACK␇/closed/M-1.json" in str(app.screen.query_one("#review-problem", Label).render())
        assert problems(screen_text(app)) == []


# -- the properties: arbitrary text ----------------------------------------------------------

_ANY_CHAR = st.characters(codec=None, exclude_categories=())
_DANGEROUS = st.sampled_from([chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), *BIDI, 0xD800, 0xDFFF]])
_SEQUENCES = st.sampled_from(["\x1b[2J", "\x1b]52;c;cHduZWQ=\x07", "\r\n", "[bold]", "[/]"])
ANY_TEXT = (st.lists(st.one_of(_ANY_CHAR, _DANGEROUS, _SEQUENCES), min_size=1, max_size=30)
            .map("".join).filter(str.strip))
ONE_MB = ("\x1b]0;HIJACK\x07\u202e\x9b\ud800 " + "a" * 1000) * 1000


async def _visit_every_screen(text: str) -> None:
    """Board, workspace, composer, close form, step note, toast, review and closed report, each checked."""
    clock = FakeClock(START)
    with tempfile.TemporaryDirectory() as where:
        folder = Path(where) / "store"
        fill(folder, clock, text)
        app = MishapApp(folder, clock=clock, user="ana", offer_demo=False)
        app.bell = lambda: None
        seen = []

        def check(what: str) -> None:
            seen.append(type(app.screen).__name__)
            assert problems(screen_text(app)) == [], (what, problems(screen_text(app)))

        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await pilot.pause()
            check("board")
            await pilot.press("enter")
            await pilot.pause()
            check("workspace")
            before = reread(folder, clock).get("M-1")
            for key, leave in (("u", "escape"), ("c", "ctrl+o"), ("e", "escape")):  # composer, close form, step note
                await pilot.press(key)
                await pilot.pause()
                check(key)
                await pilot.press(leave)
                await pilot.pause()
            after = reread(folder, clock).get("M-1")  # the close form, saved untouched, lost nothing
            assert (after.root_cause, after.fix, after.lessons) == (before.root_cause, before.fix, before.lessons)
            assert after.prevention == before.prevention
            clock.advance(hours=2)
            app.tick()
            await pilot.pause()
            check("toast")
            await pilot.press("escape", "r")
            await pilot.pause()
            check("review")
            await pilot.press("enter")
            await pilot.pause()
            check("closed report")
        assert seen == ["BoardScreen", "IncidentScreen", "ComposerScreen", "CloseForm", "TextForm",
                        "IncidentScreen", "ReviewScreen", "ClosedIncidentScreen"]


# Seconds an example (eight screens on a store of its own): one in README's run, ten in CI's deep run.
@settings(max_examples=examples(1), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=ANY_TEXT)
def test_any_stored_text_reaches_no_console_screen_raw(text):
    asyncio.run(_visit_every_screen(text))


# The property's known cases, as tests of their own: each takes seconds, and the workers share them out.
@pytest.mark.parametrize("text", [HOSTILE, "\x00"], ids=["hostile", "nul"])
async def test_stored_text_reaches_no_console_screen_raw(text):
    await _visit_every_screen(text)


class Widgets(App):
    """The widgets the console shows user text in, fed the way the console feeds them."""

    def compose(self) -> ComposeResult:
        yield Label(id="label")
        yield DataTable(id="table")
        yield Input(id="input")
        yield TextArea(id="area")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("cell", "other")

    def show(self, text: str, only: str | None = None) -> None:
        """``text`` in every widget, or in the ``only`` one (a name from WIDGETS)."""
        from rich.text import Text

        if only in (None, "label"):
            self.query_one("#label", Label).update(Text(literal(text)))
        if only in (None, "table"):
            self.query_one(DataTable).add_row(Text(clip(text, 40)), Text(clip(text, 10)))
        if only in (None, "input"):
            self.query_one("#input", Input).value = literal(text, multiline=False)
        if only in (None, "area"):
            self.query_one("#area", TextArea).text = literal(text)
        if only in (None, "toast"):
            self.notify(literal(text), markup=False)


WIDGETS = ["label", "table", "input", "area", "toast"]


async def _draw(texts: list[str], first_only: str | None = None) -> None:
    """Show each of ``texts`` in turn (the first in the ``first_only`` widget alone, if given); after each,
    nothing raw on screen."""
    app = Widgets()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        for n, text in enumerate(texts):
            app.show(text, first_only if n == 0 else None)
            await pilot.pause()
            assert problems(screen_text(app)) == []


@settings(max_examples=examples(4), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(texts=st.lists(ANY_TEXT, min_size=4, max_size=4))
def test_any_text_in_the_console_widgets_is_drawn_without_controls(texts):
    asyncio.run(_draw(texts))


# The property's known case, as five tests: a megabyte in one widget (it costs a TextArea or a
# toast seconds, and the workers share them out), then the short hostile texts in every widget.
@pytest.mark.deep
@pytest.mark.parametrize("widget", WIDGETS)
async def test_a_megabyte_in_each_console_widget_is_drawn_without_controls(widget):
    await _draw([ONE_MB, HOSTILE, "\x00", "\ud800"], first_only=widget)
