"""The one fake clock of the test suite: the store, the console and the benchmarks read it."""

from __future__ import annotations

import pendulum
from pendulum import DateTime, Duration

START = pendulum.datetime(2026, 5, 4, 9, 30, tz="UTC")


class FakeClock:
    """A ``now`` callable whose instant moves only when the test says so (or by ``step`` per reading).

    Freezing time (freezegun, time-machine) would also freeze the event loop's timers; the app
    and the store take a clock instead, and tests hand them this one.
    """

    def __init__(self, start: DateTime = START, *, step: Duration | None = None):
        self.start = start
        self.now = start
        self.step = step

    def __call__(self) -> DateTime:
        if self.step is not None:  # a clock that moves on every reading: no two writes share an instant
            self.now = self.now + self.step
        return self.now

    def set(self, instant: DateTime) -> DateTime:
        """Move to ``instant`` (forwards or back) and return it."""
        self.now = instant
        return instant

    def advance(self, **units) -> DateTime:
        """Move on by ``units`` (pendulum.duration's keywords) and return the new instant."""
        self.now = self.now + pendulum.duration(**units)
        return self.now

    def after(self, **units) -> DateTime:
        """Move to ``units`` after the start and return that instant."""
        return self.set(self.start + pendulum.duration(**units))
