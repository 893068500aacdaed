"""A close or reopen the disk refuses changes nothing; one that returns is complete (issue 17, item 7).

closed/ is made unwritable for real (a read-only bind mount as root, chmod 0555 otherwise:
support.read_only), and a full disk is a real tmpfs filled up (tests/conftest.py small_disk).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from storage.store import FolderStore, StoreError, WriteFailed
from support.read_only import ReadOnlyFolders

REASON = "closed without a close-out in this test"


@pytest.fixture
def read_only():
    folders = ReadOnlyFolders()
    yield folders
    folders.undo_all()


def close(store, number: int) -> None:
    store.change(number, lambda i, now, by: i.close(now, by, reason=REASON))


def reopen(store, number: int) -> None:
    store.change(number, lambda i, now, by: i.set_status("open", now, by))


def every_file(folder: Path) -> dict[str, bytes]:
    """Every file of the store but the lock, by path inside it."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".mishap.lock"}


def where_is(folder: Path, clock, number: int) -> tuple[str, bool, bool]:
    """As a fresh process sees incident ``number``: its status, whether listed open, whether listed closed."""
    store = FolderStore.open(folder, clock=clock)
    return (store.get(number).status, number in [i.number for i in store.open_incidents()],
            number in [i.number for i in store.closed_incidents()])


def two_open_one_closed(folder: Path, clock) -> FolderStore:
    """M-1 closed (so closed/ exists), M-2 and M-3 open."""
    store = FolderStore.open(folder, clock=clock)
    for title in ("first", "second", "third"):
        store.create(title, "Client", 2)
    close(store, 1)
    return store


def test_a_close_that_closed_refuses_changes_nothing(folder, clock, read_only):
    store = two_open_one_closed(folder, clock)
    before = every_file(folder)
    read_only.make(folder / "closed")
    with pytest.raises(WriteFailed) as refused:
        close(store, 2)
    assert str(refused.value).startswith(f"could not write {folder / 'closed' / 'M-2.json'}: ")
    assert every_file(folder) == before  # open.json too: the old close had already marked M-2 closed there
    assert store.get(2).status == "open" and 2 in [i.number for i in store.open_incidents()]
    assert where_is(folder, clock, 2) == ("open", True, False)
    read_only.undo(folder / "closed")
    close(store, 2)  # the retry is a close, not "M-2 is already closed"
    assert where_is(folder, clock, 2) == ("closed", False, True)


def test_a_reopen_that_closed_refuses_changes_nothing(folder, clock, read_only):
    store = two_open_one_closed(folder, clock)
    before = every_file(folder)
    read_only.make(folder / "closed")
    with pytest.raises(StoreError) as refused:
        reopen(store, 1)
    message = str(refused.value)
    assert message.startswith(f"could not reopen M-1: cannot remove {folder / 'closed' / 'M-1.json'} (")
    assert message.endswith("; nothing was changed")
    assert every_file(folder) == before  # the old reopen had already put M-1 back into open.json
    assert store.get(1).status == "closed" and 1 not in [i.number for i in store.open_incidents()]
    assert [r.number for r in store.review_rows()] == [1]
    assert where_is(folder, clock, 1) == ("closed", False, True)
    read_only.undo(folder / "closed")
    reopen(store, 1)
    assert where_is(folder, clock, 1) == ("open", True, False)
    assert not (folder / "closed" / "M-1.json").exists()


def test_a_close_that_open_json_refuses_takes_its_closed_file_back(small_disk, tmp_path, clock):
    # open.json on a disk that fills up; closed/ linked to another disk with room to spare.
    folder = small_disk.path / "store"
    store = two_open_one_closed(folder, clock)
    elsewhere = tmp_path / "closed-elsewhere"
    shutil.move(folder / "closed", elsewhere)
    (folder / "closed").symlink_to(elsewhere)
    before = every_file(folder) | every_file(elsewhere)
    small_disk.fill()
    with pytest.raises(WriteFailed) as refused:
        close(store, 2)
    assert str(refused.value).startswith(f"could not write {folder / 'open.json'}: No space left on device")
    assert not (elsewhere / "M-2.json").exists()  # written first, then taken back
    assert every_file(folder) | every_file(elsewhere) == before
    assert store.get(2).status == "open"
    small_disk.free()
    assert where_is(folder, clock, 2) == ("open", True, False)
    close(store, 2)
    assert where_is(folder, clock, 2) == ("closed", False, True)


def test_a_close_cut_short_after_its_closed_file_is_undone_by_the_next_open(folder, clock):
    """A crash between the two files of a close (closed file written, open.json not yet) undoes it."""
    store = two_open_one_closed(folder, clock)
    closing = store.get(2)
    closing.close(clock.now, "ana", reason=REASON)
    killed = FolderStore(folder, clock=clock)  # the parts of the process that was killed
    killed.history.write(closing.to_dict())  # the close's first write, as the killed process left it
    killed.review_index.record_closed(closing.to_dict())
    open_before = (folder / "open.json").read_bytes()
    assert json.loads(open_before)["incidents"]["2"]["status"] == "open"

    again = FolderStore.open(folder, clock=clock)
    assert again.get(2).status == "open" and 2 in [i.number for i in again.open_incidents()]
    assert not (folder / "closed" / "M-2.json").exists()  # the leftover is gone
    assert [i.number for i in again.closed_incidents()] == [1]
    assert [r.number for r in again.review_rows()] == [1]
    assert (folder / "open.json").read_bytes() == open_before
    close(again, 2)  # and the close can be made again
    assert where_is(folder, clock, 2) == ("closed", False, True)


def test_a_returned_close_and_reopen_leave_nothing_for_the_next_open_to_finish(folder, clock):
    store = two_open_one_closed(folder, clock)
    close(store, 2)
    assert json.loads((folder / "open.json").read_bytes())["incidents"].keys() == {"3"}
    assert (folder / "closed" / "M-2.json").exists()
    reopen(store, 1)
    assert json.loads((folder / "open.json").read_bytes())["incidents"].keys() == {"1", "3"}
    assert not (folder / "closed" / "M-1.json").exists()
    assert not FolderStore.open(folder, clock=clock).upkeep_waiting
