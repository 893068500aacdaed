"""Modal forms: new incident, client update, damage item, question, note, status, confirm.

Every form saves with ctrl+s and cancels with escape. A form never touches the store. The
workspace's forms dismiss with their value and the screen that opened them writes it
(``changes.Writes.ask``); such a form may be given a ``check`` (a dry run of that change):
what the check refuses is shown inline and the form stays. A form given a ``submit``
callable instead hands it what was typed; the screen's callable asks the app to write it.
If that raises, or its awaitable ends in a refused WriteResult, the form stays open with
the reason shown inline and what was typed kept; else it dismisses with the value.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, TextArea
from textual.widgets.option_list import Option

from storage.store import StoreError
from storage.domain.model import STATUSES
from storage.domain.fields import ValidationError
from storage.domain.parts import DAMAGE_STATES, DamageItem, OpenQuestion
from storage.domain.zones import client_zone

from ..commands import bindings
from ..store_access import WriteResult
from ..text import kept, literal
from ..widgets.focus import FocusInView
from ..widgets.repaint import RepaintsWhatChanged
from ..widgets.text_field import LineField, TextField

MODALS_CSS = Path(__file__).with_name("modals.tcss")  # absolute: subclasses live in other modules
CHANNELS = ("email", "phone", "video call", "meeting", "chat", "other")


class FormModal(RepaintsWhatChanged, FocusInView, ModalScreen[Any]):
    """A dialog with fields, an inline error line, ctrl+s to save and escape to cancel."""

    CSS_PATH = MODALS_CSS

    BINDINGS = bindings("form")
    TITLE_TEXT = ""

    def __init__(self, submit: Callable[..., Any] | None = None):
        super().__init__()
        self.submit = submit
        self.check: Callable[[Any], Any] | None = None  # raises ValueError to keep the form open
        self.typed: dict[str, Any] = {}  # the fields as they were when saved
        self._refill: tuple[dict[str, Any], str] | None = None
        self.refusal = ""  # why the store refused this form's last save (a refilled copy shows it)
        self._stored: dict[str, tuple[str, bool]] = {}  # field id -> (stored text, multiline)
        self._saving = False  # a write is on its way: a second ctrl+s must not write twice

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(literal(self.TITLE_TEXT, multiline=False)), classes="dialog-title")
            yield from self.fields()
            yield Label("", id="form-error", classes="form-error")
            yield Label(Text("ctrl+s save  ·  escape cancel"), classes="dialog-hint")

    def fields(self) -> ComposeResult:
        """The form's widgets."""
        yield from ()

    def collect(self) -> tuple:
        """The form's value as a tuple (one item: the item is the value), or raise ValueError with what to fix."""
        return ()

    def show_error(self, message: str) -> None:
        """Show why the form was not saved."""
        label = self.query_one("#form-error", Label)
        label.update(Text(literal(message)))
        label.add_class("-shown")

    def action_save(self) -> None:
        if self._saving:
            return
        try:
            args = self.collect()
            if self.submit is not None:
                result = self.submit(*args)
            else:
                result = args[0] if len(args) == 1 else args
                if self.check is not None:
                    self.check(result)
        except (ValueError, ValidationError, StoreError) as exc:
            self.show_error(str(exc))
            return
        self.typed = self.fields_as_typed()
        if inspect.isawaitable(result):  # a write through the app, off the event loop
            self._saving = True
            self.run_worker(self._saved(result), group="form-save")
            return
        self.dismiss(result)

    async def _saved(self, pending) -> None:
        try:
            result = await pending
        finally:
            self._saving = False
        if isinstance(result, WriteResult):
            if not result.ok:
                self.show_error(result.message)
                return
            result = True if result.value is None else result.value
        self.dismiss(result)

    def fields_as_typed(self) -> dict[str, Any]:
        """Each field's content as the form shows it, by id."""
        return {widget.id: widget.text if isinstance(widget, TextArea) else widget.value
                for widget in self.query("Input, TextArea, Checkbox, Select") if widget.id}

    def refilled(self, typed: dict[str, Any], error: str) -> "FormModal":
        """This (new) form, opened with the fields as ``typed`` in another copy and ``error`` shown."""
        self._refill = (typed, error)
        return self

    def _on_mount(self) -> None:
        if self._refill is None:
            return
        typed, error = self._refill
        self.refusal = error
        for widget in self.query("Input, TextArea, Checkbox, Select"):
            if widget.id in typed:
                if isinstance(widget, TextArea):
                    widget.text = typed[widget.id]
                else:
                    widget.value = typed[widget.id]
        self.show_error(error)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def stored(self, widget_id: str, text: str, *, multiline: bool = False) -> str:
        """Stored ``text`` as field ``widget_id`` shows it: control characters made visible.

        :meth:`value` gives the stored text back while the field is left as shown, so
        saving an untouched field does not turn a stored ESC into its picture.
        """
        self._stored[widget_id] = (text, multiline)
        return literal(text, multiline=multiline)

    def value(self, widget_id: str) -> str:
        """The text of an Input or TextArea in the form."""
        widget = self.query_one(f"#{widget_id}")
        text = widget.text if isinstance(widget, TextArea) else widget.value
        if widget_id in self._stored:
            original, multiline = self._stored[widget_id]
            return kept(text, original, multiline=multiline)
        return text


