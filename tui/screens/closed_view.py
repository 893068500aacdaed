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
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from storage.domain.clock import local_stamp
from storage.domain.spans import compact_span
from storage.domain.model import Incident
from storage.domain.patterns import Pattern
from storage.readers.report import Report, build_report
from storage.store import StoreError

from ..messages import StoreChanged
from ..store_access import WriteResult
from ..commands import bindings
from ..text import clip, literal


def _when_after(report: Report, instant: DateTime | None) -> str:
    after = report.after_discovery(instant)
    return local_stamp(instant) + (f"  ({after})" if after else "")


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


def report_sections(report: Report, pattern: Pattern | None = None) -> list:
    """A built report as renderables, one per section (``pattern`` comes from the review, not the report)."""
    r, f = report, report.figures
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    for name, value in [
        ("Mistake happened", local_stamp(r.happened_at)),
        ("Discovered", local_stamp(r.discovered_at)),
        ("Acknowledged", _when_after(r, r.acknowledged_at)),
        ("First client contact", _when_after(r, r.first_contact_at)),
        ("Closed", _when_after(r, r.closed_at)),
        ("Who found it first", f.heard_first),
        ("Update cadence", r.cadence),
        ("Client updates", f.on_time),
        ("Longest silence", compact_span(f.silence) + " without a client update while open"),
        ("Promises", f"{f.broken} broken, {f.renegotiated} renegotiated, of {f.promises}"),
    ]:
        facts.add_row(name, value)
    told_management = [t.sent_at for a in r.audiences if a.kind == "management" for t in a.told]
    if r.audiences:
        facts.add_row("Management told", _when_after(r, min(told_management)) if told_management
                      else Text("never", style="yellow"))
    hard = [h for a in r.audiences for h in a.hard if h.state != "released"]
    if hard:
        met = sum(1 for h in hard if h.state == "kept")
        facts.add_row("Hard deadlines", Text(f"{met} met of {len(hard)}", style="green" if met == len(hard) else "bold red"))
    if pattern:
        facts.add_row("Pattern", _t(pattern.describe(r.client_org), "bold magenta"))
    sections = [_section("How it went", facts), _damage(r), _updates(r)]
    if r.audiences:
        sections.append(_told(r))
    if r.promises:
        promises = _table("Promise", "Due", "State", "Moved")
        for p in r.promises:
            moved = "; ".join(f"{local_stamp(m.old_due)} → {local_stamp(m.new_due)}: {m.reason}" for m in p.moves)
            state = Text(p.state, style="bold red" if p.broken else "")
            promises.add_row(_t(p.text), local_stamp(p.due), state, _t(moved))
        sections.append(_section("Promises", promises))
    sections.append(_close_out(r))

    steps = Table.grid(padding=(0, 1))
    steps.add_column(no_wrap=True)
    steps.add_column()
    steps.add_column(style="dim")
    for step in r.steps:
        steps.add_row("✓" if step.done_at else "·", _t(f"{step.phase}: {step.text}"),
                      _t(f"{step.done_by} {local_stamp(step.done_at)}") if step.done_at else "")
    sections.append(_section(f"Checklist ({r.steps_done}/{len(r.steps)} done)", steps))

    timeline = _table("When", "What", "By")
    for entry in r.timeline:
        timeline.add_row(local_stamp(entry.at), _t(entry.text), _t(entry.by))
    sections.append(_section(f"Timeline ({len(r.timeline)} entries, oldest first)", timeline))
    return sections


def _damage(r: Report) -> Group:
    if not (r.damage or r.questions):
        return _section("Damage assessment", Text("No damage recorded.", style="dim"))
    damage = _table("What", "Impact", "Sev", "State")
    for item in r.damage:
        damage.add_row(_t(item.what), _t(item.impact), str(item.severity), item.state)
    body = [damage]
    for q in r.questions:
        answer = f" — {q.answer}" if q.answered_at else " — still open"
        body.append(_t(f"? {q.text}{answer}"))
    return _section("Damage assessment", *body)


def _updates(r: Report) -> Group:
    if not r.updates:
        return _section("Client updates sent", Text("No client update was logged.", style="bold red"))
    updates = _table("Sent", "Channel", "What was said", "Punctuality", "Next promised")
    for u in r.updates:
        on_time = u.check.on_time
        style = "" if on_time is None else "green" if on_time else "red"
        updates.add_row(local_stamp(u.sent_at), _t(u.channel), _t(u.summary), Text(u.punctuality, style=style),
                        local_stamp(u.next_promised))
    return _section("Client updates sent", updates)


