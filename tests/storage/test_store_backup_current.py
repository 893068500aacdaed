"""The backup the corrupt-file message points to holds every change that returned (issue 17, item 10),
and another mishap writing at the same time is not worth a warning (item 12).
"""

from __future__ import annotations

import os
from datetime import datetime

import filelock
import pytest

from storage.store import CorruptFile, FolderStore
from storage.store.folder.layout import LOCK_FILE

REASON = "closed without a close-out in this test"


def backup_is_current(folder) -> bool:
    return (folder / "open.json.bak").read_bytes() == (folder / "open.json").read_bytes()


def notes(store, number: int) -> list[str]:
    return [t.text for t in store.get(number).timeline if t.kind == "note"]


def test_every_change_that_returns_leaves_the_backup_current(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    changes = [
        lambda: store.create("Doubled order", "ACME", 2),
        lambda: store.create("Wrong VAT rate", "ACME", 3),
        lambda: store.change(1, lambda i, now, by: i.add_note("first", now, by)),
        lambda: store.save_draft(1, {"subject": "Sorry", "body": "We are on it"}),
        lambda: store.discard_draft(1),
        lambda: store.change(2, lambda i, now, by: i.close(now, by, reason=REASON)),
        lambda: store.change(2, lambda i, now, by: i.set_status("open", now, by)),
        lambda: store.change(1, lambda i, now, by: i.add_note("last", now, by)),
    ]
    for change in changes:
        before = (folder / "open.json").read_bytes() if (folder / "open.json").exists() else None
        change()
        assert (folder / "open.json").read_bytes() != before
        assert backup_is_current(folder)


def test_following_the_corrupt_file_advice_loses_no_change_that_returned(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    store.create("Doubled order", "ACME", 2)
    FolderStore.open(folder, clock=clock)  # the only refresh the old store made
    for text in ("first", "second", "third"):
        store.change(1, lambda i, now, by: i.add_note(text, now, by))
    (folder / "open.json").write_bytes(b'{"incidents": {"1": {"title": "Doubled')  # spoilt by hand
    with pytest.raises(CorruptFile) as caught:
        FolderStore.open(folder, clock=clock)
    assert f"A copy of the last good file is {folder / 'open.json.bak'}" in str(caught.value)
    (folder / "open.json").rename(folder / "open.json.broken")  # what the message says to do
    (folder / "open.json.bak").replace(folder / "open.json")
    assert notes(FolderStore.open(folder, clock=clock), 1) == ["first", "second", "third"]


def test_a_backup_that_cannot_follow_a_change_says_what_it_holds_and_from_when(small_disk, folder, clock):
    # open.json.bak kept on another disk (a link), which then turns read-only.
    store = FolderStore.open(folder, clock=clock)
    store.create("Doubled order", "ACME", 2)
    kept = small_disk.path / "open.json.bak"
    kept.write_bytes((folder / "open.json.bak").read_bytes())
    (folder / "open.json.bak").unlink()
    (folder / "open.json.bak").symlink_to(kept)
    held = kept.read_bytes()
    small_disk.make_read_only()
    store.change(1, lambda i, now, by: i.add_note("after the backup's disk went read-only", now, by))
    assert notes(FolderStore.open(folder, clock=clock), 1) == ["after the backup's disk went read-only"]  # the change stands
    written = datetime.fromtimestamp(os.stat(kept).st_mtime).astimezone()
    assert store.warnings == [
        f"the backup {folder / 'open.json.bak'} was not refreshed (Read-only file system); it still holds an older "
        f"good copy, written {written:%Y-%m-%d %H:%M:%S %z}: copying it back would lose every change made since; "
        f"the disk is mounted read-only"]
    assert kept.read_bytes() == held


@pytest.fixture
def another_writer(folder):
    """The store's lock, held as another mishap holds it while it writes."""
    lock = filelock.FileLock(str(folder / LOCK_FILE), timeout=0)
    yield lock
    while lock.is_locked:
        lock.release()


def test_another_mishap_writing_while_this_one_opens_is_no_warning(folder, clock, another_writer):
    store = FolderStore.open(folder, clock=clock)
    store.create("Doubled order", "ACME", 2)
    # What another writer's open sees mid-change: open.json ahead of its .bak, and its temp file.
    store.change(1, lambda i, now, by: i.add_note("first", now, by))
    (folder / "open.json.bak").unlink()
    (folder / ".open.json.x7q2.tmp").write_bytes(b"{}")
    another_writer.acquire()
    reader = FolderStore.open(folder, clock=clock)
    assert reader.upkeep_waiting  # its upkeep waits for a later open
    assert reader.warnings == []
    assert notes(reader, 1) == ["first"]
    another_writer.release()
    assert reader.upkeep() and reader.warnings == [] and backup_is_current(folder)


def test_a_lock_that_cannot_be_taken_is_still_a_warning(folder, clock):
    FolderStore.open(folder, clock=clock).create("Doubled order", "ACME", 2)
    (folder / "open.json.bak").unlink()
    (folder / LOCK_FILE).unlink()
    (folder / LOCK_FILE).mkdir()  # not a lock file: nothing can write here until it is moved
    reader = FolderStore.open(folder, clock=clock)
    assert len(reader.warnings) == 1
    assert reader.warnings[0].startswith(f"cannot take the lock {folder / LOCK_FILE} (")


def test_a_backup_that_links_to_nothing_is_left_alone_and_the_change_stands(folder, tmp_path, clock):
    store = FolderStore.open(folder, clock=clock)
    store.create("Doubled order", "ACME", 2)
    (folder / "open.json.bak").unlink()
    (folder / "open.json.bak").symlink_to(tmp_path / "unmounted" / "open.json.bak")
    store.change(1, lambda i, now, by: i.add_note("first", now, by))  # the change is not refused for its copy
    assert notes(FolderStore.open(folder, clock=clock), 1) == ["first"]
    assert store.warnings == [
        f"the backup {folder / 'open.json.bak'} was not refreshed ({folder / 'open.json.bak'} is a link to "
        f"{tmp_path / 'unmounted' / 'open.json.bak'}, which does not exist: reconnect the disk it is on, or remove "
        f"the link to start that file afresh); there is no backup yet"]
    assert (folder / "open.json.bak").is_symlink() and not (tmp_path / "unmounted").exists()
