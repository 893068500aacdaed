"""Who holds the pen: a new audience is its adder's, a hand-over moves the incident with what its owner
holds (or one audience), needs a note, and, raced by an update in another process, keeps both."""

from __future__ import annotations

import pytest

from storage.domain.model import new_incident
from storage.domain.fields import ValidationError
from storage.domain.intent import Unchanged
from support.racers import race_in_rounds


def _incident(clock):
    incident = new_incident(1, "Invoices doubled", "Acme", 2, clock(), [], by="sam", client_contact="Maria")
    incident.add_audience("Tom Reed", "management", clock(), "sam")
    incident.add_audience("ICO", "regulator", clock(), "lee")
    return incident


def test_a_hand_over_moves_the_incident_and_what_its_owner_holds(clock):
    incident = _incident(clock)
    assert [a.owner for a in incident.audiences] == ["sam", "sam", "lee"]  # each audience is its adder's
    assert incident.held_by("SAM") and incident.held_by("lee") and not incident.held_by("dana")
    assert incident.hand_over("dana", "GDPR clock runs from 09:10; Maria wants calls", clock(), "sam") is None
    assert incident.owner == "dana"
    assert [a.owner for a in incident.audiences] == ["dana", "dana", "lee"]  # lee keeps the regulator
    entry = incident.timeline[-1]
    assert (entry.event, entry.by, entry.for_client) == ("handed_over", "sam", False)
    assert entry.text == "Handed over from sam to dana with Acme, Tom Reed: GDPR clock runs from 09:10; Maria wants calls"
    assert isinstance(incident.hand_over("dana", "again", clock(), "sam"), Unchanged)
    assert not incident.held_by("sam") and incident.held_by("lee")


def test_one_audience_moves_alone_and_a_hand_over_needs_a_note(clock):
    incident = _incident(clock)
    before = incident.to_dict()
    for to, note in (("dana", ""), ("dana", "   "), ("", "a note")):
        with pytest.raises(ValidationError):
            incident.hand_over(to, note, clock(), "sam")
    assert incident.to_dict() == before  # a refusal changes nothing
    assert incident.hand_over("dana", "take the regulator", clock(), "lee", audience=2) is None
    assert incident.owner == "sam" and [a.owner for a in incident.audiences] == ["sam", "sam", "dana"]
    assert incident.timeline[-1].audience == 2
    assert "ICO handed over from lee to dana: take the regulator" == incident.timeline[-1].text


# Two processes at once, released together: one logs updates to the client and to management, the
# other hands the incident over and then logs one update of its own as the new owner.
CHILD = r'''
import sys
from storage.store import open_store

spec, role = sys.argv[1], sys.argv[2]
store = open_store(spec, user=role)
print("ready", flush=True)
sys.stdin.readline()
if role == "sam":
    for i in range(12):
        def log(inc, now, by, i=i):
            inc.log_update("email", f"sam update {i}", None, now, by, audience=i % 2)
        store.change(1, log)
else:
    store.change(1, lambda inc, now, by: inc.hand_over("dana", "shift change: the regulator is next", now, by))
    store.change(1, lambda inc, now, by: inc.log_update("phone", "dana update", None, now, by))
print("done", flush=True)
'''


def test_a_hand_over_racing_an_update_keeps_both(backend, tmp_path, child_env, python):
    store = backend.open(user="sam")
    store.create("Invoices doubled", "Acme", 2)
    store.change(1, lambda inc, now, by: inc.add_audience("Tom Reed", "management", now, by))
    script = tmp_path / "race.py"
    script.write_text(CHILD)
    said = race_in_rounds(python, script, {role: [backend.spec, role] for role in ("sam", "dana")}, 1, child_env)
    assert said == {"sam": ["done"], "dana": ["done"]}  # released together, each finished
    incident = backend.open().get(1)
    summaries = sorted(u.summary for u in incident.updates)
    assert summaries == sorted([f"sam update {i}" for i in range(12)] + ["dana update"])  # nothing lost
    assert incident.owner == "dana" and [a.owner for a in incident.audiences] == ["dana", "dana"]
    handovers = [t for t in incident.timeline if t.event == "handed_over"]
    assert len(handovers) == 1 and handovers[0].by == "dana"
    assert len([t for t in incident.timeline if t.event == "update_sent"]) == 13
