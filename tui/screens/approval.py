"""The second pair of eyes in the console: an update awaiting approval, read before it goes out.

``v`` on the board or in the workspace opens :class:`ApprovalScreen` over the incident's oldest
pending update (one asked by someone else first; your own, to withdraw, when there is no other).
It shows what will be sent, to whom and by whom; ``ctrl+s`` approves and sends it (by email
through your own [mail] settings when its author asked for email, with the author in Cc and
Reply-To), ``ctrl+r`` rejects it with the reason typed, ``ctrl+t`` withdraws your own. While
approving now would keep a hard deadline late and its author gave no reasons for the delay, a
"Reasons for the delay — required" field shows (checked each tick and on each store change, so
a deadline passing while the screen is open shows it), and the approval carries them. Every
decision goes through the app's write path (``WritePath.write``, ``WritePath.email_update``)
and is taken on the incident as stored then (storage.domain.approval): another approver who got
there first is named, and nothing is sent twice.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from storage.domain.approval import ApprovalRequest
from storage.domain.model import Incident

from ..commands import bindings
from ..messages import StoreChanged, Tick
from ..text import clip, literal
from ..widgets.text_field import LineField
from .modals import MODALS_CSS


def next_request(incident: Incident, user: str) -> ApprovalRequest | None:
    """The pending update ``v`` opens: the oldest asked by someone else, else the user's own."""
    pending = incident.pending_updates()
    others = [r for r in pending if r.by.casefold() != user.casefold()]
    return (others or pending or [None])[0]


def awaiting_words(incident: Incident) -> str:
    """``update to Marlow awaiting approval`` (or ``2 updates awaiting approval``); "" with none pending."""
    pending = incident.pending_updates()
    if not pending:
        return ""
    if len(pending) == 1:
        return f"update to {incident.audience_name(pending[0].audience)} awaiting approval"
    return f"{len(pending)} updates awaiting approval"


def open_approval(app, incident: Incident) -> None:
    """``v``: the incident's next pending update, over the current screen; a toast when there is none."""
    request = next_request(incident, app.store.user)
    if request is None:
        app.notify(f"No update awaits approval on {incident.id}", timeout=3, markup=False)
        return
    app.push_screen(ApprovalScreen(incident, request))


class BoardApproves:
    """The board's ``v``, mixed into :class:`tui.screens.board.BoardScreen` (its row marks an update awaiting
    approval with ⧗)."""

    def action_approve(self) -> None:
        """An update awaiting approval on the highlighted incident, to read, then approve or reject."""
        current = self.table.current
        if current is not None:
            open_approval(self.app, self.app.store.get(current.number))


