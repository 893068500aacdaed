"""An email the mail server accepted before a hard deadline is in time, however late it is recorded
(storage.domain.outbox, storage.domain.ledger): recorded at once, or a day later from the outbox after
the record failed, its deadline is kept as of the acceptance, with no reasons for a delay asked for, and
a look at the overdue promises meanwhile does not leave it broken. Through a real SMTP server (aiosmtpd)
and real stores of both backends."""

from __future__ import annotations

from storage.domain.deadlines import DEFAULT_RULES
from storage.mail.sending import Wanted, finish_outbox, queue, send_queued
from storage.mail.settings import MailSettings
from support.smtp import mail_server  # noqa: F401 - fixture

NOTICE = "Notice of a personal data breach, ref 42\n"


def _settings(server) -> MailSettings:
    return MailSettings(server.host, server.port, "none", "", "Lena Berg <lena@example.com>")


def test_an_email_accepted_in_time_keeps_its_deadline_in_time_when_recorded_a_day_later(backend, clock,
                                                                                        mail_server):
    store = backend.open(clock=clock, user="lena")
    inc = store.create("Payroll file sent to the wrong client", "Marlow", 2)

    def tag(i, now, by):
        i.set_tags(["personal-data"], DEFAULT_RULES, now, by)
        i.edit_audience(i.find_audience("regulator"), now, by, email="breach@authority.example")

    store.change(inc.id, tag)
    authority = store.get(inc.id).find_audience("regulator")
    gdpr_due = store.get(inc.id).hard_deadlines()[0].due
    clock.set(gdpr_due.subtract(minutes=2))
    queued = queue(store, inc.id, _settings(mail_server),
                   lambda incident, now, by: Wanted(authority, NOTICE, None))
    delivered = send_queued(_settings(mail_server), queued, "")
    assert delivered.refused == {} and len(mail_server.received) == 1
    accepted_at = clock()
    # The record of it failed (a full disk, say): the outbox keeps that the server accepted it, and when.
    store.change(inc.id, lambda i, now, by: i.mark_email_accepted(queued.message_id, now, by, "disk full",
                                                                  accepted_at))
    clock.advance(minutes=5)  # the deadline passes; a look at the overdue promises marks it broken
    store.change(inc.id, lambda i, now, by: i.mark_broken(now, by))
    [marked] = store.get(inc.id).hard_deadlines()
    assert marked.broken_at is not None  # what the record said until the email was recorded
    clock.advance(days=1)  # the next mishap to open the store records it from the outbox
    said = finish_outbox(backend.open(clock=clock, user="omar"))
    assert any("is now recorded as sent" in line for line in said), said
    stored = backend.open(clock=clock).get(inc.id)
    [update] = [u for u in stored.updates if u.audience == authority]
    assert update.sent_at == accepted_at and update.delay_reason == "" and update.message_id == queued.message_id
    gdpr = stored.promises[update.kept]
    assert gdpr.kept_at == accepted_at and gdpr.broken_at is None and gdpr.state(clock()) == "kept"
    kept = [e.text for e in stored.timeline if e.event == "promise_kept"]
    assert kept[-1].startswith("Kept: GDPR") and "in time after all: sent" in kept[-1], kept
    sent = [e.text for e in stored.timeline if e.event == "update_sent"]
    assert "recorded later" in sent[-1] and stored.outbox == []
    assert mail_server.received[0].message["Message-ID"] == queued.message_id  # sent once, never again


def test_an_update_cannot_be_recorded_as_sent_after_it_is_recorded(clock):
    import pytest

    from storage.domain.fields import ValidationError
    from storage.domain.model import new_incident

    incident = new_incident(1, "Invoices twice", "Acme", 2, clock(), [], by="dana")
    before = incident.to_dict()
    with pytest.raises(ValidationError, match="cannot be recorded as sent after the time it is recorded"):
        incident.log_update("phone", "Sorry", None, clock(), "dana", sent_at=clock().add(minutes=1))
    assert incident.to_dict() == before
