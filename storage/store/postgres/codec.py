"""Text PostgreSQL cannot keep, kept anyway: NUL and lone surrogates, encoded so they round-trip exactly.

jsonb refuses ``\\u0000`` and a lone surrogate (``\\ud800``), both of which a paste can bring
and the folder store keeps. Each string holding one is stored with an escape: U+E000 (a
private-use character) followed by ``0`` for NUL, ``s`` and four hex digits for a surrogate,
or ``e`` for U+E000 itself. Strings without any of the three are stored as they are.
"""

from __future__ import annotations

import json
import re

ESCAPE = "\ue000"
_NEEDS = re.compile("[\x00\ud800-\udfff\ue000]")
_ESCAPED = re.compile("\ue000(?:(0)|(e)|s([0-9a-f]{4}))")


def _encode_char(match: re.Match) -> str:
    char = match.group()
    if char == "\x00":
        return ESCAPE + "0"
    if char == ESCAPE:
        return ESCAPE + "e"
    return f"{ESCAPE}s{ord(char):04x}"


def _decode_char(match: re.Match) -> str:
    if match.group(1):
        return "\x00"
    if match.group(2):
        return ESCAPE
    return chr(int(match.group(3), 16))


def encode_text(text: str) -> str:
    """``text`` as PostgreSQL can store it (unchanged unless it holds NUL, a surrogate or U+E000)."""
    return _NEEDS.sub(_encode_char, text) if _NEEDS.search(text) else text


def decode_text(text: str) -> str:
    """The text ``encode_text`` was given."""
    return _ESCAPED.sub(_decode_char, text) if ESCAPE in text else text


def encode(value):
    """A JSON-ready value with every string (keys too) encoded."""
    if isinstance(value, str):
        return encode_text(value)
    if isinstance(value, dict):
        return {encode_text(key): encode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [encode(item) for item in value]
    return value


def decode(value):
    """The value ``encode`` was given."""
    if isinstance(value, str):
        return decode_text(value)
    if isinstance(value, dict):
        return {decode_text(key): decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one encoder, not one per call


def jsonb_text(value) -> str:
    """``value`` as jsonb's text (for COPY), encoded only if it holds what must be (a false alarm costs a little)."""
    text = _COMPACT.encode(value)
    if "\\u0000" in text or _NEEDS.search(text):  # json writes NUL as \u0000, which jsonb refuses
        text = _COMPACT.encode(encode(value))
    return text


def jsonb(value):
    """``value`` as a jsonb parameter for psycopg (strings not yet encoded: pass ``encode(value)``)."""
    from psycopg.types.json import Jsonb

    return Jsonb(value)
