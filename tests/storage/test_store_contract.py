"""The store contract, on every backend: what the console and the CLI rely on, whichever store is behind them.

Each test runs once on a TinyDB folder and once on a fresh PostgreSQL database (the
``backend`` fixture). The round trip of every field, the rules of a change, intents and
close/reopen are in test_storage_roundtrip, test_model_invariants and test_intents, which
run on both backends as well.
"""

from __future__ import annotations

import asyncio
import subprocess

import pytest

from storage.domain.model import SCHEMA_VERSION
from storage.store import NotFound, ReadOnlyStore
from support.backends import plant_newer_incident

CLOSE = "closed without a close-out in this test"
HOSTILE = "\x00 nul, \ud800 lone, \udfff too, \ue000 private, [/] [bold]x[/bold] \x1b[31m red \x1b[0m \\u0000"


def _note(text):
    return lambda inc, now, by: inc.add_note(text, now, by)


def _close(inc, now, by):
    inc.close(now, by, reason=CLOSE)


def test_create_get_and_change_are_seen_by_a_new_handle(backend, clock):
    store = backend.open(user="ana")
    inc = store.create("Invoices sent twice", "Acme", 2)
    clock.advance(minutes=3)
    store.change(inc.id, _note("called the client"))
    again = backend.open()
    got = again.get("M-1")
    assert got.to_dict() == store.get(1).to_dict()
    assert [t.text for t in got.timeline][-1] == "called the client" and got.timeline[-1].by == "ana"
    assert got.revision == 1 and again.open_incidents()[0].number == 1
    with pytest.raises(NotFound, match="M-9"):
        again.get("M-9")
    assert store.connection_problem is None


def test_numbers_are_never_given_twice_after_a_close(backend):
    store = backend.open()
    first, second = store.create("a", "c", 3), store.create("b", "c", 3)
    store.change(second.id, _close)
    assert store.create("c", "c", 3).number == 3 == backend.open().create("d", "c", 3).number - 1
    assert [first.number, second.number] == [1, 2]


def test_drafts_are_kept_apart_from_the_record(backend):
    store = backend.open()
    inc = store.create("a", "c", 2)
    before = store.get(inc.id).to_dict()
    store.save_draft(inc.id, {"summary": HOSTILE, "channel": "phone"})
    other = backend.open()
    assert other.draft(inc.id) == {"summary": HOSTILE, "channel": "phone"}
    assert other.get(inc.id).to_dict() == before  # no timeline entry, no revision
    other.save_draft(inc.id, {"summary": "second"})
    assert store.draft(inc.id) == {"summary": "second"}
    store.discard_draft(inc.id)
    assert other.draft(inc.id) is None and store.draft(inc.id) is None
    store.discard_draft(inc.id)  # twice is fine


def test_review_rows_and_patterns_follow_closes_and_reopens(backend, clock):
    store = backend.open()
    for title in ("Payroll export wrong rates", "Payroll export wrong currency", "Site down"):
        inc = store.create(title, "Acme Ltd", 2)
        clock.advance(hours=1)
        store.change(inc.id, _close)
    assert sorted(row.number for row in store.review_rows()) == [1, 2, 3]
    assert {row.number: row.close_reason for row in store.review_rows()}[2] == CLOSE
    assert set(store.review_patterns()) == {1, 2, 3}  # one client: a pattern
    assert not store.review_changed() and not store.review_needs_build() and store.review_problems() == []
    other = backend.open()
    other.change(2, lambda inc, now, by: inc.set_status("open", now, by))
    assert store.review_changed()
    assert sorted(row.number for row in store.review_rows()) == [1, 3]
    assert [inc.number for inc in store.closed_incidents()] == [1, 3]


def test_another_writers_change_is_seen_by_changed_and_refresh(backend, clock):
    mine = backend.open(user="ana")
    mine.create("a", "c", 2)
    theirs = backend.open(user="omar")
    assert not mine.changed()
    mine.change(1, _note("mine"))
    assert not mine.changed()  # our own write is not news
    theirs.change(1, _note("theirs"))
    theirs.create("b", "c", 3)
    assert mine.changed()
    assert mine.refresh()
    assert [t.text for t in mine.get(1).timeline][-2:] == ["mine", "theirs"]
    assert [inc.number for inc in mine.open_incidents()] == [1, 2]
    assert not mine.changed() and not mine.refresh()
    theirs.save_draft(1, {"summary": "draft"})
    assert mine.changed() and mine.refresh()


