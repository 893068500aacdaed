"""The review's fast path: rows from raw documents, the on-disk index, incremental re-reads."""

from __future__ import annotations

import json
import os

import pytest

from storage import review_index
from storage.metrics import review_row
from storage.review_index import INDEX_FILE, split_documents
from storage.store import Store

HOSTILE = 'a"revision":5},"99":{ [/] | # `x` \x1b[31m 💥'


def closed_store(folder, clock, count=4):
    store = Store.open(folder, clock=clock, user="ana")
    for n in range(count):
        inc = store.create(f"Incident {n} {HOSTILE}", f"Client {n % 2}", 1 + n % 4)
        clock.advance(minutes=7)
        store.change(inc.id, lambda i, now, by: i.log_update("phone", HOSTILE, None, now, by))
        clock.advance(minutes=30 + n)
        store.change(inc.id, lambda i, now, by: i.close(now, by, reason=HOSTILE))
    return store


def test_rows_match_the_full_parse(folder, clock):
    closed_store(folder, clock)
    fresh = Store.open(folder, clock=clock)
    rows = {r.number: r for r in fresh.review_rows()}
    full = {i.number: review_row(i) for i in Store.open(folder, clock=clock).closed_incidents()}
    assert rows == full and len(rows) == 4
    assert rows[1].title.endswith(HOSTILE)
    raw = (folder / "closed.json").read_bytes()
    assert [n for n, _, _ in split_documents(raw)] == [1, 2, 3, 4]  # the hostile text did not split it


def test_a_new_process_reads_the_index_not_closed_json(folder, clock, monkeypatch):
    closed_store(folder, clock)
    first = Store.open(folder, clock=clock)
    expected = first.review_rows()
    assert first.save_review_index() and (folder / INDEX_FILE).exists()
    assert not first.save_review_index()  # nothing new to write
    assert oct(os.stat(folder / INDEX_FILE).st_mode & 0o777) == "0o600"
    read = []
    real = review_index.read_bytes
    monkeypatch.setattr(review_index, "read_bytes", lambda p: read.append(p.name) or real(p))
    second = Store.open(folder, clock=clock)
    assert second.review_rows() == expected
    assert read == [INDEX_FILE]
    assert not second.review_changed()


def test_after_a_change_only_the_changed_document_is_parsed(folder, clock, monkeypatch):
    store = closed_store(folder, clock)
    viewer = Store.open(folder, clock=clock)
    viewer.review_rows()
    viewer.save_review_index()
    inc = store.create("One more", "Client 9", 2)
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="r"))
    assert viewer.review_changed()
    parsed = []
    real = review_index.row_from_document
    monkeypatch.setattr(review_index, "row_from_document", lambda doc: parsed.append(doc["number"]) or real(doc))
    rows = {r.number: r for r in viewer.review_rows()}
    assert parsed == [inc.number] and len(rows) == 5
    # a new process with the old index on disk: the same, only the new one parsed
    parsed.clear()
    assert len(Store.open(folder, clock=clock).review_rows()) == 5 and parsed == [inc.number]


def test_reopened_incidents_leave_the_review(folder, clock):
    store = closed_store(folder, clock, count=2)
    viewer = Store.open(folder, clock=clock)
    assert len(viewer.review_rows()) == 2
    store.change("M-1", lambda i, now, by: i.reopen(now, by, "more damage"))
    viewer.refresh()
    assert [r.number for r in viewer.review_rows()] == [2]


def test_a_file_in_another_shape_is_read_the_slow_sure_way(folder, clock):
    closed_store(folder, clock, count=3)
    path = folder / "closed.json"
    data = json.loads(path.read_bytes())
    path.write_text(json.dumps(data, indent=2))  # e.g. pretty-printed by hand
    assert split_documents(path.read_bytes()) is None
    rows = Store.open(folder, clock=clock).review_rows()
    assert sorted(r.number for r in rows) == [1, 2, 3]


def test_a_broken_index_is_ignored_and_rebuilt(folder, clock):
    closed_store(folder, clock, count=2)
    (folder / INDEX_FILE).write_text('{"format": %d, "rows": [[null, [1, 2]]]' % review_index.INDEX_FORMAT)
    store = Store.open(folder, clock=clock)
    assert len(store.review_rows()) == 2
    assert store.save_review_index()
    assert json.loads((folder / INDEX_FILE).read_text())["format"] == review_index.INDEX_FORMAT


def test_a_corrupt_document_is_reported(folder, clock):
    closed_store(folder, clock, count=2)
    path = folder / "closed.json"
    data = json.loads(path.read_bytes())
    data["incidents"]["2"]["discovered_at"] = "not a time"
    path.write_text(json.dumps(data, separators=(",", ":")))
    from storage.files import CorruptFile

    with pytest.raises(CorruptFile, match="document 2 is not a valid incident"):
        Store.open(folder, clock=clock).review_rows()


def test_one_closed_incident_is_parsed_alone(folder, clock):
    closed_store(folder, clock, count=3)
    store = Store.open(folder, clock=clock)
    one = store.closed_incident("M-2")
    assert store._closed is None  # the closed file was not parsed whole
    assert one.to_dict() == Store.open(folder, clock=clock).get("M-2").to_dict()
    from storage.store import NotFound

    with pytest.raises(NotFound):
        store.closed_incident("M-40")


def test_a_read_only_store_does_not_write_the_index(folder, clock):
    closed_store(folder, clock, count=1)
    store = Store.open(folder, clock=clock)
    store.read_only_reason = "read-only for the test"
    assert store.review_rows() and not store.save_review_index()
    assert not (folder / INDEX_FILE).exists()


def test_a_document_from_a_newer_mishap_is_left_out_not_an_error(folder, clock):
    closed_store(folder, clock, count=2)
    path = folder / "closed.json"
    data = json.loads(path.read_bytes())
    data["incidents"]["2"].update(schema=99, discovered_at={"new": "shape"})
    path.write_text(json.dumps(data, separators=(",", ":")))
    assert [r.number for r in Store.open(folder, clock=clock).review_rows()] == [1]
