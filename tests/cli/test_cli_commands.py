"""Every headless subcommand, checked on its output and on what the store holds afterwards."""

from __future__ import annotations

import json

import pendulum
import pytest
from support.clock import HOSTILE_INSTANTS, FakeClock

from storage.store import FolderStore


def test_new_prints_the_id_and_stores_the_incident(run, store_at):
    result = run("new", "Wrong payroll file sent", "--client", "Acme Ltd", "--severity", "1",
                 "--contact", "Dana", "--first", "client")
    assert result.code == 0
    assert result.out == "M-1\n"
    incident = store_at().get("M-1")
    assert (incident.title, incident.client_org, incident.client_contact) == ("Wrong payroll file sent", "Acme Ltd", "Dana")
    assert incident.severity == 1 and incident.status == "open"
    assert incident.first_learned_by == "client"
    assert incident.steps and incident.next_update_due is not None
    assert run("new", "Second", "--client", "B", "--severity", "minor").out == "M-2\n"
    assert store_at().get("M-2").severity == 4


def test_db_before_or_after_the_subcommand(run, folder, tmp_path):
    assert run("--db", str(folder), "new", "Before", "--client", "C", "--severity", "2", db=False).out == "M-1\n"
    assert run("new", "After", "--client", "C", "--severity", "2", "--db", str(folder), db=False).out == "M-2\n"
    other = tmp_path / "other"
    # Given twice, the one after the subcommand wins.
    assert run("--db", str(folder), "new", "X", "--client", "C", "--severity", "3", "--db", str(other), db=False).code == 0
    assert [i.title for i in FolderStore.open(folder).open_incidents()] == ["Before", "After"]
    assert [i.title for i in FolderStore.open(other).open_incidents()] == ["X"]


