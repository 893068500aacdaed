"""Permissions (issue 17, item 11): folders mishap makes are private whatever the umask, a store
folder others can read is said once, and a data file made read-only opens the store read-only.

Modes are set for real (chmod, umask); the tests hold as root too, since they look at mode
bits, never at whether a write would be refused.
"""

from __future__ import annotations

import os
import stat

import pytest

from storage.store import FolderStore, ReadOnlyStore, glance, save_settings
from storage.store.folder.permissions import MODE_NOTED_FILE

REASON = "closed without a close-out in this test"


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_000():
    """The most open umask there is, for the length of the test."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_missing_parents_of_a_new_store_are_private_whatever_the_umask(tmp_path, clock, umask_000):
    store = FolderStore.open(tmp_path / "a" / "b" / "c", clock=clock)
    store.create("first", "c", 2)
    store.change(1, lambda i, now, by: i.close(now, by, reason=REASON))
    for made in ("a", "a/b", "a/b/c", "a/b/c/closed", "a/b/c/closed/.tmp"):
        assert mode_of(tmp_path / made) == 0o700, made
    for written in ("open.json", "open.json.bak", "closed/M-1.json", "closed/index.log"):
        assert mode_of(tmp_path / "a" / "b" / "c" / written) == 0o600, written


def test_missing_parents_of_the_settings_folder_are_private_whatever_the_umask(tmp_path, umask_000):
    save_settings(tmp_path / "config" / "mishap", {"theme": "textual-dark"})
    assert mode_of(tmp_path / "config") == 0o700 and mode_of(tmp_path / "config" / "mishap") == 0o700


def test_a_store_folder_that_exists_keeps_its_mode(tmp_path, clock):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    FolderStore.open(folder, clock=clock).create("first", "c", 2)
    assert mode_of(folder) == 0o755  # the user's choice, never changed behind their back


def test_a_store_folder_others_can_read_is_said_once_per_store(tmp_path, clock):
    folder = tmp_path / "store"
    folder.mkdir()
    folder.chmod(0o755)
    first = FolderStore.open(folder, clock=clock)
    assert first.warnings == [
        f"the store folder {folder} is not private (mode 0755): other users can read it, though it holds client "
        f"data; to make it private: chmod 700 {folder} (said once for this store)"]
    assert mode_of(folder / MODE_NOTED_FILE) == 0o600
    assert FolderStore.open(folder, clock=clock).warnings == []  # said once: remembered in the store
    other = tmp_path / "other-store"
    other.mkdir()
    other.chmod(0o755)
    assert len(FolderStore.open(other, clock=clock).warnings) == 1  # once per store, not once per user
    folder.chmod(0o775)  # wider than what was said: said again
    (again,) = FolderStore.open(folder, clock=clock).warnings
    assert "(mode 0775): other users can read and change it" in again
    folder.chmod(0o700)
    assert FolderStore.open(folder, clock=clock).warnings == []


@pytest.mark.parametrize("mode, words", [(0o750, "its group can read it"), (0o720, "its group can change it"),
                                          (0o711, None), (0o700, None)], ids=["0750", "0720", "0711", "0700"])
def test_who_besides_the_owner_can_reach_the_store_folder(tmp_path, clock, mode, words):
    folder = tmp_path / "store"
    folder.mkdir()
    folder.chmod(mode)
    warnings = FolderStore.open(folder, clock=clock).warnings
    if words is None:  # x alone lets others pass through, not list or read the 0600 files
        assert warnings == [] and not (folder / MODE_NOTED_FILE).exists()
    else:
        assert len(warnings) == 1 and f"(mode {mode:04o}): {words}," in warnings[0]


def test_a_glance_never_says_it_nor_marks_the_store(tmp_path, clock):
    folder = tmp_path / "store"
    FolderStore.open(folder, clock=clock).create("first", "c", 2)
    folder.chmod(0o755)
    seen = glance(folder)  # what mishap status and mishap overdue read, on every prompt
    assert [i.title for i in seen.incidents] == ["first"] and seen.problems == []
    assert not (folder / MODE_NOTED_FILE).exists()  # so the first real open still says it
    assert len(FolderStore.open(folder, clock=clock).warnings) == 1


@pytest.mark.parametrize("name", ["open.json", "open.json.bak"])
def test_a_data_file_made_read_only_opens_the_store_read_only(folder, clock, name):
    store = FolderStore.open(folder, clock=clock)
    store.create("first", "c", 2)
    path = folder / name
    path.chmod(0o444)
    data = {p.name: p.read_bytes() for p in folder.glob("open.json*")}
    ro = FolderStore.open(folder, clock=clock)
    assert ro.read_only
    assert ro.read_only_reason == (f"{path} is read-only (mode 0444): opened read-only; to make changes: "
                                   f"chmod u+w {path}")
    assert [i.title for i in ro.open_incidents()] == ["first"]  # read as usual
    with pytest.raises(ReadOnlyStore) as refused:
        ro.create("second", "c", 2)
    assert str(refused.value) == ro.read_only_reason
    with pytest.raises(ReadOnlyStore) as refused:  # a store opened before the chmod refuses too
        store.change(1, lambda i, now, by: i.add_note("n", now, by))
    assert str(refused.value) == (f"{path} is read-only (mode 0444): nothing was changed; to make changes: "
                                  f"chmod u+w {path}")
    assert {p.name: p.read_bytes() for p in folder.glob("open.json*")} == data
    assert mode_of(path) == 0o444  # not silently replaced by a 0600 file
    path.chmod(0o600)
    FolderStore.open(folder, clock=clock).change(1, lambda i, now, by: i.add_note("n", now, by))


def test_a_closed_file_made_read_only_is_never_replaced_nor_removed(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    for title in ("first", "second"):
        closing = store.create(title, "c", 2)
        store.change(closing.number, lambda i, now, by: i.close(now, by, reason=REASON))
    path = folder / "closed" / "M-1.json"
    path.chmod(0o444)
    kept = path.read_bytes()
    again = FolderStore.open(folder, clock=clock)
    assert not again.read_only  # the rest of the store is as writable as ever
    for change in (lambda i, now, by: i.add_note("after closing", now, by),
                   lambda i, now, by: i.set_status("open", now, by)):
        with pytest.raises(ReadOnlyStore) as refused:
            again.change(1, change)
        assert str(refused.value) == (f"{path} is read-only (mode 0444): M-1 was not changed; to change it: "
                                      f"chmod u+w {path}")
    assert path.read_bytes() == kept and mode_of(path) == 0o444
    assert again.get(1).status == "closed" and 1 not in [i.number for i in again.open_incidents()]
    again.change(2, lambda i, now, by: i.set_status("open", now, by))  # M-2's file is writable
    assert again.get(2).status == "open"
