"""The keys users are told about are the keys that work: help, README, palette and footer against the bindings.

Issue 10, defect 8: help.md and README's key table were written by hand and had drifted (the help
spoke of three workspace panes where there are four). The bindings, the footer, the palette, the
``?`` help and README's table now come from one registry; these tests hold each of them to the keys
the running console really binds, read through Textual's public ``active_bindings``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Markdown

from tui.commands import SCOPES, bindings, commands, scope, scopes_here
from tui.commands.render import help_section
from tui.screens.board import BoardScreen
from tui.screens.closed_view import ClosedIncidentScreen
from tui.screens.help import HelpScreen
from tui.screens.incident import IncidentScreen
from tui.screens.review import ReviewScreen
from tui_support import close_one, screen_text, settle, until

ROOT = Path(__file__).resolve().parents[2]
SYMBOLS = {"?": "question_mark", "/": "slash", "]": "right_square_bracket", "[": "left_square_bracket"}
PANES = ("checklist", "damage", "promises", "timeline")


def textual_key(shown: str) -> str:
    """A key as the help writes it (``shift+u``, ``/``) as Textual names it (``U``, ``slash``)."""
    if shown in SYMBOLS:
        return SYMBOLS[shown]
    letter = re.fullmatch(r"shift\+([a-z])", shown)
    return letter.group(1).upper() if letter else shown


def help_sections(source: str) -> list[tuple[str, set[str]]]:
    """Each ``##`` section of the help: its heading and the keys its table lists (Textual names)."""
    sections: list[tuple[str, set[str]]] = []
    for line in source.splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip(), set()))
        elif line.startswith("| `") and sections:
            first_cell = line.split(" | ")[0]
            sections[-1][1].update(textual_key(k) for k in re.findall(r"`([^`]+)`", first_cell))
    return sections


def keys_here(source: str) -> set[str]:
    """The keys of the sections the help marks as working where it was opened."""
    return set().union(*(keys for heading, keys in help_sections(source) if heading.endswith("· here")))


def declared(screen) -> set[str]:
    """The keys active on ``screen`` that mishap declared (every one of its bindings has an id)."""
    return {key for key, active in screen.active_bindings.items() if active.binding.id}


async def open_help(pilot) -> str:
    """Press ? and return the help's Markdown source; escape closes it again."""
    await pilot.press("question_mark")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HelpScreen)
    source = pilot.app.screen.query_one(Markdown).source
    await pilot.press("escape")
    await pilot.pause()
    return source


@pytest.fixture
def incidents(store, clock):
    """One open incident (the board's first row), with an update of sam's awaiting approval (so the board
    offers v on it), and one closed one (the review's first row)."""
    close_one(store, clock, "Template pulled the wrong table", "Beta GmbH", 2)
    incident = store.create("Wrong invoice run", "Acme Ltd", 1)
    store.acting_as("sam").change(incident.number, lambda i, now, by: i.ask_approval("email", "Sorry.", None, now, by))
    return store.get(incident.number)


async def reach(pilot, where: str) -> None:
    """From the board to the board, a workspace, the review or a closed incident's view."""
    if where in ("workspace", "review"):
        await pilot.press("enter" if where == "workspace" else "r")
        await settle(pilot)
    if where == "closed":
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClosedIncidentScreen)


async def back_to_board(pilot) -> None:
    """Escape until the board shows again (a form, then the workspace or the review)."""
    for _ in range(4):
        if isinstance(pilot.app.screen, BoardScreen):
            return
        await pilot.press("escape")
        await settle(pilot)
    assert isinstance(pilot.app.screen, BoardScreen), pilot.app.screen


def palette_offers_the_registry_commands_bound_here(app, where: str) -> None:
    """The palette offers each registry command bound on the screen, with its words (and a table's own keys not)."""
    offered = {c.title: c.help for c in app.get_system_commands(app.screen)}
    mine = {active.binding.id for active in app.screen.active_bindings.values()
            if active.binding.id and active.enabled}
    wanted = [c for c in commands() if c.id in mine]
    if where in ("board", "review"):
        wanted.append(next(c for c in commands(where) if c.name == "open"))  # its enter is the table's too
    assert wanted, f"no registry command bound on the {where}"
    for c in wanted:
        title = f"{c.label}  ({c.shown})"
        assert offered.get(title, "").lower() == c.description.lower(), f"palette on the {where}: {title}"
    assert not any(t.startswith(("Cursor", "Scroll", "Page")) for t in offered), \
        f"palette on the {where} offers a table's own keys"


async def footer_shows_the_registry_labels(pilot, where: str) -> None:
    """At 160 columns the footer shows the label of each shown command bound here, and no hidden one's."""
    app = pilot.app
    await pilot.resize_terminal(160, 36)
    await pilot.pause()
    footer = screen_text(app).splitlines()[-1]
    shown = {active.binding.id for active in app.screen.active_bindings.values() if active.binding.id}
    for c in commands():
        if c.id in shown and c.show:
            assert f" {c.label}" in footer, (where, c.id, footer)
        elif c.id in shown:
            assert f" {c.label}" not in footer, (where, c.id, footer)
    await pilot.resize_terminal(120, 36)
    await pilot.pause()


# -- defect 8: the ? help, the palette and the footer, where each is shown ----------------------------

