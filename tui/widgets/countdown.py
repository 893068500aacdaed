"""CountdownBadge: the large countdown to the next promised client update."""

from __future__ import annotations

from pendulum import DateTime
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Label

from storage.domain.clock import Countdown, CountdownState
from storage.domain.zones import both_zones

from ..text import clip

STATE_CLASSES = {state: f"-{state.value}" for state in CountdownState}

STATE_WORDS = {
    CountdownState.NONE: "no client update promised",
    CountdownState.CALM: "next client update",
    CountdownState.SOON: "client update soon",
    CountdownState.DUE: "client update DUE NOW",
    CountdownState.OVERDUE: "client update OVERDUE",
}

STATE_PREFIX = {CountdownState.CALM: "next", CountdownState.SOON: "soon", CountdownState.DUE: "DUE NOW",
                CountdownState.OVERDUE: "OVERDUE"}


class CountdownBadge(Vertical):
    """A big H:MM:SS clock face, the time in words and the local time it is due."""

    DEFAULT_CSS = """
    CountdownBadge { width: auto; height: auto; padding: 0 1; }
    CountdownBadge > Digits { width: auto; }
    CountdownBadge > Label { width: 100%; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.countdown: Countdown | None = None
        self.promise: str | None = None
        self.client_tz = ""
        self._words = ""

    def compose(self) -> ComposeResult:
        yield Label("", id="countdown-caption")
        yield Digits("-:--:--", id="countdown-face")
        yield Label("", id="countdown-words")

    def show(self, due: DateTime | None, now: DateTime, cadence=None, promise: str | None = None,
             client_tz: str = "") -> Countdown:
        """Redraw for ``now``; ``promise`` names what is due; with ``client_tz`` the due time is in both
        zones. Returns the countdown drawn."""
        countdown = Countdown.at(due, now, cadence)
        if countdown == self.countdown and promise == self.promise and client_tz == self.client_tz:
            return countdown
        self.client_tz = client_tz
        previous, previous_promise = self.countdown, self.promise
        self.countdown, self.promise = countdown, promise
        if previous is None or previous.state != countdown.state or previous_promise != promise:
            for state, cls in STATE_CLASSES.items():
                self.set_class(state == countdown.state, cls)
            caption = STATE_WORDS[countdown.state]
            if promise and countdown.state is not CountdownState.NONE:
                caption = f"{STATE_PREFIX[countdown.state]}: {promise}"
            self.query_one("#countdown-caption", Label).update(Text(clip(caption, 42)))
        self.query_one("#countdown-face", Digits).update(countdown.face)  # lays out only if its width changes
        self.set_class(bool(client_tz), "-zoned")  # two zones take more room (the .tcss gives it, when there is)
        if due is None:
            words = countdown.relative
        elif client_tz:
            words = f"{countdown.relative} · due {both_zones(due, client_tz, now)}"
        else:
            words = f"{countdown.relative}  ·  due {countdown.due_local}"
        if previous is None or words != self._words:
            # A label's update lays the screen out again: once a minute, when the words change, not every second.
            self._words = words
            self.query_one("#countdown-words", Label).update(Text(words))
        return countdown
