"""Presence on both backends: each console's note is seen by the others, a killed console vanishes
within the limit, a stale note is judged by the injected clock, and none of it touches the record."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pendulum
import pytest

from storage.domain.presence import (DRAFTING, GONE_WITHIN, LOOKING, STALE_SECONDS, Presence, drafting_for,
                                     here_words, others_here)
from storage.store import open_presence, presence_user
from storage.store.folder.presence import FolderPresence

AT = pendulum.datetime(2026, 5, 4, 9, 30, tz="UTC")


def note(console, user, number=None, doing=LOOKING, audience="", since=AT, beat=AT) -> Presence:
    return Presence(console, user, number, doing, audience, since, beat)


# -- the words, and who counts (pure) ---------------------------------------------------------------

def test_the_words_leave_out_yourself_and_name_one_note_per_person():
    notes = [note("c1", "ana", 3), note("c2", "dana", 3, DRAFTING, "Maria"), note("c3", "dana", 3),
             note("c4", "sam", 4), note("c5", "bo", None)]
    assert here_words(notes, 3, me="c1", user="ana") == "dana is here · drafting an update to Maria"
    assert here_words(notes, 3, me="c9", user="zed") == "ana is here; dana is here · drafting an update to Maria"
    assert here_words(notes, 4, me="c1", user="ana") == "sam is here"
    assert here_words(notes, 5, me="c1", user="ana") == ""
    assert [n.user for n in others_here(notes, None, "c1")] == ["bo"]  # the board is a place too
    drafting = drafting_for(notes, 3, "maria", me="c1", user="ana")
    assert drafting is not None and drafting.user == "dana"
    assert drafting_for(notes, 3, "Maria", me="c2", user="dana") is None  # your own draft warns nobody


def test_a_note_reads_back_and_a_damaged_one_is_ignored():
    n = note("c1", "dana", 7, DRAFTING, "ICO", AT, AT.add(seconds=3))
    assert Presence.from_dict(json.loads(json.dumps(n.to_dict()))) == n
    for bad in (None, [], {"console": "c1"}, {"console": "c1", "user": "x", "doing": "dancing"},
                {"console": "c1", "user": "x", "number": "7"}):
        assert Presence.from_dict(bad) is None
    assert n.stale(AT.add(seconds=3 + STALE_SECONDS + 1))
    assert not n.stale(AT.add(seconds=3 + STALE_SECONDS - 1))


# -- the folder: the clock judges notes from other machines ---------------------------------------------

def test_a_folder_note_goes_stale_by_the_injected_clock_and_its_finder_removes_it(tmp_path, clock):
    board = FolderPresence(tmp_path, clock)
    board.say(note("mine", "ana", 2, beat=clock()))
    # Another machine's console: its process cannot be looked up here, only its heartbeat tells.
    theirs = dict(note("theirs", "dana", 2, beat=clock()).to_dict(), pid=1, host="another-machine")
    (tmp_path / "presence" / "theirs.json").write_text(json.dumps(theirs))
    assert sorted(n.user for n in board.read()) == ["ana", "dana"]
    clock.advance(seconds=STALE_SECONDS - 1)
    board.say(note("mine", "ana", 2, beat=clock()))  # ours beats; theirs does not
    assert sorted(n.user for n in board.read()) == ["ana", "dana"]
    clock.advance(seconds=2)
    assert [n.user for n in board.read()] == ["ana"]
    assert sorted(p.name for p in (tmp_path / "presence").iterdir()) == ["mine.json"]
    board.leave("mine")
    assert board.read() == [] and list((tmp_path / "presence").iterdir()) == []


def test_a_note_that_cannot_be_written_is_skipped_and_the_others_still_show(tmp_path, clock):
    FolderPresence(tmp_path, clock).say(note("theirs", "dana", 1, beat=clock()))
    (tmp_path / "presence" / ".mine.tmp").mkdir()  # where our note would be written: any write there fails
    board = FolderPresence(tmp_path, clock)
    board.say(note("mine", "ana", 1, beat=clock()))
    assert board.problem is not None and "could not say you are here" in board.problem
    assert [n.user for n in board.read()] == ["dana"]


# -- both backends: another console's note, and a killed one ----------------------------------------------

def test_two_consoles_see_each_other_and_the_record_is_untouched(backend):
    ours, theirs = backend.open(user="ana"), backend.open(user="dana")
    ours.create("Invoices doubled", "Acme", 2)
    before = record(backend)
    mine, other = open_presence(ours), open_presence(theirs)
    try:
        mine.say(note("c-ana", "ana", None, beat=ours.clock()))
        other.say(note("c-dana", "dana", 1, DRAFTING, "Acme", beat=theirs.clock()))
        assert here_words(mine.read(), 1, "c-ana", "ana") == "dana is here · drafting an update to Acme"
        assert here_words(other.read(), None, "c-dana", "dana") == "ana is here"
        assert record(backend) == before  # presence is no part of the record
        # A write goes on while presence is written: it never takes the store's lock.
        with ours.writer_lock():
            other.say(note("c-dana", "dana", 1, beat=theirs.clock()))
        other.leave("c-dana")
        assert [n.user for n in mine.read()] == ["ana"]
    finally:
        mine.close(), other.close()
        ours.close() if hasattr(ours, "close") else None
        theirs.close() if hasattr(theirs, "close") else None


def record(backend) -> str:
    """Everything the store holds but presence notes (a folder's ``presence/``; the table is not in the print)."""
    if backend.name == "postgres":
        return backend.fingerprint()
    import hashlib
    from pathlib import Path

    root, digest = Path(backend.spec), hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "presence" not in p.relative_to(root).parts
                       and p.name != ".mishap.lock"):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


CHILD = """
import sys, time
from storage.domain.presence import Presence
from storage.store import open_store, open_presence
store = open_store(sys.argv[1], user="dana")
board = open_presence(store)
board.say(Presence("child", "dana", 1, "drafting", "Acme", store.clock(), store.clock()))
print("said", flush=True)
time.sleep(600)
"""


def test_a_killed_console_vanishes_within_the_limit(backend, python, child_env):
    ours = backend.open(user="ana")
    board = open_presence(ours)
    child = subprocess.Popen([python, "-c", CHILD, backend.spec], env=child_env, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "said"
        assert [n.user for n in board.read()] == ["dana"]
        child.send_signal(signal.SIGKILL)
        child.wait()
        deadline = time.monotonic() + GONE_WITHIN
        while [n.user for n in board.read()] == ["dana"]:
            assert time.monotonic() < deadline, f"a killed console still shows after {GONE_WITHIN} s"
            time.sleep(0.05)
        assert board.read() == []
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        board.close()


def test_the_name_is_mishap_user_else_the_database_role_else_the_login(backend, monkeypatch):
    monkeypatch.delenv("MISHAP_USER", raising=False)
    store = backend.open(user="login-name")
    board = open_presence(store)
    try:
        from support.pg_server import SUPERUSER

        expected = SUPERUSER if backend.name == "postgres" else "login-name"
        assert presence_user(store, board) == expected
        monkeypatch.setenv("MISHAP_USER", "dana")
        assert presence_user(store, board) == "dana"
    finally:
        board.close()


def test_the_presence_folder_is_open_to_whoever_the_store_folder_is(tmp_path, clock):
    shared = tmp_path / "team-store"
    shared.mkdir()
    shared.chmod(0o2770)  # a folder a team's group shares
    FolderPresence(shared, clock).say(note("mine", "ana", None, beat=clock()))
    assert (shared / "presence").stat().st_mode & 0o7777 == 0o2770
