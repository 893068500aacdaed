"""The one grammar of a typed time: what it accepts, what it refuses and why, across DST."""

from __future__ import annotations

import pendulum
import pytest

from storage.domain.clock import parse_when, read_when, when_help
from storage.domain.spans import MAX_AHEAD_DAYS, span_minutes

BERLIN, NY, UTC = "Europe/Berlin", "America/New_York", "UTC"
NOW = pendulum.datetime(2026, 11, 23, 9, 0, tz=UTC)  # Monday 10:00 in Berlin


@pytest.mark.parametrize("text, minutes", [
    ("30m", 30), ("2h", 120), ("1h30m", 90), ("1h30", 90), ("2h 30m", 150), ("90m", 90), ("1d", 1440),
    ("in 2h", 120), ("in 2 hours", 120), ("2 hours 30 minutes", 150), ("45 min", 45), ("3 mins", 3),
    ("2hrs", 120), ("1 hour", 60), ("1 day", 1440), ("2 days", 2880), ("1d2h", 1560), ("1d 2h 30m", 1590),
    ("  2H  30M ", 150), ("9h59m", 599), ("0h30m", 30), ("90d", 90 * 1440), ("2160h", 2160 * 60),
    ("20h30m", 1230), ("20h 30m", 1230), ("10 hours 5 minutes", 605),  # with its unit, only a span
])
def test_spans_are_read_exactly(text, minutes):
    assert span_minutes(text) == minutes
    when = read_when(text, NOW, BERLIN)
    assert when.kind == "span" and when.at == NOW.add(minutes=minutes)


@pytest.mark.parametrize("text, needle", [
    ("now", "cannot read 'now' as a time"),
    ("tomorrow", "cannot read 'tomorrow' as a time"),
    ("12.5h", "cannot read '12.5h' as a time"),
    ("20h30", "could be the time 20:30 or a span: type 20:30 for the time of day, or 20h30m for a span"),
    ("20h 30", "could be the time 20:30 or a span"),
    ("0m", "no time at all"),
    ("0h0m", "no time at all"),
    ("99999999d", "too far ahead: a span is at most 90 days"),
    ("3000000d", "too far ahead: a span is at most 90 days"),
    ("91d", "too far ahead"),
    ("2161h", "too far ahead"),
    ("1" * 30 + "m", "too far ahead"),
    ("30", "cannot read '30'"),
    ("1d30", "cannot read"),
    ("1h90m", "fewer than 60 minutes (2h30m)"),
    ("1d30h", "fewer than 24 hours (2d6h)"),
    ("30m2h", "cannot read"),
    ("-5m", "cannot read"),
    ("5m ago", "cannot read"),
    ("٣٠m", "cannot read"),  # digits of another script are not ours to guess
    ("24:00", "not a time of day"),
    ("17:60", "not a time of day"),
    ("5pm", "cannot read"),
    ("2026-12-01", "cannot read"),  # a date is not a time (only the close form's due date takes one)
    ("P1D", "cannot read"),
    ("2026-W48-1T10:00", "cannot read"),
    ("2026-11-23T17", "cannot read"),
    ("next tuesday", "cannot read"),
    ("2026-02-30T10:00", "not a real date and time"),
    ("2026-11-23T17:30+25:00", "not a real date and time"),
    ("2020-01-01T10:00", "is in the past: the time must be in the future"),
    ("2026-11-23T09:00Z", "is in the past"),  # exactly now is not the future
    ("2027-06-01T00:00", "too far ahead: at most 90 days from now"),
    ("9999-12-31T23:59-14:00", "too far ahead"),
    ("0001-01-01T00:00+14:00", "is in the past"),
    ("", "no time given"),
    ("   ", "no time given"),
    ("none", "a time is needed here, not 'none'"),
])
def test_everything_else_is_refused_with_a_reason(text, needle):
    with pytest.raises(ValueError) as caught:
        read_when(text, NOW, BERLIN)
    assert needle in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_message_for_unreadable_text_lists_what_is_accepted():
    with pytest.raises(ValueError) as caught:
        read_when("whenever", NOW, BERLIN, allow_none=True)
    message = str(caught.value)
    assert message == f"cannot read 'whenever' as a time: use {when_help(allow_none=True)}"
    for example in ("30m", "2h", "1h30m", "17:30", "morning", "2026-11-23T17:30", "+01:00", "none", "90 days"):
        assert example in message


