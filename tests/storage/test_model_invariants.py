"""The model's rules, the append-only timeline, and closing/reopening across the two files."""

from __future__ import annotations

import json

import pendulum
import pytest
import tinydb

from storage.domain.model import Incident, new_incident
from storage.domain.fields import ValidationError
from storage.domain.parts import DamageItem
from storage.domain.timeline import TimelineEntry
from storage.domain.playbook import DEFAULT_PHASES, steps_of
from storage.store import FolderStore, NotFound, StoreError, parse_id


@pytest.fixture
def store(backend):
    """A store of each backend in turn (the rules are the same on every backend)."""
    return backend.open(user="ana")


@pytest.fixture
def folder_store(folder, clock):
    """A folder store, for what is about its files (which file a closed incident lives in)."""
    return FolderStore.open(folder, clock=clock, user="ana")


def _closed_ids(folder) -> list[int]:
    """Numbers of the closed incidents on disk: one stock-TinyDB file each, holding that incident alone."""
    found = []
    for path in sorted((folder / "closed").glob("M-*.json")):
        db = tinydb.TinyDB(path)
        try:
            ids = [doc.doc_id for doc in db.table("incidents").all()]
        finally:
            db.close()
        assert ids == [int(path.stem[2:])], f"{path.name} holds {ids}"
        found.extend(ids)
    return sorted(found)


def _ids(path) -> list[int]:
    if not path.exists():
        return []
    db = tinydb.TinyDB(path)
    try:
        return sorted(doc.doc_id for doc in db.table("incidents").all())
    finally:
        db.close()


# -- validation ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"title": ""}, "needs a title"),
    ({"title": "  \n"}, "needs a title"),
    ({"client_org": ""}, "needs a client"),
    ({"severity": 5}, "severity must be 1-4"),
    ({"severity": 0}, "severity must be 1-4"),
    ({"first_learned_by": "press"}, "us or client"),
    ({"cadence_minutes": -5}, "cadence is a number of minutes"),
])
def test_create_refuses_invalid_incidents(store, backend, kwargs, message):
    args = {"title": "t", "client_org": "c", "severity": 2} | kwargs
    title, client, severity = args.pop("title"), args.pop("client_org"), args.pop("severity")
    before = backend.fingerprint()
    with pytest.raises(ValidationError, match=message):
        store.create(title, client, severity, **args)
    assert backend.fingerprint() == before  # nothing half-written
    assert backend.open().is_empty()


@pytest.mark.parametrize("apply, message", [
    (lambda i, now, by: i.log_update("email", "sent", now.subtract(minutes=1), now, by), "must be in the future"),
    (lambda i, now, by: i.log_update("email", "sent", now, now, by), "must be in the future"),
    (lambda i, now, by: i.log_update("email", "  ", None, now, by), "say what was told"),
    (lambda i, now, by: i.set_status("done", now, by), "unknown status 'done'"),
    (lambda i, now, by: i.complete_step(99, now, by), "there is no step 100"),
    (lambda i, now, by: i.complete_step(-1, now, by), "there is no step 0"),
    (lambda i, now, by: i.add_note("", now, by), "a note cannot be empty"),
    (lambda i, now, by: i.add_damage(DamageItem("x", severity=7), now, by), "severity must be 1-4"),
    (lambda i, now, by: i.add_damage(DamageItem("x", state="fine"), now, by), "state must be one of"),
    (lambda i, now, by: i.add_damage(DamageItem(" "), now, by), "say what was damaged"),
    (lambda i, now, by: i.set_damage_state(0, "confirmed", now, by), "no damage item 1"),
    (lambda i, now, by: i.add_question("", now, by), "cannot be empty"),
    (lambda i, now, by: i.answer_question(0, "a", now, by), "no question 1"),
])
def test_refused_changes_leave_the_store_untouched(store, backend, apply, message):
    inc = store.create("t", "c", 2)
    before = backend.fingerprint()
    with pytest.raises(ValidationError, match=message):
        store.change(inc.id, apply)
    assert backend.fingerprint() == before
    assert store.get(inc.id).to_dict() == backend.open().get(inc.id).to_dict() == inc.to_dict()


