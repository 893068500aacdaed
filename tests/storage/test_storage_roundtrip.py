"""Every Incident field survives the store: create, change, reopen, compare; hostile text too."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pendulum
import tinydb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.clock import FakeClock

from storage.domain.model import SCHEMA_VERSION, Incident
from storage.domain.outbox import OutboxEntry
from storage.domain.parts import Cost, DamageItem, PreventionAction
from storage.store import FolderStore
from storage.domain.deadlines import DEFAULT_RULES

HOSTILE = [
    "[/]", "[bold]x", "[/bold]", "[link=http://x]y[/link]", "[[phase]]", "{", "}", "\\", '"', "'",
    "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\x1b[2J\x1b[H", "\x9b31m",
    "🔥", "👩‍💻", "🇩🇪", "e\u0301", "\ufeff",
    "שלום עולם", "مرحبا", "\u202eevil\u202c", "\u200f", "\u2066x\u2069",
    "\x00", "\x01\x02\x03", "\r\n", "\t", "\x7f", "\u2028", "\u2029",
    "\ud800", "\udfff",  # lone surrogates: json escapes them and reads them back
    "M-1", "null", "",
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20)), min_size=1, max_size=6
).map("".join)
# Model methods refuse blank notes, summaries, questions and titles: keep one visible char.
hostile_nonblank = hostile_text.map(lambda s: s + "x" if not s.strip() else s)


def _every_field(store: FolderStore, clock, text: str, big: str | None = None) -> Incident:
    """Create an incident and set every field through store.change with the model's methods."""
    inc = store.create(text, text, 1, client_contact=text,
                       happened_at=clock.now.subtract(hours=5),
                       discovered_at=clock.now.subtract(minutes=20),
                       first_learned_by="client", cadence_minutes=45)
    clock.advance(minutes=1)

    def work(i: Incident, now, by):
        i.acknowledge(now, by)
        i.log_update(text, text, now.add(minutes=45), now, by, message_id="<1.mishap@example.com>")
        i.add_damage(DamageItem(text, text, 2, "confirmed"), now, by)
        i.add_damage(DamageItem("second " + text, "", 4), now, by)
        i.set_damage_state(1, "ruled out", now, by)
        i.add_question(text, now, by)
        i.add_question("still open " + text, now, by)
        i.answer_question(0, text, now, by)
        i.complete_step(0, now, by, note=text)
        i.complete_step(3, now, text)
        i.add_note(big or text, now, by)
        i.set_status("contained", now, by)

    store.change(inc.id, work)
    clock.advance(minutes=1)

    def edit(i: Incident, now, by):
        i.owner = text
        i.root_cause = big or text
        i.fix = text
        i.lessons = text
        i.prevention.append(PreventionAction(text, text, now.add(days=7)))
        i.cost = Cost(12.5, 300.0, 50)
        i.confirm_client(now, by)
        i.add_promise(text or "credit note", now.add(days=1), now, by)
        i.set_client_zone("America/New_York", now, by)
        i.set_tags(["personal-data"], DEFAULT_RULES, now, by)
        i.edit_audience(0, now, by, email="dana@example.com")
        i.queue_email(OutboxEntry("<2.mishap@example.com>", 0, ["dana@example.com"], text, f"raw {text}", now, by,
                                  now.add(hours=2), extra={"note": text}), now, by)  # an email on its way
        i.ask_approval(text, text, now.add(hours=3), now, by, email=True, author_address=text)  # awaiting approval
        i.ask_approval("phone", text, None, now, by, by_cadence=True)
        i.reject_update(2, text + " no", now, "lena")
        i.set_status("resolved", now, by)

    store.change(inc.id, edit)
    return store.get(inc.id)


def _non_default(incident: Incident) -> list[str]:
    """Names of Incident fields still at their default value (the test must set them all)."""
    left = []
    for f in dataclasses.fields(Incident):
        value = getattr(incident, f.name)
        if f.default is not dataclasses.MISSING and value == f.default:
            left.append(f.name)
        elif f.default_factory is not dataclasses.MISSING and value == f.default_factory():
            left.append(f.name)
    return left


def _stock_docs(path) -> dict[int, dict]:
    db = tinydb.TinyDB(path)
    try:
        return {doc.doc_id: dict(doc) for doc in db.table("incidents").all()}
    finally:
        db.close()


