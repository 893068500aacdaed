"""The deadlines' iCalendar file: one event per open promise, parsed back with icalendar itself.

Pure: the incidents are built by the domain on the fake clock, and the file is only bytes here
(the command and the console that write it are tested in tests/cli and tests/tui).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest
from icalendar import Calendar

from storage.domain.deadlines import DEFAULT_RULES
from storage.domain.model import new_incident
from storage.domain.visible import visible
from storage.readers.calendar import PRODID, calendar_bytes, written_by_mishap

HOSTILE = "Invoices, twice; to all\nclients 😀 \x1b]52;c;aGk=\x07 \x00 \x7f \x9b \u202e \ud800 end"


def events(data: bytes) -> dict[str, object]:
    """The file's events by UID (parsing it with the library a calendar app would use)."""
    calendar = Calendar.from_ical(data)
    assert str(calendar["prodid"]) == PRODID and str(calendar["version"]) == "2.0"
    found = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT")), "two events share a UID"
    return found


def incident(clock, title="Invoices sent twice", client="Acme", number=1):
    return new_incident(number, title, client, 2, clock(), [], by="ana")


def test_every_open_promise_is_one_event_at_its_due_instant_with_an_alarm(clock):
    inc = incident(clock)
    now = clock.advance(minutes=5)
    tom = inc.add_audience("Tom Reed", "management", now, "ana", cadence_minutes=120)
    inc.promise_update(now + pendulum.duration(hours=2), now, audience=tom)
    inc.add_promise("credit note", now + pendulum.duration(hours=5), now, "ana")
    inc.set_tags(["personal-data"], DEFAULT_RULES, now, "ana")
    owed = [(i, p) for i, p in enumerate(inc.promises) if p.is_open]
    assert len(owed) == 4  # the first client contact, Tom's update, the credit note, the GDPR notice

    found = events(calendar_bytes([inc]))
    assert len(found) == 4
    by_start = sorted(found.values(), key=lambda e: e["dtstart"].dt)
    assert [e["dtstart"].dt for e in by_start] == sorted(p.due for _, p in owed)
    for event in by_start:
        start = event["dtstart"].dt
        assert start.utcoffset() == timedelta(0) and event["dtstart"].to_ical().endswith(b"Z")
        alarm, = event.walk("VALARM")
        assert alarm["trigger"].dt == -timedelta(minutes=10) and str(alarm["action"]) == "DISPLAY"
        assert str(event["summary"]).startswith(("M-1: ", "M-1 hard deadline: "))
        assert "Client: Acme" in str(event["description"]) and "Invoices sent twice" in str(event["description"])
        assert event["sequence"] == 0
    summaries = sorted(str(e["summary"]) for e in by_start)
    assert summaries == ["M-1 hard deadline: GDPR notice to Supervisory authority (regulator)",
                         "M-1: credit note to Acme", "M-1: update to Acme", "M-1: update to Tom Reed (management)"]


def test_a_moved_promise_keeps_its_uid_with_a_higher_sequence_and_a_kept_one_leaves(clock):
    inc = incident(clock)
    now = clock.advance(minutes=1)
    inc.add_promise("credit note", now + pendulum.duration(hours=5), now)
    inc.add_promise("refund", now + pendulum.duration(hours=6), now)
    before = events(calendar_bytes([inc]))

    moved_at = clock.advance(minutes=10)
    inc.renegotiate(1, moved_at + pendulum.duration(hours=9), "client agreed", moved_at)
    inc.renegotiate(1, moved_at + pendulum.duration(hours=10), "client agreed again", moved_at)
    inc.keep_promise(2, clock.advance(minutes=1))
    after = events(calendar_bytes([inc]))

    kept = [uid for uid, e in before.items() if str(e["summary"]) == "M-1: refund to Acme"]
    moved = [uid for uid, e in before.items() if str(e["summary"]) == "M-1: credit note to Acme"]
    assert set(after) == set(before) - set(kept)  # the kept one is gone; no other UID changed
    event = after[moved[0]]
    assert event["sequence"] == 2 and event["dtstart"].dt == moved_at + pendulum.duration(hours=10)
    assert event["dtstamp"].dt == moved_at  # the last time it moved
    assert before[moved[0]]["sequence"] == 0


