"""The incident workspace: a header strip with the countdown, and the four panes it feeds."""

from __future__ import annotations

from pathlib import Path

from pendulum import DateTime
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Label

from storage.domain.clock import human_span
from storage.domain.ledger import cadence_words
from storage.domain.model import SEVERITY_NAMES, Incident, Unchanged

from ..text import clip
from ..widgets.checklist import ChecklistPane, StepNoteAsked, StepToggled
from ..widgets.countdown import CountdownBadge
from ..widgets.damage import AnswerAsked, DamageEditAsked, DamagePane, DamageStateSet
from ..widgets.focus import FocusInView
from ..widgets.pane import WorkspacePane
from ..widgets.promises import PromiseKept, PromiseMoveAsked, PromisesPane
from ..widgets.timeline import TimelinePane
from .ask import Change, ask
from .modals import DamageForm, QuestionForm, TextForm, status_picker
from .promises import PromiseForm, RenegotiateForm, cadence_picker, first_learned_picker


def call(method: str, *args, **kwargs) -> Change:
    """The change that calls ``incident.method(*args, now, by, **kwargs)``."""
    return lambda incident, now, by: getattr(incident, method)(*args, now, by, **kwargs)


class IncidentScreen(FocusInView, Screen):
    """Work one incident: the panes say what the user asked for, the screen writes it to the store,
    and the incident as stored flows back to the panes through ``incident``."""

    CSS_PATH = Path(__file__).with_name("incident.tcss")

    BINDINGS = [
        Binding("u", "log_update", "Client update", tooltip="Compose, check and send a client update", id="incident.update"),
        Binding("p", "add_promise", "Promise", tooltip="Record a commitment made to the client", id="incident.promise"),
        Binding("U", "cadence", "Cadence", key_display="shift+u", show=False, tooltip="Change how often the client gets an update", id="incident.cadence"),
        Binding("F", "first_learned", "Who found it", key_display="shift+f", show=False, tooltip="Record who learned of the mistake first", id="incident.first_learned"),
        Binding("a", "add_damage", "Add damage", tooltip="Add a damage item", id="incident.add_damage"),
        Binding("A", "add_question", "Add question", key_display="shift+a", show=False, tooltip="Add an open question to verify", id="incident.add_question"),
        Binding("s", "status", "Status", tooltip="Change the incident's status", id="incident.status"),
        Binding("o", "note", "Note", tooltip="Add a note to the timeline", id="incident.note"),
        Binding("c", "close_incident", "Close", tooltip="Close the incident: root cause, fix, prevention, debrief, cost, lessons", id="incident.close"),
        Binding("R", "reopen_incident", "Reopen", key_display="shift+r", tooltip="Reopen this closed incident (with a reason)", id="incident.reopen"),
        Binding("escape", "back", "Board", tooltip="Back to the board", id="incident.back"),
    ]
    READ_ONLY_ACTIONS = frozenset({"back", "reopen_incident"})  # what a closed incident's keys still do

    incident: reactive[Incident | None] = reactive(None)
    closed: reactive[bool] = reactive(False, init=False)
    now: reactive[DateTime | None] = reactive(None)

    def __init__(self, number: int):
        super().__init__(name=f"incident-{number}")
        self.number = number

    def compose(self) -> ComposeResult:
        bound = (IncidentScreen.incident, IncidentScreen.closed)
        yield Header()
        with Horizontal(id="strip"):
            with Vertical(id="strip-info"):
                yield Label("", id="strip-title")
                yield Label("", id="strip-client")
                yield Label("", id="strip-meta")
            yield CountdownBadge(id="countdown")
        with Horizontal(id="panes"):
            yield ChecklistPane().data_bind(*bound)
            with Vertical(id="side-panes"):
                yield DamagePane().data_bind(*bound)
                yield PromisesPane().data_bind(*bound, IncidentScreen.now)
                yield TimelinePane().data_bind(*bound)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#checklist-table").focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Show the incident as the store holds it (the panes redraw what changed)."""
        self.incident = self.app.store.get(self.number)

    def tick(self, now: DateTime) -> None:
        """Once a second: the countdown, the time since discovery, the promises' due times."""
        self.now = now

    # -- what the screen shows itself: the strip, and whether the incident is closed -----------

    def watch_incident(self, incident: Incident | None) -> None:
        if incident is None:
            return
        self.title = incident.id
        self.query_one("#strip-title", Label).update(Text(clip(f"{incident.id}  {incident.title}", 200), style="bold"))
        contact = f" — {incident.client_contact}" if incident.client_contact else ""
        self.query_one("#strip-client", Label).update(Text(clip(f"{incident.client_org}{contact}", 200)))
        self.closed = incident.is_closed
        if not incident.is_closed:
            self.sub_title = incident.status
        self.watch_now(self.app.now())

    def watch_closed(self, closed: bool) -> None:
        """The closed styling, the subtitle and the keys, together: also for a close made elsewhere."""
        self.set_class(closed, "-closed")
        self.sub_title = "closed · read-only · shift+r reopens" if closed else self.incident.status
        self.refresh_bindings()

    def watch_now(self, now: DateTime | None) -> None:
        incident = self.incident
        if incident is None or now is None:
            return
        since = human_span((now - incident.discovered_at).total_seconds())
        owner = f" · owner {clip(incident.owner, 40)}" if incident.owner else ""
        meta = (f"severity {incident.severity} {SEVERITY_NAMES[incident.severity]} · {incident.status} · "
                f"discovered {since} ago{owner}")
        self.query_one("#strip-meta", Label).update(Text(meta))
        nearest = incident.nearest_promise()
        self.query_one(CountdownBadge).show(incident.next_deadline, now, incident.cadence,
                                            nearest.text if nearest else None)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Hide every key that changes a closed incident (and reopen on an open one)."""
        if action == "reopen_incident":
            return self.closed
        return not self.closed or action in self.READ_ONLY_ACTIONS

    @on(events.Key)
    def _refuse_when_closed(self, event: events.Key) -> None:
        owners = [node for node in (self.focused.ancestors_with_self if self.focused else ())
                  if isinstance(node, WorkspacePane)]
        changes = any(event.key in binding.key.split(",") and binding.action.split("(")[0] not in self.READ_ONLY_ACTIONS
                      for owner in (*owners, self) for binding in owner.BINDINGS)
        if self.closed and changes:
            event.stop()
            self.app.notify(f"{self.incident.id} is closed and read-only: shift+r reopens it",
                            severity="warning", markup=False)

    # -- from what the user asked for to a store change ----------------------------------------

    def _intend(self, change: Change, done: str | None = None) -> None:
        """Write an intent taken from what the screen showed; say so if the disk already had it."""
        result = self.app.apply_change(self.number, change)
        if isinstance(result, Unchanged):
            # The store wrote nothing and the panes now show the disk: say why.
            self.app.notify(clip(result.message(self.app.now()), 300), markup=False,
                            severity="warning" if result.refused else "information")
        elif result is not None and done:
            self.app.notify(done, timeout=3, markup=False)

    def _ask(self, make, change, then=None) -> None:
        ask(self.app, self.number, make, change, then)

    @on(StepToggled)
    def _toggle_step(self, asked: StepToggled) -> None:
        # No toast on success: the tick mark and the timeline entry are the confirmation.
        self._intend(call("complete_step" if asked.done else "reopen_step", asked.step))

    @on(StepNoteAsked)
    def _note_step(self, asked: StepNoteAsked) -> None:
        step = self.incident.steps[asked.step]
        self._ask(lambda: TextForm(f"Note on step {asked.step + 1}", step.text, step.note, multiline=False,
                                   required=False), lambda note: call("set_step_note", asked.step, note))

    @on(DamageStateSet)
    def _move_damage(self, asked: DamageStateSet) -> None:
        self._intend(call("set_damage_state", asked.index, asked.state, shown=asked.shown))

    @on(DamageEditAsked)
    def _edit_damage(self, asked: DamageEditAsked) -> None:
        item = self.incident.damage[asked.index]
        self._ask(lambda: DamageForm(item), lambda edited: call("edit_damage", asked.index, edited))

    @on(AnswerAsked)
    def _answer(self, asked: AnswerAsked) -> None:
        question = self.incident.questions[asked.index]
        self._ask(lambda: QuestionForm(question), lambda answer: call("answer_question", asked.index, answer))

    @on(PromiseKept)
    def _keep_promise(self, asked: PromiseKept) -> None:
        self._intend(call("keep_promise", asked.index), "Promise kept")

    @on(PromiseMoveAsked)
    def _move_promise(self, asked: PromiseMoveAsked) -> None:
        what = self.incident.promises[asked.index].text
        self._ask(lambda: RenegotiateForm(self.app.now, what), lambda moved: call("renegotiate", asked.index, *moved))

    def action_add_promise(self) -> None:
        self._ask(lambda: PromiseForm(self.app.now), lambda promise: call("add_promise", *promise))

    def action_add_damage(self) -> None:
        self._ask(DamageForm, lambda item: call("add_damage", item))

    def action_add_question(self) -> None:
        self._ask(QuestionForm, lambda text: call("add_question", text))

    def action_note(self) -> None:
        self._ask(lambda: TextForm("Add a note", "Note for the timeline"), lambda text: call("add_note", text))

    def action_cadence(self) -> None:
        shown = self.incident.cadence_minutes  # what the picker highlights: the cadence moved from

        def picked(value: str | None) -> None:
            if value is not None:
                self._intend(call("set_cadence", int(value), shown=shown),
                             f"Client updates: {cadence_words(int(value))}")

        self.app.push_screen(cadence_picker(shown), picked)

    def action_first_learned(self) -> None:
        shown = self.incident.first_learned_by

        def picked(value: str | None) -> None:
            if value is not None:
                self._intend(call("set_first_learned", value, shown=shown))

        self.app.push_screen(first_learned_picker(shown), picked)

    def action_status(self) -> None:
        shown = self.incident.status  # what the picker highlights: the status moved from

        def picked(status: str | None) -> None:
            if status == "closed" and not self.closed:
                self.action_close_incident()  # closing goes through the close-out form
            elif status is not None:
                self._intend(call("set_status", status, shown=shown), f"Status is now {status}")

        self.app.push_screen(status_picker(shown), picked)

    def action_log_update(self) -> None:
        from .composer import ComposerScreen

        self.app.push_screen(ComposerScreen(self.incident),
                             lambda sent: sent and self.app.notify("Client update logged; countdown reset",
                                                                   markup=False))

    def action_close_incident(self) -> None:
        from .close import CloseForm

        def saved(answer) -> None:
            if not answer[1]:
                self.app.notify("Close-out saved; the incident stays open", markup=False)
                return
            reason = " (with a reason for what is missing)" if self.incident.close_reason else ""
            self.app.notify(f"{self.incident.id} closed{reason}. shift+r reopens it", markup=False)

        self._ask(lambda: CloseForm(self.incident, self.app.now, self.app.store.user),
                  lambda answer: lambda inc, now, by: answer[0].apply_to(inc, now, by, close=answer[1]), saved)

    def action_reopen_incident(self) -> None:
        from .closed_view import reopen_incident

        reopen_incident(self.app, self.number)

    def action_back(self) -> None:
        self.app.pop_screen()
