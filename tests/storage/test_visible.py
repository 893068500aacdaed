"""The one rule for text on its way to a terminal, and exact JSON that escapes the same characters."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from storage.readers.export import render_markdown
from storage.domain.model import new_incident
from storage.domain.parts import ChecklistStep, DamageItem
from storage.domain.visible import json_text, visible

BIDI_CONTROLS = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]


def unsafe(text: str, *, newlines: bool) -> list[int]:
    """Code points a terminal would obey (or could not encode) left in ``text``."""
    return [ord(c) for c in text
            if (ord(c) < 0x20 and not (newlines and c == "\n")) or 0x7F <= ord(c) <= 0x9F
            or ord(c) in BIDI_CONTROLS or 0xD800 <= ord(c) <= 0xDFFF]


def test_c0_controls_and_del_become_control_pictures():
    assert visible("a\x1b[2Jb") == "a␛[2Jb"
    assert visible("\x00\x07\x08\x7f") == "␀␇␈␡"
    assert visible("x \x1b]52;c;cHduZWQ=\x07") == "x ␛]52;c;cHduZWQ=␇"


def test_newlines_are_kept_only_where_the_layout_is_multiline():
    assert visible("one\ntwo", multiline=True) == "one\ntwo"
    assert visible("one\ntwo") == "one␊two"
    assert visible("one\r\ntwo\rthree", multiline=True) == "one\ntwo␍three"  # CRLF is one line break
    assert visible("one\r\ntwo") == "one␍␊two"


def test_a_tab_is_a_space_in_every_view():
    assert visible("a\tb") == visible("a\tb", multiline=True) == "a b"


@pytest.mark.parametrize("code", [0x80, 0x85, 0x9B, 0x9D, 0x9F])
def test_c1_controls_show_their_code_point(code):
    assert visible(f"a{chr(code)}b") == f"a⟨U+{code:04X}⟩b"


@pytest.mark.parametrize("code", BIDI_CONTROLS)
def test_bidi_controls_show_their_code_point(code):
    assert visible(f"abc{chr(code)}def", multiline=True) == f"abc⟨U+{code:04X}⟩def"


def test_a_lone_surrogate_shows_its_code_point_and_can_be_written():
    shown = visible("half \ud83d emoji \udfff")
    assert shown == "half ⟨U+D83D⟩ emoji ⟨U+DFFF⟩"
    shown.encode("utf-8")  # strict: would raise on a surrogate


def test_ordinary_text_is_untouched():
    text = "Zoë's café — 漢字 עברית 🔥👩‍👩‍👧 [bold]a[/]b <b>"  # the emoji keeps its zero-width joiners
    assert visible(text) is text
    assert visible(text, multiline=True) is text


def test_json_escapes_what_a_terminal_obeys_and_reads_back_exactly():
    value = {"title": "x \x1b]0;HIJACK\x07 \x9b2J \u202eevil \x7f \ud800 Zoë 🔥", "\u2066key": ["\x85"]}
    text = json_text(value)
    assert unsafe(text, newlines=True) == []
    assert json.loads(text) == value
    assert "Zoë 🔥" in text  # ordinary non-ASCII stays readable
    assert "\\u009b2J \\u202eevil \\u007f \\ud800" in text and '"\\u2066key"' in text


def test_the_markdown_report_has_no_raw_control_character():
    import pendulum

    now = pendulum.datetime(2026, 5, 4, 9, 30, tz="UTC")
    hostile = "x \x1b]0;HIJACK\x07 \x9b2J \u202eevil\u202c \x7f\ud800 \x85 end"
    incident = new_incident(1, hostile, hostile, 2, now, [ChecklistStep(hostile, hostile)], client_contact=hostile)
    incident.add_damage(DamageItem(hostile, hostile), now, "ana")
    report = render_markdown(incident, tz=pendulum.timezone("UTC"))
    assert unsafe(report, newlines=True) == []
    assert "⟨U+202E⟩evil⟨U+202C⟩" in report and "␛\\]0;HIJACK␇" in report and "⟨U+0085⟩" in report


ANY_TEXT = st.text(st.one_of(st.characters(codec=None, exclude_categories=()),
                             st.sampled_from([chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), *BIDI_CONTROLS,
                                                                0xD800, 0xDFFF]])))


@settings(max_examples=300, deadline=None)
@given(text=ANY_TEXT)
@example(text="\x00" * 10)
@example(text=("\x1b]52;c;cHduZWQ=\x07\u202e\x9b\ud800" + "é" * 1000) * 1000)  # over 1 MB
def test_any_text_comes_out_safe_idempotent_and_json_exact(text):
    one_line, lines = visible(text), visible(text, multiline=True)
    assert unsafe(one_line, newlines=False) == []
    assert unsafe(lines, newlines=True) == []
    assert lines.count("\n") == text.count("\n")  # line breaks kept, none added
    assert visible(one_line) == one_line and visible(lines, multiline=True) == lines
    assert json.loads(json_text(text)) == text
    assert unsafe(json_text(text), newlines=True) == []


def test_every_code_point_is_told_apart_exactly():
    """The quick isprintable() check lets nothing through: over all of Unicode, exactly the C0
    controls, DEL and the ones shown as codes count as controls (a newline only in one-line views)."""
    from storage.domain.visible import SHOWN_AS_CODE, has_controls

    controls = set(range(0x20)) | {0x7F} | set(SHOWN_AS_CODE)
    found = {code for code in range(0x110000) if has_controls(chr(code))}
    assert found == controls
    assert {code for code in controls if has_controls(f"a{chr(code)}b", multiline=True)} == controls - {ord("\n")}
    assert not has_controls("\U0001F469\u200d\U0001F4BB\u00a0\u200bfin", multiline=True)  # ZWJ, no-break and zero-width spaces
