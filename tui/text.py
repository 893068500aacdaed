"""Showing user text literally: no markup, no live escape sequences, bounded cell widths.

The rule for control characters is :func:`storage.visible.visible`, shared with the
command and the Markdown report; this module adds what only a screen needs.
"""

from __future__ import annotations

from storage.visible import visible


def literal(text: str, *, multiline: bool = True) -> str:
    """Text safe to render: control characters made visible, newlines kept if ``multiline``."""
    return visible(text, multiline=multiline)


def clip(text: str, width: int) -> str:
    """One line of at most ``width`` characters (a 1 MB paste stays a short cell)."""
    line = literal(text[: width * 2], multiline=False)
    return line if len(line) <= width and len(text) <= width * 2 else line[: width - 1] + "…"


def kept(shown: str, original: str, *, multiline: bool) -> str:
    """What an edit field holds: ``original`` if the field still shows it unchanged, else ``shown``.

    A field is loaded with ``literal(original)``; opening a form and saving it untouched
    must not replace a stored ESC or tab by its picture.
    """
    return original if shown == literal(original, multiline=multiline) else shown
