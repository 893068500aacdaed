"""``mishap migrate`` reserves the numbers it copies before it writes any (issue 20, section 2)."""

from __future__ import annotations

import pytest

from storage.store import FolderStore
from storage.store.migrate import copy_store, side_of


def test_new_during_or_after_a_cut_short_copy_never_takes_a_source_number(backend, tmp_path, clock):
    source_folder = tmp_path / "source"
    source = FolderStore.open(source_folder, clock=clock, user="ana")
    made = [source.create(f"incident {n}", "Marlow", 2) for n in range(1, 6)]
    for inc in made[:3]:
        source.change(inc.id, lambda i, now, by: i.close(now, by, reason="copied in a test"))
    target = backend.open(clock=clock, user="ben")

    class Killed(Exception):
        pass

    def killed_after_one(done: int, total: int) -> None:
        if done == 1:
            raise Killed  # as a copy killed half-way: one incident written, the rest not

    with pytest.raises(Killed):
        copy_store(side_of(str(source_folder)), side_of(backend.spec), progress=killed_after_one, batch=1)
    again = backend.open(clock=clock)
    assert len(again.open_incidents()) + len(again.review_rows()) == 1
    fresh = target.create("reported while the copy was stopped", "Oak & Ivy", 2)
    assert fresh.number == 6  # above every number of the source, copied yet or not
