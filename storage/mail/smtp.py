"""Handing one message to the mail server (smtplib), and every way that fails, each on one line.

Three outcomes, because a retry must never send twice:

- it returns: the server accepted the message (for every recipient, or for those not in
  ``Delivered.refused``);
- :class:`storage.mail.settings.MailError`: the server never took it (not reached, the login
  or every recipient refused, the message refused with a reply): nothing went out;
- :class:`MailUncertain`: the connection broke or timed out after the message itself was
  handed over, before the server said yes or no: it may have gone out.

No message here holds the password: the server's replies are quoted, and the password is
struck from them all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .settings import MailError, MailSettings

#: Each step of the conversation (connect, a reply) gives up after this long.
TIMEOUT_SECONDS = 30


class MailUncertain(MailError):
    """The message was handed over and no answer came: it may have gone out."""


@dataclass(frozen=True)
class Delivered:
    """The server accepted the message; ``refused``: recipients it would not take, with its reply."""

    refused: dict = field(default_factory=dict)


def _reply(code, text) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(said.split())}".strip()


def deliver(settings: MailSettings, recipients: list[str], message: str, password: str = "",
            timeout: float = TIMEOUT_SECONDS) -> Delivered:
    """Send ``message`` (ASCII, as :func:`storage.mail.message.message_text` gives it) to ``recipients``."""
    try:
        return _deliver(settings, recipients, message, password, timeout)
    except MailError as exc:
        said = str(exc)
        if password:
            said = said.replace(password, "…")
        raise type(exc)(said) from None


def _deliver(settings: MailSettings, recipients: list[str], message: str, password: str,
             timeout: float) -> Delivered:
    import smtplib
    import ssl

    where = f"{settings.host}:{settings.port}"
    if settings.username and settings.security == "none" and not settings.on_this_machine:
        raise MailError(f"will not log in to {where} without TLS: the password would cross the network "
                        "unencrypted (security = \"starttls\" or \"ssl\")")
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not reach the mail server {where}: {exc or type(exc).__name__}") from None
    handed_over = False
    try:
        client.ehlo_or_helo_if_needed()
        if settings.security == "starttls":
            if not client.has_extn("starttls"):
                raise MailError(f"the mail server {where} does not offer STARTTLS: nothing was sent "
                                "(security = \"ssl\" if it takes TLS from the start)")
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.username:
            try:
                _login(client, settings.username, password)
            except smtplib.SMTPAuthenticationError as exc:
                raise MailError(f"the mail server {where} refused the login of {settings.username} "
                                f"({_reply(exc.smtp_code, exc.smtp_error)})") from None
            except smtplib.SMTPNotSupportedError:
                raise MailError(f"the mail server {where} offers no login (remove username from [mail], "
                                "or use its submission port)") from None
        code, text = client.mail(settings.sender_address)
        if code != 250:
            raise MailError(f"the mail server {where} refused the sender {settings.sender_address} "
                            f"({_reply(code, text)})")
        refused = {}
        for address in recipients:
            code, text = client.rcpt(address)
            if code not in (250, 251):
                refused[address] = _reply(code, text)
        if len(refused) == len(recipients):
            said = "; ".join(f"{a} ({why})" for a, why in refused.items())
            raise MailError(f"the mail server {where} refused the recipient{'s' if len(refused) > 1 else ''}: "
                            f"{said}; nothing was sent")
        handed_over = True
        try:
            client.data(message.encode("ascii"))
        except smtplib.SMTPDataError as exc:
            raise MailError(f"the mail server {where} refused the message "
                            f"({_reply(exc.smtp_code, exc.smtp_error)}); nothing was sent") from None
        delivered = Delivered(refused)
    except MailError:
        _close(client)
        raise
    except (OSError, smtplib.SMTPException, UnicodeError) as exc:
        _close(client)
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if handed_over:
            raise MailUncertain(f"the mail server {where} stopped answering after it was given the message "
                                f"({what}): it may have gone out") from None
        raise MailError(f"the mail server {where} failed before it took the message ({what}); nothing was sent") \
            from None
    _close(client)  # the server said yes: a QUIT that fails changes nothing
    return delivered


def _login(client, username: str, password: str) -> None:
    """Log in; a password beyond ASCII goes as AUTH PLAIN in UTF-8 (RFC 4616), which smtplib's login cannot."""
    import base64
    import smtplib

    if (username + password).isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    if "plain" not in client.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN is needed for a password beyond ASCII")
    token = base64.b64encode(f"\0{username}\0{password}".encode("utf-8")).decode("ascii")
    code, text = client.docmd("AUTH", f"PLAIN {token}")
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, text)


def _close(client) -> None:
    try:
        client.quit()
    except Exception:  # noqa: BLE001 - the conversation is over either way
        client.close()
