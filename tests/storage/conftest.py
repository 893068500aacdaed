"""Shared fixtures for the storage tests: real stores in tmp_path (the fake clock is tests/conftest.py's)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from support.backends import BACKENDS, Backend

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A store folder that does not exist yet (FolderStore.open creates it)."""
    return tmp_path / "store"


@pytest.fixture
def child_env() -> dict:
    """Environment for a child Python that must import this checkout's storage package (and the shared clock)."""
    env = dict(os.environ)
    paths = [str(REPO_ROOT), str(REPO_ROOT / "tests"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(paths).rstrip(os.pathsep)
    env.pop("MISHAP_HOME", None)
    return env


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture(params=BACKENDS)
def backend(request, folder, clock) -> Backend:
    """An empty store of each backend in turn (a folder store lives in the ``folder`` fixture's place)."""
    if request.param == "folder":
        return Backend("folder", str(folder), clock)
    if request.param == "postgres":
        return Backend("postgres", request.getfixturevalue("pg_url"), clock)
    raise ValueError(f"unknown backend {request.param}")
