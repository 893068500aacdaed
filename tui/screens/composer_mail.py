"""The composer's email key: the update sent through the user's own mail settings, then recorded.

Mixed into :class:`tui.screens.composer.ComposerScreen`, which provides the form (``_ready``,
``show_error``, ``audience``, ``incident``) and its draft. The sending itself is the app's
(``WritePath.email_update``): the outbox and the record on the store thread, the server on a
thread of its own (storage.mail.sending).
"""

from __future__ import annotations

from textual.widgets import Label


class EmailsTheUpdate:
    """``f4`` in the composer: email the update to its audience and record it as sent."""

    def action_email(self) -> None:
        """Email the update to the audience's address(es) and record it (channel email, its Message-ID)."""
        ready = self._ready()
        if ready is None:
            return
        from storage.mail.sending import Wanted

        text, _, due, delay = ready
        audience = self.audience
        if self.needs_approval:
            self._ask_to_email(text, due, delay)
            return
        self._sending = True
        self.query_one("#form-error", Label).remove_class("-shown")
        self.app.notify("Sending the update by email…", timeout=3, markup=False)

        def prepare(incident, now, by):
            return Wanted(audience, text, due, delay)

        # The app's worker, not this screen's: closing the form while the server answers must not cut the
        # record short (the outbox would then hold an email nobody knows the fate of).
        self.app.run_worker(self._email(prepare), group="send")

    def _ask_to_email(self, text: str, due, delay: str) -> None:
        """The team wants a second pair of eyes: ask for approval to email it, the author's own From kept for
        the Cc and Reply-To of the email the approver sends (storage.domain.approval)."""
        from storage.mail.message import check_sendable
        from storage.mail.settings import MailError, read_mail_settings

        try:
            check_sendable(text)
            author = read_mail_settings().sender
        except MailError as exc:
            self.show_error(f"not asked: {exc}")
            return
        audience = self.audience
        self._sending = True
        self.run_worker(self._send(lambda inc, now, by: inc.ask_approval("email", text, due, now, by, audience=audience,
                                                                          delay_reason=delay, email=True,
                                                                          author_address=author)),
                        group="send")

    async def _email(self, prepare) -> None:
        try:
            result = await self.app.email_update(self.incident.number, prepare)
        finally:
            self._sending = False
        if not result.ok:
            if self.is_attached:
                self.show_error(f"not sent: {result.message}")  # the draft stays, to send again
            else:
                self.app.notify(f"Not sent: {result.message}", severity="error", markup=False)
            return
        update, queued, delivered = result.value
        if self._autosave is not None:
            self._autosave.stop()
        await self.app.save_draft(self.incident.number, self._others or None)
        sent_to = ", ".join(a for a in queued.recipients if a not in delivered.refused)
        refused = f"; refused: {', '.join(delivered.refused)}" if delivered.refused else ""
        self.app.notify(f"Update emailed to {sent_to} and recorded ({update.message_id}){refused}",
                        severity="warning" if refused else "information", timeout=6, markup=False)
        if self.is_attached:
            self.dismiss(True)