# One console per place (once four tests each starting its own): the palette, the footer and the ?
# help are each checked there, with the place in every assertion message.
@pytest.mark.parametrize("where", ["board", "workspace", "review", "closed"])
async def test_help_palette_and_footer_match_the_keys_bound_where_they_are_opened(
        incidents, make_app, store, where, watched):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await reach(pilot, where)
        palette_offers_the_registry_commands_bound_here(app, where)
        if where != "closed":
            await footer_shows_the_registry_labels(pilot, where)
        first_help = await open_help(pilot)
        headings = [heading for heading, _ in help_sections(first_help)]
        if where == "board":  # the board's own keys come first
            assert headings[:2] == ["Everywhere · here", "Board · here"], headings
            assert "Incident workspace" in headings and "Patterns in the review" in headings  # the rest follows
        if where == "workspace":  # the help speaks of its four panes
            for pane in PANES:
                assert any(f"{pane} pane" in h and h.endswith("· here") for h in headings), (pane, headings)
            assert "four panes: checklist, damage, promises and timeline" in first_help
            assert "(damage, checklist, timeline)" not in first_help
        # The help lists exactly the keys bound here.
        mine, active = declared(app.screen), set(app.screen.active_bindings)
        if where == "workspace":
            # Each pane's keys work while it is focused, and a closed incident's keys differ.
            for _ in PANES:
                await pilot.press("tab")
                await pilot.pause()
                mine |= declared(app.screen)
                active |= set(app.screen.active_bindings)
            # A close waits for sam's update awaiting approval: sam withdraws it first.
            store.acting_as("sam").change(incidents.number, lambda inc, now, by: inc.withdraw_update(None, now, by))
            store.change(incidents.number, lambda inc, now, by: inc.close(now, by, reason="for the test"))
            await until(pilot, lambda: app.screen.incident.is_closed, "the console picked up the close")
            await pilot.pause()
            assert "R" in app.screen.active_bindings  # shift+r reopens the closed incident
            mine |= declared(app.screen)
            active |= set(app.screen.active_bindings)
        here = keys_here(await open_help(pilot)) if where == "workspace" else keys_here(first_help)
    assert mine - here == set(), f"bound on the {where} but not in its help"
    assert here - active == set(), f"in the help of the {where} but bound nowhere there"


async def form_on_screen(pilot, keys: tuple[str, ...]) -> None:
    await pilot.press(*keys)
    await pilot.pause()


FORMS = {"composer": ("enter", "u"), "damage form": ("enter", "a"), "close form": ("enter", "c"),
         "status picker": ("enter", "s"), "new incident form": ("n",)}


async def test_help_sections_of_forms_match_their_bindings(incidents, make_app):
    """Each form in turn in one console (once a console per form), back to the board between them."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for name, keys in FORMS.items():
            await form_on_screen(pilot, keys)
            form = app.screen
            assert form.is_modal, name
            here = scopes_here(form)
            listed = set().union(*(keys for _, keys in help_sections("\n".join(help_section(s) for s in here))))
            assert declared(form) - listed == set(), f"bound on the {name} but not in its help section"
            assert listed - set(form.active_bindings) == set(), f"in the help section of the {name} but not bound"
            await back_to_board(pilot)


async def test_help_section_of_the_demo_question_matches_its_bindings(make_app):
    app = make_app(offer_demo=True)  # an empty store: the console asks whether to load the demo set
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert scopes_here(app.screen) == ["confirm"]
        (_, listed), = help_sections(help_section("confirm"))
        assert listed == declared(app.screen) == {"y", "enter", "n", "escape"}


# -- README's key table ------------------------------------------------------------------------------

def readme_keys() -> set[tuple[str, tuple[str, ...], str]]:
    """README's key table as (where, keys, words) triples."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| where | keys |"):]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    assert rows, "README has no key table"
    found = set()
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        where, keys = (cell.strip() for cell in line.strip("|").split(" | ", 1))
        for entry in keys.split(" · "):
            shown = re.match(r"((?:`[^`]+`(?: / )?)+) (.+)", entry)
            assert shown, f"README key table, row {where!r}: cannot read {entry!r}"
            found.add((where, tuple(re.findall(r"`([^`]+)`", shown.group(1))), shown.group(2)))
    return found


def test_readme_key_table_matches_the_registry():
    registry = {(scope(c.scope).where, tuple(c.key_list), c.label) for c in commands()}
    readme = readme_keys()
    assert readme - registry == set(), "in README but not in the registry (or with other words)"
    assert registry - readme == set(), "in the registry but missing from README"


def test_the_printed_table_is_the_one_in_readme():
    done = subprocess.run([sys.executable, "-m", "tui.commands", "--markdown"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in (ROOT / "README.md").read_text(encoding="utf-8")


# -- the palette runs a command ----------------------------------------------------------------------

async def test_palette_runs_a_registry_command(incidents, make_app):
    """Typed into the palette and chosen, a command runs: both cases in one console, back to the board between."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for typed, lands_on in [("Closed", ReviewScreen), ("Open", IncidentScreen)]:
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette), typed
            await pilot.press(*typed)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, lands_on), (typed, app.screen)
            if lands_on is IncidentScreen:
                assert app.screen.number == incidents.number
            await back_to_board(pilot)


# -- the registry itself ----------------------------------------------------------------------------

def test_keys_active_together_never_mean_two_things():
    """A screen's keys, its panes' and (under no form) the app's: one key, one action (e edits in either pane)."""
    for group in [(s.name, *(p.name for p in SCOPES if p.parent == s.name), *(() if s.modal else ("app",)))
                  for s in SCOPES if s.parent is None and s.name != "app"]:
        meaning: dict[str, str] = {}
        for c in commands(*group):
            for key in c.keys.split(","):
                assert meaning.setdefault(key, c.action) == c.action, (group, key, c.id)


def test_workspace_binds_each_pane_key_once():
    made = bindings("incident", *PANES)
    assert [b.key for b in made].count("e") == 1
    assert {b.id.split(".")[0] for b in made} == {"incident", "checklist", "damage", "promises"}


def test_an_unknown_scope_is_refused():
    with pytest.raises(KeyError, match="no such key scope: boards"):
        bindings("boards")