def test_mishap_home_is_used_without_db(run, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MISHAP_HOME", str(home))
    assert run("new", "From env", "--client", "C", "--severity", "3", db=False).out == "M-1\n"
    assert [i.title for i in FolderStore.open(home).open_incidents()] == ["From env"]
    listed = run("list", db=False)
    assert "From env" in listed.out


def test_list_sorts_most_urgent_first(run, folder, clock):
    past = clock.now - pendulum.duration(hours=3)
    # Created three hours ago with a 15-minute first-contact window: overdue now.
    FolderStore.open(folder, clock=FakeClock(past)).create("Overdue one", "Late Co", 1)
    run("new", "Calm one", "--client", "Calm Co", "--severity", "2")
    run("new", "Soon one", "--client", "Soon Co", "--severity", "2")
    run("new", "Nothing promised", "--client", "Quiet Co", "--severity", "1")
    assert run("update", "M-2", "Told them", "--next", "3h").code == 0
    assert run("update", "M-3", "Told them", "--next", "5m").code == 0
    assert run("update", "M-4", "All said", "--next", "none").code == 0

    result = run("list")
    assert result.code == 0
    header, *rows = result.out.splitlines()
    assert header.split()[:3] == ["ID", "NEXT", "UPDATE"]
    assert [row.split()[0] for row in rows] == ["M-1", "M-3", "M-2", "M-4"]
    assert "late" in rows[0]
    assert "in 4 min" in rows[1] or "in 5 min" in rows[1]
    assert "no update promised" in rows[3]
    assert "0/26" in rows[0] and "Late Co" in rows[0]

    as_json = json.loads(run("list", "--json").out)
    assert [d["number"] for d in as_json] == [1, 3, 2, 4]
    assert as_json[0]["title"] == "Overdue one" and "timeline" in as_json[0]


def test_list_closed_and_empty_lists(run):
    assert run("list").out == "No open incidents.\n"
    assert run("list", "--closed").out == "No closed incidents.\n"
    assert json.loads(run("list", "--json").out) == []
    run("new", "First", "--client", "A", "--severity", "3")
    run("new", "Second", "--client", "B", "--severity", "3")
    run("close", "M-1", "--reason", "test: no close-out")
    run("close", "M-2", "--reason", "test: no close-out")
    closed = run("list", "--closed")
    rows = closed.out.splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["M-2", "M-1"]  # most recently closed first
    assert [d["number"] for d in json.loads(run("list", "--closed", "--json").out)] == [2, 1]
    assert run("list").out == "No open incidents.\n"


def test_show_text_and_json(run, folder, store_at):
    run("new", "Doubled purchase order", "--client", "Calder", "--severity", "3", "--contact", "Ines")
    store = store_at()
    store.change("M-1", lambda inc, now, by: inc.add_question("Invoiced yet?", now, by))
    run("done", "M-1", "1")
    run("update", "M-1", "Asked the supplier to cancel", "--channel", "phone", "--next", "2h")
    text = run("show", "m1").out
    assert text.startswith("M-1  Doubled purchase order\n")
    assert "Calder — Ines" in text
    assert "3 (moderate)" in text
    assert "  Stop\n    [x]  1. Halt the job" in text
    assert "    [ ]  2. Make sure nothing else goes out" in text
    assert "Checklist (1/26 done)" in text
    assert "Invoiced yet? — open" in text
    assert "phone, on time" in text and "    Asked the supplier to cancel" in text
    assert "Timeline" in text and "Incident opened: Doubled purchase order" in text
    doc = json.loads(run("show", "M-1", "--json").out)
    stored = store_at().get("M-1").to_dict()
    # The stored document, with its typed id; audiences are named, not numbered (issue 19).
    assert {k: v for k, v in doc.items() if k not in ("audiences", "promises", "updates", "timeline")} == \
        {"id": "M-1", **{k: v for k, v in stored.items() if k not in ("audiences", "promises", "updates", "timeline")}}
    assert [u["audience"] for u in doc["updates"]] == ["Calder"] and doc["audiences"][0]["name"] == "Calder"


def test_update_logs_with_default_cadence(run, store_at):
    run("new", "Checkout broken", "--client", "Brightleaf", "--severity", "1")
    result = run("update", "M-1", "Rolled back the change")
    assert result.code == 0
    assert result.out.startswith("M-1: update logged; next update due ")
    assert "(in 29 min)" in result.out or "(in 30 min)" in result.out
    incident = store_at().get("M-1")
    (update,) = incident.updates
    assert (update.channel, update.summary) == ("email", "Rolled back the change")
    assert update.next_promised == update.sent_at + pendulum.duration(minutes=30)
    assert incident.next_update_due == update.next_promised
    assert incident.first_learned_by == "us"


@pytest.mark.parametrize("clock_start", HOSTILE_INSTANTS.values(), ids=HOSTILE_INSTANTS.keys())
def test_update_next_accepts_relative_clock_and_iso(run, store_at, clock):
    run("new", "T", "--client", "C", "--severity", "2")
    run("update", "M-1", "one", "--next", "2h")
    first = store_at().get("M-1").updates[-1]
    assert first.next_promised == first.sent_at + pendulum.duration(hours=2)
    target = clock.now.in_timezone("Europe/Berlin").add(days=2).set(hour=17, minute=30, second=0, microsecond=0)
    run("update", "M-1", "two", "--next", target.format("YYYY-MM-DDTHH:mm"), "--channel", "Teams")
    second = store_at().get("M-1").updates[-1]
    assert second.next_promised == target.in_timezone("UTC")  # read in the user's zone
    assert second.channel == "Teams"
    run("update", "M-1", "three", "--next", "17:30")
    third = store_at().get("M-1").updates[-1]
    # The next 17:30 on Berlin's wall clock after it was sent: today's if still ahead, else tomorrow's
    # (a day that may be 23 or 25 hours long).
    sent = third.sent_at.in_timezone("Europe/Berlin")
    expected = sent.set(hour=17, minute=30, second=0, microsecond=0)
    if expected <= sent:
        expected = expected.add(days=1)
    assert third.next_promised == expected.in_timezone("UTC")


def test_done_completes_a_step_by_number(run, store_at):
    run("new", "T", "--client", "C", "--severity", "2")
    result = run("done", "M-1", "4")
    assert result.code == 0
    assert result.out.startswith("M-1: step 4 done (Own: Write down in plain words")
    assert result.out.rstrip().endswith("1/26 done")
    incident = store_at().get("M-1")
    assert incident.steps[3].done and incident.steps[3].done_by
    assert [s.done for s in incident.steps].count(True) == 1
    assert incident.timeline[-1].kind == "step"


def test_close_moves_the_incident_to_the_closed_file(run, folder, store_at):
    run("new", "T", "--client", "C", "--severity", "2")
    assert run("close", "M-1", "--reason", "duplicate").out == "M-1: closed (without a full close-out: duplicate)\n"
    store = store_at()
    assert store.open_incidents() == []
    (closed,) = store.closed_incidents()
    assert closed.status == "closed" and closed.closed_at is not None and closed.next_update_due is None
    assert (folder / "closed" / "M-1.json").exists() and not (folder / "closed.json").exists()
    assert run("show", "M-1").code == 0  # closed ones can still be read


def test_update_on_a_closed_incident_promises_nothing(run, store_at):
    run("new", "T", "--client", "C", "--severity", "2")
    run("close", "M-1", "--reason", "test: no close-out")
    result = run("update", "M-1", "Final apology sent")
    assert result.code == 0 and "no next update promised" in result.out
    incident = store_at().get("M-1")
    assert incident.updates[-1].next_promised is None and incident.next_update_due is None


def test_help_exits_zero(run):
    result = run("--help", db=False)
    assert result.code == 0
    for command in ("new", "list", "show", "update", "done", "close", "export", "demo"):
        assert command in result.out
