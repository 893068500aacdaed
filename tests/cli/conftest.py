"""Fixtures for the command's tests: a real store folder in tmp_path and a runner for main()."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from storage.store import FolderStore
from tui.cli import main

from cli_support import Result


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Never touch the real user data folder, and pin the zone times are shown in."""
    monkeypatch.setenv("MISHAP_HOME", str(tmp_path / "home-store"))
    pendulum.set_local_timezone(pendulum.timezone("Europe/Berlin"))
    yield
    pendulum.set_local_timezone()


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def run(folder, capsys, clock):
    """Run ``mishap --db FOLDER ARGS...`` in-process at the fake ``clock``'s instant; code, stdout, stderr.

    The command's instant is injected here, in-process, as the console's tests inject theirs:
    no test depends on the hour it runs at. Each command runs one second after the one before,
    as a person typing them would, so two changes never share an instant.
    """

    def runner(*args: str, db: bool = True) -> Result:
        argv = [*args, "--db", str(folder)] if db else list(args)
        clock.advance(seconds=1)
        code = main(argv, clock=clock)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return runner


@pytest.fixture
def store_at(folder, clock):
    """Re-open the store on the folder, as another process would (on the same fake clock)."""

    def opener() -> FolderStore:
        return FolderStore.open(folder, clock=clock)

    return opener
