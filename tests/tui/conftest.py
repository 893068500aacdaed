"""Fixtures for console tests: a fake clock, a pinned time zone, and a store in tmp_path."""

from __future__ import annotations

import pendulum
import pytest
from tui_support import FakeClock

from storage.store.folder import Store
from tui.app import MishapApp


@pytest.fixture(autouse=True)
def berlin_time():
    """Screens show local time: pin the zone so results do not depend on the machine."""
    pendulum.set_local_timezone(pendulum.timezone("Europe/Berlin"))
    yield
    pendulum.set_local_timezone()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def store(folder, clock):
    return Store.open(folder, clock=clock, user="ana")


@pytest.fixture
def make_app(folder, clock):
    def make(**kwargs) -> MishapApp:
        kwargs.setdefault("offer_demo", False)
        return MishapApp(folder, clock=clock, user="ana", **kwargs)

    return make
