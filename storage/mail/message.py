"""The email an update goes out as: pure, no server and no store.

- The body is the update's text exactly: UTF-8, base64-encoded, so after MIME decoding the
  recipient's program has the very bytes that are recorded (line ends, a last line without
  one, long lines: nothing is cut, re-wrapped or normalised on the way).
- Headers come from the standard library's ``email`` package (policy SMTP), and every piece of
  stored text put into one (a title, an audience's name, a sender's name) passes
  :func:`header_text` first: CR, LF and every other control character are shown as pictures,
  never kept, so no title or name can start a header or add a recipient.
- Text that cannot be encoded (a lone surrogate) is refused with :func:`check_sendable`,
  before anything is queued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from storage.domain.audiences import check_email
from storage.domain.fields import ValidationError
from storage.domain.visible import visible

from .settings import MailError, MailSettings

_SEPARATORS = re.compile("[\u2028\u2029\x85]")
_SPLIT = re.compile(r"[,;\s]+")


def header_text(text: str) -> str:
    """``text`` as it may sit in a header: on one line, every control character made a visible picture."""
    shown = visible(_SEPARATORS.sub(" ", text), multiline=False)
    return " ".join(shown.split())


def check_sendable(text: str, what: str = "the update") -> None:
    """MailError if ``text`` cannot be sent as it is recorded (it holds a lone surrogate), saying where."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise MailError(f"{what} cannot be emailed: it holds a lone surrogate (U+{ord(text[exc.start]):04X}) on "
                        f"line {line}, which no mail program can show; retype that part") from None
    if not text.strip():
        raise MailError(f"{what} is empty: there is nothing to email")


def addresses_of(field_value: str) -> list[str]:
    """The addresses an audience's ``email`` holds (one, or several separated by commas), each checked."""
    found = []
    for part in _SPLIT.split(field_value.strip()):
        if not part:
            continue
        try:
            found.append(check_email(part))
        except ValidationError as exc:
            raise MailError(str(exc)) from None
        found = list(dict.fromkeys(found))
    return found


def subject_for(incident_id: str, title: str) -> str:
    """``M-3: Payroll export sent to the wrong client``: the incident's id and title, on one line."""
    return f"{incident_id}: {header_text(title)}"


def new_message_id(settings: MailSettings) -> str:
    """A fresh Message-ID in the sender's own domain (no look-up of this machine's name)."""
    domain = settings.sender_address.rpartition("@")[2] or "mishap.invalid"
    return make_msgid("mishap", domain=header_text(domain).replace(" ", ""))


@dataclass(frozen=True)
class Outgoing:
    """What one email says and to whom: everything :func:`build_message` needs, no store.

    ``to``: (name, address) pairs; ``cc`` likewise; ``reply_to``: addresses replies go to.
    ``thread``: the Message-IDs this one follows, oldest first (its References; the last is In-Reply-To).
    """

    subject: str
    text: str
    to: tuple[tuple[str, str], ...]
    message_id: str
    date: datetime
    thread: tuple[str, ...] = ()
    cc: tuple[tuple[str, str], ...] = ()
    reply_to: tuple[tuple[str, str], ...] = ()
    extra_headers: dict = field(default_factory=dict)

    @property
    def recipients(self) -> list[str]:
        """Every address the server is asked to deliver to (To, then Cc), each once."""
        return list(dict.fromkeys(addr for _, addr in (*self.to, *self.cc)))


def _address(name: str, addr: str) -> Address:
    user, _, domain = addr.rpartition("@")
    try:
        return Address(display_name=header_text(name), username=user, domain=domain)
    except (ValueError, IndexError) as exc:
        raise MailError(f"{addr!r} cannot be written in a mail header ({exc})") from None


def build_message(settings: MailSettings, outgoing: Outgoing) -> EmailMessage:
    """The message ``outgoing`` describes, from ``settings.sender``: real MIME, the text exact."""
    check_sendable(outgoing.text)
    if not outgoing.to:
        raise MailError("no one to send it to: the audience has no email address")
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _address(settings.sender_name, settings.sender_address)
    msg["To"] = [_address(name, addr) for name, addr in outgoing.to]
    if outgoing.cc:
        msg["Cc"] = [_address(name, addr) for name, addr in outgoing.cc]
    if outgoing.reply_to:
        msg["Reply-To"] = [_address(name, addr) for name, addr in outgoing.reply_to]
    msg["Subject"] = header_text(outgoing.subject)
    msg["Date"] = format_datetime(outgoing.date)
    msg["Message-ID"] = outgoing.message_id
    if outgoing.thread:
        msg["In-Reply-To"] = outgoing.thread[-1]
        msg["References"] = " ".join(outgoing.thread)
    for name, value in outgoing.extra_headers.items():
        msg[name] = header_text(value)
    msg.set_content(outgoing.text.encode("utf-8"), maintype="text", subtype="plain", cte="base64",
                    params={"charset": "utf-8"})
    return msg


def message_text(msg: EmailMessage) -> str:
    """``msg`` as it is given to the server and kept in the outbox: ASCII, CRLF line ends."""
    return msg.as_bytes(policy=SMTP).decode("ascii")