def test_every_field_round_trips(backend, clock):
    store = backend.open(clock=clock, user="ana")
    inc = _every_field(store, clock, "Invoices for ACME [bold]doubled[/]")
    # Every field carries a non-default value, except the ones only closing sets.
    assert _non_default(inc) == ["close_reason", "closed_at"]
    expected = inc.to_dict()

    again = backend.open(clock=clock)
    assert again.get(inc.id).to_dict() == expected
    assert again.get(inc.number).updates[0].next_promised == clock.now.subtract(minutes=1).add(minutes=45)

    # Closed: closed_at is set and the incident now lives in a file of its own.
    clock.advance(hours=2)
    def close(i, now, by):
        i.reject_update(1, "the incident is closing", now, "lena")  # a close waits for what awaits approval
        i.close(now, by, reason="closed without a close-out in this test")

    again.change(inc.id, close)
    closed = backend.open(clock=clock).get(inc.id)
    assert _non_default(closed) == ["next_update_due"]  # closing clears the promise
    assert closed.closed_at == clock.now
    assert closed.to_dict() == again.get(inc.id).to_dict()
    if backend.name == "folder":
        folder = Path(backend.spec)
        assert _stock_docs(folder / "closed" / f"M-{inc.number}.json") == {inc.number: closed.to_dict()}


def test_stock_tinydb_reads_the_files(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    a = _every_field(store, clock, "plain")
    b = store.create("second", "Client", 3)
    before = (folder / "open.json").read_bytes()
    docs = _stock_docs(folder / "open.json")
    assert docs == {a.number: a.to_dict(), b.number: b.to_dict()}
    meta = tinydb.TinyDB(folder / "open.json").table("meta").get(doc_id=1)
    assert meta["next_number"] == 3 and meta["schema"] == SCHEMA_VERSION == 3 and meta["layout"] == 3
    assert (folder / "open.json").read_bytes() == before  # reading with stock TinyDB changed nothing


def test_instants_are_stored_as_utc_iso(folder, clock):
    berlin = pendulum.datetime(2026, 7, 1, 14, 5, 30, 123456, tz="Europe/Berlin")
    clock.set(berlin)
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("t", "c", 2)
    doc = json.loads((folder / "open.json").read_text())["incidents"][str(inc.number)]
    assert doc["created_at"] == "2026-07-01T12:05:30.123456+00:00"
    assert doc["schema"] == 3
    assert doc["timeline"][0]["at"] == "2026-07-01T12:05:30.123456+00:00"
    assert FolderStore.open(folder).get(inc.id).created_at == berlin


def test_one_megabyte_text(backend, clock):
    big = ("[bold]x[/] \x1b[31m🔥 שלום \x00\n" * 50000)[: 1 << 20]
    assert len(big) == 1 << 20
    store = backend.open(clock=clock)
    inc = _every_field(store, clock, "big one", big=big)
    again = backend.open()
    got = again.get(inc.id)
    # Booleans, not ==: pytest's diff of two 1 MB strings would take longer than the test.
    assert (got.root_cause == big) is True
    notes = [t.text for t in got.timeline if t.kind == "note"]
    assert (notes == [big]) is True
    assert (got.to_dict() == inc.to_dict()) is True
    if backend.name == "folder":
        assert (_stock_docs(Path(backend.spec) / "open.json")[inc.number]["root_cause"] == big) is True


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=hostile_nonblank)
def test_hostile_text_round_trips(backend, text):
    # One store per test, a new incident per example (fixtures are not per example), and a
    # clock per example so every example starts at the same instant.
    clock = FakeClock(pendulum.datetime(2026, 3, 8, 6, 30, tz="UTC"))
    store = backend.open(clock=clock, user=text)
    inc = _every_field(store, clock, text)
    for value in (inc.title, inc.client_org, inc.owner, inc.fix, inc.lessons, inc.updates[0].summary,
                  inc.damage[0].what, inc.questions[0].answer, inc.steps[0].note, inc.steps[3].done_by,
                  inc.prevention[0].owner, inc.timeline[-1].by):
        assert value == text  # exactly as typed, brackets and escapes and all
    expected = inc.to_dict()
    assert backend.open().get(inc.id).to_dict() == expected
    if backend.name == "folder":
        assert _stock_docs(Path(backend.spec) / "open.json")[inc.number] == expected
