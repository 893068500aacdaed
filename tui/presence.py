"""Who else is here: the console's own presence note, and the others' as the screens show them.

The console says where it is from the screen on top (the board, an incident's workspace, the
composer writing to an audience), at once when that changes and again every
:data:`~storage.domain.presence.BEAT_SECONDS` as a heartbeat; each time it also reads the
others' notes. All of it runs on a thread of its own (never the store thread: a note never
waits for a write, nor a write for a note), and the screens are told
(:class:`PresenceChanged`) only when what they show of the others changed, so an idle
console repaints nothing. The backend's board is ``storage.store.open_presence``.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from textual.message import Message

from storage.domain.presence import BEAT_SECONDS, DRAFTING, LOOKING, Presence, drafting_for, here_words
from storage.store import open_presence, presence_user


class PresenceChanged(Message, bubble=False):
    """What the others are doing changed: a screen showing them reads ``app.presence`` again."""


def where(screens: list) -> tuple[int | None, str, str]:
    """(incident number or None, looking or drafting, audience name) from a screen stack, top first:
    the composer or a workspace under any other dialog; anything else is the board."""
    composer = sys.modules.get("tui.screens.composer")
    workspace = sys.modules.get("tui.screens.incident")
    for screen in screens:
        if composer is not None and isinstance(screen, composer.ComposerScreen):
            incident = screen.incident
            return incident.number, DRAFTING, incident.audience_name(screen.audience)
        if workspace is not None and isinstance(screen, workspace.IncidentScreen):
            return screen.number, LOOKING, ""
        if not screen.is_modal:
            break
    return None, LOOKING, ""


class PresenceWatch:
    """This console's note and the others', for one app (``app.presence``)."""

    def __init__(self, app, store, user: str | None):
        self.app = app
        self.store = store  # the store itself (not the gated view): only its folder, clock and target are read
        self.user = user or store.user
        self._given = user is not None
        self.console = uuid.uuid4().hex
        self.notes: list[Presence] = []
        self._shown: tuple = ()  # what the screens were last told of the others
        self._state: tuple = (None, LOOKING, "")
        self._since = self._now()
        self._board = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mishap-presence")
        self._pending = False  # a beat is on its way: the next one waits for it (coalesced)
        self._again = False
        self._closed = False

    def _now(self) -> datetime:
        return self.store.clock().astimezone(timezone.utc)

    # -- the console's side ----------------------------------------------------------------

    def start(self) -> None:
        """Say where we are now and every few seconds, and follow the screens."""
        self.app.screen_change_signal.subscribe(self.app, self._screen_changed)
        self.app.set_interval(BEAT_SECONDS, self.beat)
        self._state = where(list(reversed(self.app.screen_stack)))
        self.beat()

    def _screen_changed(self, _screen) -> None:
        if not self.app.screen_stack:
            return
        state = where(list(reversed(self.app.screen_stack)))
        if state != self._state:
            self._state, self._since = state, self._now()
            self.beat()

    def note(self) -> Presence:
        """This console's note as of now."""
        number, doing, audience = self._state
        return Presence(self.console, self.user, number, doing, audience, self._since, self._now())

    def beat(self) -> None:
        """Write our note and read everyone's, on the presence thread; one at a time (a beat asked for
        while one runs follows it, once)."""
        if self._closed:
            return
        if self._pending:
            self._again = True
            return
        self._pending = True
        running = asyncio.get_running_loop().run_in_executor(self._thread, self._exchange, self.note())
        running.add_done_callback(self._heard)

    def _exchange(self, note: Presence) -> list[Presence]:
        if self._board is None:
            self._board = open_presence(self.store)
            named = presence_user(self.store, self._board)
            if not self._given and named != self.user:  # a database role: the record uses it too
                self.user = self.store.user = named
                note = Presence(note.console, named, note.number, note.doing, note.audience, note.since, note.beat)
        self._board.say(note)
        return self._board.read()

    def _heard(self, done: asyncio.Future) -> None:
        self._pending = False
        if done.cancelled() or self._closed:
            return
        if done.exception() is None:
            notes = done.result()
            shown = tuple(sorted((n.console, n.user, n.number, n.doing, n.audience, n.since) for n in notes
                                 if n.console != self.console))
            self.notes = notes
            if shown != self._shown:
                self._shown = shown
                self.app.tell_screens(PresenceChanged())
        if self._again:
            self._again = False
            self.beat()

    def stop(self) -> None:
        """Take our note away (the others stop showing us at once) and let the thread end."""
        self._closed = True

        def leave() -> None:
            if self._board is not None:
                self._board.leave(self.console)
                self._board.close()

        self._thread.submit(leave)
        self._thread.shutdown(wait=True)

    # -- what the screens ask ---------------------------------------------------------------

    def here(self, number: int | None) -> str:
        """``dana is here · drafting an update to Maria`` for incident ``number``; "" when no one else is."""
        return here_words(self.notes, number, self.console, self.user)

    def drafting(self, number: int, audience: str) -> Presence | None:
        """Someone else drafting an update to ``audience`` of incident ``number`` now, else None."""
        return drafting_for(self.notes, number, audience, self.console, self.user)


def composing_warning(note: Presence, tz=None) -> str:
    """``dana has been drafting an update to Maria since 14:02. Write one too?``"""
    from storage.domain.clock import local_clock

    import pendulum

    since = f" since {local_clock(pendulum.instance(note.since), tz=tz)}" if note.since is not None else ""
    return f"{note.user} has been drafting an update to {note.audience}{since}. Write one too?"


def open_composer(app, incident, audience: int, then, *, holding: bool = False) -> None:
    """The composer for ``audience`` of ``incident``; if someone else is drafting to that audience,
    a question first naming who and since when (the user may go on)."""
    from .screens.composer import ComposerScreen

    def go(yes: bool | None = True) -> None:
        if yes:
            app.push_screen(ComposerScreen(incident, holding=holding, audience=audience), then)

    watch = getattr(app, "presence", None)
    other = watch.drafting(incident.number, incident.audience_name(audience)) if watch is not None else None
    if other is None:
        go()
        return
    from .screens.modals import ConfirmModal

    app.push_screen(ConfirmModal(composing_warning(other)), go)
