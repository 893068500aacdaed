"""The report model: what each audience may see is decided once, from the timeline's flags."""

from __future__ import annotations

import pendulum
import pytest

from storage.domain.ledger import cadence_phrase, cadence_words
from storage.domain.model import Incident, new_incident
from storage.domain.parts import ChecklistStep, Cost
from storage.domain.timeline import EVENTS
from storage.domain.metrics import update_checks, update_punctuality
from storage.readers.report import build_report

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
REASON = "client ended the contract; Tom skipped the check"


def _at(minutes: int):
    return T0.add(minutes=minutes)


def _worked() -> Incident:
    """Severity 2 (first contact due at +30): a note, a step note, a cost split, a missed update, a closing."""
    inc = new_incident(1, "Wrong invoice run", "Acme", 2, T0, [ChecklistStep("Stop", "Halt the job")], by="ana")
    inc.add_note("INTERNAL: Tom pressed the button twice", _at(5), "ana")
    inc.complete_step(0, _at(6), "ana", note="private step note")
    inc.log_update("phone", "We are on it", _at(40), _at(10), "ana")  # on time
    inc.set_cost(Cost(3, 100, 40), _at(20), "ana")
    inc.close(_at(120), "ana", reason=REASON)  # the update due at +40 never went out
    return inc


def test_the_client_report_holds_nothing_internal():
    inc = _worked()
    internal, client = build_report(inc, "internal"), build_report(inc, "client")
    assert client.cost is None and client.incomplete_close is None
    assert [s.note for s in client.steps] == [""]
    assert all(EVENTS[t.event] for t in client.timeline)
    assert not any("Tom" in t.text or "reason" in t.text or "40%" in t.text for t in client.timeline)
    assert [t.text for t in client.timeline if t.event == "closed"] == ["Closed (open → closed)"]
    assert (client.amends.credits, client.amends.unbilled_hours) == (100, 3)
    # The internal copy keeps every entry, the split and why it was closed incomplete.
    assert len(internal.timeline) == len(inc.timeline) > len(client.timeline)
    assert internal.cost.our_share_percent == 40 and internal.steps[0].note == "private step note"
    assert internal.incomplete_close.reason == REASON and "root cause" in internal.incomplete_close.missing
    # Both audiences read the same figures: one definition of punctuality.
    assert internal.figures == client.figures
    assert (client.figures.updates_on_time, client.figures.updates_due) == (1, 2)
    assert client.figures.on_time == "1 of 2 promised updates went out on time (50%)"


def test_a_schema_1_closing_reaches_the_client_without_its_reason():
    doc = _worked().to_dict()
    doc["schema"] = 1
    for entry in doc["timeline"]:
        for key in ("event", "client", "client_text"):
            entry.pop(key, None)
    old = Incident.from_dict(doc)
    closing = [t for t in build_report(old, "client").timeline if t.event == "closed"]
    assert [t.text for t in closing] == ["Closed (open → closed)"]
    assert REASON in [t for t in build_report(old, "internal").timeline if t.event == "closed"][0].text


def test_an_unknown_audience_is_refused():
    with pytest.raises(ValueError, match="unknown audience 'press': use internal or client"):
        build_report(_worked(), "press")


def test_each_update_s_check_agrees_with_the_figure():
    inc = new_incident(1, "t", "c", 1, T0, [], by="ana")  # first contact due at +15
    inc.log_update("phone", "a", _at(40), _at(10), "ana")  # on time
    inc.log_update("phone", "b", None, _at(45), "ana")  # 5 min late, and promised nothing more
    inc.log_update("phone", "c", None, _at(50), "ana")  # nothing was owed
    doc = inc.to_dict()
    checks = update_checks(doc)
    assert [c.describe() for c in checks] == ["on time (5 min early)", "5 min late", "nothing promised"]
    assert update_punctuality(doc) == (sum(bool(c.on_time) for c in checks),
                                       sum(c.on_time is not None for c in checks)) == (1, 2)
    # Without a ledger (an older document) each update is held to the time the previous one promised.
    doc["promises"] = []
    assert [c.on_time for c in update_checks(doc)] == [None, False, None]
    assert update_punctuality(doc) == (0, 1)


@pytest.mark.parametrize(("minutes", "words", "phrase"), [
    (0, "next working morning", "next working morning"),
    (30, "30 min", "every 30 min"),
    (90, "1 h 30 min", "every 1 h 30 min"),
    (240, "4 h", "every 4 h"),
])
def test_cadence_in_words(minutes, words, phrase):
    assert cadence_words(minutes) == words and cadence_phrase(minutes) == phrase