def _severity(text: str) -> int:
    text = text.strip()
    if text not in {"1", "2", "3", "4"}:
        raise ValueError(f"severity must be 1, 2, 3 or 4 (1 = critical), not {text!r}")
    return int(text)


def _labelled(label: str, widget) -> Vertical:
    return Vertical(Label(Text(literal(label)), classes="field-label"), widget, classes="field")


class NewIncidentForm(FormModal):
    """Open a new incident."""

    TITLE_TEXT = "New incident"

    def fields(self) -> ComposeResult:
        yield _labelled("What went wrong (title)", LineField(id="title", placeholder="Payroll file sent with last month's rates"))
        with Horizontal(classes="field-row"):
            yield _labelled("Client organisation", LineField(id="client", placeholder="Acme Ltd"))
            yield _labelled("Client contact", LineField(id="contact", placeholder="Dana Reyes"))
        with Horizontal(classes="field-row"):
            yield _labelled("Severity 1-4 (1 = critical)", LineField("2", id="severity"))
            yield _labelled("Who found it first", Select(
                [("We did", "us"), ("The client told us", "client")], value="us", allow_blank=False,
                id="learned"))
            yield _labelled("Client's time zone (optional)", LineField(id="zone", placeholder="America/New_York"))

    def collect(self) -> tuple:
        title, client = self.value("title"), self.value("client")
        if not title.strip():
            raise ValueError("give the incident a title: what went wrong")
        if not client.strip():
            raise ValueError("name the client organisation")
        severity = _severity(self.value("severity"))
        learned = self.query_one("#learned", Select).value
        zone = client_zone(self.value("zone"))  # the domain's words for a name it does not know
        return title, client, severity, self.value("contact"), learned, zone


