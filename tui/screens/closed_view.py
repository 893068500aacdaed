"""A closed incident, read-only: how it went, the damage, the updates sent, the close-out, the timeline.

Opened from the review. Nothing here changes the incident except ``shift+r`` (reopen),
which goes through the store like every change; ``e`` exports the post-incident report.
"""

from __future__ import annotations

from pathlib import Path

from pendulum import DateTime
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from storage.clock import human_span, local_zone
from storage.export import punctuality
from storage.files import StoreError
from storage.metrics import Pattern, compact_span, review_row
from storage.model import SEVERITY_NAMES, Incident

from ..text import clip, literal


def _when(instant: DateTime | None) -> str:
    return "—" if instant is None else instant.in_timezone(local_zone()).format("YYYY-MM-DD HH:mm")


def _after(instant: DateTime | None, start: DateTime) -> str:
    if instant is None:
        return ""
    seconds = (instant - start).total_seconds()
    return f"  ({human_span(seconds)} {'before' if seconds < 0 else 'after'} discovery)"


def _t(text: str, style: str = "") -> Text:
    """User text, literally (no markup, control characters made visible)."""
    return Text(literal(text), style=style)


def _table(*headers: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False, header_style="bold")
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _section(title: str, *body) -> Group:
    return Group(Text(title, style="bold underline"), *body, Text(""))


def report_sections(inc: Incident, pattern: Pattern | None) -> list:
    """The read-only report of a closed incident, as renderables (one per section)."""
    row = review_row(inc)
    sections = []

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    learned = {True: "we did, and told them", False: "the client found out first", None: "not recorded"}
    on_time = (f"{row.updates_on_time} of {row.updates_due} on time ({row.on_time_share:.0%})"
               if row.updates_due else "none came due")
    for name, value in [
        ("Mistake happened", _when(inc.happened_at)),
        ("Discovered", _when(inc.discovered_at)),
        ("Acknowledged", _when(inc.acknowledged_at) + _after(inc.acknowledged_at, inc.discovered_at)),
        ("First client contact", _when(inc.first_contact_at) + _after(inc.first_contact_at, inc.discovered_at)),
        ("Closed", _when(inc.closed_at) + _after(inc.closed_at, inc.discovered_at)),
        ("Who found it first", learned[row.us_first]),
        ("Client updates", on_time),
        ("Longest silence", compact_span(row.silence) + " without a client update while open"),
        ("Promises", f"{row.broken} broken, {row.renegotiated} renegotiated, of {len(inc.promises)}"),
    ]:
        facts.add_row(name, value)
    if pattern:
        facts.add_row("Pattern", _t(pattern.describe(inc.client_org), "bold magenta"))
    sections.append(_section("How it went", facts))

    if inc.damage or inc.questions:
        damage = _table("What", "Impact", "Sev", "State")
        for item in inc.damage:
            damage.add_row(_t(item.what), _t(item.impact), str(item.severity), item.state)
        body = [damage]
        for q in inc.questions:
            answer = f" — {q.answer}" if q.answered_at else " — still open"
            body.append(_t(f"? {q.text}{answer}"))
        sections.append(_section("Damage assessment", *body))
    else:
        sections.append(_section("Damage assessment", Text("No damage recorded.", style="dim")))

    if inc.updates:
        updates = _table("Sent", "Channel", "What was said", "Punctuality", "Next promised")
        for update, check in zip(inc.updates, punctuality(inc)):
            style = "" if check.on_time is None else "green" if check.on_time else "red"
            updates.add_row(_when(update.sent_at), _t(update.channel), _t(update.summary),
                            Text(check.describe(), style=style), _when(update.next_promised))
        sections.append(_section("Client updates sent", updates))
    else:
        sections.append(_section("Client updates sent", Text("No client update was logged.", style="bold red")))

    if inc.promises:
        promises = _table("Promise", "Due", "State", "Moved")
        for promise in sorted(inc.promises, key=lambda p: p.made_at):
            state = promise.state()
            moved = "; ".join(f"{_when(r.old_due)} → {_when(r.new_due)}: {r.reason}" for r in promise.renegotiations)
            promises.add_row(_t(promise.text), _when(promise.due),
                             Text(state, style="bold red" if promise.broken_at else ""), _t(moved))
        sections.append(_section("Promises", promises))

    close_out = Table.grid(padding=(0, 2))
    close_out.add_column(style="dim", no_wrap=True)
    close_out.add_column()
    close_out.add_row("Root cause", _t(inc.root_cause or "—"))
    close_out.add_row("Fix", _t(inc.fix or "—"))
    close_out.add_row("Client debrief", "confirmed " + _when(inc.client_confirmed_at) if inc.client_confirmed_at
                      else Text("not confirmed", style="yellow"))
    cost = inc.cost
    close_out.add_row("Cost", f"{cost.unbilled_hours:g} h unbilled, credits {cost.credits:,.2f}, our share "
                              f"{cost.our_share_percent:g} %" if cost.recorded_at else Text("not recorded", style="yellow"))
    close_out.add_row("Lessons", _t(inc.lessons or "—"))
    if inc.close_reason:
        close_out.add_row("Closed anyway", _t(inc.close_reason, "bold yellow"))
    body = [close_out]
    if inc.prevention:
        prevention = _table("Prevention", "Owner", "Due")
        for action in inc.prevention:
            prevention.add_row(_t(action.text), _t(action.owner or "—"), _when(action.due))
        body.append(prevention)
    else:
        body.append(Text("No prevention action recorded.", style="yellow"))
    sections.append(_section("Close-out", *body))

    done, total = inc.progress()
    steps = Table.grid(padding=(0, 1))
    steps.add_column(no_wrap=True)
    steps.add_column()
    steps.add_column(style="dim")
    for step in inc.steps:
        steps.add_row("✓" if step.done else "·", _t(f"{step.phase}: {step.text}"),
                      _t(f"{step.done_by} {_when(step.done_at)}") if step.done else "")
    sections.append(_section(f"Checklist ({done}/{total} done)", steps))

    timeline = _table("When", "What", "By")
    for entry in inc.timeline:
        timeline.add_row(_when(entry.at), _t(entry.text), _t(entry.by))
    sections.append(_section(f"Timeline ({len(inc.timeline)} entries, oldest first)", timeline))
    return sections


