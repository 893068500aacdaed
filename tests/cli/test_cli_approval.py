"""A second pair of eyes (issue 21 §2): ``[updates] approve`` in the store's config.toml makes an update to
such an audience wait; ``mishap approve`` (by someone else) sends and records it, ``reject`` and ``withdraw``
end it unsent. In-process, on the injected clock; an emailed approval reaches a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json

from cli_support import assert_one_line_error, snapshot
from support.smtp import mail_server, user_config, write_mail_config  # noqa: F401


def _team(folder, run, monkeypatch, approve='["client", "regulator"]'):
    assert run("new", "Payroll file sent to the wrong client", "--client", "Marlow", "--severity", "2",
               "--client-email", "dana@marlow.example").code == 0
    (folder / "config.toml").write_text(f"[updates]\napprove = {approve}\n")
    monkeypatch.setenv("MISHAP_USER", "dana")


def _doc(run):
    return json.loads(run("show", "M-1", "--json").out)


def test_an_update_awaits_approval_and_only_someone_else_approves_it(run, folder, monkeypatch):
    _team(folder, run, monkeypatch)
    before = _doc(run)
    asked = run("update", "M-1", "We sent your file to another client.", "--channel", "phone")
    assert asked.code == 0, asked
    assert "update 1 to Marlow awaits approval" in asked.out and "nothing sent yet" in asked.out
    assert "mishap approve M-1 1" in asked.out and "still due" in asked.out
    doc = _doc(run)
    # Nothing sent, no promise kept: the countdown runs on.
    assert doc["updates"] == [] and doc["promises"] == before["promises"]
    [pending] = doc["approvals"]
    assert pending["state"] == "pending" and pending["by"] == "dana" and pending["channel"] == "phone"
    assert pending["audience"] == "Marlow" and pending["number"] == 1
    shown = run("show", "M-1").out
    assert "Awaiting approval (mishap approve" in shown and "1. to Marlow, phone, asked by dana" in shown
    # The author cannot approve it, nor reject it; nothing is written.
    kept = snapshot(folder)
    assert_one_line_error(run("approve", "M-1"), "is your own: someone else must approve it")
    assert_one_line_error(run("reject", "M-1", "--reason", "no"), "withdraw it")
    assert snapshot(folder) == kept
    monkeypatch.setenv("MISHAP_USER", "lena")
    done = run("approve", "M-1")  # N is not needed: only one is pending
    assert done.code == 0, done
    assert "update 1 to Marlow by dana approved and logged as sent (phone)" in done.out
    doc = _doc(run)
    [update] = doc["updates"]
    assert update["by"] == "dana" and update["approved_by"] == "lena" and update["channel"] == "phone"
    assert doc["approvals"][0]["state"] == "approved" and doc["approvals"][0]["decided_by"] == "lena"
    first_contact = doc["promises"][0]
    assert first_contact["kept_at"] is not None  # kept only now, by the approval
    # Once more: refused, saying who got there first.
    monkeypatch.setenv("MISHAP_USER", "omar")
    assert_one_line_error(run("approve", "M-1", "1"), "no longer pending", "approved by lena")
    assert_one_line_error(run("approve", "M-1"), "no update awaits approval", "approved by lena")
    assert_one_line_error(run("approve", "M-1", "7"), "has no update 7")


def test_reject_and_withdraw_end_it_unsent_and_n_is_needed_with_two_pending(run, folder, monkeypatch):
    _team(folder, run, monkeypatch)
    assert run("audience", "add", "M-1", "ICO", "--kind", "regulator").code == 0
    assert run("audience", "add", "M-1", "Tom Reed", "--kind", "management").code == 0
    assert run("update", "M-1", "First word", "--channel", "phone").code == 0
    assert run("update", "M-1", "Notice of the breach", "--to", "regulator").code == 0
    # Management is not named in [updates] approve: logged as before.
    told = run("update", "M-1", "Heads up", "--to", "management")
    assert told.code == 0 and "update to Tom Reed logged" in told.out
    monkeypatch.setenv("MISHAP_USER", "lena")
    assert_one_line_error(run("approve", "M-1"), "2 updates await approval on M-1: name one", "1 (Marlow, by dana)")
    assert_one_line_error(run("withdraw", "M-1", "2"), "only they can withdraw it")
    assert_one_line_error(run("reject", "M-1", "2", "--reason", "  "), "say why it is rejected")
    rejected = run("reject", "M-1", "2", "--reason", "Legal has not seen it")
    assert rejected.code == 0 and "rejected, not sent (Legal has not seen it)" in rejected.out
    monkeypatch.setenv("MISHAP_USER", "dana")
    assert run("withdraw", "M-1").code == 0  # the only one left pending
    assert_one_line_error(run("withdraw", "M-1", "2"), "no longer pending", "rejected by lena")
    doc = _doc(run)
    assert [r["state"] for r in doc["approvals"]] == ["withdrawn", "rejected"]
    assert doc["approvals"][1]["reason"] == "Legal has not seen it"
    assert [u["summary"] for u in doc["updates"]] == ["Heads up"]
    texts = [e["text"] for e in doc["timeline"]]
    assert any("rejected, not sent: Legal has not seen it" in t for t in texts)


def test_unknown_kinds_are_named_with_the_file_and_the_known_ones_stay_in_force(run, folder, monkeypatch):
    _team(folder, run, monkeypatch, approve='["regulater", "client"]')
    result = run("update", "M-1", "First word", "--channel", "phone")
    assert result.code == 0
    assert str(folder / "config.toml") in result.err and "'regulater', not a kind of audience" in result.err
    assert "awaits approval" in result.out and _doc(run)["updates"] == []


def test_an_emailed_approval_goes_through_the_approvers_mail_with_the_author_in_cc(run, folder, monkeypatch, clock,
                                                                                    mail_server, user_config):
    _team(folder, run, monkeypatch)
    write_mail_config(user_config, mail_server, **{"from": "Dana Reyes <dana@ours.example>"})
    text = "Hello,\nwe sent your payroll file to another client.\nNext word by 12:00."
    asked = run("update", "M-1", text, "--send", "--next", "20m")
    assert asked.code == 0 and "to be emailed once approved" in asked.out, asked
    assert mail_server.received == [] and _doc(run)["updates"] == []
    promised = _doc(run)["approvals"][0]["next_promised"]
    clock.advance(minutes=45)  # it waits past the time its text promises the next update for
    # The approver sends through their own settings.
    write_mail_config(user_config, mail_server, **{"from": "Lena Berg <lena@ours.example>"})
    monkeypatch.setenv("MISHAP_USER", "lena")
    done = run("approve", "M-1")
    assert done.code == 0, done
    [got] = mail_server.received
    assert got.message["From"] == "Lena Berg <lena@ours.example>"
    assert got.message["Cc"] == "Dana Reyes <dana@ours.example>"
    assert got.message["Reply-To"] == "Dana Reyes <dana@ours.example>"
    assert sorted(got.rcpt_tos) == ["dana@marlow.example", "dana@ours.example"]
    assert got.message.get_content().rstrip("\n") == text
    doc = _doc(run)
    [update] = doc["updates"]
    assert update["by"] == "dana" and update["approved_by"] == "lena" and update["channel"] == "email"
    assert update["message_id"] == got.message["Message-ID"] and "outbox" not in doc
    # The promise its text made is recorded as said, and is due at once; the first contact was kept late.
    assert update["next_promised"] == promised
    assert [p["due"] for p in doc["promises"] if p["kept_at"] is None] == [promised]
    assert doc["promises"][0]["broken_at"] is not None
    assert "dana in Cc and Reply-To" in done.out
    assert_one_line_error(run("approve", "M-1"), "approved by lena")
    assert len(mail_server.received) == 1


def test_asking_to_email_needs_the_authors_own_from_and_writes_nothing_without_it(run, folder, monkeypatch,
                                                                                   user_config):
    _team(folder, run, monkeypatch)
    before = snapshot(folder)
    assert_one_line_error(run("update", "M-1", "Hello", "--send"), "no [mail] settings in", str(user_config))
    assert_one_line_error(run("update", "M-1", "Hello", "--send", "--channel", "phone"), "--send emails")
    assert snapshot(folder) == before
