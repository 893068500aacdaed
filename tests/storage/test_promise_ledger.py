"""Keeping promises, as pure logic: cadence, the ledger, reminders, the apology check, the composer."""

from __future__ import annotations

import pendulum
import pytest

from storage.readers.alerts import OverdueWatch
from storage.readers.apology import check_apology
from storage.readers.composer import SECTIONS, compose, next_update_line, prefill
from storage.domain.config import load_config
from storage.domain.ledger import NEXT_MORNING, next_working_morning
from storage.domain.fields import ValidationError
from storage.domain.parts import DamageItem, PreventionAction
from storage.store import FolderStore

BERLIN = pendulum.timezone("Europe/Berlin")


def test_cadence_per_severity_and_first_contact_from_discovery(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    expected = {1: (30, 15), 2: (60, 30), 3: (240, 120), 4: (NEXT_MORNING, 480)}
    for severity, (cadence, first) in expected.items():
        inc = store.create(f"sev {severity}", "Acme", severity, discovered_at=clock.now.subtract(minutes=5))
        assert inc.cadence_minutes == cadence
        assert inc.next_deadline == clock.now.subtract(minutes=5).add(minutes=first)
        assert inc.promises[0].text == "First contact with the client"


def test_config_file_overrides_cadence_and_first_contact(folder, clock):
    folder.mkdir()
    (folder / "config.toml").write_text('[cadence]\n2 = "45m"\n3 = "2h"\n[first_contact]\n2 = "20m"\n')
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("t", "c", 2)
    assert inc.cadence_minutes == 45 and inc.next_deadline == clock.now.add(minutes=20)
    assert store.create("t", "c", 3).cadence_minutes == 120
    # and per incident
    store.change(inc.id, lambda i, now, by: i.set_cadence(15, now, by))
    assert FolderStore.open(folder, clock=clock).get(inc.id).cadence_minutes == 15


@pytest.mark.parametrize("text, problem", [
    ('[cadence]\n2 = "soon"\n', "line 2: 'soon' is not a span of time"),
    ('[cadence]\n9 = "1h"\n', "line 2: severity '9' is not 1-4"),
    ('[first_contact]\n1 = "morning"\n', "line 2: 'morning' is not a span of time"),
    ('[cadense]\n1 = "1h"\n', "line 1: unknown table [cadense] ignored"),  # a typo is said, never applied
    ('[cadence\n', "line 1: not valid TOML"),
])
def test_bad_config_is_refused_with_file_and_line(folder, text, problem):
    folder.mkdir()
    (folder / "config.toml").write_text(text)
    config = load_config(folder)
    assert str(folder / "config.toml") in config.problem and problem in config.problem
    assert config.cadence[1] == 30  # defaults stay in force


def test_next_working_morning_skips_the_weekend_and_keeps_local_nine():
    friday_evening = pendulum.datetime(2026, 10, 23, 17, 0, tz=BERLIN)  # the weekend of the DST change
    monday = next_working_morning(friday_evening, BERLIN)
    assert monday.in_timezone(BERLIN).format("ddd HH:mm") == "Mon 09:00"
    assert monday == pendulum.datetime(2026, 10, 26, 8, 0, tz="UTC")  # CET after Oct 25
    tuesday = next_working_morning(pendulum.datetime(2026, 10, 26, 7, 0, tz=BERLIN), BERLIN)
    assert tuesday.in_timezone(BERLIN).format("ddd HH:mm") == "Tue 09:00"


def test_each_update_keeps_the_last_promise_and_makes_the_next(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("t", "c", 1)  # first contact due in 15 min
    clock.advance(minutes=10)
    store.change(inc.id, lambda i, now, by: i.log_update("phone", "told them", now.add(minutes=30), now, by))
    clock.advance(minutes=35)  # five minutes late for the second
    store.change(inc.id, lambda i, now, by: i.log_update("email", "again", now.add(minutes=30), now, by))
    promises = FolderStore.open(folder, clock=clock).get(inc.id).promises
    assert [p.state(clock.now) for p in promises] == ["kept", "kept late", "open"]
    assert promises[1].broken_at == clock.now.subtract(minutes=5)


def test_renegotiation_needs_a_reason_and_late_renegotiation_stays_broken(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("t", "c", 2)
    store.change(inc.id, lambda i, now, by: i.add_promise("Fix deployed", now.add(hours=3), now, by))
    with pytest.raises(ValidationError, match="only with a reason"):
        store.change(inc.id, lambda i, now, by: i.renegotiate(1, now.add(hours=5), "  ", now, by))
    store.change(inc.id, lambda i, now, by: i.renegotiate(1, now.add(hours=5), "client agreed to 17:00", now, by))
    fix = store.get(inc.id).promises[1]
    assert fix.broken_at is None and fix.due == clock.now.add(hours=5)
    clock.advance(hours=6)  # missed the renegotiated time, then moved it again
    store.change(inc.id, lambda i, now, by: i.renegotiate(1, now.add(days=1), "client agreed to Monday", now, by))
    fix = FolderStore.open(folder, clock=clock).get(inc.id).promises[1]
    assert fix.broken_at == clock.now.subtract(hours=1) and fix.state(clock.now) == "broken"
    assert [r.reason for r in fix.renegotiations] == ["client agreed to 17:00", "client agreed to Monday"]
    assert store.get(inc.id).timeline[-1].text.startswith("Renegotiated: Fix deployed")


def test_mark_broken_records_once_and_the_nearest_promise_drives_the_countdown(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("t", "c", 3)  # first contact in 2 h
    store.change(inc.id, lambda i, now, by: i.add_promise("Credit note", now.add(minutes=40), now, by))
    assert store.get(inc.id).next_deadline == clock.now.add(minutes=40)
    assert store.get(inc.id).nearest_promise().text == "Credit note"
    clock.advance(minutes=41)
    broken = store.change(inc.id, lambda i, now, by: i.mark_broken(now))
    assert [p.text for p in broken] == ["Credit note"]
    entries = len(store.get(inc.id).timeline)
    assert store.change(inc.id, lambda i, now, by: i.mark_broken(now)) == []
    assert len(FolderStore.open(folder, clock=clock).get(inc.id).timeline) == entries


def test_closing_releases_open_promises_and_keeps_broken_ones(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("t", "c", 1)
    store.change(inc.id, lambda i, now, by: i.add_promise("Credit note", now.add(days=2), now, by))
    clock.advance(minutes=20)  # first contact missed
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="duplicate of M-0"))
    closed = FolderStore.open(folder, clock=clock).get(inc.id)
    assert [p.state(clock.now) for p in closed.promises] == ["broken", "released"]
    assert closed.next_deadline is None


def test_reminders_ring_when_overdue_then_every_ten_minutes(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("t", "c", 1)
    watch = OverdueWatch()
    assert watch.crossed(store.open_incidents(), clock.now) == []
    rings = []
    for minute in range(1, 40):
        clock.advance(minutes=1)
        if watch.crossed(store.open_incidents(), clock.now):
            rings.append(minute)
    assert rings == [16, 26, 36]
    store.change(inc.id, lambda i, now, by: i.log_update("email", "x", now.add(minutes=30), now, by))
    assert watch.crossed(store.open_incidents(), clock.now) == []  # a new promise disarms it


def test_already_overdue_at_start_reminds_after_ten_minutes(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    store.create("t", "c", 1)
    clock.advance(minutes=30)
    watch = OverdueWatch()
    assert watch.crossed(store.open_incidents(), clock.now) == []  # shown red, no ring at start
    clock.advance(minutes=10)
    assert len(watch.crossed(store.open_incidents(), clock.now)) == 1


@pytest.mark.parametrize("text, phrase", [
    ("We are sorry if you were upset by the delay.", "if you were upset"),
    ("Sorry if this caused trouble.", "Sorry if"),
    ("Mistakes were made in the export.", "Mistakes were made"),
    ("We apologise for any inconvenience.", "for any inconvenience"),
    ("Any inconvenience is regretted.", "Any inconvenience"),
    ("We are sorry you feel that way.", "sorry you feel"),
    ("Unfortunately it seems the file was wrong.", "Unfortunately it seems"),
    ("Unfortunately, it appears the rates were old.", "Unfortunately, it appears"),
    ("It appears an error occurred in the run.", "It appears an error occurred"),
    ("We regret any confusion.", "We regret any"),
])
def test_apology_check_flags_each_pattern_with_a_reason(text, phrase):
    flags = check_apology(text)
    assert [f.phrase for f in flags] == [phrase]
    assert flags[0].why and text[flags[0].start:flags[0].end] == phrase


@pytest.mark.parametrize("text", [
    "We are sorry that our error delayed your payroll.",
    "We made a mistake: 37 staff were underpaid, and we are sorry.",
    "If you have questions, call me directly.",
    "We apologise: the inconvenience to your team was real and it was our doing.",
    "This was our mistake and we own it.",
])
def test_apology_check_leaves_owning_apologies_alone(text):
    assert check_apology(text) == []


def test_composer_prefill_and_finished_text(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("Invoices sent twice", "Acme", 2, client_contact="Jo Park (finance)")
    store.change(inc.id, lambda i, now, by: i.add_damage(DamageItem("March invoices", "billed twice", 2, "confirmed"), now, by))
    store.change(inc.id, lambda i, now, by: i.complete_step(10, now, by, note="billing run stopped"))
    store.change(inc.id, lambda i, now, by: i.add_prevention(PreventionAction("Second review of every run", "lena", now.add(days=7)), now, by))
    filled = prefill(store.get(inc.id))
    assert filled.greeting == "Hello Jo Park,"
    assert filled.sections["affected"] == "- March invoices: billed twice"
    assert filled.sections["done"] == "- Stop the faulty process and fence off the affected area (billing run stopped)"
    assert filled.sections["prevent"] == "- Second review of every run"
    due = pendulum.datetime(2026, 5, 4, 15, 0, tz="UTC")
    line = next_update_line(due, clock.now, BERLIN)
    assert line == "You will hear from us again by 17:00 (Europe/Berlin), sooner if anything changes."
    text = compose(filled.greeting, {**filled.sections, "next": ""}, line, "ana")
    headings = [h for _, h in SECTIONS if f"{h}:" in text]
    assert headings == ["What happened", "What it affected", "What we have done so far", "So it does not happen again"]
    assert text.endswith(f"{line}\n\nana\n")
