"""The incident workspace: the header strip, the four panes and the audiences, fed the incident by data binding."""

from __future__ import annotations

from pathlib import Path

from pendulum import DateTime
from textual import events
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header

from storage.domain.audiences import CLIENT
from storage.domain.ledger import cadence_words
from storage.domain.visible import visible
from storage.domain.model import Incident

from ..commands import bindings
from ..messages import StoreChanged, Tick
from ..widgets.audiences import AudienceAddAsked, AudiencesPane, AudienceUpdateAsked
from ..widgets.banner import OverdueBanner
from ..widgets.checklist import ChecklistPane, StepNoteAsked, StepToggled
from ..widgets.damage import AnswerAsked, DamageEditAsked, DamagePane, DamageStateSet
from ..widgets.focus import FocusInView
from ..widgets.pane import refuse_when_closed
from ..widgets.promises import PromiseKept, PromiseMoveAsked, PromisesPane
from ..widgets.strip import IncidentStrip
from ..widgets.timeline import TimelinePane
from .approval import awaiting_words, open_approval
from .audience_forms import AudienceForm, TagsForm, add_audience, change_tags, tags_said
from .changes import Writes, call
from .close import CloseForm
from .closed_view import reopen_incident
from ..presence import open_composer
from .modals import DamageForm, QuestionForm, TextForm, status_picker
from .record import RecordKeys
from .promises import PromiseForm, RenegotiateForm, cadence_picker, first_learned_picker


CLOSED_LOOK = "#strip, #strip-title, .pane-title"  # what a closed incident shows differently


