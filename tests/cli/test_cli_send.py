"""``mishap update ID TEXT --send``: the update emailed through the user's own [mail] settings to a real
SMTP server the test starts (aiosmtpd), then recorded with its Message-ID; and every refusal."""

from __future__ import annotations

import json

from cli_support import assert_one_line_error, snapshot
from support.smtp import PASSWORD, free_port, login_server, mail_server, user_config, write_mail_config  # noqa: F401


def _incident(run, email="dana@marlow.example"):
    assert run("new", "Payroll\r\nBcc: victim@evil.example", "--client", "Marlow", "--severity", "2",
               "--client-email", email).code == 0
    return "M-1"


def test_send_emails_the_update_and_records_it_with_its_message_id(run, folder, mail_server, user_config):
    write_mail_config(user_config, mail_server)
    _incident(run)
    text = "Hello Dana,\nwe sent your payroll file to another client. " + "Sorry. " * 40 + "\nMore at 12:00."
    done = run("update", "M-1", text, "--send", "--next", "2h")
    assert done.code == 0, done
    [got] = mail_server.received
    doc = json.loads(run("show", "M-1", "--json").out)
    [update] = doc["updates"]
    assert update["channel"] == "email" and update["message_id"] == got.message["Message-ID"]
    assert f"emailed to dana@marlow.example ({update['message_id']}); next update due" in done.out
    assert got.message.get_content() == update["summary"] == text
    assert got.rcpt_tos == ["dana@marlow.example"]  # the hostile title added no recipient
    assert "bcc" not in [k.lower() for k in got.message.keys()] and got.message["Subject"].startswith("M-1: Payroll")
    # A pasted one keeps --channel email and has no Message-ID.
    assert run("update", "M-1", "told them by hand", "--channel", "email").code == 0
    doc = json.loads(run("show", "M-1", "--json").out)
    assert doc["updates"][1]["channel"] == "email" and "message_id" not in doc["updates"][1]
    assert len(mail_server.received) == 1


def test_a_refused_login_exits_non_zero_on_one_line_without_the_password(run, folder, login_server, user_config,
                                                                         monkeypatch):
    write_mail_config(user_config, login_server, username="lena")
    _incident(run)
    monkeypatch.setenv("MISHAP_SMTP_PASSWORD", PASSWORD + "-wrong")
    before = json.loads(run("show", "M-1", "--json").out)
    result = run("update", "M-1", "Hello", "--send")
    assert_one_line_error(result, "refused the login of lena")
    assert PASSWORD not in result.err
    after = json.loads(run("show", "M-1", "--json").out)
    assert after["updates"] == [] and after["promises"] == before["promises"] and login_server.received == []
    monkeypatch.setenv("MISHAP_SMTP_PASSWORD", PASSWORD)
    assert run("update", "M-1", "Hello", "--send").code == 0 and len(login_server.received) == 1


def test_a_refused_recipient_or_a_server_down_exits_non_zero_and_records_nothing_as_sent(run, folder, mail_server,
                                                                                          user_config):
    write_mail_config(user_config, mail_server)
    _incident(run, "gone@marlow.example")
    mail_server.refuse.add("gone@marlow.example")
    assert_one_line_error(run("update", "M-1", "Hello", "--send"), "refused the recipient: gone@marlow.example")
    write_mail_config(user_config, mail_server, port=free_port())
    assert_one_line_error(run("update", "M-1", "Hello", "--send"), "could not reach the mail server")
    doc = json.loads(run("show", "M-1", "--json").out)
    assert doc["updates"] == [] and mail_server.received == []


def test_nothing_is_written_without_settings_a_password_or_sendable_text(run, folder, user_config):
    _incident(run)
    before = snapshot(folder)
    assert_one_line_error(run("update", "M-1", "Hello", "--send"), "no [mail] settings in", str(user_config))
    write_mail_config(user_config, host="smtp.example.com", security="starttls", username="lena",
                      **{"from": "lena@example.com"})
    assert_one_line_error(run("update", "M-1", "Hello", "--send"), "no system keyring here", "MISHAP_SMTP_PASSWORD")
    assert_one_line_error(run("update", "M-1", "Hi \ud800", "--send"), "not valid UTF-8")
    write_mail_config(user_config, host="smtp.example.com", security="none", username="lena",
                      **{"from": "lena@example.com"})
    assert_one_line_error(run("update", "M-1", "Hello", "--send"), "unencrypted")
    assert_one_line_error(run("update", "M-1", "Hello", "--send", "--channel", "phone"), "--send emails")
    assert snapshot(folder) == before
