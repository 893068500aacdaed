"""Schema 2: every timeline entry says what happened (an event) and whether the client may read it."""

from __future__ import annotations

import json

import pytest

from storage.store import FolderStore, write_atomically
from storage.domain.metrics import open_periods
from storage.domain.review_row import review_row
from storage.domain.model import SCHEMA_VERSION, Incident
from storage.domain.parts import Cost
from storage.domain.timeline import EVENTS


def _worked(store, clock):
    inc = store.create("Wrong invoice run", "Acme", 2)
    steps = [
        lambda i, now, by: i.acknowledge(now, by),
        lambda i, now, by: i.add_note("internal: Tom pressed the button twice", now, by),
        lambda i, now, by: i.complete_step(0, now, by, note="halted the job"),
        lambda i, now, by: i.log_update("phone", "We are on it", now.add(minutes=30), now, by),
        lambda i, now, by: i.set_cost(Cost(3, 100, 50), now, by),
        lambda i, now, by: i.close(now, by, reason="client ended the contract"),
        lambda i, now, by: i.reopen(now, by, "more rows found"),
        lambda i, now, by: i.close(now, by, reason="second close"),
    ]
    for step in steps:
        clock.advance(minutes=10)
        store.change(inc.id, step)
    return store.get(inc.id)


def test_every_entry_names_its_event_and_audience(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    inc = _worked(store, clock)
    doc = json.loads((folder / "closed" / f"M-{inc.number}.json").read_text())["incidents"][str(inc.number)]
    assert doc["schema"] == SCHEMA_VERSION == 3
    events = [(t["event"], t["client"]) for t in doc["timeline"]]
    assert events[:6] == [("created", True), ("acknowledged", True), ("note", False), ("step_done", True),
                          ("update_sent", True), ("cost_recorded", False)]
    assert [e for e, _ in events if e in ("closed", "reopened")] == ["closed", "reopened", "closed"]
    assert all(event in EVENTS for event, _ in events)
    close = next(t for t in doc["timeline"] if t["event"] == "closed")
    assert "client ended the contract" in close["text"]
    assert "reason" not in close["client_text"] and close["client_text"].startswith("Closed (")


def _as_schema_1(doc: dict) -> dict:
    old = json.loads(json.dumps(doc))
    old["schema"] = 1
    for entry in old["timeline"]:
        for key in ("event", "client", "client_text"):
            entry.pop(key, None)
    return old


def test_a_schema_1_document_is_read_with_its_events_inferred(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    inc = _worked(store, clock)
    new = inc.to_dict()
    old = _as_schema_1(new)
    upgraded = Incident.from_dict(old)
    assert [t.event for t in upgraded.timeline] == [t["event"] for t in new["timeline"]]
    assert [t.for_client for t in upgraded.timeline] == [t["client"] for t in new["timeline"]]
    assert open_periods(old) == open_periods(new) and len(open_periods(new)) == 2
    assert review_row(upgraded) == review_row(inc)


def test_a_schema_1_store_is_upgraded_on_its_next_change(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("t", "c", 2)
    store.change(inc.id, lambda i, now, by: i.add_note("before the upgrade", now, by))
    path = folder / "open.json"
    data = json.loads(path.read_text())
    data["incidents"][str(inc.number)] = _as_schema_1(data["incidents"][str(inc.number)])
    data["meta"]["1"]["schema"] = 1
    write_atomically(path, json.dumps(data))
    again = FolderStore.open(folder, clock=clock)
    assert not again.read_only
    again.change(inc.id, lambda i, now, by: i.add_note("after", now, by))
    doc = json.loads(path.read_text())["incidents"][str(inc.number)]
    assert doc["schema"] == SCHEMA_VERSION == 3
    assert [(t["event"], t["text"]) for t in doc["timeline"]] == [
        ("created", "Incident opened: t (severity 2)"), ("note", "before the upgrade"), ("note", "after")]
    # Reading an old document never counts as an edit: nothing else was added.
    assert doc["revision"] == 2


def test_an_unknown_event_from_a_newer_writer_stays_internal(clock):
    from storage.domain.timeline import TimelineEntry

    entry = TimelineEntry.from_dict({"at": "2026-05-04T09:30:00+00:00", "kind": "x", "text": "t",
                                     "event": "sla_breached"}, "t")
    assert entry.event == "sla_breached" and entry.for_client is False
    with pytest.raises(Exception):
        TimelineEntry.from_dict({"at": "2026-05-04T09:30:00+00:00", "kind": "x", "text": "t", "event": 3}, "t")