def test_unknown_ids(store):
    with pytest.raises(NotFound):
        store.get("M-404")
    with pytest.raises(NotFound):
        store.change("M-404", lambda i, now, by: None)
    assert parse_id("M-12") == parse_id("m12") == parse_id(" 12 ") == 12
    for bad in ("M-0", "twelve", "", "M-"):
        with pytest.raises(NotFound):
            parse_id(bad)


# -- the timeline ----------------------------------------------------------------------------

CHANGES = [
    lambda i, now, by: i.add_note("note", now, by),
    lambda i, now, by: i.acknowledge(now, by),
    lambda i, now, by: i.complete_step(0, now, by, note="done quickly"),
    lambda i, now, by: i.reopen_step(0, now, by),
    lambda i, now, by: i.complete_step(1, now, by),
    lambda i, now, by: i.log_update("phone", "told them", now.add(hours=1), now, by),
    lambda i, now, by: i.add_damage(DamageItem("invoices", "doubled", 2), now, by),
    lambda i, now, by: i.edit_damage(0, DamageItem("invoices", "doubled, 40 of them", 1, "confirmed"), now, by),
    lambda i, now, by: i.set_damage_state(0, "contained", now, by),
    lambda i, now, by: i.add_question("did the reminders go out too?", now, by),
    lambda i, now, by: i.answer_question(0, "no", now, by),
    lambda i, now, by: i.set_status("contained", now, by),
    lambda i, now, by: setattr(i, "root_cause", "a copied formula"),
    lambda i, now, by: (setattr(i, "fix", "corrected"), setattr(i, "lessons", "check twice")),
    lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"),
    lambda i, now, by: i.add_note("note on a closed incident", now, by),
    lambda i, now, by: i.set_status("open", now, by),
]


def test_every_change_adds_one_timeline_entry_at_its_instant(store, backend, clock):
    inc = store.create("t", "c", 2)
    assert [(t.kind, t.at, t.by) for t in inc.timeline] == [("created", clock.now, "ana")]
    for n, apply in enumerate(CHANGES, start=1):
        clock.advance(minutes=3)
        before = store.get(inc.id)
        store.change(inc.id, apply)
        after = backend.open(clock=clock).get(inc.id)
        assert len(after.timeline) == len(before.timeline) + 1, n
        assert [t.to_dict() for t in after.timeline[:-1]] == [t.to_dict() for t in before.timeline]
        assert (after.timeline[-1].at, after.timeline[-1].by) == (clock.now, "ana")
        assert after.revision == before.revision + 1
    edits = [t.text for t in after.timeline if t.kind == "edit"]
    assert edits == ["Edited: root cause", "Edited: fix, lessons"]


def test_a_change_that_changes_nothing_writes_nothing(store, backend):
    inc = store.create("t", "c", 2)
    before = backend.fingerprint()
    assert store.change(inc.id, lambda i, now, by: i.status) == "open"
    store.change(inc.id, lambda i, now, by: i.set_status("open", now, by))  # already open
    assert backend.fingerprint() == before
    assert backend.open().get(inc.id).revision == inc.revision


@pytest.mark.parametrize("rewrite", [
    lambda i, now, by: setattr(i.timeline[0], "text", "it was never opened"),
    lambda i, now, by: setattr(i.timeline[0], "at", now.subtract(days=1)),
    lambda i, now, by: i.timeline.pop(0),
    lambda i, now, by: i.timeline.clear(),
    lambda i, now, by: i.timeline.insert(0, TimelineEntry(now, "note", "backdated")),
    lambda i, now, by: (i.timeline.pop(0), i.add_note("cover it up", now, by)),
    lambda i, now, by: setattr(i, "timeline", []),
])
def test_the_timeline_is_append_only(store, backend, rewrite):
    inc = store.create("t", "c", 2)
    store.change(inc.id, lambda i, now, by: i.add_note("first", now, by))
    before = backend.fingerprint()
    with pytest.raises(StoreError, match="append-only"):
        store.change(inc.id, rewrite)
    assert backend.fingerprint() == before
    assert [t.text for t in backend.open().get(inc.id).timeline][-1] == "first"