def test_none_is_a_distinct_answer_only_where_allowed():
    when = read_when(" NONE ", NOW, BERLIN, allow_none=True)
    assert when.is_none and when.kind == "none" and when.at is None
    assert not read_when("2h", NOW, BERLIN, allow_none=True).is_none
    with pytest.raises(ValueError):
        parse_when("none", NOW, BERLIN)


def test_a_long_or_hostile_text_is_quoted_short_and_visible():
    with pytest.raises(ValueError) as caught:
        read_when("\x1b]0;x\x07" + "a" * 10_000, NOW, BERLIN)
    message = str(caught.value)
    assert "\x1b" not in message and "\\x1b" in message and len(message) < 400


def test_the_limit_is_ninety_days_for_spans_and_instants():
    assert read_when(f"{MAX_AHEAD_DAYS}d", NOW, BERLIN).at == NOW.add(days=90)
    edge = NOW.add(days=90).in_timezone(BERLIN).format("YYYY-MM-DDTHH:mm")
    assert read_when(edge, NOW, BERLIN).at == NOW.add(days=90)
    after = NOW.add(days=90, minutes=1).in_timezone(BERLIN).format("YYYY-MM-DDTHH:mm")
    with pytest.raises(ValueError, match="too far ahead"):
        read_when(after, NOW, BERLIN)


@pytest.mark.parametrize("text, expected", [
    ("2026-11-23T17:30", pendulum.datetime(2026, 11, 23, 16, 30, tz=UTC)),  # Berlin, no offset given
    ("2026-11-23 17:30", pendulum.datetime(2026, 11, 23, 16, 30, tz=UTC)),
    ("2026-11-23T17:30+01:00", pendulum.datetime(2026, 11, 23, 16, 30, tz=UTC)),
    ("2026-11-23T17:30-0500", pendulum.datetime(2026, 11, 23, 22, 30, tz=UTC)),
    ("2026-11-23T17:30Z", pendulum.datetime(2026, 11, 23, 17, 30, tz=UTC)),
    ("2026-11-23T17:30:15.5+05:30", pendulum.datetime(2026, 11, 23, 12, 0, 15, 500000, tz=UTC)),
])
def test_iso_times_are_read_strictly(text, expected):
    when = read_when(text, NOW, BERLIN)
    assert (when.kind, when.at) == ("iso", expected)


def test_a_date_is_accepted_only_where_the_caller_asks_for_one():
    when = read_when("2026-12-01", NOW, BERLIN, allow_date=True)
    assert (when.kind, when.at) == ("date", pendulum.datetime(2026, 11, 30, 23, 0, tz=UTC))  # 00:00 Berlin
    assert "a date (2026-12-01)" in when_help(allow_date=True)


def test_clock_time_is_the_next_occurrence_in_the_users_zone():
    assert read_when("17:30", NOW, BERLIN).at == pendulum.datetime(2026, 11, 23, 16, 30, tz=UTC)
    assert read_when("09:59", NOW, BERLIN).at == pendulum.datetime(2026, 11, 24, 8, 59, tz=UTC)  # passed today
    assert read_when("7:05", NOW, NY).at == pendulum.datetime(2026, 11, 23, 12, 5, tz=UTC)


@pytest.mark.parametrize("now, expected", [
    (pendulum.datetime(2026, 11, 23, 9, 0, tz=UTC), pendulum.datetime(2026, 11, 24, 8, 0, tz=UTC)),  # Mon → Tue
    (pendulum.datetime(2026, 11, 27, 17, 0, tz=UTC), pendulum.datetime(2026, 11, 30, 8, 0, tz=UTC)),  # Fri → Mon
    (pendulum.datetime(2026, 11, 28, 10, 0, tz=UTC), pendulum.datetime(2026, 11, 30, 8, 0, tz=UTC)),  # Sat → Mon
    # Friday before the autumn change: Monday 09:00 is in winter time (08:00 UTC, not 07:00).
    (pendulum.datetime(2026, 10, 23, 16, 0, tz=UTC), pendulum.datetime(2026, 10, 26, 8, 0, tz=UTC)),
    # Friday before the spring change: Monday 09:00 is in summer time.
    (pendulum.datetime(2026, 3, 27, 16, 0, tz=UTC), pendulum.datetime(2026, 3, 30, 7, 0, tz=UTC)),
])
def test_morning_is_the_next_working_morning_at_nine_local(now, expected):
    when = read_when("Morning", now, BERLIN)
    assert (when.kind, when.at) == ("morning", expected)
    assert read_when("next working morning", now, BERLIN).at == expected


