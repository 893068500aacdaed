"""The exact bytes of each notification method, the tmux wrapping, the title, and the auto choice."""

from __future__ import annotations

import sys
import subprocess
from pathlib import Path

import pytest

from tui.desktop import (BEL, POP_TITLE, PUSH_TITLE, notice, notify_send_argv, osc9, osc777, pick_method,
                         title_bytes, tmux_passthrough)

TITLE, BODY = "mishap ‼ M-5 12m late", "Next client update"
HOSTILE = "a\x1b]0;owned\x07b\x9b31m\u202ec;d\nnext"


def test_osc9_is_esc_bracket_9_then_bel():
    assert osc9("Next client update") == b"\x1b]9;Next client update\x07"
    assert notice(TITLE, BODY, "osc9", {}).terminal == (
        b"\x1b]9;mishap \xe2\x80\xbc M-5 12m late: Next client update\x07" + b"\x07")


def test_osc777_is_notify_title_body():
    assert osc777("T;itle", "B;ody") == b"\x1b]777;notify;T,itle;B;ody\x07"
    assert notice(TITLE, BODY, "osc777", {}).terminal == (
        b"\x1b]777;notify;mishap \xe2\x80\xbc M-5 12m late;Next client update\x07\x07")


def test_inside_tmux_the_sequence_is_wrapped_with_every_esc_doubled():
    assert tmux_passthrough(b"\x1b]9;hi\x07") == b"\x1bPtmux;\x1b\x1b]9;hi\x07\x1b\\"
    assert notice("T", "B", "osc9", {"TMUX": "/tmp/tmux-0/default,1,0"}).terminal == (
        b"\x1bPtmux;\x1b\x1b]9;T: B\x07\x1b\\" + b"\x07")
    assert notice("T", "B", "osc777", {"TMUX": "x"}).terminal == (
        b"\x1bPtmux;\x1b\x1b]777;notify;T;B\x07\x1b\\\x07")


def test_notify_send_runs_a_command_and_rings_the_bell():
    note = notice(TITLE, "-rf body", "notify-send", {"TMUX": "x"})
    assert note.terminal == b"\x07"
    assert note.argv == ["notify-send", "--app-name=mishap", "--urgency=critical", "--", TITLE, "-rf body"]


def test_bell_and_off():
    assert notice(TITLE, BODY, "bell", {}) == (BEL, None)
    assert notice(TITLE, BODY, "off", {"TMUX": "x"}) == (b"", None)
    with pytest.raises(ValueError, match="unknown notification method 'osc99'"):
        notice(TITLE, BODY, "osc99", {})


def test_control_characters_are_stripped_so_no_sequence_ends_early():
    assert osc9(HOSTILE) == b"\x1b]9;a ]0;owned b 31m c;d next\x07"
    assert osc777(HOSTILE, HOSTILE) == b"\x1b]777;notify;a ]0,owned b 31m c,d next;a ]0;owned b 31m c;d next\x07"
    argv = notify_send_argv(HOSTILE, HOSTILE)
    assert argv[-1] == "a ]0;owned b 31m c;d next"
    assert title_bytes("x" * 300).count(b"x") == 199


def test_window_title_and_the_push_pop_pair():
    assert title_bytes(TITLE) == "\x1b]0;mishap ‼ M-5 12m late\x07".encode()
    assert title_bytes("mishap", osc=2) == b"\x1b]2;mishap\x07"
    assert title_bytes(HOSTILE) == b"\x1b]0;a ]0;owned b 31m c;d next\x07"
    assert (PUSH_TITLE, POP_TITLE) == (b"\x1b[22;0t", b"\x1b[23;0t")


@pytest.mark.parametrize("env, expected", [
    ({"TERM_PROGRAM": "iTerm.app"}, "osc9"),
    ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, "osc9"),
    ({"TERM_PROGRAM": "WezTerm"}, "osc9"),
    ({"TERM_PROGRAM": "ghostty", "TERM": "xterm-ghostty"}, "osc9"),
    ({"WT_SESSION": "abc"}, "osc9"),
    ({"TERM": "foot"}, "osc777"),
    ({"TERM": "screen-256color", "TMUX": "x", "KITTY_WINDOW_ID": "3"}, "osc9"),  # kitty outside tmux
    ({"TERM": "xterm-256color", "DISPLAY": ":0"}, "notify-send"),
    ({"TERM": "xterm-256color", "WAYLAND_DISPLAY": "wayland-0"}, "notify-send"),
    ({"TERM": "xterm-256color"}, "bell"),
])
def test_auto_picks_by_the_environment(env, expected):
    assert pick_method("auto", env, which=lambda name: "/usr/bin/notify-send") == expected


def test_auto_without_notify_send_installed_rings_the_bell():
    assert pick_method("auto", {"DISPLAY": ":0"}, which=lambda name: None) == "bell"
    assert pick_method("osc777", {"TERM_PROGRAM": "iTerm.app"}) == "osc777"  # a choice in config.toml stands


def test_the_module_does_not_load_textual():
    code = "import sys, tui.desktop; print('textual' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr
