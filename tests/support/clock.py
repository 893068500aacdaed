"""The one fake clock of the test suite: the store, the console and the benchmarks read it."""

from __future__ import annotations

import pendulum
from pendulum import DateTime, Duration

START = pendulum.datetime(2026, 5, 4, 9, 30, tz="UTC")

#: Instants at which a test that reads the time of day, the weekday or the date could go wrong,
#: for tests that must hold at any of them (``pytest.mark.parametrize("clock_start", ...)``).
HOSTILE_INSTANTS = {
    "monday-morning": START,
    "berlin-evening": pendulum.datetime(2026, 12, 6, 20, 7, tz="UTC"),  # 17:30 has passed in Berlin
    "saturday-before-midnight": pendulum.datetime(2026, 12, 5, 23, 52, tz="UTC"),  # Sunday 00:52 in Berlin
    "eve-of-eu-autumn-change": pendulum.datetime(2026, 10, 24, 15, 45, tz="UTC"),  # 17:45 CEST; next 17:30 is 24 h 45 min on
    "eu-repeated-hour": pendulum.datetime(2026, 10, 25, 0, 40, tz="UTC"),  # 02:40 CEST, then again as CET
    "us-autumn-change": pendulum.datetime(2026, 11, 1, 5, 55, tz="UTC"),  # New York repeats 01:00-02:00
    "eu-spring-forward": pendulum.datetime(2027, 3, 28, 0, 58, tz="UTC"),  # 01:58 CET, then 03:00 CEST
    "leap-day": pendulum.datetime(2028, 2, 29, 16, 45, tz="UTC"),
}


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
