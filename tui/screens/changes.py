"""From what the user asked for to a store change, written through the app's one write path.

Forms write nothing: the screen that opened one writes the value it dismisses with.
"""

from __future__ import annotations

from typing import Any, Callable

from pendulum import DateTime
from textual.screen import ModalScreen

from storage.domain.model import Incident
from storage.domain.intent import Unchanged
from storage.store import StoreError, apply_change

from ..text import clip
from .modals import FormModal

Change = Callable[[Incident, DateTime, str], Any]  # what App.write (and IncidentStore.change) apply


def call(method: str, *args, **kwargs) -> Change:
    """The change that calls ``incident.method(*args, now, by, **kwargs)``."""
    return lambda incident, now, by: getattr(incident, method)(*args, now, by, **kwargs)


class Writes:
    """The changes a screen makes to incident ``number``: intents, forms and pick lists, all written
    through the app's one write path."""

    def __init__(self, app, number: int):
        self.app = app
        self.number = number

    def change(self, change: Change, done: str | None = None) -> None:
        """Write a change decided from what the screen showed; say so if the disk already had it (or moved on).

        A refused write is shown by the app, and the screens redrawn from the disk.
        """
        app = self.app

        def landed(result) -> None:
            if not result.ok:
                return  # the app has shown why
            if isinstance(result.value, Unchanged):
                # The store wrote nothing and the screen now shows the disk: say why.
                app.notify(clip(result.value.message(app.now()), 300), markup=False,
                           severity="warning" if result.value.refused else "information")
            elif done:
                app.notify(done, timeout=3, markup=False)

        # On the store thread: a key never waits for the lock or the disk (see tui.store_access).
        app.request_write(self.number, change, then=landed)

    def ask(self, make: Callable[[], FormModal], change: Callable[[Any], Change],
            then: Callable[[Any], None] | None = None) -> None:
        """Open the form ``make()``; the value it dismisses with is written as ``change(value)``, then
        ``then(value)`` runs.

        Before it closes, the form tries the change on a scratch copy of the incident under the store's
        rules (nothing is saved): what that refuses, the form shows, and it stays open. A write the store
        still refuses (the disk, another console meanwhile) opens a new copy of the form holding what
        was typed, with the reason.
        """
        app, number = self.app, self.number
        form = make()

        def dry_run(value: Any) -> None:
            try:
                stored = app.store.get(number)
            except (StoreError, OSError):
                return  # our copy is out of date: the write itself says what is wrong
            apply_change(stored.to_dict(), change(value), app.now(), app.store.user)

        form.check = dry_run

        async def write(value: Any) -> None:
            result = await app.write(number, change(value), show_refusal=False)
            if not result.ok:
                self.ask(lambda: make().refilled(form.typed, result.message), change, then)
            elif then is not None:
                then(value)

        def answered(value: Any) -> None:
            if value is not None:  # None: cancelled
                app.run_worker(write(value), group="writes")

        app.push_screen(form, answered)

    def pick(self, picker: ModalScreen, then: Callable[[Any], None]) -> None:
        """Open a pick list; ``then(value)`` once something is picked (nothing on escape)."""
        self.app.push_screen(picker, lambda value: None if value is None else then(value))
