"""The promise book: worked out once, it reads at any instant as the lists worked out afresh there did."""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from storage.domain.model import new_incident
from storage.domain.urgency import by_urgency, seconds_until, urgency_key
from storage.readers.status import (DuePromise, PromiseBook, due_promises, open_promises, overdue_promises,
                                    words_change_in)
from storage.store import open_incident

T0 = pendulum.datetime(2026, 11, 20, 14, 0, tz="UTC")
WINDOW, WARN, DUE = timedelta(minutes=30), timedelta(minutes=5), timedelta(0)


def _incidents():
    """Late, soon, far, kept, moved, two due at one instant, none promised: every order the board knows."""
    made = [new_incident(n, f"Incident {n}", "Acme", severity, T0.subtract(minutes=ago), [])
            for n, severity, ago in ((1, 3, 132), (2, 2, 25), (3, 1, 10), (4, 4, 0), (5, 2, 40), (6, 1, 0))]
    late, soon, same_time_critical, far, kept, quiet = made
    late.add_promise("Credit note", T0.add(minutes=20), T0.subtract(minutes=100), "lena")
    late.add_promise("Root cause", T0.subtract(minutes=1), T0.subtract(minutes=100), "lena")
    soon.add_promise("Call back", T0.add(minutes=5), T0.subtract(minutes=20), "lena")  # with its update, at once
    kept.add_promise("Refund", T0.add(minutes=3), T0.subtract(minutes=30), "lena")
    kept.keep_promise(1, T0.subtract(minutes=2), "lena")
    kept.renegotiate(0, T0.add(minutes=45), "Jo agreed", T0.subtract(minutes=1), "lena")
    kept.snooze_reminder(0, 30, T0.subtract(minutes=1), "lena")
    quiet.settle_update_promise(T0)  # nothing promised: last in every order
    return made


def _reference(incidents, now):
    """Every open promise as the lists were worked out before the book: sorted at ``now`` by urgency_key."""
    ranked = sorted(incidents, key=lambda incident: urgency_key(incident, now))
    return [(incident.number, index, promise.due, seconds_until(promise.due, now))
            for incident in ranked
            for index, promise in sorted(((i, p) for i, p in enumerate(incident.promises) if p.is_open),
                                         key=lambda pair: (pair[1].due, pair[0]))]


INSTANTS = [T0.subtract(hours=3), T0, T0.add(minutes=5), T0.add(minutes=5, seconds=1), T0.add(minutes=44, seconds=59),
            T0.add(hours=9), T0.add(days=3)]


@pytest.mark.parametrize("now", INSTANTS, ids=lambda now: now.isoformat())
def test_one_book_reads_at_every_instant_as_the_lists_worked_out_there(now):
    incidents = _incidents()
    book = PromiseBook(incidents)  # worked out once, then read at each instant
    every = [(d.number, d.index, d.due, d.seconds_left) for d in book.every(now)]
    assert every == _reference(incidents, now)
    assert [(d.number, d.index) for d in book.overdue(now)] == [(n, i) for n, i, _, left in every if left < 0]
    firsts = {}
    for n, i, due, left in every:
        firsts.setdefault(n, (n, i, left))
    assert [(d.number, d.index) for d in book.due_within(now, 1800)] == [
        (n, i) for n, i, left in firsts.values() if left <= 1800]
    assert [(d.number, d.index) for d in book.owed_within(now, 300)] == [
        (n, i) for n, i, _, left in every if left <= 300]
    # The functions of mishap status and mishap overdue read the same book.
    assert due_promises(incidents, now, 1800) == book.due_within(now, 1800)
    assert open_promises(incidents, now) == book.every(now)
    assert overdue_promises(incidents, now) == book.overdue(now)


@pytest.mark.parametrize("now", INSTANTS, ids=lambda now: now.isoformat())
def test_the_next_crossing_is_the_first_instant_a_promise_comes_within_a_span(now):
    book = PromiseBook(_incidents())
    dues = [d.due for d in book.every(now)]
    ahead = [due - span for due in dues for span in (WINDOW, WARN, DUE) if due - span > now]
    assert book.next_crossing(now, WINDOW, WARN, DUE) == min(ahead, default=None)


def test_the_urgency_order_is_the_same_at_every_instant():
    incidents = _incidents()
    for now in INSTANTS:
        assert by_urgency(incidents, now) == sorted(incidents, key=lambda incident: urgency_key(incident, now))


def test_snoozes_are_read_at_their_instant_and_light_incidents_have_none():
    incidents = _incidents()
    book = PromiseBook(incidents)
    assert book.snoozed(T0) == {(5, 0): T0.add(minutes=29)}
    assert book.snoozed(T0.add(minutes=29)) == {}
    light = PromiseBook([open_incident(i.to_dict()) for i in incidents])
    assert light.snoozed(T0) == {}
    assert [(d.number, d.index, d.seconds_left) for d in light.every(T0)] == [
        (d.number, d.index, d.seconds_left) for d in book.every(T0)]


@pytest.mark.parametrize("left", [-3700.5, -120.0, -60.0, -59.5, -0.5, 0.0, 0.5, 59.0, 60.0, 61.25, 1380.0, 3600.0])
def test_words_change_exactly_when_a_countdown_reads_differently(left):
    def words(seconds_left: float) -> str:
        return DuePromise(1, 0, "x", "update", T0, seconds_left, 1).when

    wait = words_change_in(left)
    assert wait > 0
    assert words(left - wait) != words(left)  # reads differently at that instant
    assert words(left - wait + 2e-6) == words(left)  # and not a moment before
