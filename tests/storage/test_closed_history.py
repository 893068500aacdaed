"""Closed incidents one file each, and the review's rows from a snapshot plus a journal."""

from __future__ import annotations

import json
import os

import pytest
import tinydb

from storage.store.folder import history, review_index
from storage.store.folder.layout import INDEX_FILE, JOURNAL_FILE
from storage.domain import review_row as review_rows
from storage.domain.review_row import review_row
from storage.store import FolderStore, NotFound
from storage.domain.model import SCHEMA_VERSION

HOSTILE = 'a"revision":5},"99":{ [/] | # `x` \x1b[31m 💥'


def closed_store(folder, clock, count=4):
    store = FolderStore.open(folder, clock=clock, user="ana")
    for n in range(count):
        inc = store.create(f"Incident {n} {HOSTILE}", f"Client {n % 2}", 1 + n % 4)
        clock.advance(minutes=7)
        store.change(inc.id, lambda i, now, by: i.log_update("phone", HOSTILE, None, now, by))
        clock.advance(minutes=30 + n)
        store.change(inc.id, lambda i, now, by: i.close(now, by, reason=HOSTILE))
    return store


class FileReads:
    """Counts which closed files and index files a store reads (a spy on the real reads)."""

    def __init__(self, monkeypatch):
        self.names: list[str] = []
        for module in (history, review_index):  # the closed files, and the index files
            real = module.read_bytes
            monkeypatch.setattr(module, "read_bytes", lambda p, real=real: self.names.append(p.name) or real(p))


def test_each_closed_incident_is_a_stock_tinydb_file(folder, clock):
    closed_store(folder, clock, count=2)
    for number in (1, 2):
        db = tinydb.TinyDB(folder / "closed" / f"M-{number}.json")
        (doc,) = db.table("incidents").all()
        assert doc.doc_id == number and doc["title"].endswith(HOSTILE)
        db.close()


def test_rows_match_the_full_parse(folder, clock):
    closed_store(folder, clock)
    fresh = FolderStore.open(folder, clock=clock)
    rows = {r.number: r for r in fresh.review_rows()}
    full = {i.number: review_row(i) for i in FolderStore.open(folder, clock=clock).closed_incidents()}
    assert rows == full and len(rows) == 4
    assert rows[1].title.endswith(HOSTILE)


def test_a_new_process_reads_the_index_not_the_incident_files(folder, clock, monkeypatch):
    closed_store(folder, clock)
    first = FolderStore.open(folder, clock=clock)
    expected = first.review_rows()
    assert first.save_review_index() and (folder / "closed" / INDEX_FILE).exists()
    assert not first.save_review_index()  # nothing new to fold in
    assert oct(os.stat(folder / "closed" / INDEX_FILE).st_mode & 0o777) == "0o600"
    reads = FileReads(monkeypatch)
    second = FolderStore.open(folder, clock=clock)
    assert second.review_rows() == expected
    assert reads.names == [INDEX_FILE]
    assert not second.review_changed()


def test_after_another_process_closes_only_its_journal_line_is_read(folder, clock, monkeypatch):
    store = closed_store(folder, clock)
    viewer = FolderStore.open(folder, clock=clock)
    viewer.review_rows()
    viewer.save_review_index()
    inc = store.create("One more", "Client 9", 2)
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="r"))
    assert viewer.review_changed()
    parsed = []
    real = review_rows.row_from_document  # review_index looks it up there on each use
    monkeypatch.setattr(review_rows, "row_from_document", lambda doc: parsed.append(doc["number"]) or real(doc))
    reads = FileReads(monkeypatch)
    rows = {r.number: r for r in viewer.review_rows()}
    assert len(rows) == 5 and rows[inc.number].title == "One more"
    assert parsed == [] and reads.names == []  # the row came with the journal line: no file read
    # A new process: the snapshot and the journal, still no incident file.
    assert len(FolderStore.open(folder, clock=clock).review_rows()) == 5
    assert parsed == [] and reads.names == [INDEX_FILE]
    # The control: a row taken from a document does go through the function watched above.
    doc = json.loads((folder / "closed" / f"M-{inc.number}.json").read_text())["incidents"][str(inc.number)]
    review_index._row_of(folder / "closed" / f"M-{inc.number}.json", doc, SCHEMA_VERSION, check=False)
    assert parsed == [inc.number]


