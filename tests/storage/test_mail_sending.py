"""Emailing an update through a real SMTP server the test starts (aiosmtpd), on both store backends:
queued in the outbox, sent, recorded with its Message-ID, and every way that goes wrong."""

from __future__ import annotations

import pytest

from storage.domain.outbox import ACCEPTED, STALE_SECONDS
from storage.mail.sending import NotRecorded, Wanted, finish_outbox, queue, send_queued, send_update, settle
from storage.mail.settings import MailError, MailSettings
from support.smtp import PASSWORD, free_port, login_server, mail_server  # noqa: F401 - fixtures


def settings_for(server, **changes) -> MailSettings:
    values = {"host": server.host, "port": server.port, "security": "none", "username": "",
              "sender": "Lena Berg <lena@example.com>"}
    values.update(changes)
    return MailSettings(**values)


def wanted(text: str, audience: int = 0, **kw):
    return lambda incident, now, by: Wanted(audience, text, now.add(hours=1), **kw)


def test_an_update_is_queued_sent_and_recorded_with_its_message_id_and_threaded(backend, clock, mail_server):
    store = backend.open(user="lena")
    inc = store.create("Payroll export sent to the wrong client", "Marlow", 2, client_email="dana@marlow.example")
    text = "Hello Dana,\n\nwe sent your payroll file to another client.\nWe are sorry.\n"
    update, queued, delivered = send_update(store, inc.id, settings_for(mail_server), "", wanted(text))
    assert delivered.refused == {}
    [got] = mail_server.received
    assert got.rcpt_tos == ["dana@marlow.example"] and got.mail_from == "lena@example.com"
    assert got.message.get_content() == text == update.summary
    assert got.message["Message-ID"] == update.message_id == queued.message_id
    assert got.message["Subject"] == "M-1: Payroll export sent to the wrong client"
    assert "In-Reply-To" not in got.message
    again = backend.open()
    stored = again.get(inc.id)
    assert [(u.channel, u.message_id) for u in stored.updates] == [("email", update.message_id)]
    assert stored.outbox == [] and stored.update_promise(0).due == clock.now.add(hours=1)
    assert [e.event for e in stored.timeline][-2:] == ["email_queued", "update_sent"]
    clock.advance(minutes=5)
    second, _, _ = send_update(store, inc.id, settings_for(mail_server), "", wanted("Fixed now.\n"))
    assert mail_server.received[1].message["In-Reply-To"] == update.message_id
    assert mail_server.received[1].message["References"] == update.message_id
    assert [u.message_id for u in backend.open().get(inc.id).updates] == [update.message_id, second.message_id]


def test_a_login_is_made_and_a_refused_one_records_nothing_and_never_shows_the_password(clock, login_server, folder):
    from storage.store import open_store

    store = open_store(str(folder), clock=clock, user="lena")
    inc = store.create("Invoices twice", "Acme", 2, client_email="ap@acme.example")
    before = store.get(inc.id)
    with pytest.raises(MailError) as caught:
        send_update(store, inc.id, settings_for(login_server, username="lena"), PASSWORD + "typo", wanted("Hi\n"))
    assert "refused the login of lena" in str(caught.value) and PASSWORD not in str(caught.value)
    after = store.get(inc.id)
    assert after.updates == [] and after.outbox == [] and login_server.received == []
    assert after.update_promise(0).due == before.update_promise(0).due  # the countdown still runs
    assert after.timeline[-1].event == "email_not_sent" and PASSWORD not in after.timeline[-1].text
    update, _, _ = send_update(store, inc.id, settings_for(login_server, username="lena"), PASSWORD, wanted("Hi\n"))
    assert login_server.logins == ["lena", "lena"] and len(login_server.received) == 1
    assert store.get(inc.id).updates[0].message_id == update.message_id


def test_a_refused_recipient_or_a_server_that_is_down_sends_and_records_nothing(clock, mail_server, folder):
    from storage.store import open_store

    store = open_store(str(folder), clock=clock, user="lena")
    inc = store.create("Invoices twice", "Acme", 2, client_email="gone@acme.example")
    mail_server.refuse.add("gone@acme.example")
    with pytest.raises(MailError, match=r"refused the recipient: gone@acme.example \(550 5.1.1 no such mailbox"):
        send_update(store, inc.id, settings_for(mail_server), "", wanted("Hi\n"))
    down = MailSettings("127.0.0.1", free_port(), "none", "", "l@example.com")
    with pytest.raises(MailError, match=r"could not reach the mail server 127.0.0.1:\d+"):
        send_update(store, inc.id, down, "", wanted("Hi\n"))
    stored = store.get(inc.id)
    assert stored.updates == [] and stored.outbox == [] and mail_server.received == []
    assert [e.event for e in stored.timeline].count("email_not_sent") == 2


