"""What a console command is: one declaration gives its binding, footer label, palette entry and help line."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

# How a key is written for people (help, README, palette) where Textual's name is not what is typed.
KEY_WORDS = {"question_mark": "?", "slash": "/", "right_square_bracket": "]", "left_square_bracket": "["}


def key_words(key: str) -> str:
    """One Textual key name as users type it: ``U`` → ``shift+u``, ``slash`` → ``/``."""
    if key in KEY_WORDS:
        return KEY_WORDS[key]
    if len(key) == 1 and key.isupper():
        return f"shift+{key.lower()}"
    return key


@dataclass(frozen=True)
class Scope:
    """Where keys work: a screen, a workspace pane or a form, with the words the help and README use."""

    name: str
    title: str  # the help's section heading
    where: str  # the README table's first column
    intro: str  # one line under the help's heading
    parent: str | None = None  # a pane's screen: the pane's keys are "here" wherever its screen is
    modal: bool = False  # a form or question over a screen: the app's keys do not reach it


@dataclass(frozen=True)
class Command:
    """One action of the console, declared once."""

    scope: str
    name: str
    keys: str  # Textual key names, comma-separated
    action: str
    label: str  # the footer's word, and the palette entry's title
    description: str  # the help's line, and the palette entry's help
    tooltip: str = ""
    key_display: str | None = None  # only where the footer should not show Textual's own name
    show: bool = True  # in the footer
    priority: bool = False  # before the focused widget's keys (a form's ctrl+s over a TextArea)
    textual: bool = False  # bound by Textual itself; declared for the help, README and tests

    @property
    def id(self) -> str:
        """The binding's id, ``scope.name`` (also what a Textual keymap would name)."""
        return f"{self.scope}.{self.name}"

    @property
    def key_list(self) -> list[str]:
        """Each key as users type it."""
        return [key_words(key.strip()) for key in self.keys.split(",")]

    @property
    def shown(self) -> str:
        """The keys as users type them, ``y / enter``."""
        return " / ".join(self.key_list)

    def binding(self) -> Binding:
        """The Textual binding this command declares."""
        return Binding(self.keys, self.action, self.label, show=self.show, key_display=self.key_display,
                       priority=self.priority, tooltip=self.tooltip or self.sentence, id=self.id)

    @property
    def sentence(self) -> str:
        """The description as a sentence (the palette's help line, a default tooltip)."""
        return self.description[:1].upper() + self.description[1:]
