"""The demo set: open incidents at different urgencies, closed ones with a full review."""

from __future__ import annotations

import pendulum
import pytest
from support.clock import FakeClock

from storage.domain.clock import CountdownState, countdown_state
from storage.readers.demo import DemoRefused, fill_demo
from storage.store import FolderStore

MOMENT = pendulum.datetime(2026, 11, 23, 14, 30, tz="UTC")


def test_demo_command_fills_an_empty_store(run, store_at):
    result = run("demo")
    assert result.code == 0
    assert "4 open and 3 closed" in result.out
    store = store_at()
    open_ones, closed = store.open_incidents(), store.closed_incidents()
    assert len(open_ones) == 4 and len(closed) == 3
    listed = run("list").out.splitlines()[1:]
    assert "late" in listed[0]  # the overdue one comes first
    assert len(run("list", "--closed").out.splitlines()) == 4


def test_demo_refuses_unless_forced(run, store_at):
    assert run("demo").code == 0
    refused = run("demo")
    assert refused.code == 2 and refused.err.startswith("mishap: ") and "--force" in refused.err
    assert len(store_at().open_incidents()) == 4
    forced = run("demo", "--force")
    assert forced.code == 0
    store = store_at()
    assert len(store.open_incidents()) == 8 and len(store.closed_incidents()) == 6


def test_demo_urgencies_relative_to_the_store_clock(folder):
    store = FolderStore.open(folder, clock=FakeClock(MOMENT), user="ana")
    created = fill_demo(store)
    assert store.clock() == MOMENT and store.user == "ana"  # the moved clock is put back
    open_ones = [i for i in created if not i.is_closed]
    states = sorted(countdown_state(i.next_update_due, MOMENT, i.cadence) for i in open_ones)
    assert CountdownState.OVERDUE in states
    assert CountdownState.CALM in states
    lefts = sorted((i.next_update_due - MOMENT).total_seconds() / 60 for i in open_ones)
    assert lefts[0] < 0  # overdue
    assert 0 < lefts[1] <= 10  # due in a few minutes
    assert lefts[-1] > 120  # calm
    for incident in open_ones:
        assert incident.damage and incident.questions and incident.timeline
        done, total = incident.progress()
        assert 0 < done < total
        assert all(t.at <= MOMENT for t in incident.timeline)
        assert incident.discovered_at < MOMENT
    assert sum(1 for i in open_ones if i.updates) >= 3
    assert any(t.kind == "note" for i in open_ones for t in i.timeline)


def test_demo_closed_incidents_carry_a_review(folder):
    store = FolderStore.open(folder, clock=FakeClock(MOMENT))
    fill_demo(store)
    reopened = FolderStore.open(folder)
    closed = reopened.closed_incidents()
    assert len(closed) == 3
    for incident in closed:
        assert incident.root_cause and incident.fix and incident.lessons
        assert incident.prevention and incident.prevention[0].owner
        assert incident.cost.unbilled_hours > 0
        assert incident.progress()[0] == incident.progress()[1]
        assert incident.closed_at < MOMENT and incident.next_update_due is None
        assert len(incident.updates) >= 3
        instants = [t.at for t in incident.timeline]
        assert instants == sorted(instants)  # a believable, ordered history


def test_fill_demo_refuses_a_non_empty_store(folder):
    store = FolderStore.open(folder, clock=FakeClock(MOMENT))
    store.create("Existing", "Client", 3)
    with pytest.raises(DemoRefused):
        fill_demo(store)
    assert len(FolderStore.open(folder).open_incidents()) == 1


def test_demo_follows_a_team_playbook(folder):
    folder.mkdir(parents=True)
    (folder / "playbook.toml").write_text(
        '[[phase]]\nname = "Stop"\nsteps = ["Halt it"]\n\n[[phase]]\nname = "Other"\nsteps = ["A", "B"]\n')
    fill_demo(FolderStore.open(folder, clock=FakeClock(MOMENT)))
    store = FolderStore.open(folder)
    for incident in store.closed_incidents():
        assert incident.progress() == (3, 3)
    for incident in store.open_incidents():
        assert incident.steps[0].done and not incident.steps[2].done


def test_demo_shows_a_running_gdpr_clock_one_kept_in_time_and_management_told_late(folder):
    store = FolderStore.open(folder, clock=FakeClock(MOMENT), user="ana")
    fill_demo(store)
    payroll = next(i for i in store.open_incidents() if i.title.startswith("March payroll"))
    (gdpr,) = payroll.hard_deadlines()
    assert payroll.tags == ["personal-data"] and gdpr.due == payroll.discovered_at.add(hours=72)
    assert payroll.deadline_words(gdpr, MOMENT) == "GDPR notice: 2 d 21 h left"
    rows = {r.title: r for r in store.review_rows()}
    marlow = rows["Monthly KPI report included another client's figures"]
    assert (marlow.hard_deadlines_met, marlow.hard_deadlines_total) == (1, 1)
    assert marlow.management_told == 18 * 60  # told within the first half hour
    assert rows["Wrong VAT rate on 38 invoices"].management_told > 2 * 24 * 3600  # told on day three
