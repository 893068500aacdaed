"""`mishap set`, `mishap promise add|keep|move` and `mishap step`: what the console's keys do, by intent."""

from __future__ import annotations

import json
import re

import pendulum
import pytest

from cli_support import assert_one_line_error, snapshot
from support.clock import HOSTILE_INSTANTS


def _new(run, *extra: str) -> None:
    assert run("new", "Invoices doubled", "--client", "Acme", "--severity", "2", *extra).code == 0


# -- set: corrections --------------------------------------------------------------------------


def test_set_happened_corrects_the_record_and_keeps_old_new_and_why(run, store_at):
    _new(run)
    result = run("set", "M-1", "happened", "2026-01-20 14:05", "--reason", "the job log shows 14:05")
    assert result.code == 0 and result.err == ""
    assert result.out == ("M-1: happened corrected from not recorded to 2026-01-20 14:05 (your time); "
                          "the timeline keeps the old value and why\n")
    incident = store_at().get("M-1")
    assert incident.happened_at == pendulum.datetime(2026, 1, 20, 13, 5, tz="UTC")  # conftest pins Berlin
    entry = incident.timeline[-1]
    assert (entry.event, entry.for_client) == ("corrected", False)
    assert entry.text == "Corrected happened: from not recorded to 2026-01-20T13:05:00+00:00 — the job log shows 14:05"
    again = run("set", "M-1", "happened", "2026-01-20T13:05Z", "--reason", "the same")
    assert again.code == 0 and re.fullmatch(
        r"M-1: When the mistake happened is already recorded as that time — set by \S+ at .+; nothing written\n",
        again.out), again.out
    assert store_at().get("M-1").revision == incident.revision


def test_set_discovered_moves_the_metrics_with_it(run, store_at):
    _new(run)
    store = store_at()
    store.change("M-1", lambda inc, now, by: inc.acknowledge(now, by))
    before = store.get("M-1")
    first_ack = json.loads(run("export", "M-1", "--format", "json").out)["figures"]["ack"]
    earlier = before.discovered_at.subtract(hours=2).in_timezone("Europe/Berlin").replace(second=0, microsecond=0)
    assert run("set", "M-1", "discovered", earlier.format("YYYY-MM-DD HH:mm"),
               "--reason", "the client's mail came at 9").code == 0
    after = store_at().get("M-1")
    assert after.discovered_at == earlier
    report = json.loads(run("export", "M-1", "--format", "json").out)
    assert report["discovered_at"] == earlier.in_timezone("UTC").isoformat()
    assert report["figures"]["ack"] == pytest.approx((after.acknowledged_at - earlier).total_seconds())
    assert 2 * 3600 <= report["figures"]["ack"] - first_ack < 2 * 3600 + 60


def test_a_correction_without_a_reason_is_refused_and_writes_nothing(run, folder):
    _new(run)
    before = snapshot(folder)
    assert_one_line_error(run("set", "M-1", "happened", "2026-01-20 14:05"), "needs --reason WHY")
    assert_one_line_error(run("set", "M-1", "happened", "yesterday", "--reason", "x"),
                          "cannot read 'yesterday' as a date and time")
    assert_one_line_error(run("set", "M-1", "resolved", "2099-01-01 10:00", "--reason", "x"), "cannot be in the future")
    assert_one_line_error(run("set", "M-1", "happened", "2099-01-01 10:00", "--reason", "x"),
                          "cannot be in the future")
    assert_one_line_error(run("set", "M-1", "acknowledged", "2020-01-01 10:00", "--reason", "x"),
                          "cannot be before it was discovered")
    assert_one_line_error(run("set", "M-1", "severity", "1"), "invalid choice: 'severity'")
    assert snapshot(folder) == before


@pytest.mark.parametrize("clock_start", HOSTILE_INSTANTS.values(), ids=HOSTILE_INSTANTS.keys())
def test_contained_and_resolved_are_set_by_the_status_and_correctable(run, store_at, folder, clock):
    from storage.store import FolderStore

    clock.set(clock.now.subtract(hours=2))  # the command runs two hours on (one second per command)
    store = FolderStore.open(folder, clock=clock)
    store.create("Invoices doubled", "Acme", 2)
    clock.advance(hours=1)
    store.change("M-1", lambda inc, now, by: inc.set_status("contained", now, by))
    assert store_at().get("M-1").contained_at == clock.now and store_at().get("M-1").resolved_at is None
    earlier = clock.now.subtract(minutes=30)
    assert run("set", "M-1", "contained", earlier.in_timezone("Europe/Berlin").format("YYYY-MM-DD HH:mm"),
               "--reason", "the job was stopped at once").code == 0
    assert store_at().get("M-1").contained_at == earlier
    shown = run("show", "M-1").out
    assert f"  Contained     {earlier.in_timezone('Europe/Berlin').format('YYYY-MM-DD HH:mm')}\n" in shown
    assert "  Resolved      —\n" in shown
    before = snapshot(folder)
    assert_one_line_error(run("set", "M-1", "resolved", earlier.subtract(minutes=1).in_timezone("Europe/Berlin")
                              .format("YYYY-MM-DD HH:mm"), "--reason", "x"), "before it was contained")
    assert snapshot(folder) == before


# -- set: the client's time zone ---------------------------------------------------------------


