"""The messages the app sends its screens: the once-a-second tick and "the store changed".

The app posts them to the screens on view (the top one and those showing under a modal);
a screen that cares handles them (``on_tick``, ``on_store_changed``), one that does not
simply never hears of them. A screen coming back into view redraws itself from the store
(``on_screen_resume``), so nothing is lost by not telling the hidden ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from pendulum import DateTime
from textual.message import Message


@dataclass
class Tick(Message, bubble=False):
    """Once a second: redraw what shows time (countdowns, "discovered 3 min ago") for ``now``."""

    now: DateTime


@dataclass
class StoreChanged(Message, bubble=False):
    """The store holds something new: a write of ours (``number`` is the incident written), or
    another process's change (``number`` is None: anything may have changed)."""

    number: int | None = None

    def concerns(self, number: int) -> bool:
        """Whether incident ``number`` may be among what changed."""
        return self.number is None or self.number == number
