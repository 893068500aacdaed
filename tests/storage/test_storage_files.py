"""Bad files are refused untouched; backups, newer schemas, permissions, change detection, temp files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from storage.store import CorruptFile, FolderStore, ReadOnlyStore, StoreError, write_atomically
from storage.store.folder.files import file_signature
from storage.domain.model import SCHEMA_VERSION


def _doc(store_folder: Path, clock, **overrides) -> dict:
    """A valid incident document, as the store writes it, with some fields overridden."""
    scratch = store_folder.parent / "scratch"
    doc = FolderStore.open(scratch, clock=clock).create("t", "c", 2).to_dict()
    doc.update(overrides)
    return doc


def _tinydb(docs: dict, meta_next: int | None = None) -> bytes:
    data = {"incidents": {str(k): v for k, v in docs.items()}}
    if meta_next is not None:
        data["meta"] = {"1": {"schema": SCHEMA_VERSION, "next_number": meta_next}}
    return json.dumps(data).encode()


def _missing(doc: dict, key: str) -> dict:
    doc = dict(doc)
    del doc[key]
    return doc


BAD_OPEN = {
    "not json": (lambda d: b'{"incidents": {"1": {', "not valid JSON"),
    "empty": (lambda d: b"", "the file is empty"),
    "blank": (lambda d: b"  \n", "the file is empty"),
    "not utf-8": (lambda d: b'{"incidents": {"1": "\xff\xfe"}}', "not"),
    "list at top level": (lambda d: b"[]", "top level is a list"),
    "string at top level": (lambda d: b'"incidents"', "top level is a str"),
    "table not a dict": (lambda d: b'{"incidents": [1, 2]}', "table 'incidents' is not an object"),
    "non-numeric doc key": (lambda d: _tinydb({"abc": d}), "document 'abc'"),
    "unicode digit doc key": (lambda d: _tinydb({"\u00b2": d}), "document '\u00b2'"),
    "document not a dict": (lambda d: b'{"incidents": {"1": [1]}}', "document '1'"),
    "bad severity": (lambda d: _tinydb({1: {**d, "severity": 5}}), "severity must be 1-4, found 5"),
    "bad status": (lambda d: _tinydb({1: {**d, "status": "done"}}), "status must be one of"),
    "missing title": (lambda d: _tinydb({1: _missing(d, "title")}), "title is missing"),
    "missing schema": (lambda d: _tinydb({1: _missing(d, "schema")}), "schema is missing"),
    "bad instant": (lambda d: _tinydb({1: {**d, "created_at": "yesterday"}}), "created_at is not an instant"),
    "bad step": (lambda d: _tinydb({1: {**d, "steps": [{"phase": "Stop", "text": 3}]}}), "steps[0].text must be text"),
    "key and number disagree": (lambda d: _tinydb({2: d}), "document 2 holds incident M-1"),
    "bad counter": (lambda d: _tinydb({1: d}, meta_next="7"), "next_number must be a positive integer"),
}


@pytest.mark.parametrize("case", list(BAD_OPEN))
def test_bad_open_file_is_refused_and_untouched(case, folder, clock):
    make, problem = BAD_OPEN[case]
    folder.mkdir()
    bad = make(_doc(folder, clock))
    (folder / "open.json").write_bytes(bad)
    with pytest.raises(CorruptFile) as caught:
        FolderStore.open(folder, clock=clock)
    message = str(caught.value)
    assert str(folder / "open.json") in message
    assert problem in message
    assert "Nothing was changed" in message and "move open.json aside" in message
    assert caught.value.path == folder / "open.json"
    assert (folder / "open.json").read_bytes() == bad
    assert not (folder / "open.json.bak").exists()


def test_backup_holds_the_last_good_file_and_recovers_it(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    assert not (folder / "open.json.bak").exists()  # nothing to back up yet
    inc = store.create("Doubled order", "ACME", 2)
    store.change(inc.id, lambda i, now, by: i.add_note("first note", now, by))
    assert (folder / "open.json.bak").read_bytes() == (folder / "open.json").read_bytes()
    # Every change that returns refreshes the backup, not only the next open (issue 17, item 10).
    store.change(inc.id, lambda i, now, by: i.add_note("second note", now, by))
    good = (folder / "open.json").read_bytes()
    assert (folder / "open.json.bak").read_bytes() == good

    (folder / "open.json").write_bytes(b'{"incidents": {"1": {"schema": 1, "title": ')  # cut short
    with pytest.raises(CorruptFile) as caught:
        FolderStore.open(folder, clock=clock)
    assert f"A copy of the last good file is {folder / 'open.json.bak'}" in str(caught.value)
    assert (folder / "open.json.bak").read_bytes() == good
    # Following the message's advice recovers the store as of the last change that returned.
    (folder / "open.json").rename(folder / "open.json.broken")
    (folder / "open.json.bak").rename(folder / "open.json")
    notes = [t.text for t in FolderStore.open(folder).get(inc.id).timeline if t.kind == "note"]
    assert notes == ["first note", "second note"]


def test_restored_backup_never_reuses_a_closed_number(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    store.create("one", "c", 2)
    FolderStore.open(folder, clock=clock)  # backup: M-1 open, counter at 2
    two = store.create("two", "c", 2)
    store.change(two.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    # open.json is lost and replaced by its backup, which does not know M-2.
    (folder / "open.json.bak").replace(folder / "open.json")
    again = FolderStore.open(folder, clock=clock)
    three = again.create("three", "c", 2)
    assert three.number == 3
    again.change(three.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    closed = {inc.number: inc.title for inc in FolderStore.open(folder).closed_incidents()}
    assert closed == {2: "two", 3: "three"}


def test_moved_aside_open_file_never_reuses_a_closed_number(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    for title in ("one", "two"):
        inc = store.create(title, "c", 2)
        store.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    (folder / "open.json").rename(folder / "open.json.aside")
    fresh = FolderStore.open(folder, clock=clock).create("three", "c", 2)
    assert fresh.number == 3


def test_a_corrupt_closed_file_takes_only_its_own_incident_offline(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    a, b, c = store.create("a", "c", 2), store.create("b", "c", 2), store.create("c", "c", 2)
    for inc in (a, c):
        store.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    bad = b'{"incidents": {"1": {"schema": 1, "number": 1, '
    bad_file = folder / "closed" / "M-1.json"
    bad_file.write_bytes(bad)
    open_before = (folder / "open.json").read_bytes()

    again = FolderStore.open(folder, clock=clock)
    assert [i.number for i in again.open_incidents()] == [b.number]
    assert [i.number for i in again.closed_incidents()] == [c.number]  # the others still open
    assert any(str(bad_file) in w and "not valid JSON" in w for w in again.warnings)
    with pytest.raises(CorruptFile) as caught:
        again.get(a.id)
    assert str(bad_file) in str(caught.value) and "Nothing was changed" in str(caught.value)
    with pytest.raises(CorruptFile):  # a change to it is refused before anything is written
        again.change(a.id, lambda i, now, by: i.set_status("open", now, by))
    assert (folder / "open.json").read_bytes() == open_before
    # The review names it and shows the rest.
    assert [r.number for r in again.review_rows()] == [c.number]
    assert [str(bad_file) in p for p in again.review_problems()] == [True]
    # Closing another incident goes on, and never touches the corrupt file.
    again.change(b.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    assert bad_file.read_bytes() == bad
    assert sorted(r.number for r in FolderStore.open(folder).review_rows()) == [b.number, c.number]


def test_reading_closed_incidents_writes_nothing(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    a = store.create("a", "c", 2)
    store.change(a.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    def files():
        return {p.relative_to(folder): (p.stat().st_mtime_ns, p.read_bytes())
                for p in (folder / "closed").rglob("*") if p.is_file()}

    before = files()
    reader = FolderStore.open(folder, clock=clock)
    reader.closed_incidents(), reader.get(a.id), reader.review_rows()
    assert files() == before and len(before) == 2  # M-1.json and index.log


def _newer(doc: dict) -> dict:
    return {**doc, "schema": SCHEMA_VERSION + 1, "severity": "urgent", "sla": {"tier": "gold"}}


def test_newer_schema_opens_read_only_and_refuses_writes(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    old = store.create("old", "c", 2)
    folder_doc = json.loads((folder / "open.json").read_text())
    folder_doc["incidents"]["2"] = _newer({**old.to_dict(), "number": 2})
    content = json.dumps(folder_doc).encode()
    (folder / "open.json").write_bytes(content)
    bak = (folder / "open.json.bak")
    good = bak.read_bytes()  # as the create left it

    ro = FolderStore.open(folder, clock=clock)
    assert ro.read_only
    assert "newer" in ro.read_only_reason and str(folder / "open.json") in ro.read_only_reason
    assert [i.number for i in ro.open_incidents()] == [1]  # what this version can read is shown
    with pytest.raises(ReadOnlyStore, match="newer"):
        ro.create("x", "c", 2)
    with pytest.raises(ReadOnlyStore):
        ro.change(old.id, lambda i, now, by: i.add_note("n", now, by))
    with pytest.raises(ReadOnlyStore):
        store.change(old.id, lambda i, now, by: i.add_note("n", now, by))  # an older, open FolderStore too
    with pytest.raises(ReadOnlyStore):
        store.create("x", "c", 2)
    assert (folder / "open.json").read_bytes() == content
    assert bak.read_bytes() == good  # the newer mishap's file never became the backup


def test_newer_schema_in_closed_file_is_never_rewritten(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    a, b = store.create("a", "c", 2), store.create("b", "c", 2)
    store.change(a.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    path = folder / "closed" / "M-1.json"
    closed = json.loads(path.read_text())
    closed["incidents"]["1"] = _newer(closed["incidents"]["1"])
    newer = json.dumps(closed).encode()
    path.write_bytes(newer)

    again = FolderStore.open(folder, clock=clock)
    with pytest.raises(ReadOnlyStore, match="newer"):
        again.get(a.id)
    with pytest.raises(ReadOnlyStore, match="newer"):
        again.change(a.id, lambda i, now, by: i.set_status("open", now, by))
    again.change(b.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    assert path.read_bytes() == newer  # M-1 as the newer mishap wrote it
    assert [r.number for r in again.review_rows()] == [b.number]  # left out of the review, not an error


def test_folder_is_0700_and_files_0600(tmp_path, clock):
    old_umask = os.umask(0o022)
    try:
        folder = tmp_path / "deep" / "store"
        store = FolderStore.open(folder, clock=clock)
        inc = store.create("a", "c", 2)
        store.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
        store.create("b", "c", 2)
        FolderStore.open(folder, clock=clock).closed_incidents()
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert names == [".mishap.lock", "closed", "open.json", "open.json.bak"]
    assert stat.S_IMODE((folder / "closed").stat().st_mode) == 0o700
    assert sorted(p.name for p in (folder / "closed").iterdir()) == [".tmp", "M-1.json", "index.log"]
    assert stat.S_IMODE((folder / "closed" / ".tmp").stat().st_mode) == 0o700 and not any(
        (folder / "closed" / ".tmp").iterdir())
    for path in [*folder.iterdir(), *(folder / "closed").iterdir()]:
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_changed_is_a_cheap_signal_and_refresh_clears_it(folder, clock):
    watcher = FolderStore.open(folder, clock=clock)
    writer = FolderStore.open(folder, clock=clock)
    assert not watcher.changed()
    inc = writer.create("a", "c", 2)
    assert not writer.changed()  # its own writes do not count
    assert watcher.changed()
    assert watcher.refresh() is True
    assert not watcher.changed()
    assert watcher.refresh() is False
    assert [i.title for i in watcher.open_incidents()] == ["a"]

    writer.change(inc.id, lambda i, now, by: i.add_note("n", now, by))
    assert watcher.changed()
    watcher.refresh()
    assert watcher.get(inc.id).timeline[-1].text == "n"

    # Once the watcher has read the closed incidents, changes to closed ones count too.
    other = writer.create("b", "c", 2)
    writer.change(other.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    watcher.refresh()
    assert [i.title for i in watcher.closed_incidents()] == ["b"]
    writer.change(other.id, lambda i, now, by: i.add_note("after closing", now, by))
    assert watcher.changed()
    watcher.refresh()
    assert not watcher.changed()
    assert watcher.get(other.id).timeline[-1].text == "after closing"


def test_writes_see_a_change_even_when_the_file_signature_repeats(folder, clock):
    """ext4 reuses a freed inode for the next temp file; with the same size and mtime the
    (inode, mtime, size) signature repeats although the content changed."""
    store = FolderStore.open(folder, clock=clock)
    inc = store.create("aaaa", "c", 2)
    path = folder / "open.json"
    seen = file_signature(path)
    text = path.read_text()
    other = text.replace('"title":"aaaa"', '"title":"bbbb"')
    assert other != text and len(other) == len(text)
    for _ in range(200):  # another writer's atomic replace, until it lands on the old inode
        write_atomically(path, other)
        if file_signature(path)[0] == seen[0]:
            break
    else:
        pytest.skip("this file system did not reuse the inode")
    os.utime(path, ns=(seen[1], seen[1]))
    assert file_signature(path) == seen  # a different file that looks the same to os.stat
    store.change(inc.id, lambda i, now, by: i.add_note("n", now, by))
    assert FolderStore.open(folder).get(inc.id).title == "bbbb"  # the other writer's change survived


def test_stale_temp_files_are_removed_on_open(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    store.create("a", "c", 2)
    (folder / "closed" / ".tmp").mkdir(parents=True)
    stale = [folder / ".open.json.k2j3h4.tmp", folder / ".closed.json.x9.tmp",
             folder / ".open.json.bak.abc.tmp",
             folder / "closed" / ".tmp" / ".M-1.json.u7.tmp"]  # a close killed before its rename
    for path in stale:
        path.write_text('{"incidents": {"1": "a full copy of client data"}}')
    unrelated = [folder / ".settings.json.q1.tmp", folder / "notes.tmp", folder / "playbook.toml"]
    for path in unrelated:
        path.write_text("not ours to delete")
    FolderStore.open(folder, clock=clock)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in unrelated)


def test_a_layout_3_store_never_lists_closed_itself(folder, clock, monkeypatch):
    """Opening after a change refreshes the backup under the lock; closed/ (ten thousand files in a
    long history) is not listed for temp files then: since layout 3 they are made in closed/.tmp."""
    from storage.store.folder import upkeep

    store = FolderStore.open(folder, clock=clock)
    inc = store.create("a", "c", 2)
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="r"))
    swept = []
    real = upkeep.remove_stale_temps
    monkeypatch.setattr(upkeep, "remove_stale_temps",
                        lambda where, names=None: swept.append(where) or real(where, names))
    kill_leftover = folder / "closed" / ".tmp" / ".M-1.json.k1.tmp"
    kill_leftover.write_text("a full copy of client data")
    store.create("b", "c", 2)  # open.json differs from its .bak: the next open takes the lock
    FolderStore.open(folder, clock=clock)
    assert swept and folder / "closed" not in swept and folder / "closed" / ".tmp" in swept
    assert not kill_leftover.exists()


def test_write_atomically_leaves_no_temp_file_when_it_fails(tmp_path):
    target = tmp_path / "missing-dir" / "f.json"
    with pytest.raises(FileNotFoundError):
        write_atomically(target, "x")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.json").mkdir()  # a folder where the file should go: the rename fails
    with pytest.raises(OSError):
        write_atomically(tmp_path / "d" / "f.json", "x")
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["f.json"]


def test_one_handler_for_store_error_meets_every_refusal_as_one_line(folder, clock):
    """The console and the command catch StoreError alone: each way the store refuses reaches them."""

    def refusal(action) -> str:
        try:
            action()
        except StoreError as exc:  # the only handler the callers have for the store
            return str(exc)
        pytest.fail("the store did not refuse")

    store = FolderStore.open(folder, clock=clock)
    kept = store.create("kept", "c", 2)
    closed = store.create("closed", "c", 2)
    store.change(closed.id, lambda i, now, by: i.close(now, by, reason="closed without a close-out in this test"))
    (folder / "closed" / "M-2.json").write_bytes(b'{"incidents": ')
    said = {"unknown id": refusal(lambda: store.get("M-99")),
            "corrupt closed file": refusal(lambda: FolderStore.open(folder, clock=clock).get(closed.id))}
    doc = json.loads((folder / "open.json").read_text())
    doc["incidents"]["3"] = _newer({**kept.to_dict(), "number": 3})
    (folder / "open.json").write_text(json.dumps(doc))
    said["newer schema"] = refusal(lambda: FolderStore.open(folder, clock=clock).create("x", "c", 2))
    (folder / "open.json").write_bytes(b"[]")
    said["corrupt open file"] = refusal(lambda: FolderStore.open(folder, clock=clock))

    assert all("\n" not in message for message in said.values()), said  # one line each, fit for a toast
    assert "M-99" in said["unknown id"]
    assert str(folder / "closed" / "M-2.json") in said["corrupt closed file"]
    assert "newer" in said["newer schema"] and "upgrade mishap" in said["newer schema"]
    assert str(folder / "open.json") in said["corrupt open file"]
    assert "move open.json aside" in said["corrupt open file"]


def test_closed_files_are_written_through_a_temp_folder_beside_them(folder, clock, monkeypatch):
    """A close makes its temp file in closed/.tmp/, so opening never lists the whole history."""
    import tempfile

    store = FolderStore.open(folder, clock=clock)
    inc = store.create("a", "c", 2)
    made = []
    real_mkstemp = tempfile.mkstemp

    def noting_where(*args, **kwargs):  # the real mkstemp, noting the folder it was given
        made.append(Path(kwargs["dir"]))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", noting_where)
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="done"))
    assert folder / "closed" / ".tmp" in made and folder / "closed" not in made
    assert os.listdir(folder / "closed" / ".tmp") == []  # renamed into place
    assert FolderStore.open(folder, clock=clock).get(inc.id).is_closed
