"""STARTTLS against a real server (aiosmtpd with a certificate made for the test): the login goes over TLS,
the server's certificate is checked, and a server without STARTTLS gets nothing."""

from __future__ import annotations

import pytest

from storage.mail.settings import MailError, MailSettings
from storage.mail.smtp import deliver
from support.smtp import PASSWORD, mail_server, self_signed, start_server  # noqa: F401 - fixtures

MESSAGE = "Subject: hello\r\nMessage-ID: <1@example.com>\r\n\r\nhi\r\n"


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    cert = self_signed(tmp_path)
    controller, state = start_server(login=("lena", PASSWORD), certificate=cert)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # this test's certificate is the one trusted
    yield state
    controller.stop()


def test_starttls_then_a_login_then_the_message(tls_server):
    settings = MailSettings(tls_server.host, tls_server.port, "starttls", "lena", "l@example.com")
    assert deliver(settings, ["dana@acme.example"], MESSAGE, PASSWORD).refused == {}
    assert tls_server.logins == ["lena"] and tls_server.received[0].message["Subject"] == "hello"


def test_a_certificate_not_trusted_is_refused_before_the_login(tls_server, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent")
    settings = MailSettings(tls_server.host, tls_server.port, "starttls", "lena", "l@example.com")
    with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed") as caught:
        deliver(settings, ["dana@acme.example"], MESSAGE, PASSWORD)
    assert "nothing was sent" in str(caught.value) and PASSWORD not in str(caught.value)
    assert tls_server.logins == [] and tls_server.received == []


def test_a_server_without_starttls_is_given_nothing(mail_server):
    settings = MailSettings(mail_server.host, mail_server.port, "starttls", "lena", "l@example.com")
    with pytest.raises(MailError, match="does not offer STARTTLS: nothing was sent"):
        deliver(settings, ["dana@acme.example"], MESSAGE, PASSWORD)
    assert mail_server.received == []