class DamageForm(FormModal):
    """Add or edit a damage item."""

    TITLE_TEXT = "Damage item"

    def __init__(self, item: DamageItem | None = None):
        super().__init__()
        self.item = item or DamageItem("")

    def fields(self) -> ComposeResult:
        yield _labelled("What the mistake reached", LineField(self.stored("what", self.item.what), id="what",
                                                          placeholder="March invoices for 212 customers"))
        yield _labelled("Impact", LineField(self.stored("impact", self.item.impact), id="impact",
                                        placeholder="customers billed twice"))
        with Horizontal(classes="field-row"):
            yield _labelled("Severity 1-4", LineField(str(self.item.severity), id="severity"))
            yield _labelled("State", Select([(s, s) for s in DAMAGE_STATES], value=self.item.state,
                                            allow_blank=False, id="state"))
        # What a regulator asks for (a personal-data breach): optional, blank when not known.
        with Horizontal(classes="field-row"):
            yield _labelled("People affected", LineField(_count_text(self.item.people), id="people",
                                                     placeholder="unknown"))
            yield _labelled("Records affected", LineField(_count_text(self.item.records), id="records",
                                                      placeholder="unknown"))
        yield _labelled("Category of data or people", LineField(self.stored("category", self.item.category),
                                                            id="category", placeholder="employees' salaries"))

    def collect(self) -> tuple:
        what = self.value("what")
        if not what.strip():
            raise ValueError("say what the mistake reached")
        return (DamageItem(what, self.value("impact"), _severity(self.value("severity")),
                           self.query_one("#state", Select).value, _count(self.value("people"), "people affected"),
                           _count(self.value("records"), "records affected"), self.value("category").strip()),)


def _count_text(count: int | None) -> str:
    return "" if count is None else str(count)


def _count(text: str, what: str) -> int | None:
    """A whole number of at least 0 (thousands separators allowed), or None when left blank."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    if not cleaned:
        return None
    if not cleaned.isdigit() or len(cleaned) > 12:
        raise ValueError(f"{what}: a whole number, or blank when not known (not {text.strip()!r})")
    return int(cleaned)


class QuestionForm(FormModal):
    """Add an open question, or answer one."""

    TITLE_TEXT = "Open question"

    def __init__(self, question: OpenQuestion | None = None):
        super().__init__()
        self.question = question

    def fields(self) -> ComposeResult:
        if self.question is None:
            yield _labelled("What we still have to verify", LineField(id="text", placeholder="Did the file reach their bank?"))
        else:
            yield Label(Text(literal(self.question.text)), classes="field-label")
            yield _labelled("What we found", LineField(self.stored("answer", self.question.answer), id="answer"))

    def collect(self) -> tuple:
        field = "text" if self.question is None else "answer"
        text = self.value(field)
        if not text.strip():
            raise ValueError("write the question" if self.question is None else "write what was found")
        return (text,)


class TextForm(FormModal):
    """One free-text field: a note, or a checklist step's note."""

    def __init__(self, title: str, label: str, initial: str = "", multiline: bool = True, required: bool = True,
                 submit: Callable[..., Any] | None = None):
        super().__init__(submit)
        self.TITLE_TEXT = title
        self.label = label
        self.initial = initial
        self.multiline = multiline
        self.required = required

    def fields(self) -> ComposeResult:
        shown = self.stored("text", self.initial, multiline=self.multiline)
        widget = TextField(shown, id="text", soft_wrap=True) if self.multiline else LineField(shown, id="text")
        yield _labelled(self.label, widget)

    def collect(self) -> tuple:
        text = self.value("text")
        if self.required and not text.strip():
            raise ValueError("nothing written yet")
        return (text,)


class PickerModal(FocusInView, ModalScreen[str | None]):
    """Pick one value from a short list (enter picks, escape cancels)."""

    CSS_PATH = MODALS_CSS

    BINDINGS = bindings("picker")

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None):
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Label(Text(literal(self.title_text, multiline=False)), classes="dialog-title")
            yield OptionList(*[Option(Text(literal(label, multiline=False)), id=value) for value, label in self.choices],
                             id="choices")
            yield Label(Text("enter pick  ·  escape cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [value for value, _ in self.choices]
        if self.current in values:
            options.highlighted = values.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def status_picker(current: str) -> PickerModal:
    """The status choices, the current one highlighted."""
    return PickerModal("Change status", [(s, s) for s in STATUSES], current)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question (y / n, enter = yes, escape = no)."""

    CSS_PATH = MODALS_CSS

    BINDINGS = bindings("confirm")

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Label(Text(literal(self.question)), classes="dialog-title")
            yield Label(Text("y yes  ·  n no"), classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
