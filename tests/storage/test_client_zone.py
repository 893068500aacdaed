"""The client's time zone: both-zone promise times exact across the 2026 DST changes, the composer, old documents."""

from __future__ import annotations

import pendulum
import pytest

from storage.domain.model import Incident, new_incident
from storage.domain.fields import ValidationError
from storage.domain.zones import both_zones, client_zone
from storage.readers.composer import next_update_line

NEW_YORK, BERLIN = "America/New_York", pendulum.timezone("Europe/Berlin")


def _both(utc: str) -> str:
    instant = pendulum.parse(utc)
    return both_zones(instant, NEW_YORK, now=instant, ours=BERLIN)


@pytest.mark.parametrize("utc, shown", [
    ("2026-03-02T16:00:00Z", "11:00 their time (17:00 ours)"),  # both on winter time: 6 h apart
    ("2026-03-08T06:59:00Z", "01:59 their time (07:59 ours)"),  # the last minute of EST
    ("2026-03-08T07:00:00Z", "03:00 their time (08:00 ours)"),  # New York springs forward: 5 h apart
    ("2026-03-10T16:00:00Z", "12:00 their time (17:00 ours)"),  # the gap weeks: 5 h
    ("2026-03-29T00:59:00Z", "20:59 their time (01:59 ours)"),  # Berlin still on CET (Mar 28 in New York)
    ("2026-03-29T01:00:00Z", "21:00 their time (03:00 ours)"),  # Berlin springs forward: 6 h again
    ("2026-07-01T15:00:00Z", "11:00 their time (17:00 ours)"),  # both on summer time: 6 h
    ("2026-10-25T00:59:00Z", "20:59 their time (02:59 ours)"),  # the last minute of CEST
    ("2026-10-25T01:00:00Z", "21:00 their time (02:00 ours)"),  # Berlin falls back: 5 h apart
    ("2026-10-26T16:00:00Z", "12:00 their time (17:00 ours)"),  # the gap week: 5 h
    ("2026-11-01T05:30:00Z", "01:30 their time (06:30 ours)"),  # New York's first 01:30 (EDT)
    ("2026-11-01T06:30:00Z", "01:30 their time (07:30 ours)"),  # ... and its second (EST): 6 h again
    ("2026-11-02T16:00:00Z", "11:00 their time (17:00 ours)"),
])
def test_promise_times_in_both_zones_across_the_2026_dst_changes(utc, shown):
    assert _both(utc) == shown


def test_one_time_only_when_the_zones_agree_at_that_instant():
    instant = pendulum.datetime(2026, 11, 20, 16, 0, tz="UTC")
    assert both_zones(instant, "Europe/Paris", now=instant, ours=BERLIN) == "17:00"
    assert both_zones(instant, "", now=instant, ours=BERLIN) == "17:00"
    # The offsets are compared at the instant itself: London is an hour behind Berlin.
    assert both_zones(instant, "Europe/London", now=instant, ours=BERLIN) == "16:00 their time (17:00 ours)"


def test_another_day_is_named_in_each_zone():
    now = pendulum.datetime(2026, 11, 20, 16, 0, tz="UTC")
    due = pendulum.datetime(2026, 11, 21, 4, 30, tz="UTC")  # Fri 23:30 in New York, Sat 05:30 in Berlin
    assert both_zones(due, NEW_YORK, now=now, ours=BERLIN) == "23:30 their time (Sat 05:30 ours)"


def test_the_composer_promises_the_next_update_in_the_clients_zone():
    now = pendulum.datetime(2026, 3, 10, 15, 0, tz="UTC")
    due = now.add(hours=1)
    assert next_update_line(due, now, BERLIN, client_tz=NEW_YORK) == (
        "You will hear from us again by 12:00 (America/New_York), sooner if anything changes.")
    assert next_update_line(due, now, BERLIN) == (
        "You will hear from us again by 17:00 (Europe/Berlin), sooner if anything changes.")


def test_a_zone_name_is_checked_with_a_clear_message():
    assert client_zone(" America/New_York ") == "America/New_York" and client_zone("none") == ""
    for bad in ("Europe/Pari", "america/new_york", "../../etc/passwd", "+01:00"):
        with pytest.raises(ValidationError, match="is not a time zone: give an IANA name such as Europe/Paris"):
            client_zone(bad)


def _doc(**changes) -> dict:
    now = pendulum.datetime(2026, 11, 20, 9, 0, tz="UTC")
    incident = new_incident(3, "Invoices doubled", "Acme", 2, now, [])
    incident.set_status("contained", now.add(minutes=40), "lena")
    doc = incident.to_dict()
    doc.update(changes)
    return doc


def test_an_old_document_without_the_new_fields_still_reads():
    doc = _doc()
    for key in ("client_tz", "contained_at", "resolved_at"):
        del doc[key]
    incident = Incident.from_dict(doc)
    assert incident.client_tz == ""
    # Contained is read off the timeline's status change; resolved was never reached.
    assert incident.contained_at == pendulum.datetime(2026, 11, 20, 9, 40, tz="UTC") and incident.resolved_at is None


def test_a_stored_zone_the_database_does_not_know_names_the_field():
    with pytest.raises(ValidationError, match="'Mars/Olympus' is not a time zone"):
        Incident.from_dict(_doc(client_tz="Mars/Olympus"))
    with pytest.raises(ValidationError, match="M-3.client_tz must be text"):
        Incident.from_dict(_doc(client_tz=5))