async def test_changes_yields_after_another_writers_change(backend):
    mine = backend.open(user="ana")
    mine.create("a", "c", 2)
    theirs = backend.open(user="omar")
    stream = mine.changes(interval=0.05).__aiter__()
    # Made before the stream has even started (so before a database's LISTEN): no notification
    # reaches it, and it is yielded all the same (a folder is polled; a database looks again
    # once it listens).
    theirs.change(1, _note("before it listened"))
    await asyncio.wait_for(stream.__anext__(), timeout=30)  # a guard against hanging, not a speed test
    assert [t.text for t in mine.get(1).timeline][-1] == "before it listened"
    # Listening now (a database's LISTEN ran before that yield): the next change is pushed or polled.
    waiting = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0)  # the stream runs up to its wait for news
    assert not waiting.done()  # nothing new: not news
    await asyncio.to_thread(theirs.change, 1, _note("from omar"))
    await asyncio.wait_for(waiting, timeout=30)
    # Had it yielded before this change (spuriously), the view read then would lack it.
    assert [t.text for t in mine.get(1).timeline][-1] == "from omar"
    await stream.aclose()
    mine.close()


def test_newer_schema_opens_read_only(backend, clock):
    store = backend.open()
    old = store.create("old", "c", 2)
    newer = {**old.to_dict(), "number": 2, "schema": SCHEMA_VERSION + 1, "severity": "urgent"}
    plant_newer_incident(backend, newer)
    before = backend.fingerprint()
    ro = backend.open()
    assert ro.read_only and "newer" in ro.read_only_reason and ro.location in ro.read_only_reason
    assert [inc.number for inc in ro.open_incidents()] == [1]  # what this version can read is shown
    with pytest.raises(ReadOnlyStore, match="newer"):
        ro.create("x", "c", 2)
    with pytest.raises(ReadOnlyStore, match="newer"):
        ro.change(old.id, _note("n"))
    with pytest.raises(ReadOnlyStore):
        store.change(old.id, _note("n"))  # a handle opened before the newer mishap wrote
    assert backend.fingerprint() == before


def test_hostile_text_in_every_place_round_trips(backend, clock):
    store = backend.open(user=HOSTILE)
    big = ("x" * 1023 + "\n") * 1024  # 1 MB
    inc = store.create(HOSTILE, HOSTILE, 1, client_contact=big)
    store.change(inc.id, _note(HOSTILE))
    store.change(inc.id, _close)
    got = backend.open().get(inc.id)
    assert got.title == got.client_org == got.timeline[-2].text == got.owner == HOSTILE
    assert got.client_contact == big
    assert got.to_dict() == store.get(inc.id).to_dict()
    assert [row.title for row in backend.open().review_rows()] == [HOSTILE]


WRITER = r'''
import sys
from storage.store import open_store

spec, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(spec, user=name)
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    store.change("M-1", lambda inc, now, by: inc.add_note(f"{name} {i}", now, by))
print("done", flush=True)
'''


def test_several_processes_writing_one_incident_lose_nothing(backend, tmp_path, child_env, python):
    writers, each = 4, 15
    backend.open().create("Shared", "Acme", 1)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    children = [subprocess.Popen([python, str(script), backend.spec, f"w{n}", str(each)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env, text=True)
                for n in range(writers)]
    try:
        for child in children:
            assert child.stdout.readline() == "ready\n", child.communicate(timeout=60)[1]
        for child in children:  # all at once, on one incident
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            out, err = child.communicate(timeout=300)
            assert child.returncode == 0 and out == "done\n", err
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    got = backend.open().get(1)
    notes = [t.text for t in got.timeline if t.kind == "note"]
    assert sorted(notes) == sorted(f"w{n} {i}" for n in range(writers) for i in range(each))
    for n in range(writers):  # each writer's notes in its own order
        assert [t for t in notes if t.startswith(f"w{n} ")] == [f"w{n} {i}" for i in range(each)]
    assert got.revision == writers * each