def _told(r: Report) -> Group:
    """Who was told what, and when: each audience's last word and its hard deadlines (internal)."""
    told = _table("Audience", "Last told", "What was said", "Hard deadlines")
    for a in r.audiences:
        last = a.last_told
        name = _t(f"{a.name} ({a.kind}{', removed' if a.retired else ''})")
        when = Text("never", style="yellow") if last is None else _t(f"{local_stamp(last.sent_at)} · {last.channel}")
        said = _t(last.summary if last else "")
        hard = Text("")
        for h in a.hard:
            style = "green" if h.state == "kept" else "bold red" if h.state in ("broken", "kept late") else ""
            why = f" — {h.delay_reason or h.release_reason}" if (h.delay_reason or h.release_reason) else ""
            hard.append_text(Text.assemble(_t(f"{h.label}: "), Text(h.state, style=style), _t(why)))
            hard.append("\n")
        hard.rstrip()
        told.add_row(name, when, said, hard)
    return _section("Who was told what, and when", told)


def _close_out(r: Report) -> Group:
    close_out = Table.grid(padding=(0, 2))
    close_out.add_column(style="dim", no_wrap=True)
    close_out.add_column()
    close_out.add_row("Root cause", _t(r.root_cause or "—"))
    close_out.add_row("Fix", _t(r.fix or "—"))
    close_out.add_row("Client debrief", "confirmed " + local_stamp(r.client_confirmed_at) if r.client_confirmed_at
                      else Text("not confirmed", style="yellow"))
    if r.cost is not None:
        close_out.add_row("Cost", r.cost.words() if r.cost.recorded else Text("not recorded", style="yellow"))
    close_out.add_row("Lessons", _t(r.lessons or "—"))
    if r.incomplete_close is not None:
        close_out.add_row("Closed anyway", _t(r.incomplete_close.reason, "bold yellow"))
    body = [close_out]
    if r.prevention:
        prevention = _table("Prevention", "Owner", "Due")
        for action in r.prevention:
            prevention.add_row(_t(action.text), _t(action.owner or "—"), local_stamp(action.due))
        body.append(prevention)
    else:
        body.append(Text("No prevention action recorded.", style="yellow"))
    return _section("Close-out", *body)


class ClosedIncidentScreen(Screen):
    """Read one closed incident; e exports its report, shift+r reopens it."""

    CSS_PATH = Path(__file__).with_name("review.tcss")
    BINDINGS = bindings("closed")

    def __init__(self, number: int, pattern: Pattern | None = None):
        super().__init__(name=f"closed-{number}")
        self.number = number
        self.pattern = pattern
        self.incident: Incident | None = None
        self.report: Report | None = None  # the internal report, built once per reload

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
        inc = self.incident = self.app.store.get(self.number)
        report = self.report = build_report(inc, "internal")
        self.query_one("#view-title", Label).update(Text(clip(f"{report.id}  {report.title}", 200), style="bold"))
        contact = f" — {report.client_contact}" if report.client_contact else ""
        state = "CLOSED · read-only · shift+r reopens" if inc.is_closed else "open again: escape, then work it from the board"
        meta = (f"{clip(report.client_org + contact, 80)} · severity {report.severity_words}"
                f" · owner {clip(report.owner or '—', 20)} · {state}")
        self.query_one("#view-meta", Label).update(Text(meta))
        self.query_one("#view-report", Static).update(Group(*report_sections(report, self.pattern)))

    def on_store_changed(self, message: StoreChanged) -> None:
        if message.concerns(self.number):
            self.app.redraw(self, self.reload)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export(self) -> None:
        from .export_form import ExportForm

        def written(path: Path | None) -> None:
            if path is not None:
                self.app.notify(f"Report written to {path}", timeout=6, markup=False)

        self.app.push_screen(ExportForm(self.export, self.incident.id, store_folder=self.app.store.folder), written)

    async def export(self, path: Path, audience: str) -> WriteResult:
        """Write the report for ``audience`` to ``path``, through the write path; the form shows a refusal."""
        from storage.readers.export import markdown

        internal = self.report
        report = internal if audience == internal.audience else build_report(self.incident, audience)
        # backslashreplace: a lone surrogate in stored text is written as its escape, not refused.
        data = markdown(report).encode("utf-8", "backslashreplace")
        try:
            await self.app.save_file(path, data)
        except StoreError as exc:
            return WriteResult(False, message=str(exc))  # it names the file and the way out already
        except OSError as exc:
            return WriteResult(False, message=f"could not write {path}: {exc.strerror or exc}")
        return WriteResult(True, path)

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
        return app.write(number, lambda inc, now, by: inc.reopen(now, by, reason), show_refusal=False)

    def finished(result) -> None:
        if result:
            app.notify(f"M-{number} reopened: the next client update is due by the cadence", markup=False)
        if then is not None:
            then(bool(result))

    app.push_screen(TextForm(f"Reopen M-{number}", "Why reopen it (the timeline keeps this; optional)",
                             multiline=False, required=False, submit=submit), finished)