class ClosedIncidentScreen(Screen):
    """Read one closed incident; e exports its report, shift+r reopens it."""

    CSS_PATH = Path(__file__).with_name("review.tcss")
    BINDINGS = [
        Binding("e", "export", "Export", tooltip="Save the post-incident report as Markdown", id="closed.export"),
        Binding("R", "reopen", "Reopen", key_display="shift+r", tooltip="Reopen the incident (with a reason)", id="closed.reopen"),
        Binding("escape", "back", "Back", tooltip="Back to the review", id="closed.back"),
    ]

    def __init__(self, number: int, pattern: Pattern | None = None):
        super().__init__(name=f"closed-{number}")
        self.number = number
        self.pattern = pattern
        self.incident: Incident | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="view-title")
        yield Label("", id="view-meta")
        yield VerticalScroll(Static("", id="view-report"), id="view-scroll")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = f"M-{self.number}"
        self.sub_title = "closed · read-only"
        try:
            self.reload()
        except (StoreError, OSError) as exc:  # changed on disk since the review listed it
            self.app.notify(f"Cannot show M-{self.number}: {exc}", title="Cannot read", severity="error",
                            timeout=10, markup=False)
            self.call_after_refresh(self.app.pop_screen)
            return
        self.query_one("#view-scroll").focus()

    def reload(self) -> None:
        """Read the incident from the store (only its own document) and draw it."""
        inc = self.incident = self.app.store.closed_incident(self.number)
        self.query_one("#view-title", Label).update(Text(clip(f"{inc.id}  {inc.title}", 200), style="bold"))
        contact = f" — {inc.client_contact}" if inc.client_contact else ""
        state = "CLOSED · read-only · shift+r reopens" if inc.is_closed else "open again: escape, then work it from the board"
        meta = (f"{clip(inc.client_org + contact, 80)} · severity {inc.severity} {SEVERITY_NAMES[inc.severity]}"
                f" · owner {clip(inc.owner or '—', 20)} · {state}")
        self.query_one("#view-meta", Label).update(Text(meta))
        self.query_one("#view-report", Static).update(Group(*report_sections(inc, self.pattern)))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export(self) -> None:
        from storage.export import render_markdown
        from storage.files import write_atomically

        from .export_form import ExportForm

        incident = self.incident

        def submit(path: Path, audience: str) -> Path:
            # backslashreplace: a lone surrogate in stored text is written as its escape, not refused.
            report = render_markdown(incident, audience).encode("utf-8", "backslashreplace")
            try:
                write_atomically(path, report)
            except StoreError:
                raise  # it names the file and the way out already
            except OSError as exc:
                raise StoreError(f"could not write {path}: {exc.strerror or exc}") from None
            return path

        def written(path: Path | None) -> None:
            if path is not None:
                self.app.notify(f"Report written to {path}", timeout=6, markup=False)

        self.app.push_screen(ExportForm(submit, incident.id, store_folder=self.app.store.folder), written)

    def action_reopen(self) -> None:
        if self.incident is None or not self.incident.is_closed:
            self.app.notify(f"M-{self.number} is not closed", severity="warning", markup=False)
            return
        reopen_incident(self.app, self.number, self._reopened)

    def _reopened(self, done: bool | None) -> None:
        if done:
            self.app.pop_screen()
            self.app.open_incident(self.number)


def reopen_incident(app, number: int, then=None) -> None:
    """Ask why, then reopen through the store; ``then(True)`` once it is on disk."""
    from .modals import TextForm

    def submit(reason: str):
        return app.apply_change(number, lambda inc, now, by: inc.reopen(now, by, reason), raise_errors=True)

    def finished(result) -> None:
        if result:
            app.notify(f"M-{number} reopened: the next client update is due by the cadence", markup=False)
        if then is not None:
            then(bool(result))

    app.push_screen(TextForm(submit, f"Reopen M-{number}", "Why reopen it (the timeline keeps this; optional)",
                             multiline=False, required=False), finished)