def test_a_change_cannot_renumber(store, backend):
    inc = store.create("t", "c", 2)
    store.create("u", "c", 2)
    before = backend.fingerprint()
    with pytest.raises(StoreError, match="renumber"):
        store.change(inc.id, lambda i, now, by: setattr(i, "number", 2))
    assert backend.fingerprint() == before


# -- open and closed files ------------------------------------------------------------------

def test_close_moves_to_closed_file_and_reopen_moves_back(folder_store, folder, clock):
    store = folder_store
    a, b = store.create("a", "c", 2), store.create("b", "c", 2)
    clock.advance(hours=1)
    store.change(a.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    assert _ids(folder / "open.json") == [b.number]
    assert _closed_ids(folder) == [a.number]
    fresh = FolderStore.open(folder, clock=clock)
    assert [i.number for i in fresh.open_incidents()] == [b.number]
    assert [i.number for i in fresh.closed_incidents()] == [a.number]
    closed = fresh.get(a.id)
    assert (closed.status, closed.closed_at, closed.next_update_due) == ("closed", clock.now, None)

    clock.advance(hours=1)
    fresh.change(a.id, lambda i, now, by: i.set_status("open", now, by))
    assert _ids(folder / "open.json") == [a.number, b.number]
    assert _closed_ids(folder) == []
    again = FolderStore.open(folder, clock=clock)
    reopened = again.get(a.id)
    assert (reopened.status, reopened.closed_at) == ("open", None)
    assert reopened.next_update_due == clock.now + reopened.cadence
    assert again.closed_incidents() == []
    # Numbers keep counting past closed incidents.
    assert again.create("c", "c", 2).number == 3


def _crash_mid_close(folder, clock, *, closed_written: bool) -> tuple[int, int]:
    """Leave the store as a close that died between its two writes would."""
    store = FolderStore.open(folder, clock=clock)
    a, b = store.create("a", "c", 2), store.create("b", "c", 2)
    store.change(a.id, lambda i, now, by: i.add_note("before closing", now, by))
    closing = store.get(a.id)
    closing.close(clock.now, "ana", reason="closed without a close-out in this test")
    data = json.loads((folder / "open.json").read_text())
    data["incidents"][str(a.number)] = closing.to_dict()  # first write: status closed, still in open.json
    (folder / "open.json").write_text(json.dumps(data))
    if closed_written:  # second write done too, the removal from open.json not
        (folder / "closed").mkdir()
        (folder / "closed" / f"M-{a.number}.json").write_text(
            json.dumps({"incidents": {str(a.number): closing.to_dict()}}))
    return a.number, b.number


@pytest.mark.parametrize("closed_written", [False, True])
def test_a_close_cut_short_is_finished_on_open(folder, clock, closed_written):
    a, b = _crash_mid_close(folder, clock, closed_written=closed_written)
    store = FolderStore.open(folder, clock=clock)
    assert [i.number for i in store.open_incidents()] == [b]
    assert [i.number for i in store.closed_incidents()] == [a]
    assert _ids(folder / "open.json") == [b]
    assert _closed_ids(folder) == [a]
    notes = [t.text for t in store.get(a).timeline if t.kind == "note"]
    assert notes == ["before closing"]
    assert (folder / "open.json.bak").read_bytes() == (folder / "open.json").read_bytes()


def test_a_close_cut_short_is_finished_by_a_running_store(folder, clock):
    running = FolderStore.open(folder, clock=clock)
    a, b = _crash_mid_close(folder, clock, closed_written=False)
    running.change(b, lambda i, now, by: i.add_note("meanwhile", now, by))
    assert [i.number for i in running.open_incidents()] == [b]
    assert _ids(folder / "open.json") == [b] and _closed_ids(folder) == [a]


def test_a_reopen_cut_short_keeps_the_open_copy(folder_store, folder, clock):
    store = folder_store
    a = store.create("a", "c", 2)
    store.change(a.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    closed_file = folder / "closed" / f"M-{a.number}.json"
    closed_copy = closed_file.read_bytes()
    store.change(a.id, lambda i, now, by: i.set_status("open", now, by))
    closed_file.write_bytes(closed_copy)  # the removal of its closed file never happened
    again = FolderStore.open(folder, clock=clock)
    assert again.get(a.id).status == "open"
    assert again.closed_incidents() == []
    b = again.create("b", "c", 2)
    again.change(b.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    assert _closed_ids(folder) == [b.number]  # the stale closed copy of M-1 is gone
    assert again.review_rows()[0].number == b.number and len(again.review_rows()) == 1
    assert again.get(a.id).status == "open"


def test_closed_incidents_stay_changeable(folder_store, folder, clock):
    store = folder_store
    a = store.create("a", "c", 2)
    store.change(a.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    open_before = (folder / "open.json").read_bytes()
    store.change(a.id, lambda i, now, by: setattr(i, "lessons", "review before send"))
    assert (folder / "open.json").read_bytes() == open_before  # only its closed file was rewritten
    got = FolderStore.open(folder).get(a.id)
    assert (got.status, got.lessons, got.timeline[-1].kind) == ("closed", "review before send", "edit")


# -- pure model helpers -------------------------------------------------------------------

def test_new_incident_defaults(clock):
    inc = new_incident(7, "t", "c", 1, clock.now, steps_of(DEFAULT_PHASES), by="ana")
    assert inc.id == "M-7"
    assert (inc.status, inc.owner, inc.cadence_minutes) == ("open", "ana", 30)
    assert inc.next_update_due == clock.now.add(minutes=15)
    assert inc.progress() == (0, len(inc.steps)) and inc.next_step_index() == 0
    assert inc.damage_summary() == "not assessed"
    inc.complete_step(0, clock.now)
    inc.add_damage(DamageItem("a", state="confirmed"), clock.now)
    inc.add_damage(DamageItem("b"), clock.now)
    inc.add_question("q1", clock.now)
    inc.add_question("q2", clock.now)
    assert inc.progress()[0] == 1 and inc.next_step_index() == 1
    assert inc.damage_summary() == "1 suspected, 1 confirmed, 2 open questions"
    assert inc.first_learned_by is None
    inc.log_update("", "first contact", None, clock.now)
    assert (inc.first_learned_by, inc.updates[0].channel, inc.next_update_due) == ("us", "email", None)


def test_from_dict_refuses_what_to_dict_never_writes(clock):
    doc = new_incident(1, "t", "c", 2, clock.now, []).to_dict()
    assert Incident.from_dict(doc).to_dict() == doc
    for key, value in [("number", 0), ("cadence_minutes", -1), ("first_learned_by", "boss"),
                       ("cost", []), ("updates", {}), ("timeline", [1])]:
        with pytest.raises(ValidationError):
            Incident.from_dict({**doc, key: value})
    with pytest.raises(ValidationError, match="our_share_percent"):
        Incident.from_dict({**doc, "cost": {"our_share_percent": 150}})
    with pytest.raises(ValidationError, match="must be an object"):
        Incident.from_dict([doc])
    assert Incident.from_dict({**doc, "revision": 4}).revision == 4
    assert Incident.from_dict(doc).created_at == pendulum.instance(clock.now)


def test_close_and_reopen_through_the_interface(store, backend, clock):
    """On every backend: a close leaves the open list and joins the review; a reopen brings it back."""
    a = store.create("Invoices doubled", "Acme Ltd", 2)
    b = store.create("Wrong rates", "Beta GmbH", 3)
    clock.advance(minutes=30)
    store.change(a.id, lambda i, now, by: i.close(now, by, reason="fixed and credited"))
    other = backend.open()
    assert [i.number for i in other.open_incidents()] == [b.number]
    assert other.get(a.id).status == "closed" and [i.number for i in other.closed_incidents()] == [a.number]
    assert [r.number for r in other.review_rows()] == [a.number]
    clock.advance(minutes=5)
    other.change(a.id, lambda i, now, by: i.set_status("open", now, by))
    assert store.refresh() is True
    assert sorted(i.number for i in store.open_incidents()) == [a.number, b.number]
    assert store.closed_incidents() == [] and backend.open().review_rows() == []
    assert [t.event for t in store.get(a.id).timeline][-2:] == ["closed", "reopened"]
