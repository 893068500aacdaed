"""The entry point: real processes, the console hand-off, light imports, literal user text."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from storage.store import FolderStore
from tui.cli import NOT_THERE_YET, build_parser, console_only, main

REPO_ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "a[/]b [bold]x \x1b[31mred\x1b[0m 🔥 עברית"
SHOWN = "a[/]b [bold]x ␛[31mred␛[0m 🔥 עברית"  # as printed: markup literal, ESC made visible


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, MISHAP_HOME=str(home), PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_python_dash_m_runs_the_command(tmp_path):
    home = tmp_path / "home"
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "new", HOSTILE, "--client", "C", "--severity", "1"],
                          capture_output=True, text=True, encoding="utf-8", env=_env(home), cwd=REPO_ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "M-1\n"
    assert FolderStore.open(home).get("M-1").title == HOSTILE
    shown = subprocess.run([sys.executable, "-m", "tui.cli", "show", "M-1", "--db", str(home)],
                           capture_output=True, text=True, encoding="utf-8", env=_env(tmp_path / "elsewhere"),
                           cwd=REPO_ROOT, timeout=60)
    assert shown.returncode == 0 and SHOWN in shown.stdout and "\x1b" not in shown.stdout


def test_the_installed_script_reports_errors_on_one_line(tmp_path):
    script = shutil.which("mishap") or str(Path(sys.executable).with_name("mishap"))
    if not Path(script).exists():
        pytest.skip("the mishap script is not installed (pip install -e .)")
    proc = subprocess.run([script, "show", "M-7", "--db", str(tmp_path / "s")],
                          capture_output=True, text=True, env=_env(tmp_path / "home"), timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "mishap: no incident M-7\n"
    assert proc.stdout == ""


def test_a_store_error_from_a_fresh_process_is_one_line(tmp_path):
    """The command knows a store error by its class (storage.store.errors), loaded only by raising one."""
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("not a store")
    for args in (["list"], ["new", "X", "--client", "C", "--severity", "1"], ["review"]):
        proc = subprocess.run([sys.executable, "-m", "tui.cli", *args, "--db", str(not_a_folder)],
                              capture_output=True, text=True, env=_env(tmp_path / "home"), timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == (f"mishap: the store path {not_a_folder} is a file, not a folder: move that file "
                               f"aside, or give a folder with --db or MISHAP_HOME\n")
        assert proc.stdout == ""


def test_the_command_does_not_import_textual(tmp_path):
    code = (
        "import sys\n"
        "import tui.cli\n"
        "light = not any(m in sys.modules for m in ('textual', 'tinydb', 'pendulum', 'rich'))\n"
        f"rc = tui.cli.main(['list', '--db', {str(tmp_path / 's')!r}])\n"
        "print(light, 'textual' in sys.modules, rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(tmp_path / "home"), cwd=REPO_ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "True False 0"


def test_no_subcommand_starts_the_console(monkeypatch, folder):
    calls = []
    fake = types.ModuleType("tui.app")
    fake.run = lambda where: calls.append((where, gc.isenabled())) or 0
    monkeypatch.setitem(sys.modules, "tui.app", fake)
    assert main(["--db", str(folder)]) == 0
    assert main([f"--db={folder}"]) == 0
    # Collection is paused for the start-up (the app resumes it after its first frame) and
    # always on again once the console is gone.
    assert calls == [(folder, False), (folder, False)] and gc.isenabled()
    monkeypatch.setenv("MISHAP_HOME", str(folder / "home"))
    assert main([]) == 0
    assert calls[-1] == (folder / "home", False)


@pytest.mark.parametrize("argv", [[], ["--db", "/srv/store"], ["--db=/srv/store"], ["--db", "postgresql://h/db"],
                                  ["--db", "-x"], ["--db"], ["--db="], ["--help"], ["list"], ["--db", "a", "list"],
                                  ["list", "--db", "a"], ["--db", "a", "--db", "b"], ["--bd", "a"]])
def test_the_console_shortcut_reads_argv_as_the_full_parser_does(argv):
    """``console_only`` skips building the parser only where the parser would start the console too;
    whatever it declines the parser reads as before."""
    shortcut = console_only(argv)
    assert (shortcut is not None) == (argv in ([], ["--db", "/srv/store"], ["--db=/srv/store"],
                                               ["--db", "postgresql://h/db"]))
    if shortcut is None:
        return
    args = build_parser().parse_args(argv)
    assert args.command is None and shortcut == (args.db,)


def test_no_console_yet_says_so(monkeypatch, capsys, folder):
    monkeypatch.setitem(sys.modules, "tui.app", None)  # importing it now raises ImportError
    assert main(["--db", str(folder)]) == 0
    assert capsys.readouterr().out == NOT_THERE_YET + "\n"


def test_hostile_text_is_printed_literally(run, store_at):
    assert run("new", HOSTILE, "--client", HOSTILE, "--severity", "2", "--contact", "[red]Dana[/red]").code == 0
    assert run("update", "M-1", HOSTILE, "--channel", "[link]").code == 0
    assert store_at().get("M-1").title == HOSTILE
    listed = run("list").out
    assert listed.count(SHOWN) == 2 and "\x1b" not in listed  # client and title, markup untouched
    shown = run("show", "M-1").out
    assert shown.startswith(f"M-1  {SHOWN}\n") and "\x1b" not in shown
    assert f"{SHOWN} — [red]Dana[/red]" in shown and "[link], " in shown
    assert json.loads(run("show", "M-1", "--json").out)["title"] == HOSTILE
    assert json.loads(run("list", "--json").out)[0]["client_org"] == HOSTILE


def test_multiline_title_stays_one_row_in_the_list(run):
    run("new", "first line\nsecond line", "--client", "C", "--severity", "3")
    rows = run("list").out.splitlines()
    assert len(rows) == 2 and rows[1].endswith("first line second line")
    assert "first line\nsecond line" in run("show", "M-1").out
