"""Showing user text literally: no markup, no live escape sequences, bounded cell widths."""

from __future__ import annotations

# C0 controls and DEL become their Unicode "control pictures" (ESC shows as ␛), so an
# escape sequence someone pasted is shown, never sent to the terminal.
_PICTURES = {code: 0x2400 + code for code in range(0x20)}
_PICTURES[0x7F] = 0x2421
_KEEP_LINES = dict(_PICTURES)
del _KEEP_LINES[ord("\n")]
_KEEP_LINES[ord("\t")] = ord(" ")


def literal(text: str, *, multiline: bool = True) -> str:
    """Text safe to render: control characters made visible, newlines kept if ``multiline``."""
    return text.translate(_KEEP_LINES if multiline else _PICTURES)


def clip(text: str, width: int) -> str:
    """One line of at most ``width`` characters (a 1 MB paste stays a short cell)."""
    line = literal(text[: width * 2], multiline=False)
    return line if len(line) <= width and len(text) <= width * 2 else line[: width - 1] + "…"