class IncidentScreen(RecordKeys, FocusInView, Screen):
    """Work one incident: the panes post what the user asked for, the screen writes it through the
    app, and the incident as stored flows back to the strip and the panes through ``incident``."""

    CSS_PATH = Path(__file__).with_name("incident.tcss")

    BINDINGS = bindings("incident")
    READ_ONLY_ACTIONS = frozenset({"back", "reopen_incident"})  # what a closed incident's keys still do

    incident: reactive[Incident | None] = reactive(None, repaint=False)
    closed: reactive[bool] = reactive(False, init=False, repaint=False)
    now: reactive[DateTime | None] = reactive(None, repaint=False)
    _awaiting = False  # an update awaits approval on this incident (``v`` offered)

    def __init__(self, number: int):
        super().__init__(name=f"incident-{number}")
        self.number = number

    def compose(self) -> ComposeResult:
        bound = (IncidentScreen.incident, IncidentScreen.closed)
        yield Header()
        yield OverdueBanner()
        yield IncidentStrip().data_bind(IncidentScreen.incident, IncidentScreen.now)
        # A grid: the audiences sit under the checklist, yet come last in the DOM, so tab visits
        # them after the timeline (the four panes keep their order) and a stacked layout ends with them.
        with Container(id="panes"):
            yield ChecklistPane().data_bind(*bound)
            with Vertical(id="side-panes"):
                yield DamagePane().data_bind(*bound)
                yield PromisesPane().data_bind(*bound, IncidentScreen.now)
                yield TimelinePane().data_bind(*bound)
            yield AudiencesPane().data_bind(*bound, IncidentScreen.now)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#checklist-table").focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Show the incident as the store holds it (each pane redraws if its part changed)."""
        self.incident = self.app.store.get(self.number)

    def on_tick(self, message: Tick) -> None:
        """Once a second: the strip's countdown and age, the promises' due times."""
        self.now = message.now

    def on_store_changed(self, message: StoreChanged) -> None:
        """A write, ours or another process's, may concern this incident: show the store's copy."""
        if message.concerns(self.number):
            self.app.redraw(self, self.reload)

    def watch_incident(self, incident: Incident | None) -> None:
        if incident is not None:
            self.title = incident.id
            self.closed = incident.is_closed
            if not incident.is_closed:
                self.sub_title = self.subtitle()
            awaiting = bool(incident.approvals) and bool(incident.pending_updates())
            if awaiting != self._awaiting:  # ``v`` shows in the footer only while it has something to open
                self._awaiting = awaiting
                self.refresh_bindings()

    def watch_closed(self, closed: bool) -> None:
        """The closed styling, the subtitle and the keys, together: also for a close made elsewhere.

        The class goes on the parts that look different (incident.tcss), not on the screen: a
        class on the screen restyles every widget under it, a third of the time a close took.
        """
        for part in self.query(CLOSED_LOOK):
            part.set_class(closed, "-closed")
        self.sub_title = self.subtitle()
        self.refresh_bindings()

    def subtitle(self) -> str:
        """The header's second part: the status, and who else is here (``open · dana is here · drafting …``)."""
        said = "closed · read-only · shift+r reopens" if self.closed else self.incident.status
        awaiting = awaiting_words(self.incident) if self.incident.approvals else ""
        if awaiting and not self.closed:
            said += f" · {awaiting} (v)"
        presence = self.app.presence
        here = presence.here(self.number) if presence is not None and presence.notes else ""
        return f"{said} · {here}" if here else said

    def on_presence_changed(self, message) -> None:
        """Someone came, left, or started drafting: the header says who else is here."""
        if self.incident is not None:
            self.sub_title = self.subtitle()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Hide every key that changes a closed incident (and reopen on an open one); ``v`` unless an update
        awaits approval here."""
        if action == "reopen_incident":
            return self.closed
        if action == "approve":  # only while an update awaits approval here
            return not self.closed and self._awaiting
        return not self.closed or action in self.READ_ONLY_ACTIONS

    def on_key(self, event: events.Key) -> None:
        refuse_when_closed(self, event, self.READ_ONLY_ACTIONS)  # (the panes refuse their own keys)

    # -- what the panes ask for, and the keys of the whole incident: each becomes a store change --

    @property
    def writes(self) -> Writes:
        """The way from what the user asked for to a change of this incident in the store."""
        return Writes(self.app, self.number)

    def on_step_toggled(self, asked: StepToggled) -> None:
        # No toast on success: the tick mark and the timeline entry are the confirmation.
        self.writes.change(call("complete_step" if asked.done else "reopen_step", asked.step))

    def on_step_note_asked(self, asked: StepNoteAsked) -> None:
        step = self.incident.steps[asked.step]
        self.writes.ask(lambda: TextForm(f"Note on step {asked.step + 1}", step.text, step.note, multiline=False,
                                         required=False), lambda note: call("set_step_note", asked.step, note))

    def on_damage_state_set(self, asked: DamageStateSet) -> None:
        self.writes.change(call("set_damage_state", asked.index, asked.state, shown=asked.shown))

    def on_damage_edit_asked(self, asked: DamageEditAsked) -> None:
        item = self.incident.damage[asked.index]
        self.writes.ask(lambda: DamageForm(item), lambda edited: call("edit_damage", asked.index, edited))

    def on_answer_asked(self, asked: AnswerAsked) -> None:
        question = self.incident.questions[asked.index]
        self.writes.ask(lambda: QuestionForm(question), lambda text: call("answer_question", asked.index, text))

    def on_promise_kept(self, asked: PromiseKept) -> None:
        self.writes.change(call("keep_promise", asked.index), "Promise kept")

    def on_promise_move_asked(self, asked: PromiseMoveAsked) -> None:
        what = self.incident.promises[asked.index].text
        self.writes.ask(lambda: RenegotiateForm(self.app.now, what),
                        lambda moved: call("renegotiate", asked.index, *moved))

    def on_audience_update_asked(self, asked: AudienceUpdateAsked) -> None:
        self.compose_update(asked.index)

    def on_audience_add_asked(self, asked: AudienceAddAsked) -> None:
        self.writes.ask(AudienceForm, add_audience, lambda value: self.app.notify(
            f"{visible(value[0], multiline=False)} added: u in the audiences pane writes to them", timeout=4,
            markup=False))

    def action_tags(self) -> None:
        rules = self.app.store.playbook.rules
        self.writes.ask(lambda: TagsForm(self.incident, rules), lambda value: change_tags(value, rules),
                        lambda value: self.app.notify(visible(tags_said(value), multiline=False), timeout=4,
                                                      markup=False))

    def action_add_promise(self) -> None:
        self.writes.ask(lambda: PromiseForm(self.app.now), lambda promise: call("add_promise", *promise))

    def action_add_damage(self) -> None:
        self.writes.ask(DamageForm, lambda item: call("add_damage", item))

    def action_add_question(self) -> None:
        self.writes.ask(QuestionForm, lambda text: call("add_question", text))

    def action_note(self) -> None:
        self.writes.ask(lambda: TextForm("Add a note", "Note for the timeline"), lambda text: call("add_note", text))

    def action_cadence(self) -> None:
        shown = self.incident.cadence_minutes  # what the picker highlights: the cadence moved from
        self.writes.pick(cadence_picker(shown), lambda value: self.writes.change(
            call("set_cadence", int(value), shown=shown), f"Client updates: {cadence_words(int(value))}"))

    def action_first_learned(self) -> None:
        shown = self.incident.first_learned_by
        self.writes.pick(first_learned_picker(shown),
                         lambda value: self.writes.change(call("set_first_learned", value, shown=shown)))

    def action_status(self) -> None:
        shown = self.incident.status  # what the picker highlights: the status moved from

        def picked(status: str) -> None:
            if status == "closed" and not self.closed:
                self.action_close_incident()  # closing goes through the close-out form
            else:
                self.writes.change(call("set_status", status, shown=shown), f"Status is now {status}")

        self.writes.pick(status_picker(shown), picked)

    def action_log_update(self) -> None:
        self.compose_update(CLIENT)

    def compose_update(self, audience: int) -> None:
        """The composer, writing to ``audience`` (the client's: 0)."""
        said = ("Client update logged; countdown reset" if audience == CLIENT else
                f"Update to {visible(self.incident.audience_name(audience), multiline=False)} logged")
        open_composer(self.app, self.incident, audience, lambda sent: sent and self.app.notify(said, markup=False))

    def action_close_incident(self) -> None:
        def saved(answer) -> None:
            self.reload()  # the store's message may come after this callback
            if not answer[1]:
                self.app.notify("Close-out saved; the incident stays open", markup=False)
                return
            reason = " (with a reason for what is missing)" if self.incident.close_reason else ""
            self.app.notify(f"{self.incident.id} closed{reason}. shift+r reopens it", markup=False)

        self.writes.ask(lambda: CloseForm(self.incident, self.app.now, self.app.store.user),
                        lambda answer: lambda inc, now, by: answer[0].apply_to(inc, now, by, close=answer[1]), saved)

    def action_reopen_incident(self) -> None:
        reopen_incident(self.app, self.number)

    def action_approve(self) -> None:
        """An update awaiting approval on this incident: read it, then approve, reject or withdraw it."""
        open_approval(self.app, self.app.store.get(self.number))

    def action_back(self) -> None:
        self.app.pop_screen()
