"""The one rule for user text on its way to a terminal: every control character made visible.

Stored text is other people's words (pasted emails, a script's output) and can hold
escape sequences that retitle a window, write the clipboard (OSC 52) or clear the
screen, or bidi overrides that make a line read backwards. Whatever shows text
(the command's output, the Markdown report, every console widget) passes it through
:func:`visible` first, so such characters are shown, never obeyed:

- C0 controls (U+0000-U+001F) and DEL become their Unicode control pictures: ESC
  shows as ``␛``, NUL as ``␀``, DEL as ``␡``, a newline in a one-line view as ``␊``;
- a tab becomes one space, in every view;
- a newline stays a line break where the layout is multiline (CRLF counts as one);
- C1 controls (U+0080-U+009F), bidi and other invisible direction controls (U+061C,
  U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and lone surrogates (which cannot
  even be encoded) become their code point in angle brackets: ``⟨U+009B⟩``, ``⟨U+202E⟩``.

JSON output is exact instead: :func:`json_text` escapes the same characters as
``\\uXXXX``, so the document reads back to the identical string.
"""

from __future__ import annotations

import json
import re
from functools import cache

__all__ = ["visible", "has_controls", "json_text", "SHOWN_AS_CODE"]

# Direction controls: marks, embeddings, overrides and isolates.
BIDI = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# Shown as ⟨U+XXXX⟩ (no Unicode picture exists for them).
SHOWN_AS_CODE = frozenset([*range(0x80, 0xA0), *BIDI, *range(0xD800, 0xE000)])


@cache
def _table(multiline: bool) -> dict[int, int | str]:
    """What each control character becomes (built on first need: most text holds none)."""
    one_line: dict[int, int | str] = {code: 0x2400 + code for code in range(0x20)}
    one_line[0x7F] = 0x2421  # ␡
    one_line[ord("\t")] = ord(" ")
    one_line.update({code: f"⟨U+{code:04X}⟩" for code in SHOWN_AS_CODE})
    if multiline:
        del one_line[ord("\n")]
    return one_line


_OTHERS = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"


@cache
def _pattern(name: str) -> re.Pattern:
    """The pattern of what needs showing (compiled on first need: start-up time)."""
    return re.compile({"any": f"[\x00-\x1f{_OTHERS}]",
                       "multiline": f"[\x00-\x09\x0b-\x1f{_OTHERS}]",
                       # What json.dumps(ensure_ascii=False) leaves raw but a terminal would obey or choke on.
                       "json": f"[{_OTHERS}]"}[name])


def has_controls(text: str, *, multiline: bool = False) -> bool:
    """Whether :func:`visible` would change ``text`` (a newline counts only in one-line views)."""
    if text.isprintable():
        return False  # the common case, told in C: every character above is one isprintable() refuses
    return _pattern("multiline" if multiline else "any").search(text) is not None


def visible(text: str, *, multiline: bool = False) -> str:
    """``text`` with every control character made visible; line breaks kept only if ``multiline``."""
    if not has_controls(text, multiline=multiline):
        return text  # the common case: nothing to copy
    if multiline:
        return text.replace("\r\n", "\n").translate(_table(True))
    return text.translate(_table(False))


def json_text(value, *, indent: int | None = 2) -> str:
    """``value`` as JSON that reads back exactly, with nothing a terminal would obey left raw.

    Ordinary non-ASCII (accents, emoji) stays readable; C0 controls are escaped by
    :func:`json.dumps` itself, and DEL, C1, bidi controls and lone surrogates here.
    """
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    # These characters can only occur inside JSON strings, where \\uXXXX means the same.
    return _pattern("json").sub(lambda m: f"\\u{ord(m.group()):04x}", text)