def test_nothing_is_queued_for_text_that_cannot_be_sent_or_an_audience_without_an_address(backend, mail_server):
    store = backend.open(user="lena")
    inc = store.create("Invoices twice", "Acme", 2)
    before = backend.fingerprint()
    with pytest.raises(ValueError, match="no email address"):
        queue(store, inc.id, settings_for(mail_server), wanted("Hi\n"))
    store.change(inc.id, lambda i, now, by: i.edit_audience(0, now, by, email="ap@acme.example"))
    before = backend.fingerprint()
    with pytest.raises(ValueError, match="lone surrogate"):
        queue(store, inc.id, settings_for(mail_server), wanted("Hi \udc80\n"))
    with pytest.raises(ValueError, match="the next update must be in the future"):
        queue(store, inc.id, settings_for(mail_server), lambda i, now, by: Wanted(0, "Hi\n", now.subtract(hours=1)))
    assert backend.fingerprint() == before and mail_server.received == []


def test_an_accepted_email_whose_record_failed_is_recorded_by_the_next_mishap(backend, clock, mail_server):
    store = backend.open(user="lena")
    inc = store.create("Invoices twice", "Acme", 2, client_email="ap@acme.example")
    store.change(inc.id, lambda i, now, by: i.add_audience("Tom Reed", "management", now, by,
                                                          email="tom@us.example"))
    queued = queue(store, inc.id, settings_for(mail_server), wanted("To Tom\n", audience=1))
    # Another responder removes the audience while the server takes the message: it cannot be recorded.
    backend.open(user="ana").change(inc.id, lambda i, now, by: i.retire_audience(1, "not needed", now, by))
    with pytest.raises(NotRecorded, match="was sent .*recording it failed.*next mishap to open the store"):
        settle(store, queued, send_queued(settings_for(mail_server), queued, ""))
    assert backend.open().get(inc.id).outbox[0].state == ACCEPTED
    # A second email, accepted, with a record that then failed (the state settle leaves on a failure).
    clock.advance(minutes=1)
    other = queue(store, inc.id, settings_for(mail_server), wanted("To the client\n"))
    assert isinstance(send_queued(settings_for(mail_server), other, ""), object) and len(mail_server.received) == 2
    store.change(inc.id, lambda i, now, by: i.mark_email_accepted(other.message_id, now, by, "disk full"))
    clock.advance(minutes=1)
    said = finish_outbox(backend.open(user="kim"))
    assert any("now recorded as sent" in line for line in said)
    assert any("cannot be recorded" in line and "Tom Reed" in line for line in said)
    stored = backend.open().get(inc.id)
    assert [(u.audience, u.message_id, u.by) for u in stored.updates] == [(0, other.message_id, "lena")]
    assert stored.outbox == [] and len(mail_server.received) == 2  # recorded, never sent again


def test_a_send_cut_short_is_never_sent_twice_nor_recorded_as_sent(backend, clock, mail_server):
    store = backend.open(user="lena")
    inc = store.create("Invoices twice", "Acme", 2, client_email="ap@acme.example")
    queued = queue(store, inc.id, settings_for(mail_server), wanted("Hi\n"))
    send_queued(settings_for(mail_server), queued, "")  # the server took it; then the process was killed
    with pytest.raises(ValueError, match="already being sent"):
        queue(backend.open(), inc.id, settings_for(mail_server), wanted("Hi again\n"))
    assert finish_outbox(backend.open()) == []  # it may still be under way: left alone
    clock.advance(seconds=STALE_SECONDS + 1)
    [line] = finish_outbox(backend.open(user="kim"))
    assert "may have gone out" in line and "Ask them before sending it again" in line
    stored = backend.open().get(inc.id)
    assert stored.updates == [] and stored.outbox == [] and stored.timeline[-1].event == "email_unconfirmed"
    assert len(mail_server.received) == 1
    send_update(store, inc.id, settings_for(mail_server), "", wanted("Did you get it?\n"))  # a person decided
    assert len(mail_server.received) == 2


def test_a_full_disk_after_the_server_accepted_is_recorded_by_the_next_mishap_here(small_disk, clock, mail_server,
                                                                                    tmp_path, monkeypatch):
    from storage.store import open_store

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    where = str(small_disk.path / "store")
    store = open_store(where, clock=clock, user="lena")
    inc = store.create("Invoices twice", "Acme", 2, client_email="ap@acme.example")
    queued = queue(store, inc.id, settings_for(mail_server), wanted("Hi\n"))
    outcome = send_queued(settings_for(mail_server), queued, "")
    small_disk.fill()
    with pytest.raises(NotRecorded, match="the next mishap to open the store records it"):
        settle(store, queued, outcome)
    small_disk.free()
    clock.advance(minutes=1)
    [line] = finish_outbox(open_store(where, clock=clock, user="lena"))
    assert "now recorded as sent" in line
    stored = open_store(where, clock=clock).get(inc.id)
    assert [u.message_id for u in stored.updates] == [queued.message_id] and stored.outbox == []
    assert len(mail_server.received) == 1
    assert finish_outbox(open_store(where, clock=clock)) == []  # the note here is spent
