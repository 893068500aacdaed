"""How this person's updates leave by email: ``[mail]`` in their own config.toml, and the password.

Read from the user's own config file (storage.store.personal), never from the store: on a
team's database each responder sends through their own account. The password is never in
that file either: it comes from ``MISHAP_SMTP_PASSWORD``, else the system keyring (service
``mishap``, the username), and nothing here writes it anywhere or puts it in a message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

SECURITIES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
KEYS = ("host", "port", "security", "username", "from")
PASSWORD_VARIABLE = "MISHAP_SMTP_PASSWORD"
KEYRING_SERVICE = "mishap"
#: Hosts a login may reach without TLS: the password never leaves this machine.
THIS_MACHINE = ("localhost", "127.0.0.1", "::1")


class MailError(ValueError):
    """Mail cannot be sent: the settings, the password, the text or the server; one line saying why."""


@dataclass(frozen=True)
class MailSettings:
    """``[mail]`` as read and checked: where to send from, and as whom."""

    host: str
    port: int
    security: str  # "starttls", "ssl" or "none"
    username: str  # "" for a server that takes mail without a login (a local relay)
    sender: str  # the ``from`` value: "Lena Berg <lena@example.com>"
    path: Path | None = None  # the file it was read from, for messages

    @property
    def sender_address(self) -> str:
        """The bare address of ``sender`` (the envelope's sender)."""
        return parseaddr(self.sender)[1]

    @property
    def sender_name(self) -> str:
        """The display name of ``sender``, "" if it has none."""
        return parseaddr(self.sender)[0]

    @property
    def on_this_machine(self) -> bool:
        """Whether the server is this machine (a login may go without TLS only then)."""
        return self.host.strip("[]").lower() in THIS_MACHINE


def _bad(where: Path | str, what: str) -> MailError:
    return MailError(f"{where}: [mail] {what}")


def read_mail_settings(table: dict | None = None, path: Path | None = None) -> MailSettings:
    """The ``[mail]`` settings of the user's own config.toml, checked; MailError naming the file if unusable.

    ``table`` and ``path`` are for tests and callers that read the file already.
    """
    if table is None:
        from storage.store.personal import read_personal_config

        config = read_personal_config(path)
        if config.problem:
            raise MailError(config.problem)
        table, path = config.table("mail"), config.path
    where = path if path is not None else "config.toml"
    if not table:
        raise MailError(f"no [mail] settings in {where}: add host, port, security, username and from "
                        "(see the README) to send updates by email")
    unknown = sorted(k for k in table if k not in KEYS)
    if unknown:
        raise _bad(where, f"has {', '.join(map(repr, unknown))}, which mishap does not know "
                          f"(it reads {', '.join(KEYS)})")
    host = table.get("host")
    if not isinstance(host, str) or not host.strip() or not host.isprintable() or " " in host.strip():
        raise _bad(where, "host must be the mail server's name, e.g. host = \"smtp.example.com\"")
    security = table.get("security", "starttls")
    if security not in SECURITIES:
        raise _bad(where, f"security must be \"starttls\", \"ssl\" or \"none\", not {security!r}")
    port = table.get("port", DEFAULT_PORTS[security])
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise _bad(where, f"port must be a number from 1 to 65535, not {port!r}")
    username = table.get("username", "")
    if not isinstance(username, str) or not username.isprintable():
        raise _bad(where, "username must be text on one line")
    sender = table.get("from")
    name, address = parseaddr(sender) if isinstance(sender, str) else ("", "")
    if (not isinstance(sender, str) or not sender.isprintable() or "@" not in address
            or any(c in address for c in " ,;<>")):
        raise _bad(where, "from must be your address, e.g. from = \"Lena Berg <lena@example.com>\"")
    settings = MailSettings(host.strip(), port, security, username.strip(), sender.strip(), path)
    if security == "none" and settings.username and not settings.on_this_machine:
        raise _bad(where, f"security = \"none\" with a username would send the password to {settings.host} "
                          "unencrypted: use \"starttls\" or \"ssl\" (a login without TLS is only for this machine)")
    return settings


def mail_password(settings: MailSettings, environ: dict | None = None) -> str:
    """The password for ``settings.username``: ``MISHAP_SMTP_PASSWORD``, else the system keyring.

    "" when no login is configured. MailError, saying how to give it, when there is none.
    """
    if not settings.username:
        return ""
    env = os.environ if environ is None else environ
    given = env.get(PASSWORD_VARIABLE)
    if given:
        return given
    how = (f"set {PASSWORD_VARIABLE} in mishap's environment, or store it in the system keyring "
           f"(keyring set {KEYRING_SERVICE} {settings.username})")
    import keyring  # only now: loading it looks for backends, which is slow
    from keyring.errors import KeyringError, NoKeyringError

    try:
        password = keyring.get_password(KEYRING_SERVICE, settings.username)
    except NoKeyringError:
        raise MailError(f"no password for {settings.username}: there is no system keyring here; {how}") from None
    except KeyringError as exc:
        raise MailError(f"no password for {settings.username}: the keyring failed ({type(exc).__name__}); "
                        f"{how}") from None
    if not password:
        raise MailError(f"no password for {settings.username}: {how}")
    return password
