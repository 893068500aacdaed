"""Stored text cannot drive the terminal of whoever reads it through the command.

Escape sequences (OSC 0 retitles the window, OSC 52 writes the clipboard, CSI 2J clears
the screen), C1 controls, DEL, bidi overrides and lone surrogates are stored exactly,
printed made visible, and escaped in JSON so it reads back to the identical string.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.budget import examples

from storage.domain.model import DamageItem, PreventionAction
from storage.store import FolderStore as Store
from tui.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
PROBE = "x \x1b]0;HIJACK\x07 \x1b]52;c;cHduZWQ=\x07 \x1b[2J"
C1 = "\x9b31m \x9d0;T\x9c \x85"
BIDI = "\u202eevil\u202c \u2066iso\u2069 \u200e\u200f\u061c \u202a\u202b\u202d \u2067\u2068"
HOSTILE = f"{PROBE} {C1} {BIDI} \x7f\x00\t\r end é 🔥"
# Written out here rather than taken from storage.domain.visible, so the test does not trust the
# code under test to say what is dangerous.
BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def terminal_problems(text: str, *, newlines: bool = True) -> list[str]:
    """What in ``text`` a terminal would obey or choke on (empty when it is safe to print)."""
    problems = []
    try:
        data = text.encode("utf-8")  # strict: a lone surrogate cannot be written at all
    except UnicodeEncodeError as exc:
        return [f"not encodable: {exc}"]
    problems += [f"byte {b:#04x}" for b in set(data) if (b < 0x20 and not (newlines and b == 0x0A)) or b == 0x7F]
    problems += [f"U+{ord(c):04X}" for c in set(text) if 0x7F <= ord(c) <= 0x9F or ord(c) in BIDI_CONTROLS]
    return sorted(problems)


def fill(folder: Path, text: str) -> None:
    """Incidents with ``text`` in every field a person or a script can write: M-1 open, M-2 and M-3
    closed (the same client: the review shows a pattern).

    A huge text (1 MB) goes into the title, the client, an update and the root cause only,
    so the store stays a few MB.
    """
    store = Store.open(folder, user=text[:200])
    for n in (1, 2, 3):
        store.create(text, text, 2, client_contact=text[:200])

        def huge(inc, now, by):
            inc.log_update("email", text, now.add(hours=2), now, by)
            inc.set_text("root_cause", text, now, by)

        def everything(inc, now, by):
            inc.add_damage(DamageItem(text, text, 2, "confirmed"), now, by)
            inc.add_question(text, now, by)
            inc.answer_question(0, text, now, by)
            inc.complete_step(0, now, by, note=text)
            inc.add_note(text, now, by)
            inc.log_update(text, text, now.add(hours=2), now, by)
            inc.add_promise(text, now.add(hours=5), now, by)
            inc.renegotiate(1, now.add(hours=6), text, now, by)
            for name in ("root_cause", "fix", "lessons"):
                inc.set_text(name, text, now, by)
            inc.add_prevention(PreventionAction(text, text, now.add(days=14)), now, by)

        store.change(n, everything if len(text) < 10_000 else huge)
    for n in (2, 3):
        store.change(n, lambda inc, now, by: inc.close(now, by, reason=text))


def run_main(*argv: str) -> tuple[int, str, str]:
    """``mishap ARGV`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


TEXT_COMMANDS = [("list",), ("list", "--closed"), ("show", "M-1"), ("show", "M-2"), ("review",),
                 ("export", "M-1", "--format", "md"), ("export", "M-2", "--format", "md", "--audience", "client")]
JSON_COMMANDS = [("list", "--json"), ("list", "--closed", "--json"), ("show", "M-1", "--json"),
                 ("show", "M-2", "--json"), ("review", "--json"), ("export", "M-1", "--format", "json"),
                 ("export", "M-2", "--format", "json")]


@pytest.fixture
def hostile(folder):
    fill(folder, HOSTILE)
    return folder


# -- the real command, in a real process: the exact bytes a terminal would receive ----------


def _mishap(folder: Path, *args: str) -> subprocess.CompletedProcess:
    script = shutil.which("mishap") or str(Path(sys.executable).with_name("mishap"))
    command = [script] if Path(script).exists() else [sys.executable, "-m", "tui.cli"]
    env = dict(os.environ, MISHAP_HOME=str(folder), PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([*command, *args, "--db", str(folder)], capture_output=True, env=env, cwd=REPO_ROOT,
                          timeout=60)


def test_the_probe_title_reaches_no_terminal_raw(tmp_path):
    folder = tmp_path / "store"
    made = _mishap(folder, "new", PROBE, "--client", f"Acme {C1}", "--severity", "1", "--contact", BIDI)
    assert made.returncode == 0 and made.stdout == b"M-1\n", made.stderr
    assert Store.open(folder).get("M-1").title == PROBE  # stored exactly
    for args in (("list",), ("show", "M-1")):
        proc = _mishap(folder, *args)
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout.decode("utf-8")  # strict
        assert b"\x1b" not in proc.stdout and b"\x07" not in proc.stdout
        assert terminal_problems(out) == []
        assert "x ␛]0;HIJACK␇ ␛]52;c;cHduZWQ=␇ ␛[2J" in out  # shown, so the reader sees what was sent
        assert "Acme ⟨U+009B⟩31m ⟨U+009D⟩0;T⟨U+009C⟩ ⟨U+0085⟩" in out
    shown = _mishap(folder, "show", "M-1").stdout.decode("utf-8")
    assert "⟨U+202E⟩evil⟨U+202C⟩ ⟨U+2066⟩iso⟨U+2069⟩" in shown


def test_a_lone_surrogate_is_shown_and_does_not_stop_the_list(tmp_path):
    folder = tmp_path / "store"
    Store.open(folder).create("half an emoji \ud83d here", "Acme", 2)
    for args in (("list",), ("show", "M-1"), ("export", "M-1", "--format", "md")):
        proc = _mishap(folder, *args)
        assert proc.returncode == 0 and proc.stderr == b"", proc.stderr
        assert "half an emoji ⟨U+D83D⟩ here" in proc.stdout.decode("utf-8")
    listed = _mishap(folder, "list", "--json")
    assert b"\\ud83d" in listed.stdout
    assert json.loads(listed.stdout)[0]["title"] == "half an emoji \ud83d here"


# -- every text view -------------------------------------------------------------------------


@pytest.mark.parametrize("args", TEXT_COMMANDS, ids=" ".join)
def test_every_text_view_shows_control_characters(hostile, args):
    code, out, err = run_main(*args, "--db", str(hostile))
    assert code == 0 and err == "", err
    assert terminal_problems(out) == []
    shown = out.replace("\\", "")  # the Markdown report backslash-escapes [ and ]
    assert "x ␛]0;HIJACK␇ ␛]52;c;cHduZWQ=␇ ␛[2J" in shown
    assert "⟨U+009B⟩31m" in shown and "⟨U+202E⟩evil" in shown and "␡␀" in shown


def test_list_columns_are_measured_on_what_is_printed(hostile):
    header, row = run_main("list", "--db", str(hostile))[1].splitlines()
    # The client column is padded by its shown width, so the title starts where TITLE does.
    assert row[header.index("TITLE"):].startswith("x ␛]0;HIJACK␇")


def test_export_to_a_file_is_made_visible_too(hostile, tmp_path):
    target = tmp_path / "report.md"
    code, out, err = run_main("export", "M-2", "--format", "md", "--output", str(target), "--db", str(hostile))
    assert code == 0, err
    written = target.read_text(encoding="utf-8")
    assert terminal_problems(written) == [] and "␛\\]52;c;cHduZWQ=␇" in written
    assert terminal_problems(err) == []


def test_echoes_show_control_characters(tmp_path):
    folder = tmp_path / "store"
    # A team playbook whose step carries an escape sequence (TOML's \u escapes make it easy).
    folder.mkdir()
    (folder / "playbook.toml").write_text(
        '[[phase]]\nname = "Stop \\u009b2J"\nsteps = ["Halt \\u001b]0;HIJACK\\u0007 it", "Breathe"]\n', encoding="utf-8")
    db = ("--db", str(folder))
    code, out, err = run_main("new", HOSTILE, "--client", "C", "--severity", "2", *db)
    assert (code, out) == (0, "M-1\n"), err
    results = [
        run_main("done", "M-1", "1", *db),
        run_main("update", "M-1", HOSTILE, "--channel", HOSTILE, "--next", "2h", *db),
        run_main("close", "M-1", "--reason", HOSTILE, *db),
        run_main("reopen", "M-1", "--reason", HOSTILE, *db),
    ]
    for code, out, err in results:
        assert code == 0, err
        assert terminal_problems(out) == [] and terminal_problems(err) == []
    assert results[0][1].startswith("M-1: step 1 done (Stop ⟨U+009B⟩2J: Halt ␛]0;HIJACK␇ it)")
    assert "(without a full close-out: x ␛]0;HIJACK␇" in results[2][1]
    stored = Store.open(folder).get("M-1")
    assert stored.steps[0].text == "Halt \x1b]0;HIJACK\x07 it" and stored.updates[0].summary == HOSTILE


def test_warnings_and_errors_that_quote_stored_text_show_it(tmp_path):
    folder = tmp_path / "store"
    folder.mkdir()
    # An unknown key is quoted in the warning; here it is an escape sequence.
    (folder / "playbook.toml").write_text(
        '[[phase]]\nname = "Stop"\nsteps = ["Halt"]\n"\\u001b]0;HIJACK\\u0007\\u202e" = 1\n', encoding="utf-8")
    code, out, err = run_main("new", "T", "--client", "C", "--severity", "2", "--db", str(folder))
    assert code == 0 and "warning" in err and "␛]0;HIJACK␇⟨U+202E⟩" in err
    assert terminal_problems(err) == []
    code, out, err = run_main("show", "M-1\x1b[2J\x9b", "--db", str(folder))
    assert code == 2 and out == "" and terminal_problems(err) == []
    code, out, err = run_main("export", "M-1", "--format", "\x1b[2J", "--db", str(folder))
    assert code == 2 and terminal_problems(err) == []
    # The error for a step the incident lacks quotes nothing stored; the one for a bad
    # severity quotes the typed value, made visible.
    code, out, err = run_main("new", "T", "--client", "C", "--severity", "\x1b]0;X\x07\u202e", "--db", str(folder))
    assert code == 2 and terminal_problems(err) == []


# -- JSON: exact, and still nothing raw ------------------------------------------------------


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=" ".join)
def test_json_is_exact_and_escapes_what_a_terminal_obeys(hostile, args):
    code, out, err = run_main(*args, "--db", str(hostile))
    assert code == 0, err
    assert terminal_problems(out) == []
    assert "é 🔥" in out  # ordinary non-ASCII stays readable
    assert "\\u009b31m" in out and "\\u202eevil" in out and "\\u007f" in out and "\\u001b]0;HIJACK" in out
    value = json.loads(out)
    doc = value[0] if isinstance(value, list) else value
    assert doc["title"] == HOSTILE  # reads back to the identical string


def test_show_json_reads_back_to_the_stored_document(hostile):
    from tui.cli.audiences import show_document

    incident = Store.open(hostile).get("M-1")
    shown = json.loads(run_main("show", "M-1", "--json", "--db", str(hostile))[1])
    # The stored document, exactly, with its audiences named rather than numbered (issue 19).
    assert shown == show_document(incident)
    stored = incident.to_dict()
    assert {k: v for k, v in shown.items() if k not in ("id", "audiences", "promises", "updates", "timeline")} == \
        {k: v for k, v in stored.items() if k not in ("audiences", "promises", "updates", "timeline")}


# -- the property: arbitrary text through every output -----------------------------------------

# Every code point, surrogates included, with the dangerous ones made likely.
_ANY_CHAR = st.characters(codec=None, exclude_categories=())
_DANGEROUS = st.sampled_from([chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), *BIDI_CONTROLS,
                                                0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0x2028, 0x2029]])
_SEQUENCES = st.sampled_from(["\x1b[2J", "\x1b]52;c;cHduZWQ=\x07", "\x1b]0;T\x1b\\", "\r\n", "\ud83d\ude00"])
HOSTILE_TEXT = (st.lists(st.one_of(_ANY_CHAR, _DANGEROUS, _SEQUENCES), min_size=1, max_size=40)
                .map("".join).filter(str.strip))
# Just over 1 MB: mostly plain, with an escape sequence, a bidi override, a C1 control and
# a lone surrogate every thousand characters.
ONE_MB = ("\x1b]0;HIJACK\x07\u202e\x9b\ud800 " + "a" * 1000) * 1000


def _stored(folder: Path) -> dict:
    """M-1 and M-2 as the store holds them (as `show --json` has them: audiences named), to compare with."""
    from tui.cli.audiences import show_document

    return {n: show_document(Store.open(folder).get(n)) for n in ("M-1", "M-2")}


def _output_is_visible_and_json_exact(folder: Path, stored: dict, args: tuple) -> None:
    """``mishap ARGS`` on a store ``fill``-ed with hostile text: printed made visible; JSON reading back exact."""
    code, out, err = run_main(*args, "--db", str(folder))
    assert code == 0, err
    assert terminal_problems(out) == [], (args, terminal_problems(out))
    if args not in JSON_COMMANDS:
        return
    value = json.loads(out)
    if args[0] == "show":
        assert value == stored[args[1]]  # every string reads back identical
    elif args[0] == "list":
        titles = [stored["M-2"]["title"]] * 2 if "--closed" in args else [stored["M-1"]["title"]]
        assert [d["title"] for d in value] == titles
    elif args[0] == "review":
        assert value[0]["title"] == stored["M-2"]["title"] and value[0]["client"] == stored["M-2"]["client_org"]


def _typed_text_is_echoed_visible(folder: Path, text: str) -> None:
    """Typed as an argument, ``text`` is echoed back made visible (or, holding a lone surrogate,
    refused: it is not UTF-8)."""
    typed = not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    for args in (("reopen", "M-2", "--reason", text), ("close", "M-2", "--reason", text)):
        code, out, err = run_main(*args, "--db", str(folder))
        assert terminal_problems(out + err) == []
        assert code == (0 if typed else 2), err
        if not typed:
            break


@settings(max_examples=examples(12), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=HOSTILE_TEXT)
@example(text="\x00")
@example(text=HOSTILE)
def test_any_text_reaches_every_output_visible_and_json_exact(text):
    pendulum.set_local_timezone(pendulum.timezone("Europe/Berlin"))
    with tempfile.TemporaryDirectory() as where:
        folder = Path(where) / "store"
        fill(folder, text)
        stored = _stored(folder)
        for args in TEXT_COMMANDS + JSON_COMMANDS:
            _output_is_visible_and_json_exact(folder, stored, args)
        _typed_text_is_echoed_visible(folder, text)


# The property's megabyte case, one output a test: each reads and prints megabytes, and the
# workers share them out. The store is filled once per module (nothing below changes it).
@pytest.fixture(scope="module")
def megabyte_store(tmp_path_factory) -> tuple[Path, dict]:
    """A store ``fill``-ed with ONE_MB, and its M-1 and M-2."""
    folder = tmp_path_factory.mktemp("megabyte") / "store"
    fill(folder, ONE_MB)
    return folder, _stored(folder)


@pytest.mark.deep
@pytest.mark.parametrize("args", TEXT_COMMANDS + JSON_COMMANDS, ids=" ".join)
def test_a_megabyte_reaches_each_output_visible_and_json_exact(megabyte_store, args):
    _output_is_visible_and_json_exact(*megabyte_store, args)


def test_a_typed_megabyte_is_refused_visibly(megabyte_store):
    folder, _ = megabyte_store
    _typed_text_is_echoed_visible(folder, ONE_MB)  # it holds lone surrogates: refused, nothing changed
