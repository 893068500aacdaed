"""Countdowns and durations across the 2026 DST changes, with a fake clock (never sleeping)."""

from __future__ import annotations

import pendulum
import pytest

from storage.domain.clock import (Countdown, CountdownState, clock_face, countdown_state, local_clock, local_stamp,
                                  parse_when, relative)
from storage.domain.spans import human_span
from storage.store import FolderStore

NY, BERLIN = "America/New_York", "Europe/Berlin"
UTC = "UTC"

# (zone, the UTC instant the clocks change, wall time just before, just after, hours the wall jumps)
CHANGES = {
    "ny-spring": (NY, pendulum.datetime(2026, 3, 8, 7, 0, tz=UTC), "01:59", "03:00", +1),
    "berlin-spring": (BERLIN, pendulum.datetime(2026, 3, 29, 1, 0, tz=UTC), "01:59", "03:00", +1),
    "ny-fall": (NY, pendulum.datetime(2026, 11, 1, 6, 0, tz=UTC), "01:59", "01:00", -1),
    "berlin-fall": (BERLIN, pendulum.datetime(2026, 10, 25, 1, 0, tz=UTC), "02:59", "02:00", -1),
}


@pytest.fixture(params=list(CHANGES))
def change(request):
    return CHANGES[request.param]


def test_the_change_is_where_we_think(change):
    zone, at, before, after, _ = change
    assert at.subtract(minutes=1).in_timezone(zone).format("HH:mm") == before
    assert at.in_timezone(zone).format("HH:mm") == after


def test_two_hours_across_the_change_are_two_real_hours(change, clock):
    zone, at, *_, jump = change
    clock.set(at.subtract(hours=1))
    due = parse_when("2h", clock(), zone)
    assert (due - clock()).total_seconds() == 2 * 3600
    assert due == at.add(hours=1)
    wall_start = clock().in_timezone(zone)
    # The wall clock moved 2 h plus the jump; local_clock shows the wall time.
    expected_wall = wall_start.naive().add(hours=2 + jump).format("HH:mm")
    assert local_clock(due, clock(), zone) == expected_wall
    assert relative(due, clock()) == "in 2 h"
    assert clock_face(due, clock()) == "2:00:00"
    for text in ("in 2 hours", "120m", "2 hrs"):
        assert parse_when(text, clock(), zone) == due


def test_half_past_five_the_evening_before(change, clock):
    zone, at, *_, jump = change
    evening = at.in_timezone(zone).subtract(days=1).set(hour=18, minute=0)
    clock.set(evening)
    due = parse_when("17:30", clock(), zone)
    local_due = due.in_timezone(zone)
    assert (local_due.day, local_due.hour, local_due.minute) == (at.in_timezone(zone).day, 17, 30)
    # 23.5 wall hours, minus the hour that vanished (spring) or plus the one repeated (fall).
    real = 23.5 - jump
    assert (due - clock()).total_seconds() == real * 3600
    assert clock_face(due, clock()) == f"{int(real)}:30:00"
    assert relative(due, clock()) == ("in 22 h 30 min" if jump > 0 else "in 1 d")
    assert local_clock(due, clock(), zone).endswith("Sun 17:30")
    # Typed the evening before at 17:00: still today.
    clock.set(evening.set(hour=17))
    assert parse_when("17:30", clock(), zone) == clock().add(minutes=30)


def test_countdown_walks_through_the_change(change, clock):
    zone, at, *_ = change
    due = at.add(minutes=5)  # five real minutes after the change
    cadence = pendulum.duration(minutes=30)
    clock.set(at.subtract(minutes=10))
    c = Countdown.at(due, clock(), cadence, zone)
    assert (c.state, c.relative, c.face) == (CountdownState.CALM, "in 15 min", "0:15:00")
    assert c.due_local == due.in_timezone(zone).format("HH:mm")
    clock.advance(minutes=6)  # 9 min left: under the 10 min floor (cadence/4 = 7.5 min)
    assert Countdown.at(due, clock(), cadence, zone).state == CountdownState.SOON
    clock.advance(minutes=7, seconds=30)  # 1.5 min left
    c = Countdown.at(due, clock(), cadence, zone)
    assert (c.state, c.relative, c.face) == (CountdownState.DUE, "in 1 min", "0:01:30")
    clock.advance(minutes=5, seconds=30)  # 4 min late
    c = Countdown.at(due, clock(), cadence, zone)
    assert (c.state, c.relative, c.face) == (CountdownState.OVERDUE, "4 min late", "-0:04:00")


