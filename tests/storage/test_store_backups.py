"""A file is checked whole before it becomes a .bak or is rewritten; NaN and Infinity are corrupt data.

Issue 8, items 3 and 5: closed.json used to be checked one document at a time, when read,
and its .bak was refreshed on the first read, before that check. Closed incidents now
have a file each (issue 9), and the rule holds per file: a file that does not check out
whole is never rewritten, and never becomes a backup.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.store import CorruptFile, FolderStore, StoreError

REASON = "closed without a close-out in this test"


def close(store: FolderStore, number: int) -> None:
    store.change(number, lambda i, now, by: i.close(now, by, reason=REASON))


def two_closed_one_open(folder: Path, clock) -> FolderStore:
    """M-1 and M-2 closed, M-3 open."""
    store = FolderStore.open(folder, clock=clock)
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


def test_a_bad_closed_file_is_never_rewritten_and_stops_nothing_else(folder, clock):
    two_closed_one_open(folder, clock)
    bad = folder / "closed" / "M-2.json"
    spoiled = spoil(bad, 2, severity=9)
    again = FolderStore.open(folder, clock=clock)
    for change in (lambda i, now, by: i.reopen(now, by, "one more thing"),
                   lambda i, now, by: i.add_note("a note after closing", now, by)):
        before = files(folder)
        with pytest.raises(CorruptFile) as caught:
            again.change(2, change)
        message = str(caught.value)
        assert str(bad) in message and "document 2" in message and "severity" in message
        assert files(folder) == before  # refused before anything was written
    # The others go on: closing M-3, reopening M-1; M-2's file stays as it was found.
    close(again, 3)
    again.change(1, lambda i, now, by: i.reopen(now, by, "one more thing"))
    assert bad.read_bytes() == spoiled
    assert sorted(r.number for r in FolderStore.open(folder, clock=clock).review_rows()) == [3]


def test_closing_over_a_bad_closed_file_of_the_same_number_is_refused(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    store.create("one", "Client", 2)
    (folder / "closed").mkdir()
    bad = folder / "closed" / "M-1.json"
    bad.write_text('{"incidents": {"1": ')  # left by someone, under the number of an open incident
    with pytest.raises(CorruptFile) as caught:
        close(store, 1)
    assert str(bad) in str(caught.value)
    assert bad.read_text() == '{"incidents": {"1": '
    assert FolderStore.open(folder, clock=clock).get(1).status == "open"


def test_a_bad_open_file_never_becomes_its_backup(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    store.create("first", "Client", 2)
    FolderStore.open(folder, clock=clock)  # upkeep: open.json, read whole and good, becomes the .bak
    good = (folder / "open.json.bak").read_bytes()
    assert good == (folder / "open.json").read_bytes()
    spoil(folder / "open.json", 1, severity=9)
    for _ in range(2):
        with pytest.raises(CorruptFile) as caught:
            FolderStore.open(folder, clock=clock)
        assert f"A copy of the last good file is {folder / 'open.json.bak'}" in str(caught.value)
    assert (folder / "open.json.bak").read_bytes() == good  # still the good copy the message names
    (folder / "open.json.bak").replace(folder / "open.json")
    assert [i.title for i in FolderStore.open(folder, clock=clock).open_incidents()] == ["first"]


@pytest.mark.parametrize("token", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_non_finite_numbers_in_open_json_are_corrupt_data(folder, clock, token):
    store = FolderStore.open(folder, clock=clock)
    store.create("t", "c", 2)
    path = folder / "open.json"
    raw = path.read_bytes().replace(b'"revision":0,', b'"revision":' + token.encode() + b",")
    assert token.encode() in raw
    path.write_bytes(raw)
    with pytest.raises(CorruptFile) as caught:
        FolderStore.open(folder, clock=clock)
    message = str(caught.value)
    assert str(path) in message and f"incidents.1.revision is {token}: not a finite number" in message
    assert path.read_bytes() == raw
    with pytest.raises(CorruptFile):  # an open store sees it too, before it writes
        store.create("another", "c", 2)
    assert path.read_bytes() == raw


def test_non_finite_numbers_in_a_closed_file_are_corrupt_data(folder, clock):
    two_closed_one_open(folder, clock)
    path = folder / "closed" / "M-1.json"
    data = path.read_text()
    raw = data.replace('"credits":0', '"credits":NaN', 1).encode()
    assert raw != data.encode()
    path.write_bytes(raw)
    reader = FolderStore.open(folder, clock=clock)
    expected = r"incidents\.1\.cost\.credits is NaN: not a finite number"
    for read in (lambda: reader.get(1), lambda: reader.change(1, lambda i, now, by: i.add_note("n", now, by))):
        with pytest.raises(CorruptFile, match=expected):
            read()
    assert [r.number for r in reader.review_rows()] == [2]  # left out, and named
    (problem,) = reader.review_problems()
    assert str(path) in problem and "not a finite number" in problem
    close(reader, 3)
    assert path.read_bytes() == raw


def test_a_store_never_writes_a_number_it_could_not_read_back(folder, clock):
    from storage.domain.parts import Cost

    store = FolderStore.open(folder, clock=clock)
    inc = store.create("t", "c", 2)
    before = files(folder)
    with pytest.raises(StoreError, match="not finite"):
        store.change(inc.id, lambda i, now, by: i.set_cost(Cost(1, float("inf"), 50), now, by))
    assert files(folder) == before
    assert FolderStore.open(folder, clock=clock).get(inc.id).cost.credits == 0
