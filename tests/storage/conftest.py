"""Shared fixtures for the storage tests: a fake clock and real stores in tmp_path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pendulum
import pytest
from pendulum import DateTime

REPO_ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    """A ``now`` callable whose instant only moves when the test says so."""

    def __init__(self, start: DateTime):
        self.now = start

    def __call__(self) -> DateTime:
        return self.now

    def set(self, instant: DateTime) -> DateTime:
        self.now = instant
        return instant

    def advance(self, **units) -> DateTime:
        self.now = self.now + pendulum.duration(**units)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(pendulum.datetime(2026, 5, 4, 9, 30, tz="UTC"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A store folder that does not exist yet (Store.open creates it)."""
    return tmp_path / "store"


@pytest.fixture
def child_env() -> dict:
    """Environment for a child Python that must import this checkout's storage package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("MISHAP_HOME", None)
    return env


@pytest.fixture
def python() -> str:
    return sys.executable
