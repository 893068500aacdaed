"""Updates awaiting approval (storage.domain.approval): the rules on the model, and two approvers racing
through real stores on both backends, where exactly one wins each and the other is told who did."""

from __future__ import annotations

import pendulum
import pytest

from storage.domain.approval import OUTBOX_KEY, PENDING
from storage.domain.model import Incident, new_incident
from storage.domain.outbox import OutboxEntry
from storage.domain.fields import ValidationError
from support.racers import race_in_rounds

ROUNDS = 4


def _incident(clock) -> Incident:
    return new_incident(1, "Payroll file sent to the wrong client", "Marlow", 2, clock(), [], by="dana")


def test_asking_keeps_nothing_sent_and_a_passed_promise_is_recorded_as_said(clock):
    incident = _incident(clock)
    first = incident.promises[0]
    request = incident.ask_approval("phone", "We sent it to another client", clock().add(minutes=20), clock(), "dana",
                                    by_cadence=False)
    assert request.state == PENDING and incident.updates == [] and first.is_open
    assert incident.timeline[-1].event == "approval_asked" and not incident.timeline[-1].for_client
    # Refused on asking, nothing kept: an update must say something.
    with pytest.raises(ValidationError, match="say what was told"):
        incident.ask_approval("phone", "  ", None, clock(), "dana", by_cadence=True)
    assert len(incident.approvals) == 1
    clock.advance(minutes=40)  # it waited past the first contact, and the time it promised the next for
    update = incident.approve_update(None, clock(), "lena")
    assert (update.by, update.approved_by) == ("dana", "lena")
    assert first.kept_at == clock() and first.broken_at is not None  # kept late: the countdown never stopped
    assert update.next_promised == request.next_promised and incident.update_promise(0).due == request.next_promised
    # A close waits for it, reason or not: its words would stay unsent and no one told.
    incident.ask_approval("phone", "Fixed", None, clock(), "dana", by_cadence=True)
    with pytest.raises(ValidationError, match="1 update awaiting approval .update 2 to Marlow by dana."):
        incident.close(clock(), "dana", reason="the client moved on")
    assert not incident.is_closed
    # One left pending by a close that an older mishap allowed is not sent after it: it can still be rejected.
    pending = incident.approvals.pop()
    incident.close(clock(), "dana", reason="the client moved on")
    incident = type(incident).from_dict(dict(incident.to_dict(), approvals=[
        *[r.to_dict() for r in incident.approvals], pending.to_dict()]))
    with pytest.raises(ValidationError, match="M-1 is closed"):
        incident.approve_update(2, clock(), "lena")
    assert incident.reject_update(2, "closed first", clock(), "lena").state == "rejected"


def test_an_approvals_email_marks_it_approved_when_recorded_and_pending_again_when_refused(clock):
    incident = _incident(clock)
    request = incident.ask_approval("email", "Hello", None, clock(), "dana", by_cadence=True, email=True,
                                    author_address="Dana <dana@ours.example>")
    with pytest.raises(ValidationError, match="to be emailed"):
        incident.approve_update(1, clock(), "lena")

    def queued(message_id):
        incident.queue_email(OutboxEntry(message_id, 0, ["x@marlow.example"], "Hello", "raw", clock(),
                                         extra={OUTBOX_KEY: 1}), clock(), "lena")

    queued("<1@ours.example>")
    with pytest.raises(ValidationError, match="being emailed by lena"):
        incident.reject_update(1, "stop", clock(), "omar")
    incident.email_not_sent("<1@ours.example>", "refused", clock(), "lena")
    assert request.state == PENDING  # the server said no: still waiting, nothing sent
    queued("<2@ours.example>")
    update = incident.record_email("<2@ours.example>", clock(), "lena")
    assert (update.by, update.approved_by, update.message_id) == ("dana", "lena", "<2@ours.example>")
    assert request.state == "approved" and request.decided_by == "lena"
    assert "dana in Cc" in incident.timeline[-1].text


RACER = r'''
import sys
from storage.domain.fields import ValidationError
from storage.store import open_store

spec, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(spec, user=name)
print("ready", flush=True)
for n in range(1, rounds + 1):
    sys.stdin.readline()  # both go together
    try:
        store.change(1, lambda inc, now, by: inc.approve_update(n, now, by))
        print("approved", flush=True)
    except ValidationError as exc:
        print(str(exc), flush=True)
'''


def test_two_approvers_racing_exactly_one_wins_and_the_other_is_told_who(backend, tmp_path, child_env, python):
    store = backend.open(user="dana")
    store.create("Payroll file sent to the wrong client", "Marlow", 2)
    for n in range(ROUNDS):
        store.change(1, lambda inc, now, by: inc.ask_approval("phone", f"word {n}", None, now, by, by_cadence=True))
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    names = ("lena", "omar")
    said = race_in_rounds(python, script, {name: [backend.spec, name, str(ROUNDS)] for name in names}, ROUNDS,
                          child_env)
    incident = backend.open().get(1)
    assert len(incident.updates) == ROUNDS  # each sent once
    for n in range(ROUNDS):
        winners = [name for name in names if said[name][n] == "approved"]
        assert len(winners) == 1, said
        loser = next(name for name in names if name not in winners)
        assert f"is no longer pending: it was approved by {winners[0]}" in said[loser][n]
        assert incident.approvals[n].decided_by == winners[0] == incident.updates[n].approved_by
    assert sum(1 for t in incident.timeline if t.event == "update_sent") == ROUNDS


def test_the_approve_setting_is_read_and_checked_with_the_file_named():
    from storage.domain.config import parse_config

    config = parse_config('[updates]\napprove = ["Regulator", "client"]\n', "/team/config.toml")
    assert config.approve == ("client", "regulator") and config.problem is None
    assert config.needs_approval("regulator") and not config.needs_approval("management")
    mixed = parse_config('[cadence]\n1 = "20m"\n\n[updates]\napprove = ["clients", "client"]\n', "/team/config.toml")
    assert mixed.approve == ("client",) and mixed.cadence[1] == 20  # the rest stays in force
    assert mixed.problem.startswith("/team/config.toml, line 5: [updates] approve names 'clients'")
    with pytest.raises(ValueError, match=r"/team/config.toml, line 2: \[updates\] approve must be a list"):
        parse_config('[updates]\napprove = "client"\n', "/team/config.toml")
    assert parse_config("", "/team/config.toml").approve == ()
