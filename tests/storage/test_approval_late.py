"""An update asked for before a hard deadline and approved after it passed (storage.domain.approval):
the approver gives the reasons for the delay when its author gave none, the author's stand, and the
timeline says whose they are. On the model, then emailed through real stores of both backends and a
real SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest

from storage.domain.deadlines import DEFAULT_RULES
from storage.domain.fields import ValidationError
from storage.domain.model import Incident, new_incident
from storage.mail.approval import approval_prepare
from storage.mail.sending import send_update
from storage.mail.settings import MailSettings
from support.smtp import mail_server  # noqa: F401 - fixture

NOTICE = "Notice of a personal data breach, ref 42"
WHY = "the extent was confirmed only on day 3\n\x07(backups)"


def _tagged(clock) -> tuple[Incident, int]:
    incident = new_incident(1, "Payroll file sent to the wrong client", "Marlow", 2, clock(), [], by="dana")
    incident.set_tags(["personal-data"], DEFAULT_RULES, clock(), "dana")
    return incident, incident.find_audience("regulator")


def _approved_entry(incident: Incident):
    return next(e for e in reversed(incident.timeline) if e.event == "approval_approved")


def test_approving_late_takes_the_approvers_reasons_and_refuses_without_any(clock):
    incident, authority = _tagged(clock)
    gdpr = incident.hard_deadlines()[0]
    clock.advance(hours=71)
    request = incident.ask_approval("portal", NOTICE, None, clock(), "dana", audience=authority, by_cadence=True)
    assert incident.approval_late(request, clock()) is None  # on time so far: no reasons needed
    clock.advance(hours=2)  # the 72 h run out while it waits
    assert incident.approval_late(request, clock()) is gdpr
    before = incident.to_dict()
    for given in ("", "  \n "):
        with pytest.raises(ValidationError) as refused:
            incident.approve_update(1, clock(), "lena", delay_reason=given)
        assert str(refused.value) == ("update 1 keeps “GDPR notice” to Supervisory authority late: give the reasons "
                                      "for the delay (--delay-reason); a late notice must say why")
    assert incident.to_dict() == before  # refused: nothing changed
    update = incident.approve_update(1, clock(), "lena", delay_reason=f"  {WHY} ")
    assert update.delay_reason == WHY  # kept literally (only the ends trimmed): display makes controls visible
    assert (update.by, update.approved_by, update.kept) == ("dana", "lena", incident.promises.index(gdpr))
    assert gdpr.kept_at == clock() and gdpr.broken_at is not None
    entry = _approved_entry(incident)
    assert entry.by == "lena"
    assert entry.text == ("Update 1 to Supervisory authority by dana approved, keeping “GDPR notice” late — "
                          f"reasons for the delay (lena's, approving): {WHY}")
    assert request.state == "approved" and request.delay_reason == ""


def test_the_authors_reasons_stand_and_an_approvers_on_top_are_refused(clock):
    incident, authority = _tagged(clock)
    clock.advance(hours=71)
    incident.ask_approval("portal", NOTICE, None, clock(), "dana", audience=authority, by_cadence=True,
                          delay_reason="Legal held it")
    clock.advance(hours=2)
    before = incident.to_dict()
    with pytest.raises(ValidationError, match="already gives dana's reasons for the delay: approve it without yours"):
        incident.approve_update(1, clock(), "lena", delay_reason="and the weekend")
    assert incident.to_dict() == before
    update = incident.approve_update(1, clock(), "lena")
    assert update.delay_reason == "Legal held it"
    assert _approved_entry(incident).text.endswith("reasons for the delay (dana's): Legal held it")


def test_an_approval_in_time_records_no_reasons_even_if_some_were_given(clock):
    incident, authority = _tagged(clock)
    incident.ask_approval("portal", NOTICE, None, clock(), "dana", audience=authority, by_cadence=True)
    clock.advance(hours=1)
    update = incident.approve_update(1, clock(), "lena", delay_reason="in case it ran late")
    assert update.delay_reason == "" and incident.hard_deadlines() == []  # kept on time
    assert "reasons for the delay" not in _approved_entry(incident).text


def test_an_emailed_late_approval_is_refused_without_reasons_and_sent_with_the_approvers(backend, clock,
                                                                                         mail_server):
    author = backend.open(user="dana")
    inc = author.create("Payroll file sent to the wrong client", "Marlow", 2)

    def prepared(incident, now, by):
        incident.set_tags(["personal-data"], DEFAULT_RULES, now, by)
        authority = incident.find_audience("regulator")
        incident.edit_audience(authority, now, by, email="casework@ico.example")
        return authority

    authority = author.change(inc.id, prepared)
    clock.advance(hours=71)
    author.change(inc.id, lambda incident, now, by: incident.ask_approval(
        "email", NOTICE, None, now, by, audience=authority, by_cadence=True, email=True,
        author_address="Dana Reyes <dana@ours.example>"))
    clock.advance(hours=2)
    approver = backend.open(user="lena")
    settings = MailSettings(mail_server.host, mail_server.port, "none", "", "Lena Berg <lena@ours.example>")
    before = backend.fingerprint()
    with pytest.raises(ValidationError, match="keeps “GDPR notice” to Supervisory authority late"):
        send_update(approver, inc.id, settings, "", approval_prepare(1))
    assert backend.fingerprint() == before and mail_server.received == []  # nothing written, nothing sent
    update, _, _ = send_update(approver, inc.id, settings, "", approval_prepare(1, WHY))
    [got] = mail_server.received
    assert got.rcpt_tos[0] == "casework@ico.example" and got.message.get_content().rstrip("\n") == NOTICE
    stored = backend.open().get(inc.id)
    [recorded] = stored.updates
    assert recorded.message_id == update.message_id == got.message["Message-ID"] and stored.outbox == []
    assert (recorded.delay_reason, recorded.by, recorded.approved_by) == (WHY, "dana", "lena")
    entry = _approved_entry(stored)
    assert entry.by == "lena" and f"reasons for the delay (lena's, approving): {WHY}" in entry.text