def test_fall_back_wall_time_earlier_but_instant_later():
    # 01:50 EDT, then 01:10 EST is 20 minutes *later* although the wall shows an earlier time.
    now = pendulum.datetime(2026, 11, 1, 5, 50, tz=UTC).in_timezone(NY)
    due = pendulum.datetime(2026, 11, 1, 6, 10, tz=UTC).in_timezone(NY)
    assert (now.format("HH:mm"), due.format("HH:mm")) == ("01:50", "01:10")
    assert relative(due, now) == "in 20 min"
    assert countdown_state(due, now) == CountdownState.CALM
    assert countdown_state(due, now, pendulum.duration(hours=2)) == CountdownState.SOON
    assert Countdown.at(due, now, tz=NY).due_local == "01:10"


def test_clock_time_repeated_in_the_fall_back_hour():
    # At 01:45 EDT "01:30" still happens once more today, at 01:30 EST, 45 minutes away.
    now = pendulum.datetime(2026, 11, 1, 5, 45, tz=UTC)
    due = parse_when("01:30", now, NY)
    assert due == pendulum.datetime(2026, 11, 1, 6, 30, tz=UTC)
    # At 01:45 EST both have passed: tomorrow's.
    now = pendulum.datetime(2026, 11, 1, 6, 45, tz=UTC)
    assert parse_when("01:30", now, NY) == pendulum.datetime(2026, 11, 2, 6, 30, tz=UTC)
    # At 01:15 EDT the first one is next.
    now = pendulum.datetime(2026, 11, 1, 5, 15, tz=UTC)
    assert parse_when("01:30", now, NY) == pendulum.datetime(2026, 11, 1, 5, 30, tz=UTC)


def test_clock_time_in_the_spring_gap_is_in_the_future():
    now = pendulum.datetime(2026, 3, 8, 6, 0, tz=UTC)  # 01:00 EST; 02:30 does not exist today
    due = parse_when("02:30", now, NY)
    assert 0 < (due - now).total_seconds() < 3 * 3600
    assert due.in_timezone(NY).date() == pendulum.date(2026, 3, 8)


def test_iso_text_is_read_in_the_users_zone():
    now = pendulum.datetime(2026, 3, 1, 12, 0, tz=UTC)
    assert parse_when("2026-03-08T03:30", now, NY) == pendulum.datetime(2026, 3, 8, 7, 30, tz=UTC)
    assert parse_when("2026-03-29T03:30", now, BERLIN) == pendulum.datetime(2026, 3, 29, 1, 30, tz=UTC)
    assert parse_when("2026-03-08T12:00+01:00", now, NY) == pendulum.datetime(2026, 3, 8, 11, 0, tz=UTC)
    assert parse_when("2026-03-08T12:00Z", now, BERLIN) == pendulum.datetime(2026, 3, 8, 12, 0, tz=UTC)
    for bad in ("soon", "25:00", "12:75", ""):
        with pytest.raises(ValueError):
            parse_when(bad, now, NY)


def test_first_client_deadline_is_computed_on_utc_instants(folder, clock):
    # Severity 1: first contact due 15 minutes after discovery, at 01:55 EST on the spring morning.
    clock.set(pendulum.datetime(2026, 3, 8, 1, 55, tz=NY))
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("Wrong report sent", "ACME", 1)
    assert inc.next_update_due == pendulum.datetime(2026, 3, 8, 7, 10, tz=UTC)
    assert local_clock(inc.next_update_due, clock(), NY) == "03:10"
    assert relative(inc.next_update_due, clock()) == "in 15 min"
    # A client update promising the next one in 30m, logged 10 minutes later.
    clock.advance(minutes=10)
    nxt = parse_when("30m", clock(), NY)
    store.change(inc.id, lambda i, now, by: i.log_update("phone", "told them", nxt, now, by))
    again = FolderStore.open(folder, clock=clock).get(inc.id)
    assert again.next_update_due == pendulum.datetime(2026, 3, 8, 7, 35, tz=UTC)
    assert local_clock(again.next_update_due, clock(), NY) == "03:35"
    assert Countdown.at(again.next_update_due, clock(), again.cadence, NY).relative == "in 30 min"


def test_log_update_in_the_repeated_hour_compares_instants():
    from storage.domain.model import new_incident
    from storage.domain.fields import ValidationError

    now = pendulum.datetime(2026, 11, 1, 5, 45, tz=UTC).in_timezone(NY)  # 01:45 EDT
    inc = new_incident(1, "t", "c", 2, now, [])
    later = pendulum.datetime(2026, 11, 1, 6, 30, tz=UTC).in_timezone(NY)  # 01:30 EST, 45 min later
    inc.log_update("email", "sent", later, now)
    # (Python never calls a time in a repeated hour equal to one in another zone: compare in UTC.)
    assert inc.next_update_due == later.in_timezone(UTC)
    assert inc.next_update_due.timezone_name == UTC
    earlier = pendulum.datetime(2026, 11, 1, 5, 40, tz=UTC).in_timezone(NY)  # 01:40 EDT
    with pytest.raises(ValidationError):
        inc.log_update("email", "sent", earlier, now)


