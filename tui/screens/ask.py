"""From a form's value to a store change: the form writes nothing, the screen that opened it does."""

from __future__ import annotations

from typing import Any, Callable

from pendulum import DateTime

from storage.domain.model import Incident
from storage.store import rules
from storage.store.files import StoreError

from .modals import FormModal

Change = Callable[[Incident, DateTime, str], Any]  # what App.apply_change (and Store.change) apply


def ask(app, number: int, make: Callable[[], FormModal], change: Callable[[Any], Change],
        then: Callable[[Any], None] | None = None) -> None:
    """Open the form ``make()`` over incident ``number``; the value it dismisses with is written as
    ``change(value)`` through the app's one write path, then ``then(value)`` runs.

    Before it closes, the form tries the change on a scratch copy of the incident under the store's
    rules (nothing is saved): what that refuses, the form shows, and it stays open. A write the store
    still refuses (the disk, another console meanwhile) opens a new copy of the form holding what was
    typed, with the reason.
    """
    form = make()
    form.check = lambda value: rules.apply_change(app.store.get(number).to_dict(), change(value), app.now(),
                                                  app.store.user)

    def answered(value: Any) -> None:
        if value is None:
            return  # cancelled
        try:
            app.apply_change(number, change(value), raise_errors=True)
        except StoreError as exc:
            ask(app, number, lambda: make().refilled(form.typed, str(exc)), change, then)
            return
        if then is not None:
            then(value)

    app.push_screen(form, answered)
