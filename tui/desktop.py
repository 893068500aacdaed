"""What reaches the responder outside the console's window: desktop notifications, the bell, the title.

Only bytes and argument lists, built from text and the environment: nothing is written or
run here, and Textual is not imported, so every byte is checked by unit tests. It lives in
``tui/`` because it is about the terminal the user sees (escape sequences, tmux, the
desktop); *when* to notify is decided in :mod:`storage.readers.reminders`.

How the console calls it::

    method = pick_method(store.config.notify, os.environ)        # once, at start
    note = notice(reminder.title, reminder.body, method, os.environ)
    if note.argv: subprocess.Popen(note.argv)                     # notify-send, never waited on
    write_to_terminal(note.terminal)                              # e.g. app.driver.write, as bytes

    write_to_terminal(PUSH_TITLE)                                 # at start: keep the user's title
    write_to_terminal(title_bytes(title_text(items)))             # when the most urgent state changes
    write_to_terminal(POP_TITLE)                                  # on exit: the user's title back

Methods: ``osc9`` (iTerm2, kitty, WezTerm, Ghostty, Windows Terminal), ``osc777`` (foot,
and kitty, WezTerm, Ghostty too), ``notify-send`` (a Linux desktop session), ``bell`` only,
or ``off``. Every method but ``off`` also rings the bell. Inside tmux the OSC sequences are
wrapped for passthrough (tmux ≥ 3.3 needs ``set -g allow-passthrough on``).
"""

from __future__ import annotations

import re
import shutil
from typing import Callable, Mapping, NamedTuple

from storage.domain.config import NOTIFY_METHODS as METHODS  # the one list, which config.toml is checked against

ESC = b"\x1b"
BEL = b"\x07"
ST = ESC + b"\\"
PUSH_TITLE = b"\x1b[22;0t"  # xterm: save the icon and window title on the terminal's stack
POP_TITLE = b"\x1b[23;0t"  # ... and restore them
LONGEST = 200  # characters of a title or body; notification bubbles show less anyway

# C0, DEL, C1, and the invisible direction controls: stripped, not shown (a notification is not
# a place to show ␛), so nothing in a promise's text can end the sequence or start another.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

# Terminals known to show OSC 9 or OSC 777, told by variables they set (inherited into tmux).
_OSC9_PROGRAMS = ("iTerm.app", "WezTerm", "ghostty")
_OSC9_VARIABLES = ("ITERM_SESSION_ID", "KITTY_WINDOW_ID", "WEZTERM_PANE", "WT_SESSION", "GHOSTTY_RESOURCES_DIR")
_OSC9_TERMS = ("xterm-kitty", "xterm-ghostty", "wezterm")
_OSC777_TERMS = ("foot", "foot-extra")


class Notice(NamedTuple):
    """What to do for one notification: bytes for the terminal, and a command to run (or None)."""

    terminal: bytes
    argv: list[str] | None = None


def clean(text: str, limit: int = LONGEST) -> str:
    """``text`` on one line with every control character stripped, cut at ``limit``."""
    text = " ".join(_CONTROLS.sub(" ", text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "replace")


def osc9(body: str) -> bytes:
    """``ESC ] 9 ; body BEL``: a notification with a body only (iTerm2's form)."""
    return ESC + b"]9;" + _utf8(clean(body)) + BEL


def osc777(title: str, body: str) -> bytes:
    """``ESC ] 777 ; notify ; title ; body BEL``; a ``;`` in the title would end it, so it becomes ``,``."""
    return ESC + b"]777;notify;" + _utf8(clean(title).replace(";", ",")) + b";" + _utf8(clean(body)) + BEL


def tmux_passthrough(sequence: bytes) -> bytes:
    """``sequence`` wrapped for tmux to hand to the outer terminal: ``ESC P tmux; …ESC ESC… ESC \\``."""
    return ESC + b"Ptmux;" + sequence.replace(ESC, ESC + ESC) + ST


def notify_send_argv(title: str, body: str) -> list[str]:
    """The notify-send command (``--`` first, so a text starting with ``-`` is never an option)."""
    return ["notify-send", "--app-name=mishap", "--urgency=critical", "--", clean(title), clean(body)]


def pick_method(setting: str, env: Mapping[str, str], which: Callable[[str], str | None] = shutil.which) -> str:
    """The method for ``setting`` (one of METHODS); ``auto`` decides from the environment."""
    if setting != "auto":
        return setting
    program, term = env.get("TERM_PROGRAM", ""), env.get("TERM", "")
    if term in _OSC777_TERMS:
        return "osc777"
    if program in _OSC9_PROGRAMS or term in _OSC9_TERMS or any(env.get(v) for v in _OSC9_VARIABLES):
        return "osc9"
    if (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")) and which("notify-send"):
        return "notify-send"
    return "bell"


def notice(title: str, body: str, method: str, env: Mapping[str, str]) -> Notice:
    """What to write (and run) to notify by ``method`` (not ``auto``: pick it first); the bell comes with all but off."""
    if method == "off":
        return Notice(b"")
    if method in ("osc9", "osc777"):
        if method == "osc9":  # OSC 9 has no title: the title leads the body
            sequence = osc9(f"{clean(title)}: {clean(body)}" if clean(body) else title)
        else:
            sequence = osc777(title, body)
        if env.get("TMUX"):
            sequence = tmux_passthrough(sequence)
        return Notice(sequence + BEL)
    if method == "notify-send":
        return Notice(BEL, notify_send_argv(title, body))
    if method == "bell":
        return Notice(BEL)
    raise ValueError(f"unknown notification method {method!r}: use {', '.join(METHODS)}")


def title_bytes(text: str, *, osc: int = 0) -> bytes:
    """Set the terminal's title (OSC 0: icon and window, as the push/pop pair keeps; OSC 2: window only)."""
    if osc not in (0, 2):
        raise ValueError("the title is set by OSC 0 or OSC 2")
    return ESC + b"]" + str(osc).encode() + b";" + _utf8(clean(text)) + BEL
