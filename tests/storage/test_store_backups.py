"""A file is checked whole before it becomes a .bak or is rewritten; NaN and Infinity are corrupt data.

Issue 8, items 3 and 5: closed.json used to be checked one document at a time, when read,
and its .bak was refreshed on the first read, before that check. These tests look only
at files on disk and at messages, so they hold for any layout of the closed history.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.files import CorruptFile, StoreError
from storage.store import Store

REASON = "closed without a close-out in this test"


def close(store: Store, number: int) -> None:
    store.change(number, lambda i, now, by: i.close(now, by, reason=REASON))


def two_closed_one_open(folder: Path, clock) -> Store:
    """M-1 and M-2 closed, M-3 open."""
    store = Store.open(folder, clock=clock)
    for title in ("first", "second", "third"):
        store.create(title, "Client", 2)
    close(store, 1)
    close(store, 2)
    return store


def spoil(path: Path, number: int, **fields) -> bytes:
    """Give one stored document bad values (through json, as a hand edit or another tool would)."""
    data = json.loads(path.read_text())
    data["incidents"][str(number)].update(fields)
    raw = json.dumps(data).encode()
    path.write_bytes(raw)
    return raw


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != ".mishap.lock"}


def test_closing_is_refused_while_another_closed_document_is_invalid(folder, clock):
    two_closed_one_open(folder, clock)
    Store.open(folder, clock=clock).closed_incidents()  # read whole and good: becomes the backup
    good = (folder / "closed.json").read_bytes()
    assert (folder / "closed.json.bak").read_bytes() == good
    spoil(folder / "closed.json", 2, severity=9)
    again = Store.open(folder, clock=clock)
    before = files(folder)
    with pytest.raises(CorruptFile) as caught:
        close(again, 3)
    message = str(caught.value)
    assert str(folder / "closed.json") in message and "document 2" in message and "severity" in message
    assert f"A copy of the last good file is {folder / 'closed.json.bak'}" in message
    assert files(folder) == before  # closed.json not rewritten, open.json not touched, the .bak still good
    # The message's claim holds: the backup, put in place, is a store whose every closed incident reads.
    (folder / "closed.json.bak").replace(folder / "closed.json")
    assert sorted(i.number for i in Store.open(folder, clock=clock).closed_incidents()) == [1, 2]


@pytest.mark.parametrize("change", ["close another", "reopen the bad one's neighbour", "edit a closed one"])
def test_no_rewrite_of_a_closed_file_that_holds_an_invalid_document(folder, clock, change):
    two_closed_one_open(folder, clock)
    spoil(folder / "closed.json", 2, status="done")
    again = Store.open(folder, clock=clock)
    before = files(folder)
    with pytest.raises(CorruptFile, match="document 2 is not a valid incident"):
        if change == "close another":
            close(again, 3)
        elif change == "reopen the bad one's neighbour":
            again.change(1, lambda i, now, by: i.reopen(now, by, "one more thing"))
        else:
            again.change(1, lambda i, now, by: i.add_note("a note after closing", now, by))
    assert files(folder) == before


def test_a_bad_closed_file_never_becomes_its_backup(folder, clock):
    two_closed_one_open(folder, clock)
    (folder / "closed.json.bak").unlink(missing_ok=True)
    spoil(folder / "closed.json", 2, severity=9)
    reader = Store.open(folder, clock=clock)
    assert reader.get(1).title == "first"  # one good document reads fine...
    with pytest.raises(CorruptFile) as caught:
        reader.closed_incidents()
    assert not (folder / "closed.json.bak").exists()  # ...but the file as a whole never became a backup
    assert "No backup exists" in str(caught.value)


def test_a_good_backup_survives_reads_of_a_bad_file(folder, clock):
    two_closed_one_open(folder, clock)
    Store.open(folder, clock=clock).closed_incidents()
    good = (folder / "closed.json.bak").read_bytes()
    spoil(folder / "closed.json", 1, created_at="yesterday")
    reader = Store.open(folder, clock=clock)
    reader.get(2)
    with pytest.raises(CorruptFile):
        reader.closed_incidents()
    reader.review_rows()  # the review's fast path reads what it needs, and writes no backup either
    assert (folder / "closed.json.bak").read_bytes() == good


def test_rewriting_the_closed_file_keeps_the_version_before_as_its_backup(folder, clock):
    store = Store.open(folder, clock=clock)
    for title in ("first", "second"):
        store.create(title, "Client", 2)
    close(store, 1)
    only_first = (folder / "closed.json").read_bytes()
    close(store, 2)  # no command ever read closed.json whole, yet it has a backup now
    assert (folder / "closed.json.bak").read_bytes() == only_first
    assert (folder / "closed.json").read_bytes() != only_first
    (folder / "closed.json").write_text("# Post-incident report: M-1\n")  # what export --output did
    with pytest.raises(CorruptFile, match="A copy of the last good file is"):
        Store.open(folder, clock=clock).closed_incidents()


@pytest.mark.parametrize("token", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_non_finite_numbers_in_open_json_are_corrupt_data(folder, clock, token):
    store = Store.open(folder, clock=clock)
    store.create("t", "c", 2)
    path = folder / "open.json"
    raw = path.read_bytes().replace(b'"revision":0}', b'"revision":' + token.encode() + b"}")
    assert token.encode() in raw
    path.write_bytes(raw)
    with pytest.raises(CorruptFile) as caught:
        Store.open(folder, clock=clock)
    message = str(caught.value)
    assert str(path) in message and f"incidents.1.revision is {token}: not a finite number" in message
    assert path.read_bytes() == raw
    with pytest.raises(CorruptFile):  # an open store sees it too, before it writes
        store.create("another", "c", 2)
    assert path.read_bytes() == raw


def test_non_finite_numbers_in_closed_json_are_corrupt_data(folder, clock):
    two_closed_one_open(folder, clock)
    path = folder / "closed.json"
    data = path.read_text()
    raw = data.replace('"credits":0', '"credits":NaN', 1).encode()
    assert raw != data.encode()
    path.write_bytes(raw)
    reader = Store.open(folder, clock=clock)
    for read in (reader.closed_incidents, reader.review_rows, lambda: close(reader, 3)):
        with pytest.raises(CorruptFile, match=r"incidents\.1\.cost\.credits is NaN: not a finite number"):
            read()
    assert path.read_bytes() == raw


def test_a_store_never_writes_a_number_it_could_not_read_back(folder, clock):
    from storage.model import Cost

    store = Store.open(folder, clock=clock)
    inc = store.create("t", "c", 2)
    before = files(folder)
    with pytest.raises(StoreError, match="not finite"):
        store.change(inc.id, lambda i, now, by: i.set_cost(Cost(1, float("inf"), 50), now, by))
    assert files(folder) == before
    assert Store.open(folder, clock=clock).get(inc.id).cost.credits == 0
