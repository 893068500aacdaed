"""The email an update goes out as (storage.mail.message) and the [mail] settings: pure, no server."""

from __future__ import annotations

import email
from email.policy import default

import pendulum
import pytest

from storage.mail.message import Outgoing, addresses_of, build_message, check_sendable, message_text, subject_for
from storage.mail.settings import MailError, MailSettings, mail_password, read_mail_settings

SETTINGS = MailSettings("smtp.example.com", 587, "starttls", "lena@example.com", "Lena Berg <lena@example.com>")
AT = pendulum.datetime(2026, 5, 4, 9, 30, tz="UTC")


def parsed(outgoing: Outgoing, settings: MailSettings = SETTINGS):
    raw = message_text(build_message(settings, outgoing))
    assert raw.isascii()
    return raw, email.message_from_bytes(raw.encode("ascii"), policy=default)


def test_the_body_is_the_text_byte_for_byte_and_the_headers_are_there():
    long_line = "Ünïcödé " * 200  # 1600 characters on one line: encoded, never cut
    text = f"Hello Dana,\r\nline two\rthree\n\n{long_line}\n– no last newline 🙂"
    raw, msg = parsed(Outgoing("M-3: Payroll sent to the wrong client", text, (("Marlow Ltd", "dana@marlow.example"),),
                               "<1@example.com>", AT, ("<a@example.com>", "<b@example.com>")))
    assert msg.get_content() == text  # after MIME decoding, exactly what is recorded
    assert msg["Content-Transfer-Encoding"] == "base64" and msg.get_content_charset() == "utf-8"
    assert max(len(line) for line in raw.split("\r\n")) <= 78
    assert msg["From"].addresses[0].addr_spec == "lena@example.com"
    assert msg["From"].addresses[0].display_name == "Lena Berg"
    assert [a.addr_spec for a in msg["To"].addresses] == ["dana@marlow.example"]
    assert msg["Subject"] == "M-3: Payroll sent to the wrong client"
    assert msg["Message-ID"] == "<1@example.com>"
    assert msg["In-Reply-To"] == "<b@example.com>"
    assert msg["References"] == "<a@example.com> <b@example.com>"
    assert email.utils.parsedate_to_datetime(msg["Date"]) == AT
    assert msg["MIME-Version"] == "1.0"


@pytest.mark.parametrize("hostile", [
    "Outage\r\nBcc: victim@evil.example",
    "Outage\nTo: victim@evil.example\n\nbody",
    "Outage\x00\x1b[31m\u2028Cc: victim@evil.example\x85X-Evil: 1",
    "a, victim@evil.example; <victim@evil.example>",
])
def test_a_hostile_title_or_name_adds_no_header_and_no_recipient(hostile):
    subject = subject_for("M-3", hostile)
    raw, msg = parsed(Outgoing(subject, "text", ((hostile, "dana@marlow.example"),), "<1@example.com>", AT))
    names = [k.lower() for k in msg.keys()]
    assert "bcc" not in names and "cc" not in names and "x-evil" not in names
    assert names.count("to") == 1 and names.count("subject") == 1
    assert [a.addr_spec for a in msg["To"].addresses] == ["dana@marlow.example"]
    assert "victim" not in "".join(a.addr_spec for a in msg["To"].addresses)
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"] and msg["Subject"].startswith("M-3: ")
    assert msg["To"].addresses[0].display_name.startswith(hostile[:5])  # the name is kept, shown literally
    assert msg.get_content() == "text"


def test_text_that_cannot_be_sent_is_refused_saying_why():
    with pytest.raises(MailError, match=r"lone surrogate \(U\+D800\) on line 2"):
        check_sendable("fine\nbad \ud800 here")
    with pytest.raises(MailError, match="empty"):
        check_sendable("  \n")


def test_an_audience_may_have_several_addresses_each_checked():
    assert addresses_of("a@x.example, b@y.example;a@x.example") == ["a@x.example", "b@y.example"]
    assert addresses_of("") == []
    with pytest.raises(MailError, match="not an email address"):
        addresses_of("a@x.example, nobody")


def test_settings_are_checked_with_one_line_naming_the_file(tmp_path):
    path = tmp_path / "config.toml"
    good = {"host": "smtp.example.com", "port": 587, "security": "starttls", "username": "lena",
            "from": "Lena Berg <lena@example.com>"}
    assert read_mail_settings(good, path) == MailSettings("smtp.example.com", 587, "starttls", "lena",
                                                          "Lena Berg <lena@example.com>", path)
    for table, words in [({}, "no [mail] settings"), ({**good, "security": "tls"}, "security must be"),
                         ({**good, "port": "587"}, "port must be"), ({**good, "from": "lena"}, "from must be"),
                         ({**good, "password": "x"}, "does not know"), ({**good, "host": "a b"}, "host must be"),
                         ({**good, "security": "none"}, "unencrypted")]:
        with pytest.raises(MailError) as caught:
            read_mail_settings(table, path)
        assert str(path) in str(caught.value) and words in str(caught.value) and "\n" not in str(caught.value)
    # A login without TLS is for this machine only.
    assert read_mail_settings({**good, "security": "none", "host": "127.0.0.1"}, path).on_this_machine
    bad = tmp_path / "broken.toml"
    bad.write_text("[mail\n")
    with pytest.raises(MailError, match="not readable TOML"):
        read_mail_settings(path=bad)


def test_the_password_comes_from_the_environment_else_the_keyring_which_is_absent_here():
    settings = read_mail_settings({"host": "h.example", "username": "lena", "from": "l@example.com"})
    assert mail_password(settings, {"MISHAP_SMTP_PASSWORD": "pw"}) == "pw"
    with pytest.raises(MailError) as caught:
        mail_password(settings, {})
    said = str(caught.value)
    assert "no system keyring" in said and "MISHAP_SMTP_PASSWORD" in said and "keyring set mishap lena" in said
    assert mail_password(read_mail_settings({"host": "h.example", "from": "l@example.com"}), {}) == ""
