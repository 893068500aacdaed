"""Fixtures for every test folder: the shared fake clock."""

from __future__ import annotations

import pytest
from pendulum import DateTime

from support.clock import START, FakeClock


@pytest.fixture
def clock_start() -> DateTime:
    """Where ``clock`` starts; a folder or module overrides this fixture to start elsewhere."""
    return START


@pytest.fixture
def clock(clock_start) -> FakeClock:
    """A fake clock the test moves by hand."""
    return FakeClock(clock_start)