class ApprovalScreen(ModalScreen[bool]):
    """One update awaiting approval: read it, then approve and send, reject with a reason, or withdraw."""

    CSS_PATH = MODALS_CSS

    BINDINGS = bindings("approval")

    def __init__(self, incident: Incident, request: ApprovalRequest):
        super().__init__()
        self.incident = incident
        self.request = request
        self._busy = False

    @property
    def own(self) -> bool:
        """Whether the user asked for it (they may withdraw it, never approve it)."""
        return self.request.by.casefold() == self.app.store.user.casefold()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Your own update can be withdrawn, never approved or rejected; someone else's the other way round."""
        if action in ("approve", "reject"):
            return not self.own
        if action == "withdraw":
            return self.own
        return True

    def compose(self) -> ComposeResult:
        inc, request = self.incident, self.request
        to = inc.audience(request.audience)
        how = ("by email, through your own [mail] settings" if request.email else
               f"as sent ({request.channel}): nothing leaves from mishap")
        cc = f"Cc and Reply-To: {request.author_address}" if request.email and request.author_address else ""
        with Vertical(classes="dialog approval"):
            yield Label(Text(clip(f"Awaiting approval · {inc.id} {inc.title}", 80)), classes="dialog-title")
            said = f"Update {request.number} to {to.label()}, asked by {request.by}\nApproving records it {how}"
            yield Label(Text(literal(f"{said}\n{cc}" if cc else said)), id="approval-what")
            with VerticalScroll(id="approval-text"):
                yield Static(Text(literal(request.summary)))
            yield Label("", id="delay-label", classes="field-label")
            yield LineField(id="delay")
            yield Label("Reason (to reject)", classes="field-label")
            yield LineField(id="reason")
            yield Label("", id="form-error", classes="form-error")
            keys = ("ctrl+t withdraw it (it is yours) · escape close" if self.own else
                    "ctrl+s approve and send · ctrl+r reject with the reason · escape close")
            yield Label(Text(keys), classes="dialog-hint")

    def on_mount(self) -> None:
        self.show_delay()

    def on_tick(self, message: Tick) -> None:
        """A hard deadline may pass while the screen is open: the reasons field shows from then on."""
        self.show_delay()

    def on_store_changed(self, message: StoreChanged) -> None:
        """Another console may have changed the incident (a deadline kept, the request decided)."""
        if message.concerns(self.incident.number):
            self.app.redraw(self, self._reload)

    def _reload(self) -> None:
        self.incident = self.app.store.get(self.incident.number)
        if 1 <= self.request.number <= len(self.incident.approvals):
            self.request = self.incident.approvals[self.request.number - 1]
        self.show_delay()

    def late(self):
        """The hard deadline approving now would keep late with no reasons given yet (a Promise), else None."""
        if self.own or self.request.delay_reason:
            return None
        return self.incident.approval_late(self.request, self.app.now())

    def show_delay(self) -> None:
        """The reasons-for-the-delay field, shown only while approving now needs them."""
        late = self.late()
        label, field = self.query_one("#delay-label", Label), self.query_one("#delay", Input)
        label.display = field.display = late is not None
        if late is not None:
            words = self.incident.deadline_words(late, self.app.now())
            label.update(Text(literal(f"Reasons for the delay — required: “{words}”",
                                      multiline=False)))

    def show_error(self, message: str) -> None:
        """Say why nothing happened."""
        label = self.query_one("#form-error", Label)
        label.update(Text(literal(message)))
        label.add_class("-shown")

    def action_approve(self) -> None:
        if self._busy:
            return
        self.show_delay()
        field = self.query_one("#delay", Input)
        delay = field.value.strip() if field.display else ""
        late = self.late()
        if late is not None and not delay:
            self.show_error(f"give the reasons for the delay, then ctrl+s: "
                            f"“{self.incident.rule_label(late) or late.text}” is late")
            field.focus()
            return
        number = self.request.number
        self._busy = True
        if self.request.email:
            from storage.mail.approval import approval_prepare

            self.app.notify("Approved: sending the update by email…", timeout=3, markup=False)
            # The app's worker: closing the form while the server answers must not cut the record short.
            self.app.run_worker(self._emailed(approval_prepare(number, delay)), group="send")
        else:
            self.run_worker(self._decided(lambda inc, now, by: inc.approve_update(number, now, by, delay),
                                          "approved"))

    def action_reject(self) -> None:
        if self._busy:
            return
        reason = self.query_one("#reason", Input).value
        if not reason.strip():
            self.show_error("type why it is rejected, then ctrl+r: its author reads it")
            self.query_one("#reason", Input).focus()
            return
        number = self.request.number
        self._busy = True
        self.run_worker(self._decided(lambda inc, now, by: inc.reject_update(number, reason, now, by), "rejected"))

    def action_withdraw(self) -> None:
        if self._busy:
            return
        number = self.request.number
        self._busy = True
        self.run_worker(self._decided(lambda inc, now, by: inc.withdraw_update(number, now, by), "withdrawn"))

    def action_close(self) -> None:
        self.dismiss(False)

    async def _decided(self, apply, what: str) -> None:
        try:
            result = await self.app.write(self.incident.number, apply, show_refusal=False)
        finally:
            self._busy = False
        if not result.ok:
            self.show_error(result.message)
            self.show_delay()
            return
        self.app.notify(f"{self.incident.id}: update {self.request.number} {what}", timeout=4, markup=False)
        self.dismiss(True)

    async def _emailed(self, prepare) -> None:
        try:
            result = await self.app.email_update(self.incident.number, prepare)
        finally:
            self._busy = False
        if not result.ok:
            if self.is_attached:
                self.show_error(f"not sent: {result.message}")
            else:
                self.app.notify(f"Not sent: {result.message}", severity="error", markup=False)
            return
        update, queued, delivered = result.value
        sent_to = ", ".join(a for a in queued.recipients if a not in delivered.refused)
        refused = f"; refused: {', '.join(delivered.refused)}" if delivered.refused else ""
        self.app.notify(f"{self.incident.id}: update {self.request.number} approved, emailed to {sent_to} and "
                        f"recorded ({update.message_id}){refused}", severity="warning" if refused else "information",
                        timeout=6, markup=False)
        if self.is_attached:
            self.dismiss(True)
