"""Reading needs neither the lock nor free space; links are written through; paths that cannot work say why.

Issue 8, items 8, 10 and 11, at the store's level (the command's own tests run the real CLI).
"""

from __future__ import annotations

import os

import filelock
import pytest

from storage.store import FolderStore, StoreError, WriteFailed
from storage.store.folder.layout import LOCK_FILE

REASON = "closed without a close-out in this test"


@pytest.fixture
def held_lock(folder):
    """The store's lock, held as another mishap would hold it while writing."""
    lock = filelock.FileLock(str(folder / LOCK_FILE), timeout=0)
    yield lock
    while lock.is_locked:
        lock.release()


def written_by_another(folder, clock) -> bytes:
    """A store whose .bak is out of date, as a writer killed before refreshing it (or an older mishap) leaves it."""
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("Doubled order", "ACME", 2)
    store.change(inc.id, lambda i, now, by: i.add_note("first", now, by))
    good = (folder / "open.json.bak").read_bytes()
    store.change(inc.id, lambda i, now, by: i.add_note("second", now, by))
    assert (folder / "open.json.bak").read_bytes() == (folder / "open.json").read_bytes()  # every change refreshes it
    (folder / "open.json.bak").write_bytes(good)  # ... unless it was killed in between
    assert (folder / "open.json").read_bytes() != good
    return good


def test_opening_while_another_process_writes_does_not_wait(folder, clock, held_lock):
    bak = written_by_another(folder, clock)
    held_lock.acquire()
    reader = FolderStore.open(folder, clock=clock)  # the old code waited 10 s here, then failed
    assert [t.text for t in reader.get(1).timeline if t.kind == "note"] == ["first", "second"]
    assert reader.upkeep_waiting
    assert reader.warnings == []  # ordinary contention (issue 17, item 12): the holder refreshes the backup
    assert (folder / "open.json.bak").read_bytes() == bak
    assert reader.upkeep() is False  # still held: never waits
    held_lock.release()
    assert reader.upkeep() is True and not reader.upkeep_waiting
    assert (folder / "open.json.bak").read_bytes() == (folder / "open.json").read_bytes()


def test_reading_closed_incidents_while_another_process_writes(folder, clock, held_lock):
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("a", "c", 2)
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason=REASON))
    (folder / "open.json.bak").unlink()  # opening has a backup to refresh
    held_lock.acquire()
    reader = FolderStore.open(folder, clock=clock)
    assert reader.upkeep_waiting
    assert [i.title for i in reader.closed_incidents()] == ["a"]  # the old code waited to refresh the .bak
    assert [r.number for r in reader.review_rows()] == [1]
    assert reader.save_review_index() is False  # derived data: skipped while another writes
    assert reader.warnings == []  # ordinary contention (issue 17, item 12)


def test_reading_a_full_disk_is_a_warning_and_writing_names_the_file(small_disk, clock):
    folder = small_disk.path / "store"
    written_by_another(folder, clock)
    small_disk.fill()
    reader = FolderStore.open(folder, clock=clock)  # the old code failed: it refreshed the .bak first
    assert reader.get(1).title == "Doubled order"
    assert len(reader.warnings) == 1
    assert f"the backup {folder / 'open.json.bak'} was not refreshed (No space left on device)" in reader.warnings[0]
    assert "it still holds an older good copy" in reader.warnings[0]
    before = (folder / "open.json").read_bytes()
    with pytest.raises(WriteFailed) as caught:
        reader.change(1, lambda i, now, by: i.add_note("third", now, by))
    assert str(caught.value).startswith(f"could not write {folder / 'open.json'}: No space left on device")
    assert "free some space" in str(caught.value)
    assert (folder / "open.json").read_bytes() == before
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    small_disk.free()
    reader.change(1, lambda i, now, by: i.add_note("third", now, by))
    assert [t.text for t in FolderStore.open(folder).get(1).timeline if t.kind == "note"] == ["first", "second", "third"]