@pytest.mark.parametrize("zone, before_change", [
    (NY, pendulum.datetime(2026, 3, 8, 6, 30, tz=UTC)),
    (NY, pendulum.datetime(2026, 11, 1, 5, 30, tz=UTC)),
    (BERLIN, pendulum.datetime(2026, 3, 29, 0, 30, tz=UTC)),
    (BERLIN, pendulum.datetime(2026, 10, 25, 0, 30, tz=UTC)),
])
def test_a_combined_span_across_a_clock_change_is_real_time(zone, before_change):
    assert read_when("1h30m", before_change, zone).at == before_change.add(minutes=90)
    assert read_when("2h 30m", before_change, zone).at == before_change.add(minutes=150)
    assert read_when("1d", before_change, zone).at == before_change.add(hours=24)


def test_iso_time_without_offset_in_the_spring_gap_or_the_repeated_hour():
    now = pendulum.datetime(2026, 3, 1, 12, 0, tz=UTC)
    # 02:30 does not exist on 8 March in New York: it is read as 03:30 EDT.
    assert read_when("2026-03-08T02:30", now, NY).at == pendulum.datetime(2026, 3, 8, 7, 30, tz=UTC)
    # An offset settles which 01:30 of 1 November is meant; without one it is the second (EST).
    now = pendulum.datetime(2026, 10, 20, 12, 0, tz=UTC)
    assert read_when("2026-11-01T01:30", now, NY).at == pendulum.datetime(2026, 11, 1, 6, 30, tz=UTC)
    assert read_when("2026-11-01T01:30-04:00", now, NY).at == pendulum.datetime(2026, 11, 1, 5, 30, tz=UTC)
    assert read_when("2026-11-01T01:30-05:00", now, NY).at == pendulum.datetime(2026, 11, 1, 6, 30, tz=UTC)


@pytest.fixture
def posix_new_york(monkeypatch):
    """TZ as a POSIX rule (New York's) in this process: the zone the C library answers for."""
    import time

    from storage.domain.localzone import local_zone

    monkeypatch.setenv("TZ", "EST5EDT,M3.2.0,M11.1.0")
    time.tzset()
    yield local_zone()
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("text, now", [
    ("01:30", pendulum.datetime(2026, 11, 1, 5, 45, tz=UTC)),  # 01:45 EDT: 01:30 EST is still ahead
    ("01:30", pendulum.datetime(2026, 11, 1, 6, 45, tz=UTC)),  # 01:45 EST: tomorrow's
    ("01:30", pendulum.datetime(2026, 11, 1, 5, 15, tz=UTC)),  # 01:15 EDT: the first one
    ("02:30", pendulum.datetime(2026, 3, 8, 6, 0, tz=UTC)),  # in the spring gap
    ("17:30", pendulum.datetime(2026, 3, 7, 23, 0, tz=UTC)),  # the evening before the change
    ("morning", pendulum.datetime(2026, 10, 30, 20, 0, tz=UTC)),  # Friday before the autumn change
    ("2026-03-08T02:30", pendulum.datetime(2026, 3, 1, tz=UTC)),
    ("2026-11-01T01:30", pendulum.datetime(2026, 10, 20, tz=UTC)),
    ("1h30m", pendulum.datetime(2026, 11, 1, 5, 30, tz=UTC)),
])
def test_a_posix_tz_rule_reads_times_as_its_named_zone_does(posix_new_york, text, now):
    assert type(posix_new_york).__name__ == "CLibraryZone"
    assert read_when(text, now, posix_new_york).at == read_when(text, now, NY).at