def test_a_recounted_hard_deadline_moves_with_a_higher_sequence(clock):
    inc = incident(clock)
    inc.set_tags(["personal-data"], DEFAULT_RULES, clock.advance(minutes=1))
    uid, = [uid for uid, e in events(calendar_bytes([inc])).items() if "GDPR" in str(e["summary"])]
    earlier = inc.discovered_at - pendulum.duration(hours=3)
    inc.correct_instant("discovered", earlier, "the alert was older", clock.advance(minutes=1))
    event = events(calendar_bytes([inc]))[uid]
    assert event["sequence"] == 1 and event["dtstart"].dt == earlier + pendulum.duration(hours=72)


def test_the_uid_is_the_promises_own_across_stores_and_new_promises(clock):
    one = incident(clock)
    clock.advance(seconds=1)
    other = incident(clock)  # another store's M-1, created a second later
    first = set(events(calendar_bytes([one])))
    assert first.isdisjoint(events(calendar_bytes([other])))
    now = clock.advance(minutes=1)
    one.add_promise("credit note", now + pendulum.duration(hours=1), now)
    assert first < set(events(calendar_bytes([one])))
    assert calendar_bytes([one]) == calendar_bytes([one])  # the same bytes while nothing moved


def test_a_closed_incident_has_no_events(clock):
    inc = incident(clock)
    inc.close(clock.advance(minutes=1), "ana", reason="closed in a test")
    assert events(calendar_bytes([inc])) == {}


def test_hostile_text_is_shown_as_the_console_shows_it_and_cannot_break_the_file(clock):
    inc = incident(clock, title=HOSTILE, client="Acme; Ltd, \x1b[2J")
    now = clock.advance(minutes=1)
    inc.add_promise(HOSTILE, now + pendulum.duration(hours=1), now)
    data = calendar_bytes([inc])
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)
    raw = [c for c in data.decode("utf-8") if (ord(c) < 0x20 and c not in "\r\n") or 0x7f <= ord(c) <= 0x9f]
    assert raw == []  # no control character left but the line breaks of the format itself
    for event in events(data).values():
        description = str(event["description"])
        assert f"Incident: M-1 {' '.join(visible(HOSTILE).split())}" in description
        assert "Client: Acme; Ltd, ␛[2J" in description
        assert "😀" in description and "⟨U+D800⟩" in description and "⟨U+202E⟩" in description
    promise, = [e for e in events(data).values() if "credit" not in str(e["summary"]) and "Invoices" in str(e["summary"])]
    assert "\n" not in str(promise["summary"]) and "Invoices, twice; to all␊clients" in str(promise["summary"])


def test_a_megabyte_of_title_is_cut_to_what_a_phone_shows(clock):
    inc = incident(clock, title="x,;\n" * 250_000)
    data = calendar_bytes([inc])
    event, = events(data).values()
    title_line = next(line for line in str(event["description"]).split("\n") if line.startswith("Incident: "))
    assert title_line.endswith("…") and len(title_line) <= 2000 + len("Incident: M-1 ")
    assert len(data) < 20_000


def test_only_a_file_mishap_wrote_counts_as_its_own(clock):
    data = calendar_bytes([incident(clock)])
    assert written_by_mishap(data) and written_by_mishap(data[:200]) and written_by_mishap(b"")
    other = data.replace(PRODID.encode(), b"-//Someone//Their calendar//EN")
    assert not written_by_mishap(other)
    assert not written_by_mishap(b"my notes\n") and not written_by_mishap(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    # A PRODID inside an event (a copy pasted in a description) is not the calendar's own.
    assert not written_by_mishap(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nPRODID:" + PRODID.encode() + b"\r\n")


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_dtstart_is_in_utc_whatever_zone_the_instant_came_in(clock, zone):
    inc = incident(clock)
    now = clock.advance(minutes=1)
    due = (now + pendulum.duration(hours=8, minutes=15)).in_timezone(zone)
    inc.add_promise("call back", due, now)
    data = calendar_bytes([inc])
    event, = [e for e in events(data).values() if "call back" in str(e["summary"])]
    assert event["dtstart"].dt == due and event["dtstart"].dt.utcoffset() == timedelta(0)
    assert f"DTSTART:{due.in_timezone('UTC'):%Y%m%dT%H%M%S}Z\r\n".encode() in data  # no TZID: UTC, with its Z