def test_a_store_path_that_is_a_file_says_so(tmp_path, clock):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("mine")
    with pytest.raises(StoreError) as caught:
        FolderStore.open(blocker, clock=clock)
    assert str(caught.value) == (f"the store path {blocker} is a file, not a folder: move that file aside, "
                                 f"or give a folder with --db or MISHAP_HOME")
    with pytest.raises(StoreError, match="part of that path is a file"):
        FolderStore.open(blocker / "below", clock=clock)
    assert blocker.read_text() == "mine"


@pytest.mark.parametrize("name", ["open.json", "closed"])  # a linked file, and a linked closed history
def test_a_linked_data_file_is_written_through(folder, tmp_path, clock, name):
    store = FolderStore.open(folder, clock=clock)
    first = store.create("first", "c", 2)
    store.change(first.id, lambda i, now, by: i.close(now, by, reason=REASON))
    elsewhere = tmp_path / "synced"
    elsewhere.mkdir()
    target = elsewhere / f"team-{name}"
    (folder / name).replace(target)
    (folder / name).symlink_to(target)

    writer = FolderStore.open(folder, clock=clock)
    second = writer.create("second", "c", 2)
    writer.change(second.id, lambda i, now, by: i.close(now, by, reason=REASON))
    third = writer.create("third", "c", 2)

    assert (folder / name).is_symlink() and os.readlink(folder / name) == str(target)
    assert not [p for p in elsewhere.iterdir() if p.name.endswith(".tmp")]
    again = FolderStore.open(folder, clock=clock)
    assert sorted(i.title for i in again.closed_incidents()) == ["first", "second"]
    assert [i.title for i in again.open_incidents()] == [third.title]
    # What the link points at is the data: a reader of the target sees every change.
    if name == "open.json":
        assert b'"title":"third"' in target.read_bytes()
    else:
        assert b'"title":"second"' in (target / "M-2.json").read_bytes()


def test_a_link_to_nothing_is_an_error_not_an_empty_store(folder, tmp_path, clock):
    FolderStore.open(folder, clock=clock).create("first", "c", 2)
    (folder / "open.json").unlink()
    (folder / "open.json").symlink_to(tmp_path / "unmounted" / "open.json")
    with pytest.raises(StoreError) as caught:
        FolderStore.open(folder, clock=clock)
    assert str(caught.value) == (f"{folder / 'open.json'} is a link to {tmp_path / 'unmounted' / 'open.json'}, "
                                 f"which does not exist: reconnect the disk it is on, or remove the link to "
                                 f"start that file afresh")
    assert (folder / "open.json").is_symlink()


def test_temp_files_a_killed_writer_left_next_to_a_linked_file_are_removed(folder, tmp_path, clock):
    FolderStore.open(folder, clock=clock).create("first", "c", 2)
    elsewhere = tmp_path / "synced"
    elsewhere.mkdir()
    (folder / "open.json").replace(elsewhere / "team-open.json")
    (folder / "open.json").symlink_to(elsewhere / "team-open.json")
    stale = elsewhere / ".team-open.json.k2j3h4.tmp"  # a full copy of client data
    stale.write_text('{"incidents": {}}')
    unrelated = elsewhere / ".notes.txt.x1.tmp"
    unrelated.write_text("not ours")
    FolderStore.open(folder, clock=clock)
    assert not stale.exists() and unrelated.exists()


def test_a_read_only_disk_is_read_and_says_why_writes_are_refused(small_disk, clock):
    from storage.store import ReadOnlyStore

    folder = small_disk.path / "store"
    FolderStore.open(folder, clock=clock).create("first", "c", 2)
    small_disk.make_read_only()
    store = FolderStore.open(folder, clock=clock)
    assert store.get(1).title == "first" and store.warnings == []
    assert store.read_only_reason == f"{folder} is on a disk mounted read-only: opened read-only"
    with pytest.raises(ReadOnlyStore, match="mounted read-only"):
        store.create("second", "c", 2)
