"""The incident workspace: header strip with the countdown, damage, checklist and timeline panes."""

from __future__ import annotations

from pathlib import Path

from pendulum import DateTime
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from storage.domain.clock import human_span, local_clock
from storage.domain.model import DAMAGE_STATES, SEVERITY_NAMES, Incident, Unchanged

from ..messages import StoreChanged, Tick
from ..commands import bindings
from ..text import clip
from ..widgets.countdown import CountdownBadge
from ..widgets.focus import FocusInView
from ..widgets.tables import fit_columns, sync_rows
from .modals import DamageForm, QuestionForm, TextForm, status_picker
from .promises import PromiseActions

DAMAGE_COLUMNS = [("what", "What", 0.55), ("impact", "Impact", 0.45), ("sev", "Sev", 3), ("state", "State", 9)]
CHECKLIST_COLUMNS = [("mark", " ", 1), ("n", "#", 2), ("step", "Step", 1.0), ("done", "Done", 12)]
TIMELINE_COLUMNS = [("at", "When", 9), ("what", "What", 1.0), ("by", "By", 6)]

DAMAGE_STYLE = {"suspected": "yellow", "confirmed": "bold red", "contained": "cyan",
                "resolved": "green", "ruled out": "dim"}


class IncidentScreen(FocusInView, PromiseActions, Screen):
    """Work one incident: every change goes to the store first, then the panes redraw."""

    CSS_PATH = Path(__file__).with_name("incident.tcss")

    BINDINGS = bindings("incident", "checklist", "damage", "promises", "timeline")

    def __init__(self, number: int):
        super().__init__(name=f"incident-{number}")
        self.number = number
        self.incident: Incident | None = None
        self._meta: str | None = None  # the strip's meta line as last drawn

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="strip"):
            with Vertical(id="strip-info"):
                yield Label("", id="strip-title")
                yield Label("", id="strip-client")
                yield Label("", id="strip-meta")
            yield CountdownBadge(id="countdown")
        with Horizontal(id="panes"):
            with Vertical(id="checklist-pane", classes="pane"):
                yield Label("", id="checklist-title", classes="pane-title")
                yield DataTable(id="checklist-table", cursor_type="row")
            with Vertical(id="side-panes"):
                with Vertical(id="damage-pane", classes="pane"):
                    yield Label("Damage assessment", classes="pane-title")
                    yield DataTable(id="damage-table", cursor_type="row")
                with Vertical(id="promises-pane", classes="pane"):
                    yield Label("Promises", id="promises-title", classes="pane-title")
                    yield DataTable(id="promises-table", cursor_type="row")
                with Vertical(id="timeline-pane", classes="pane"):
                    yield Label("Timeline (newest first)", classes="pane-title")
                    yield DataTable(id="timeline-table", cursor_type="row")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        checklist = self.query_one("#checklist-table", DataTable)
        self.reload()
        next_step = self.incident.next_step_index() if self.incident else None
        if next_step is not None:
            checklist.move_cursor(row=checklist.get_row_index(str(next_step)), animate=False)
        checklist.focus()

    def on_resize(self) -> None:
        # Column widths follow the panes' real sizes, known only after this layout pass.
        self.call_after_refresh(self.reload)

    def on_screen_resume(self) -> None:
        if self.incident is not None:
            self.reload()

    # -- drawing -------------------------------------------------------------------------

    def reload(self) -> None:
        """Redraw every pane from the incident as the store holds it."""
        incident = self.incident = self.app.store.get(self.number)
        now = self.app.now()
        self.title = f"{incident.id}"
        self.sub_title = "closed" if incident.is_closed else incident.status
        self.query_one("#strip-title", Label).update(Text(clip(f"{incident.id}  {incident.title}", 200), style="bold"))
        contact = f" — {incident.client_contact}" if incident.client_contact else ""
        self.query_one("#strip-client", Label).update(Text(clip(f"{incident.client_org}{contact}", 200)))
        self._draw_damage(incident)
        self._draw_checklist(incident, now)
        self.draw_promises(incident, now)
        self._draw_timeline(incident, now)
        self.tick(now)

    def on_tick(self, message: Tick) -> None:
        self.tick(message.now)

    def on_store_changed(self, message: StoreChanged) -> None:
        if message.concerns(self.number):
            self.app.redraw(self, self.reload)

    def tick(self, now: DateTime) -> None:
        """Once a second: the countdown and the time since discovery."""
        incident = self.incident
        if incident is None:
            return
        since = human_span((now - incident.discovered_at).total_seconds())
        owner = f" · owner {clip(incident.owner, 40)}" if incident.owner else ""
        meta = (f"severity {incident.severity} {SEVERITY_NAMES[incident.severity]} · {incident.status} · "
                f"discovered {since} ago{owner}")
        if meta != self._meta:  # a label's update lays the screen out: only when it changed
            self._meta = meta
            self.query_one("#strip-meta", Label).update(Text(meta))
        nearest = incident.nearest_promise()
        self.query_one(CountdownBadge).show(incident.next_deadline, now, incident.cadence,
                                            nearest.text if nearest else None)

    def _draw_damage(self, incident: Incident) -> None:
        table = self.query_one("#damage-table", DataTable)
        row = table.cursor_row
        if fit_columns(table, DAMAGE_COLUMNS, 0.4, frame=2):
            row = 0
        rows = []
        for i, item in enumerate(incident.damage):
            style = DAMAGE_STYLE[item.state]
            rows.append((f"d{i}", [Text(clip(item.what, 60)), Text(clip(item.impact, 60)), Text(str(item.severity)),
                                   Text(item.state, style=style)]))
        for i, q in enumerate(incident.questions):
            answered = q.answered_at is not None
            rows.append((f"q{i}", [Text(clip(f"? {q.text}", 60), style="dim" if answered else "italic"),
                                   Text(clip(q.answer, 60)), Text(""),
                                   Text("answered" if answered else "open ?",
                                        style="dim" if answered else "bold yellow")]))
        if not rows:
            rows.append(("empty", [Text("none yet: a adds", style="dim"), Text("shift+a: question", style="dim"),
                                   Text(""), Text("")]))
        if sync_rows(table, rows) and table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)

    def _draw_checklist(self, incident: Incident, now: DateTime) -> None:
        table = self.query_one("#checklist-table", DataTable)
        row = table.cursor_row
        # The step number's column grows with the checklist (step 10000 is not cut to "10").
        number_width = max(2, len(str(len(incident.steps))))
        fit_columns(table, [(k, label, number_width if k == "n" else w) for k, label, w in CHECKLIST_COLUMNS],
                    0.6, frame=2)
        next_step = incident.next_step_index()
        last_phase = None
        rows = []
        for i, step in enumerate(incident.steps):
            if step.phase != last_phase:
                rows.append((f"phase{i}", [Text(""), Text(""), Text(clip(step.phase, 60), style="bold underline"),
                                           Text("")]))
                last_phase = step.phase
            if step.done:
                mark, style = Text("✓", style="green"), "dim"
                done = f"{step.done_by} {local_clock(step.done_at, now)}"
            elif i == next_step:
                mark, style, done = Text("▶", style="bold yellow"), "bold", "next"
            else:
                mark, style, done = Text("·"), "", ""
            rows.append((str(i), [mark, Text(str(i + 1)),
                                  Text(clip(step.text + (f" — {step.note}" if step.note else ""), 160), style=style),
                                  Text(clip(done, 30), style="dim")]))
        if sync_rows(table, rows) and table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)
        done_count, total = incident.progress()
        self.query_one("#checklist-title", Label).update(Text(f"Checklist {done_count}/{total}"))

    def _draw_timeline(self, incident: Incident, now: DateTime) -> None:
        table = self.query_one("#timeline-table", DataTable)
        fit_columns(table, TIMELINE_COLUMNS, 0.4, frame=2)
        count = len(incident.timeline)
        sync_rows(table, [(str(count - i), [Text(local_clock(entry.at, now)), Text(clip(entry.text, 120)),
                                            Text(clip(entry.by, 16), style="dim")])
                          for i, entry in enumerate(reversed(incident.timeline))])

    # -- helpers -------------------------------------------------------------------------

    def _cursor_key(self, table_id: str) -> str | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    def _change(self, apply, done: str | None = None):
        return self.app.apply_change(self.number, apply, done)

    def _intend(self, apply, done: str | None = None) -> None:
        """Apply an intent taken from what the screen showed; say so if the disk already had it."""
        result = self.app.apply_change(self.number, apply)
        if isinstance(result, Unchanged):
            # The store wrote nothing and the panes now show the disk: say why.
            self.app.notify(clip(result.message(self.app.now()), 300), markup=False,
                            severity="warning" if result.refused else "information")
        elif result is not None and done:
            self.app.notify(done, timeout=3, markup=False)

    # -- actions -------------------------------------------------------------------------

    def action_toggle_step(self) -> None:
        key = self._cursor_key("checklist-table")
        if key is None or not key.isdigit():
            return
        index = int(key)
        # The intent is what the screen shows: done → reopen, not done → complete. No toast on
        # success: the tick mark and the timeline entry are the confirmation.
        if self.incident.steps[index].done:
            self._intend(lambda inc, now, by: inc.reopen_step(index, now, by))
        else:
            self._intend(lambda inc, now, by: inc.complete_step(index, now, by))

    def action_log_update(self) -> None:
        from .composer import ComposerScreen

        self.app.push_screen(ComposerScreen(self.incident),
                             lambda sent: sent and self.app.notify("Client update logged; countdown reset",
                                                                   markup=False))

    def action_add_damage(self) -> None:
        def submit(item):
            return self.app.apply_change(self.number, lambda inc, now, by: inc.add_damage(item, now, by),
                                         raise_errors=True)

        self.app.push_screen(DamageForm(submit))

    def action_add_question(self) -> None:
        def submit(text):
            return self.app.apply_change(self.number, lambda inc, now, by: inc.add_question(text, now, by),
                                         raise_errors=True)

        self.app.push_screen(QuestionForm(submit))

    def action_edit(self) -> None:
        focused = self.focused
        if focused is not None and focused.id == "damage-table":
            key = self._cursor_key("damage-table")
            if key and key[0] == "d":
                index = int(key[1:])

                def submit(item):
                    return self.app.apply_change(
                        self.number, lambda inc, now, by: inc.edit_damage(index, item, now, by), raise_errors=True)

                self.app.push_screen(DamageForm(submit, self.incident.damage[index]))
            elif key and key[0] == "q":
                index = int(key[1:])

                def answer(text):
                    return self.app.apply_change(
                        self.number, lambda inc, now, by: inc.answer_question(index, text, now, by), raise_errors=True)

                self.app.push_screen(QuestionForm(answer, self.incident.questions[index]))
            return
        key = self._cursor_key("checklist-table")
        if key is None or not key.isdigit():
            return
        index = int(key)
        step = self.incident.steps[index]

        def note(text):
            return self.app.apply_change(
                self.number, lambda inc, now, by: inc.set_step_note(index, text, now, by), raise_errors=True)

        self.app.push_screen(TextForm(note, f"Note on step {index + 1}", step.text, step.note,
                                      multiline=False, required=False))

    def action_damage_state(self, direction: int) -> None:
        key = self._cursor_key("damage-table")
        if not key or key[0] != "d":
            self.app.notify("Highlight a damage item first (tab to the damage pane)", severity="warning", markup=False)
            return
        index = int(key[1:])
        shown = self.incident.damage[index].state
        target = DAMAGE_STATES[(DAMAGE_STATES.index(shown) + direction) % len(DAMAGE_STATES)]
        self._intend(lambda inc, now, by: inc.set_damage_state(index, target, now, by, shown=shown))

    def action_status(self) -> None:
        shown = self.incident.status  # what the picker highlights: the status moved from

        def picked(status: str | None) -> None:
            if status is None:
                return
            if status == "closed" and not self.incident.is_closed:
                self.action_close_incident()  # closing goes through the close-out form
                return
            self._intend(lambda inc, now, by: inc.set_status(status, now, by, shown=shown),
                         f"Status is now {status}")

        self.app.push_screen(status_picker(shown), picked)

    def action_note(self) -> None:
        def submit(text):
            return self.app.apply_change(self.number, lambda inc, now, by: inc.add_note(text, now, by),
                                         raise_errors=True)

        self.app.push_screen(TextForm(submit, "Add a note", "Note for the timeline"))

    def action_back(self) -> None:
        self.app.pop_screen()

    # -- closing and reopening: a closed incident's workspace is read-only except shift+r ----

    READ_ONLY_ACTIONS = frozenset({"back", "reopen_incident"})

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Hide every key that changes a closed incident (and reopen on an open one)."""
        closed = self.incident is not None and self.incident.is_closed
        if action == "reopen_incident":
            return closed
        return not closed or action in self.READ_ONLY_ACTIONS

    @on(events.Key)
    def _refuse_when_closed(self, event: events.Key) -> None:
        if self.incident is None or not self.incident.is_closed:
            return
        actions = {b.action.split("(")[0] for b in self._bindings.key_to_bindings.get(event.key, ())}
        if actions - self.READ_ONLY_ACTIONS:
            event.stop()
            self.app.notify(f"{self.incident.id} is closed and read-only: shift+r reopens it",
                            severity="warning", markup=False)

    def _show_closed_state(self) -> None:
        if self.incident is None:
            return
        closed = self.incident.is_closed
        self.sub_title = "closed · read-only · shift+r reopens" if closed else self.incident.status
        self.set_class(closed, "-closed")
        self.refresh_bindings()

    @on(events.ScreenResume)
    def _resumed_closed_state(self) -> None:
        self.call_after_refresh(self._show_closed_state)

    def action_close_incident(self) -> None:
        from .close import CloseForm

        def submit(draft, close: bool):
            return self.app.apply_change(
                self.number, lambda inc, now, by: draft.apply_to(inc, now, by, close=close), raise_errors=True)

        def finished(result: str | None) -> None:
            self.app.redraw(self, self.reload)  # the store's message may come after this callback
            if result == "closed":
                reason = " (with a reason for what is missing)" if self.incident.close_reason else ""
                self.app.notify(f"{self.incident.id} closed{reason}. shift+r reopens it", markup=False)
            elif result == "saved":
                self.app.notify("Close-out saved; the incident stays open", markup=False)
            self._show_closed_state()

        self.app.push_screen(CloseForm(self.incident, submit, self.app.now, self.app.store.user), finished)

    def action_reopen_incident(self) -> None:
        from .closed_view import reopen_incident

        reopen_incident(self.app, self.number, lambda done: self._show_closed_state())
