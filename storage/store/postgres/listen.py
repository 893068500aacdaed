"""Other writers' changes, pushed: LISTEN on a connection of its own, and resync after every reconnect.

Each notification names what changed (an incident, a draft): the store reads only that, and
only if it is newer than what it holds (storage.store.postgres.view). A notification sent
while the listener was away is lost, so after each reconnect the store reads everything once
and it yields; on the first connect it looks (by index, for rows written since the store
last read) and yields if anything changed. When the server cannot be reached it says so
through the store's ``connection_problem``, yields once (so a screen shows "offline"), and
retries with a growing pause.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, AsyncIterator

from ..errors import StoreError
from .connect import psycopg_module

if TYPE_CHECKING:
    from .store import PostgresStore

FIRST_PAUSE, LONGEST_PAUSE = 0.25, 5.0  # seconds between reconnects: doubling up to this


async def listen(store: "PostgresStore", interval: float = 1.0) -> AsyncIterator[None]:
    """Yield after each change another handle committed, after going offline, and after coming back."""
    psycopg = psycopg_module()
    session = store.session
    pause, connected_before = FIRST_PAUSE, False
    probe_every = max(interval, 0.05) * 5  # a dead connection without a goodbye shows on the probe
    while not store.closed:
        try:
            conn = await store.session.target.connect_async()
        except StoreError:
            if session.listening_offline is None:
                session.listening_offline = f"offline: cannot reach {store.location}, retrying"
                yield None
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)
            continue
        try:
            async with conn:
                await conn.execute("LISTEN mishap_changes")  # the channel store.CHANNEL notifies
                pause = FIRST_PAUSE
                if session.listening_offline is not None or connected_before:
                    # Back: whatever was notified meanwhile is lost, so look again now.
                    session.listening_offline = None
                    store.resync()
                    yield None
                elif store.refresh():
                    # First connect: a change committed since the store last read, before this
                    # LISTEN, was notified to nobody; look once so it is not lost.
                    yield None
                connected_before = True
                while not store.closed:
                    async for note in conn.notifies(timeout=probe_every):
                        if note.payload.rsplit(" ", 1)[-1] == store.instance:
                            continue  # our own write: already in our view
                        if store.catch_up(note.payload):
                            yield None
                    await conn.execute("SELECT 1")
        except psycopg.OperationalError:
            continue  # reconnect at once; offline only if that fails
