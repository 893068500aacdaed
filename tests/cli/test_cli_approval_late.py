"""``mishap approve --delay-reason``: an update asked for before a hard deadline and approved after it
passed needs the reasons for the delay; the approver can give them. In-process, on the injected clock;
the emailed approval reaches a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json

from cli_support import assert_one_line_error, snapshot
from support.smtp import mail_server, user_config, write_mail_config  # noqa: F401

NOTICE = "Notice of a personal data breach, ref 42."
REASON = "the extent was confirmed\x1b[2J only on day 3"


def _asked_then_late(run, folder, monkeypatch, clock, *extra: str):
    """M-1 tagged personal-data (the GDPR notice, 72 h), a notice to the authority asked for by dana
    before the deadline, then the deadline passing while it waits; lena is the one at the keyboard."""
    assert run("new", "Payroll file sent to the wrong client", "--client", "Marlow", "--severity", "2").code == 0
    assert run("tag", "M-1", "personal-data").code == 0
    assert run("audience", "edit", "M-1", "regulator", "--email", "casework@ico.example").code == 0
    (folder / "config.toml").write_text('[updates]\napprove = ["regulator"]\n')
    monkeypatch.setenv("MISHAP_USER", "dana")
    clock.advance(hours=70)
    asked = run("update", "M-1", NOTICE, "--to", "regulator", *(extra or ("--channel", "portal")))
    assert asked.code == 0 and "awaits approval" in asked.out, asked
    clock.advance(hours=3)  # the GDPR notice's 72 h run out while it waits
    monkeypatch.setenv("MISHAP_USER", "lena")


def _doc(run):
    return json.loads(run("show", "M-1", "--json").out)


def test_approving_late_needs_the_reasons_and_the_approvers_are_recorded_as_theirs(run, folder, monkeypatch,
                                                                                    clock):
    _asked_then_late(run, folder, monkeypatch, clock)
    before = snapshot(folder)
    assert_one_line_error(run("approve", "M-1"), "update 1 keeps “GDPR notice” to Supervisory authority late",
                          "give the reasons for the delay")
    assert_one_line_error(run("approve", "M-1", "--delay-reason", "   "), "give the reasons for the delay")
    assert snapshot(folder) == before  # refused: nothing written
    helped = run("approve", "--help", db=False).out
    assert "--delay-reason" in helped and "hard deadline late" in " ".join(helped.split())
    done = run("approve", "M-1", "--delay-reason", REASON)
    assert done.code == 0, done
    assert "approved and logged as sent (portal)" in done.out and "\x1b" not in done.out
    assert "only on day 3" in done.out
    doc = _doc(run)
    [update] = doc["updates"]
    # The record keeps the text literally; whose reasons they are is on the timeline.
    assert update["delay_reason"] == REASON and (update["by"], update["approved_by"]) == ("dana", "lena")
    gdpr = next(p for p in doc["promises"] if p.get("hard"))
    assert gdpr["kept_at"] is not None and gdpr["broken_at"] is not None
    [approved] = [e for e in doc["timeline"] if e["event"] == "approval_approved"]
    assert approved["by"] == "lena"
    assert f"keeping “GDPR notice” late — reasons for the delay (lena's, approving): {REASON}" in approved["text"]


def test_the_authors_reasons_stand_and_an_approvers_as_well_are_refused(run, folder, monkeypatch, clock):
    _asked_then_late(run, folder, monkeypatch, clock, "--channel", "portal", "--delay-reason",
                     "Legal held it for a day")
    before = snapshot(folder)
    assert_one_line_error(run("approve", "M-1", "--delay-reason", "mine too"),
                          "already gives dana's reasons for the delay")
    assert snapshot(folder) == before
    assert run("approve", "M-1").code == 0
    doc = _doc(run)
    assert doc["updates"][0]["delay_reason"] == "Legal held it for a day"
    [approved] = [e for e in doc["timeline"] if e["event"] == "approval_approved"]
    assert "reasons for the delay (dana's): Legal held it for a day" in approved["text"]


def test_an_emailed_late_approval_carries_the_approvers_reasons(run, folder, monkeypatch, clock, mail_server,
                                                                user_config):
    write_mail_config(user_config, mail_server, **{"from": "Dana Reyes <dana@ours.example>"})
    _asked_then_late(run, folder, monkeypatch, clock, "--send")
    write_mail_config(user_config, mail_server, **{"from": "Lena Berg <lena@ours.example>"})
    before = snapshot(folder)
    assert_one_line_error(run("approve", "M-1"), "keeps “GDPR notice”", "give the reasons for the delay")
    assert snapshot(folder) == before and mail_server.received == []
    done = run("approve", "M-1", "--delay-reason", "the extent was confirmed only on day 3")
    assert done.code == 0, done
    [got] = mail_server.received
    assert got.message.get_content().rstrip("\n") == NOTICE and got.rcpt_tos[0] == "casework@ico.example"
    doc = _doc(run)
    [update] = doc["updates"]
    assert update["message_id"] == got.message["Message-ID"] and update["approved_by"] == "lena"
    assert update["delay_reason"] == "the extent was confirmed only on day 3" and "outbox" not in doc
    [approved] = [e for e in doc["timeline"] if e["event"] == "approval_approved"]
    assert "reasons for the delay (lena's, approving)" in approved["text"] and approved["by"] == "lena"