def test_new_and_set_take_the_clients_time_zone(run, store_at, folder):
    _new(run, "--client-tz", "America/New_York")
    assert store_at().get("M-1").client_tz == "America/New_York"
    assert json.loads(run("show", "M-1", "--json").out)["client_tz"] == "America/New_York"
    result = run("set", "M-1", "client-tz", "Europe/Paris")
    assert result.code == 0 and result.out.startswith("M-1: the client's time zone is Europe/Paris (it is ")
    assert store_at().get("M-1").client_tz == "Europe/Paris"
    assert run("set", "M-1", "client-tz", "Europe/Paris").out.startswith(
        "M-1: The client's time zone is already Europe/Paris")
    before = snapshot(folder)
    assert_one_line_error(run("set", "M-1", "client-tz", "Europe/Pari"),
                          "'Europe/Pari' is not a time zone: give an IANA name such as Europe/Paris")
    assert_one_line_error(run("new", "T", "--client", "C", "--severity", "1", "--client-tz", "../../etc/passwd"),
                          "is not a time zone")
    assert snapshot(folder) == before
    assert run("set", "M-1", "client-tz", "none").out == "M-1: the client's time zone is cleared; times show in yours only\n"
    assert store_at().get("M-1").client_tz == ""


def test_promise_times_show_in_both_zones(run, clock):
    _new(run, "--client-tz", "America/New_York")
    out = run("promise", "add", "M-1", "Credit note", "--due", "2h").out
    # The command runs at 2026-05-04 09:30:02 UTC: 11:30 in Berlin, 05:30 in New York (6 h apart).
    assert clock.now == pendulum.datetime(2026, 5, 4, 9, 30, 2, tz="UTC")
    assert out == "M-1: promise 2 added: Credit note — due 07:30 their time (13:30 ours), in 2 h\n"
    assert re.search(r" 2\. \[open\] Credit note — due \S+ \S+ \(\d\d:\d\d their time\)", run("show", "M-1").out)


# -- promise add | keep | move -----------------------------------------------------------------


def test_promise_add_keep_and_keep_again(run, store_at, folder):
    _new(run)
    assert run("promise", "add", "M-1", "Credit note [CN-1]", "--due", "30m").out.startswith(
        "M-1: promise 2 added: Credit note [CN-1] — due ")
    promise = store_at().get("M-1").promises[1]
    assert (promise.text, promise.kind, promise.is_open) == ("Credit note [CN-1]", "commitment", True)
    assert run("promise", "keep", "M-1").out == "M-1: promise 2 kept (Credit note [CN-1])\n"
    assert store_at().get("M-1").promises[1].kept_at is not None
    before = snapshot(folder)
    again = run("promise", "keep", "M-1", "2")
    assert again.code == 0 and again.out.startswith("M-1: “Credit note [CN-1]” is already kept — by ")
    assert again.out.endswith("; nothing written\n") and snapshot(folder) == before


def test_promise_keep_needs_a_number_when_several_are_open(run, folder):
    _new(run)
    run("promise", "add", "M-1", "Credit note", "--due", "1h")
    run("promise", "add", "M-1", "Refund", "--due", "2h")
    before = snapshot(folder)
    assert_one_line_error(run("promise", "keep", "M-1"),
                          "M-1 has 2 open commitments: say which to keep: 2 (Credit note), 3 (Refund)")
    assert_one_line_error(run("promise", "keep", "M-1", "1"), "an update promise is kept by sending the update")
    assert_one_line_error(run("promise", "keep", "M-1", "9"), "there is no promise 9")
    assert snapshot(folder) == before


def test_promise_move_needs_a_reason_and_a_missed_one_stays_broken(run, store_at, folder):
    _new(run)
    store = store_at()
    past = store.clock().subtract(hours=2)
    from storage.store import FolderStore
    from support.clock import FakeClock

    old = FolderStore.open(folder, clock=FakeClock(past))
    old.change("M-1", lambda inc, now, by: inc.add_promise("Credit note", now.add(minutes=30), now, by))
    before = snapshot(folder)
    assert_one_line_error(run("promise", "move", "M-1", "2", "--due", "17:30"), "required: --reason")
    assert snapshot(folder) == before
    result = run("promise", "move", "M-1", "2", "--due", "1h", "--reason", "Dana agreed to later")
    assert result.code == 0 and result.out.startswith("M-1: promise 2 moved to ")
    assert result.out.endswith("; it was already late, so it stays broken on the record\n")
    promise = store_at().get("M-1").promises[1]
    assert promise.broken_at is not None and promise.renegotiations[-1].reason == "Dana agreed to later"
    assert promise.state(store.clock()) == "broken"


# -- step N done | undo ------------------------------------------------------------------------


def test_step_done_and_undo_carry_the_intent(run, store_at, folder):
    _new(run)
    assert run("step", "M-1", "4", "done").out.startswith("M-1: step 4 done (Own: ")
    assert store_at().get("M-1").steps[3].done
    before = snapshot(folder)
    again = run("step", "M-1", "4", "done")
    assert again.out.startswith("M-1: Step 4 is already done — by ") and again.out.endswith("; nothing written\n")
    assert snapshot(folder) == before
    assert run("step", "M-1", "4", "undo").out.startswith("M-1: step 4 not done any more (Own: ")
    assert not store_at().get("M-1").steps[3].done
    assert run("step", "M-1", "4", "undo").out.startswith("M-1: Step 4 is already reopened — by ")
    assert_one_line_error(run("step", "M-1", "99", "done"), "there is no step 99")
    assert_one_line_error(run("step", "M-1", "4", "toggle"), "invalid choice: 'toggle'")


def test_hostile_promise_text_is_shown_not_obeyed(run):
    _new(run)
    out = run("promise", "add", "M-1", "a\x1b]0;owned\x07b [bold]", "--due", "1h").out
    assert "\x1b" not in out and "a␛]0;owned␇b [bold]" in out
