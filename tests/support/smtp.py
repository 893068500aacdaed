"""A real SMTP server for the mail tests (aiosmtpd, on 127.0.0.1), and the user's own [mail] settings.

``mail_server`` starts one per test on a free port: it keeps what it received (``received``,
each parsed with the ``email`` package), refuses the recipients in ``refuse`` with 550, and,
with ``login`` set, takes only that user name and password (AUTH over plain SMTP is this
machine's case: ``auth_require_tls=False``). ``write_mail_config`` writes the user's own
config.toml under ``$XDG_CONFIG_HOME``, which the fixture points at ``tmp_path``.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

PASSWORD = "s3cret-Pässword!"  # what a leak test looks for in every message


@dataclass
class Received:
    """One message the server took: the envelope and the message, parsed."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class MailServer:
    """The running server, what it received, and how it behaves."""

    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    login: tuple[str, str] | None = None
    logins: list[str] = field(default_factory=list)  # user names that tried
    #: While set and not yet released, the server holds its answer to a message (a slow server).
    hold: threading.Event | None = None
    holding: threading.Event = field(default_factory=threading.Event)  # set once a message waits on ``hold``

    # -- aiosmtpd's handler hooks ---------------------------------------------------------

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.hold is not None:
            self.holding.set()
            while not self.hold.is_set():  # the test releases it from its own thread
                await asyncio.sleep(0.01)
        raw = envelope.original_content or envelope.content
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw,
                                      email.message_from_bytes(raw, policy=default)))
        return "250 2.0.0 accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        user = auth_data.login.decode() if isinstance(auth_data.login, bytes) else str(auth_data.login)
        self.logins.append(user)
        password = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
        return AuthResult(success=self.login is not None and (user, password) == self.login, handled=False)


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed(folder: Path) -> Path:
    """A certificate for 127.0.0.1 (and its key, beside it as ``.key``), made with the openssl command;
    trust it with ``SSL_CERT_FILE``. Skips the test where openssl is missing."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    cert, key = folder / "server.pem", folder / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return cert


def start_server(login: tuple[str, str] | None = None, certificate: Path | None = None):
    """Start a server; (controller, MailServer). Stop it with ``controller.stop()``.

    With ``certificate`` it offers STARTTLS (and requires it), and takes a login only over TLS.
    """
    from aiosmtpd.controller import Controller

    state = MailServer("127.0.0.1", free_port(), login=login)
    kwargs = {"authenticator": state.authenticate, "auth_require_tls": certificate is not None} if login else {}
    if certificate is not None:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, certificate.with_suffix(".key"))
        kwargs.update(tls_context=context, require_starttls=True)
    controller = Controller(state, hostname=state.host, port=state.port, **kwargs)
    controller.start()
    return controller, state


@pytest.fixture
def mail_server():
    """A server taking mail without a login."""
    controller, state = start_server()
    yield state
    controller.stop()


@pytest.fixture
def login_server():
    """A server taking mail only after a login as ``lena`` with PASSWORD."""
    controller, state = start_server(login=("lena", PASSWORD))
    yield state
    controller.stop()


@pytest.fixture
def user_config(tmp_path, monkeypatch) -> Path:
    """The user's own config folder in tmp_path (``$XDG_CONFIG_HOME``); no password in the environment."""
    home = tmp_path / "user-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("MISHAP_SMTP_PASSWORD", raising=False)
    return home / "mishap" / "config.toml"


def write_mail_config(path: Path, server: MailServer | None = None, **mail) -> Path:
    """Write ``[mail]`` to the user's config.toml: the server's host and port, security none, and ``mail``."""
    import json

    values = {"host": server.host, "port": server.port, "security": "none",
              "from": "Lena Berg <lena@example.com>"} if server else {}
    values.update(mail)
    path.parent.mkdir(parents=True, exist_ok=True)
    # TOML's basic strings and JSON's agree for the text these tests write.
    path.write_text("[mail]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in values.items()))
    return path
