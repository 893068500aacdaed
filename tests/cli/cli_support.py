"""Helpers shared by the command's tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    """What one run of ``main`` did."""

    code: int
    out: str
    err: str


def snapshot(folder: Path) -> dict[str, bytes]:
    """The bytes of every data file in the store folder (to prove nothing was written)."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def assert_one_line_error(result: Result, *needles: str) -> None:
    """Exit 2, one line on stderr prefixed ``mishap: ``, no traceback, nothing on stdout."""
    assert result.code == 2, result
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("mishap: ")
    assert "Traceback" not in result.err
    assert result.out == ""
    for needle in needles:
        assert needle in lines[0], lines[0]
