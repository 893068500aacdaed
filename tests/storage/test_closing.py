"""Closing through the store: the close-out draft in one change, the gate, the reason, reopen."""

from __future__ import annotations

import pendulum
import pytest

from storage.domain.closing import CloseOutDraft
from storage.domain.fields import ValidationError
from storage.domain.parts import Cost, PreventionAction
from storage.store import FolderStore


def full_draft(now, **changes) -> CloseOutDraft:
    values = dict(root_cause="Copied last month's template", fix="Resent the corrected file",
                  lessons="Check the data source", client_confirmed=True, cost=Cost(6.5, 300, 40),
                  prevention=[(None, PreventionAction("Four-eyes check", "priya", now.add(days=7)))])
    values.update(changes)
    return CloseOutDraft(**values)


def test_a_full_close_out_closes_in_one_change(folder, clock):
    store = FolderStore.open(folder, clock=clock, user="ana")
    inc = store.create("Report with another client's figures", "Marlow", 2)
    before = (folder / "open.json").read_bytes()
    store.change(inc.id, lambda i, now, by: full_draft(now).apply_to(i, now, by, close=True))
    closed = FolderStore.open(folder, clock=clock).get(inc.id)
    assert closed.is_closed and closed.close_reason == "" and closed.close_gaps() == []
    assert closed.root_cause == "Copied last month's template" and closed.cost.credits == 300
    assert closed.prevention[0].owner == "priya" and closed.client_confirmed_at == clock.now
    kinds = [t.kind for t in closed.timeline]
    assert kinds.count("closeout") == 4 and "prevention" in kinds and "cost" in kinds
    assert closed.timeline[-1].text == "Closed (open → closed)"
    assert closed.revision == inc.revision + 1  # one change, one revision
    assert before != (folder / "open.json").read_bytes()


def test_closing_with_gaps_and_no_reason_writes_nothing(folder, clock):
    store = FolderStore.open(folder, clock=clock, user="ana")
    inc = store.create("Doubled order", "Calder", 3)
    files = {p.name: p.read_bytes() for p in folder.glob("*.json")}
    draft = full_draft(clock.now, lessons="", cost=None)
    with pytest.raises(ValidationError, match="missing: the cost .*; lessons learned. Give a reason"):
        store.change(inc.id, lambda i, now, by: draft.apply_to(i, now, by, close=True))
    assert {p.name: p.read_bytes() for p in folder.glob("*.json")} == files  # not half-written
    reread = FolderStore.open(folder, clock=clock).get(inc.id)
    assert not reread.is_closed and reread.root_cause == ""


def test_closing_with_gaps_keeps_the_reason(folder, clock):
    store = FolderStore.open(folder, clock=clock, user="ana")
    inc = store.create("Doubled order", "Calder", 3)
    draft = full_draft(clock.now, lessons="", reason="Client ended the contract [/] | #")
    store.change(inc.id, lambda i, now, by: draft.apply_to(i, now, by, close=True))
    closed = FolderStore.open(folder, clock=clock).get(inc.id)
    assert closed.is_closed and closed.close_reason == "Client ended the contract [/] | #"
    assert closed.timeline[-1].text.endswith("without lessons learned — reason: Client ended the contract [/] | #")


def test_save_without_closing_edits_removes_and_withdraws(folder, clock):
    store = FolderStore.open(folder, clock=clock, user="ana")
    inc = store.create("Doubled order", "Calder", 3)
    gaps = store.change(inc.id, lambda i, now, by: full_draft(now).apply_to(i, now, by))
    assert gaps == [] and not store.get(inc.id).is_closed
    second = PreventionAction("Audit entered data weekly", "tom", clock.now.add(days=3))
    draft = full_draft(clock.now, client_confirmed=False,
                       prevention=[(0, None), (None, second)], cost=Cost(6.5, 300, 40))
    clock.advance(minutes=5)
    gaps = store.change(inc.id, lambda i, now, by: draft.apply_to(i, now, by))
    assert gaps == ["the client debrief (they confirmed things work again)"]
    again = FolderStore.open(folder, clock=clock).get(inc.id)
    assert [p.text for p in again.prevention] == ["Audit entered data weekly"]
    assert again.client_confirmed_at is None
    texts = [t.text for t in again.timeline]
    assert "Prevention removed: Four-eyes check" in texts
    assert "Client confirmation withdrawn: not confirmed yet" in texts
    assert sum(t.kind == "cost" for t in again.timeline) == 1  # the same cost is not recorded twice


def test_reopen_then_close_again(folder, clock):
    store = FolderStore.open(folder, clock=clock, user="ana")
    inc = store.create("Doubled order", "Calder", 3)
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="quick close"))
    clock.advance(hours=2)
    store.change(inc.id, lambda i, now, by: i.reopen(now, by, "the supplier invoiced it anyway"))
    reopened = FolderStore.open(folder, clock=clock).get(inc.id)
    assert not reopened.is_closed and reopened.close_reason == "" and reopened.closed_at is None
    assert reopened.timeline[-1].text == "Reopened (closed → open) — the supplier invoiced it anyway"
    assert reopened.next_deadline == clock.now + pendulum.duration(minutes=reopened.cadence_minutes)
    assert inc.number not in {r.number for r in FolderStore.open(folder, clock=clock).review_rows()}
    with pytest.raises(ValidationError, match="is not closed"):
        store.change(inc.id, lambda i, now, by: i.reopen(now, by))