@pytest.mark.parametrize("seconds, text", [
    (0, "0 s"), (59.9, "59 s"), (60, "1 min"), (119, "1 min"), (14 * 60 + 59, "14 min"),
    (3600, "1 h"), (119 * 60, "1 h 59 min"), (119 * 60 + 59, "1 h 59 min"), (2 * 3600, "2 h"),
    (86399, "23 h 59 min"), (86400, "1 d"), (86400 + 3599, "1 d"), (2 * 86400 + 3 * 3600, "2 d 3 h"),
    (-4 * 60, "4 min"), (-(119 * 60), "1 h 59 min"),
])
def test_human_span_is_exact(seconds, text):
    assert human_span(seconds) == text


def test_relative_and_face_never_round_up():
    now = pendulum.datetime(2026, 5, 4, 9, 0, tz=UTC)
    assert relative(now.add(minutes=119), now) == "in 1 h 59 min"
    assert relative(now.subtract(minutes=4), now) == "4 min late"
    assert relative(now.subtract(minutes=4, seconds=59), now) == "4 min late"
    assert relative(now, now) == "in 0 s"
    assert clock_face(now.add(minutes=119, seconds=59), now) == "1:59:59"
    assert clock_face(now.add(hours=26), now) == "26:00:00"
    assert clock_face(now.subtract(seconds=1), now) == "-0:00:01"


def test_countdown_states_at_the_edges():
    now = pendulum.datetime(2026, 5, 4, 9, 0, tz=UTC)
    hour = pendulum.duration(hours=1)
    assert countdown_state(None, now) == CountdownState.NONE
    assert countdown_state(now.add(minutes=10), now) == CountdownState.CALM
    assert countdown_state(now.add(minutes=10).subtract(seconds=1), now) == CountdownState.SOON
    assert countdown_state(now.add(minutes=15), now, hour) == CountdownState.CALM
    assert countdown_state(now.add(minutes=14, seconds=59), now, hour) == CountdownState.SOON
    assert countdown_state(now.add(minutes=2), now) == CountdownState.SOON
    assert countdown_state(now.add(minutes=1, seconds=59), now) == CountdownState.DUE
    assert countdown_state(now, now) == CountdownState.DUE
    assert countdown_state(now.subtract(seconds=1), now) == CountdownState.OVERDUE
    none = Countdown.at(None, now)
    assert (none.state, none.face) == (CountdownState.NONE, "-:--:--")


def test_local_clock_names_the_day_when_not_today():
    now = pendulum.datetime(2026, 10, 24, 20, 0, tz=UTC)  # Sat 22:00 in Berlin
    due = pendulum.datetime(2026, 10, 25, 1, 30, tz=UTC)  # Sun 02:30 CET, after the change
    assert local_clock(due, now, BERLIN) == "Sun 02:30"
    assert local_clock(due, None, BERLIN) == "02:30"
    assert local_clock(due, now, NY) == "21:30"  # still Saturday in New York


def test_local_clock_names_the_date_a_week_or_more_away():
    now = pendulum.datetime(2026, 11, 25, 12, 0, tz=UTC)  # a Wednesday
    assert local_clock(now.add(days=6), now, UTC) == "Tue 12:00"
    # A week on, "Wed 12:00" would read as today's weekday: the date says which one.
    assert local_clock(now.add(days=7), now, UTC) == "2 Dec 12:00"
    assert local_clock(now.subtract(days=12), now, BERLIN) == "13 Nov 13:00"


@pytest.mark.parametrize("zone, expected", [(BERLIN, "2026-11-29 17:30 +01:00"), (NY, "2026-11-29 11:30 -05:00"),
                                            ("America/St_Johns", "2026-11-29 13:00 -03:30"),
                                            ("Asia/Kolkata", "2026-11-29 22:00 +05:30")])
def test_local_stamp_carries_the_offset_of_its_zone(zone, expected):
    instant = pendulum.datetime(2026, 11, 29, 16, 30, tz=UTC)
    assert local_stamp(instant, zone, offset=True) == expected
    assert local_stamp(instant, zone) == expected[:16]


@pytest.mark.parametrize("text", ["2026-11-29T10:15:02.123456+00:00", "2026-11-29T10:15:02Z", "2026-11-29T11:15:02+01:00",
                                  "2026-03-29T01:30:00-03:30", "2026-11-29 10:15:02+05:30", "2026-11-29T10:15:02.5+00:00",
                                  "2026-11-29T10:15:02", "2026-11-29"])
def test_from_iso_reads_every_form_as_pendulum_does(text):
    """The standard library reads what mishap stores; the rest goes to pendulum: the same instant either way."""
    from storage.domain.clock import from_iso

    read = from_iso(text)
    assert read == pendulum.parse(text).in_timezone(UTC)
    assert isinstance(read, pendulum.DateTime) and read.timezone_name == UTC