def test_reopened_incidents_leave_the_review(folder, clock):
    store = closed_store(folder, clock, count=2)
    viewer = FolderStore.open(folder, clock=clock)
    assert len(viewer.review_rows()) == 2
    store.change("M-1", lambda i, now, by: i.reopen(now, by, "more damage"))
    viewer.refresh()
    assert [r.number for r in viewer.review_rows()] == [2]
    assert not (folder / "closed" / "M-1.json").exists()
    assert [r.number for r in FolderStore.open(folder, clock=clock).review_rows()] == [2]


def test_a_file_changed_by_hand_is_read_again(folder, clock):
    closed_store(folder, clock, count=3)
    FolderStore.open(folder, clock=clock).save_review_index()
    path = folder / "closed" / "M-2.json"
    data = json.loads(path.read_bytes())
    data["incidents"]["2"]["title"] = "Renamed by hand"
    path.write_text(json.dumps(data, indent=2))  # pretty-printed, as an editor might
    rows = {r.number: r for r in FolderStore.open(folder, clock=clock).review_rows()}
    assert sorted(rows) == [1, 2, 3] and rows[2].title == "Renamed by hand"


def test_a_broken_index_is_ignored_and_rebuilt_with_progress(folder, clock):
    closed_store(folder, clock, count=2)
    index = folder / "closed" / INDEX_FILE
    index.write_text('{"format": %d, "rows": [[1, 2]' % review_index.INDEX_FORMAT)
    (folder / "closed" / JOURNAL_FILE).unlink()
    store = FolderStore.open(folder, clock=clock)
    seen = []
    assert len(store.review_rows(progress=lambda done, total: seen.append((done, total)))) == 2
    assert seen[-1] == (2, 2)
    assert store.save_review_index()
    assert json.loads(index.read_text())["format"] == review_index.INDEX_FORMAT


def test_an_index_that_is_a_folder_is_only_a_slower_review(folder, clock):
    closed_store(folder, clock, count=2)
    index = folder / "closed" / INDEX_FILE
    index.mkdir()
    store = FolderStore.open(folder, clock=clock)
    assert len(store.review_rows()) == 2
    assert not store.save_review_index()  # cannot replace a folder: skipped, not an error
    assert index.is_dir()


def test_a_line_cut_short_by_a_killed_writer_loses_no_later_close(folder, clock):
    store = closed_store(folder, clock, count=1)
    with open(folder / "closed" / JOURNAL_FILE, "ab") as journal:
        journal.write(b'{"n":7,"row":[7,"half')  # a writer killed mid-line
    inc = store.create("After the crash", "Client 1", 2)
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="r"))
    rows = {r.number: r.title for r in FolderStore.open(folder, clock=clock).review_rows()}
    assert rows == {1: f"Incident 0 {HOSTILE}", 2: "After the crash"}


def test_a_corrupt_document_is_named_and_the_rest_is_shown(folder, clock):
    closed_store(folder, clock, count=2)
    path = folder / "closed" / "M-2.json"
    data = json.loads(path.read_bytes())
    data["incidents"]["2"]["discovered_at"] = "not a time"
    path.write_text(json.dumps(data, separators=(",", ":")))
    store = FolderStore.open(folder, clock=clock)
    assert [r.number for r in store.review_rows()] == [1]
    (problem,) = store.review_problems()
    assert str(path) in problem and "not a valid incident" in problem
    # Still named by the next process (a corrupt file is never taken into the index).
    store.save_review_index()
    assert len(FolderStore.open(folder, clock=clock).review_problems()) == 1


