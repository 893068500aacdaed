"""The workspace's keys for the record around the promises: snooze a reminder, say "no news yet",
the client's time zone, and correcting when things happened (each with a reason).

Mixed into :class:`tui.screens.incident.IncidentScreen`, whose ``incident`` and ``writes`` they use.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from storage.domain.clock import local_stamp, read_instant
from storage.domain.corrections import CORRECTABLE
from storage.domain.ledger import SNOOZE_MINUTES

from ..presence import open_composer
from ..widgets.promises import PromisesPane
from ..widgets.text_field import LineField
from .changes import call
from .modals import FormModal, PickerModal, TextForm, _labelled


def snooze_picker(what: str) -> PickerModal:
    """10, 30 or 60 minutes of quiet for the reminders of promise ``what``."""
    return PickerModal(f"Snooze the reminders of “{what}” (it stays due)",
                       [(str(m), f"{m} min") for m in SNOOZE_MINUTES], str(SNOOZE_MINUTES[0]))


class CorrectionForm(FormModal):
    """Correct when the mistake happened, was discovered, acknowledged, contained or resolved: with a reason."""

    TITLE_TEXT = "Correct the record"

    def __init__(self, incident):
        super().__init__()
        self.incident = incident

    def fields(self) -> ComposeResult:
        yield _labelled("What to correct", Select([(words, what) for what, (_, words) in CORRECTABLE.items()],
                                                  value="happened", allow_blank=False, id="what"))
        yield _labelled("When it really was (2026-11-20 14:05, your time; or with an offset)",
                        LineField(self._recorded("happened"), id="when"))
        yield _labelled("Reason (the timeline keeps it, with the old value)", LineField(id="reason"))

    def _recorded(self, what: str) -> str:
        instant = getattr(self.incident, CORRECTABLE[what][0])
        return local_stamp(instant) if instant is not None else ""

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "what" and isinstance(event.value, str):
            self.query_one("#when", Input).value = self._recorded(event.value)

    def collect(self) -> tuple:
        when = self.value("when")
        if not when.strip():
            raise ValueError("say when it really was: a date and time such as 2026-11-20 14:05")
        # The reason is checked by the correction itself (the form's dry run shows the domain's words).
        return str(self.query_one("#what", Select).value), read_instant(when), self.value("reason")


class RecordKeys:
    """Snooze (z), no news yet (shift+n), the client's time zone (shift+z), correct the record (shift+c)."""

    def _snooze_target(self) -> int | None:
        """The highlighted promise when the promises pane has the focus, else the one due first."""
        incident = self.incident
        pane = self.query_one(PromisesPane)
        if pane.has_focus_within:
            index = pane.highlighted()
            if index is not None and incident.promises[index].is_open:
                return index
        nearest = incident.nearest_promise()
        return incident.promises.index(nearest) if nearest is not None else None

    def action_snooze(self) -> None:
        index = self._snooze_target()
        if index is None:
            self.app.notify("No open promise: nothing to snooze", severity="warning", markup=False)
            return
        promise = self.incident.promises[index]
        self.writes.pick(snooze_picker(promise.text), lambda minutes: self.writes.change(
            call("snooze_reminder", index, int(minutes)),
            f"Reminders quiet for {minutes} min; the promise is still due and the countdown runs on"))

    def action_no_news(self) -> None:
        # Through tui.presence: someone else already drafting to the client is named first.
        open_composer(self.app, self.incident, 0, lambda sent: sent and self.app.notify(
            "Holding update logged; countdown reset", markup=False), holding=True)

    def action_client_zone(self) -> None:
        self.writes.ask(lambda: TextForm("The client's time zone", "An IANA name such as America/New_York or "
                                         "Europe/Paris (empty: none)", self.incident.client_tz, multiline=False,
                                         required=False),
                        lambda name: call("set_client_zone", name))

    def action_correct(self) -> None:
        self.writes.ask(lambda: CorrectionForm(self.incident), lambda value: call("correct_instant", *value))