def test_one_closed_incident_is_parsed_alone(folder, clock, monkeypatch):
    closed_store(folder, clock, count=3)
    store = FolderStore.open(folder, clock=clock)
    reads = FileReads(monkeypatch)
    one = store.get("M-2")
    assert reads.names == ["M-2.json"]
    assert one.to_dict() == FolderStore.open(folder, clock=clock).get("M-2").to_dict()
    with pytest.raises(NotFound):
        store.get("M-40")


def test_a_read_only_store_does_not_write_the_index(folder, clock):
    closed_store(folder, clock, count=1)
    store = FolderStore.open(folder, clock=clock)
    store.read_only_reason = "read-only for the test"
    assert store.review_rows() and not store.save_review_index()
    assert not (folder / "closed" / INDEX_FILE).exists()


def test_a_document_from_a_newer_mishap_is_left_out_not_an_error(folder, clock):
    closed_store(folder, clock, count=2)
    path = folder / "closed" / "M-2.json"
    data = json.loads(path.read_bytes())
    data["incidents"]["2"].update(schema=99, discovered_at={"new": "shape"})
    path.write_text(json.dumps(data, separators=(",", ":")))
    store = FolderStore.open(folder, clock=clock)
    assert [r.number for r in store.review_rows()] == [1]
    assert store.review_problems() == []


def test_a_long_journal_is_folded_into_the_snapshot(folder, clock, monkeypatch):
    monkeypatch.setattr(review_index, "COMPACT_AFTER", 1)
    store = closed_store(folder, clock, count=3)  # each journal line is over 400 bytes
    journal = folder / "closed" / JOURNAL_FILE
    assert journal.stat().st_size < 1000 and (folder / "closed" / INDEX_FILE).exists()
    rows = {r.number for r in FolderStore.open(folder, clock=clock).review_rows()}
    assert rows == {1, 2, 3}


class Listings:
    """Counts how often the rows are reconciled with a listing of closed/ (a spy on the real method)."""

    def __init__(self, monkeypatch):
        self.count = 0
        real = review_index.ReviewIndex._reconcile

        def counting(history, progress):
            self.count += 1
            return real(history, progress)

        monkeypatch.setattr(review_index.ReviewIndex, "_reconcile", counting)


def test_a_reader_trusts_the_index_while_closed_holds_only_what_mishap_recorded(folder, clock, monkeypatch):
    store = closed_store(folder, clock)
    first = FolderStore.open(folder, clock=clock)
    first.review_rows()
    assert first.save_review_index()
    listings = Listings(monkeypatch)
    assert len(FolderStore.open(folder, clock=clock).review_rows()) == 4
    # Another writer closes one more and reopens one: each journal line carries closed/'s new mark.
    extra = store.create("One more", "Client 9", 2)
    store.change(extra.id, lambda i, now, by: i.close(now, by, reason="r"))
    store.change(1, lambda i, now, by: i.set_status("open", now, by))
    rows = {r.number for r in FolderStore.open(folder, clock=clock).review_rows()}
    assert rows == {2, 3, 4, extra.number}
    assert listings.count == 0  # closed/ was never listed to know that


def test_a_file_that_entered_closed_behind_the_journal_is_found(folder, clock, monkeypatch):
    """A close killed between its file and its journal line: the mark no longer matches, so closed/ is listed."""
    closed_store(folder, clock)
    first = FolderStore.open(folder, clock=clock)
    first.review_rows()
    assert first.save_review_index()
    doc = json.loads((folder / "closed" / "M-1.json").read_text())["incidents"]["1"]
    doc = {**doc, "number": 77, "title": "Closed, journal line never written"}
    (folder / "closed" / "M-77.json").write_text(history.wrap(doc))
    (folder / "closed" / "M-2.json").unlink()  # and one removed by hand
    listings = Listings(monkeypatch)
    rows = {r.number: r.title for r in FolderStore.open(folder, clock=clock).review_rows()}
    assert listings.count == 1
    assert rows[77] == "Closed, journal line never written" and 2 not in rows and len(rows) == 4
