"""The console's one way to the store: every call serialised, every write off the event loop.

How the store stays safe with two threads
-----------------------------------------
A store backend is not thread-safe (the folder store keeps parsed files and TinyDB
tables in memory). The console touches it from two threads:

* the event loop, for reads (the board's rows, an incident's workspace) and for the
  backend's own ``changes()`` iterator, which refreshes before it yields;
* one store thread (a single-worker executor), for every write, so a write that waits on
  another process's lock or on fsync never stalls the event loop. Writes outside the store
  (a saved update, an exported report, the theme) take the same thread, in turn, and so does
  opening the store, which may tidy up after a killed writer (``StoreAccess.opening``).

Every call, reads included, takes one gate (a re-entrant lock), through :class:`GatedStore`,
the object screens know as ``app.store``. A write first waits for other *processes* outside
the gate (the store's ``writer_lock()``: the folder's lock, taken again without waiting inside
its ``change``; nothing on a database), so the gate is held only while the write itself runs: the loop never waits
for another process, at most for one write of ours to reach the disk. The tick does not
wait even for that (``if_free``): it rings a second later instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from storage.domain.fields import ValidationError
from storage.store import StoreError, open_store, write_atomically


@dataclass(frozen=True)
class WriteResult:
    """What became of a write: ``ok`` with the store's ``value``, or refused with a ``message`` to show."""

    ok: bool
    value: Any = None
    message: str = ""
    disk_error: bool = False  # the disk failed us: what we hold may no longer match it


class GatedStore:
    """The store as the console uses it: the same methods, each one called under the gate."""

    def __init__(self, store, gate: threading.RLock):
        object.__setattr__(self, "_store", store)
        object.__setattr__(self, "_gate", gate)

    @property
    def backend(self):
        """The store itself, for code that already holds the gate."""
        return self._store

    def __getattr__(self, name: str):
        value = getattr(self._store, name)
        if not callable(value):
            return value
        gate = self._gate

        @functools.wraps(value)
        def gated(*args, **kwargs):
            with gate:
                return value(*args, **kwargs)

        return gated

    def __setattr__(self, name: str, value) -> None:
        setattr(self._store, name, value)  # the store's own flags (upkeep_waiting, …)

    def changes(self, interval: float = 1.0):
        """The backend's own change iterator, run on this gated view: its refreshes take the gate too."""
        return type(self._store).changes(self, interval)


def store_thread() -> ThreadPoolExecutor:
    """The one thread that runs every write (and the opening) of a console's store."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="mishap-store")


class StoreAccess:
    """The gate, the gated store and the one store thread that runs every write."""

    def __init__(self, store, location: str, thread: ThreadPoolExecutor | None = None):
        self.gate = threading.RLock()
        self.store = GatedStore(store, self.gate)
        self.location = location
        self._thread = thread or store_thread()
        self.in_flight = 0  # writes submitted and not yet finished

    @classmethod
    async def opening(cls, open_it: Callable[[], Any]) -> "StoreAccess":
        """Open the store with ``open_it()`` on what becomes its thread, the loop free meanwhile.

        Opening writes: a folder store makes its folder, notes a folder others can read, and
        tidies what a killed writer left (upkeep: temp files removed, a close or reopen cut short
        finished, the backup refreshed, each fsynced). All of it is done before this returns,
        so nothing reads the store before a crash's leftovers are put right. Raises what
        ``open_it`` raises.
        """
        thread = store_thread()
        try:
            store = await asyncio.get_running_loop().run_in_executor(thread, _open_and_finish, open_it)
        except BaseException:
            thread.shutdown(wait=False)
            raise
        return cls(store, store.location, thread)

    @contextlib.contextmanager
    def if_free(self) -> Iterator[bool]:
        """Hold the gate only if no one does now (yields whether it is held): for work that can wait a tick."""
        got = self.gate.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                self.gate.release()

    async def call(self, fn: Callable, *args, wait_for_writers: bool = True) -> WriteResult:
        """Run ``fn(backend, *args)`` on the store thread; its outcome as a WriteResult (never raises)."""
        self.in_flight += 1
        try:
            running = asyncio.get_running_loop().run_in_executor(self._thread, self.call_now, fn, args,
                                                                  wait_for_writers)
            # Shielded: a caller that goes away (a screen closed, the app quitting) does not take
            # a write already handed over with it; ``close`` waits for it.
            return await asyncio.shield(running)
        finally:
            self.in_flight -= 1

    def call_now(self, fn: Callable, args: tuple = (), wait_for_writers: bool = True) -> WriteResult:
        """The same, in the calling thread (the store thread): the one place errors are turned into words."""
        backend = self.store.backend
        try:
            with backend.writer_lock() if wait_for_writers else contextlib.nullcontext():
                with self.gate:
                    value = fn(backend, *args)
        except (ValidationError, StoreError) as exc:
            # A StoreError (WriteFailed too) names the file and the way out already.
            return WriteResult(False, message=str(exc))
        except OSError as exc:
            return WriteResult(False, message=f"could not write to {self.location}: {exc}", disk_error=True)
        return WriteResult(True, value)

    async def call_outside(self, fn: Callable, *args, **kwargs) -> Any:
        """Run ``fn(*args, **kwargs)`` on the store thread, not under the gate: work that writes outside the
        console's store (a file, a second handle); returns, or raises, what ``fn`` does."""
        self.in_flight += 1
        try:
            running = asyncio.get_running_loop().run_in_executor(self._thread,
                                                                  functools.partial(fn, *args, **kwargs))
            return await asyncio.shield(running)  # as in ``call``: a write handed over is finished
        finally:
            self.in_flight -= 1

    def close(self) -> None:
        """Let the store thread finish what it was given, then end."""
        self._thread.shutdown(wait=True)


def _open_and_finish(open_it: Callable[[], Any]):
    """Open the store, then finish what a stopped mishap left in an outbox (storage.mail.sending.finish_outbox):
    an email the server accepted is recorded; each finished one becomes a warning the console shows."""
    store = open_it()
    if not store.read_only and any(i.outbox and i.outbox_waiting(store.clock()) for i in store.open_incidents()):
        from storage.mail.sending import finish_outbox

        for line in finish_outbox(store):
            store.warn(line)
    return store


class WritePath:
    """The app's one way to change the store: every write runs on the store thread and returns a
    WriteResult; on success the screens on view are told (``store_changed``), a refusal is shown.

    Mixed into the App, which provides ``access``, ``store``, ``spec``, ``clock``, ``store_changed`` and
    ``notify``.
    """

    async def write(self, number: int, apply: Callable, done: str | None = None, *,
                    show_refusal: bool = True) -> WriteResult:
        """Apply a change to incident ``number`` on the store thread (the event loop never waits on
        the lock or fsync); the screens on view are told, ``done`` is said, a refusal shown."""
        result = await self.access.call(lambda store: store.change(number, apply))
        return self._written(result, number, done, show_refusal)

    def request_write(self, number: int, apply: Callable, done: str | None = None,
                      then: Callable[[WriteResult], None] | None = None) -> None:
        """``write`` from code that cannot wait for it (a key's action); ``then(result)`` when done."""
        async def run() -> None:
            result = await self.write(number, apply, done)
            if then is not None:
                then(result)

        self.run_worker(run(), group="writes")

    async def create(self, title: str, client: str, severity: int, **details) -> WriteResult:
        """Open a new incident through the same path as every write; its value is the incident."""
        if self.store.read_only:
            return WriteResult(False, message=self.store.read_only_reason)
        result = await self.access.call(lambda store: store.create(title, client, severity, **details))
        return self._written(result, None, None, show_refusal=False)

    async def email_update(self, number: int, prepare: Callable) -> WriteResult:
        """Email an update and record it (storage.mail.sending): the user's own [mail] settings and password
        read off the loop, the outbox and the record on the store thread, the server on a thread of its
        own (a slow one holds up neither the screen nor other writes). ``prepare(incident, now, by)``
        returns its ``Wanted``; the value is the update recorded as sent, the message one line."""
        from storage.mail.sending import NotRecorded, queue, send_queued, settle
        from storage.mail.settings import MailError, mail_password, read_mail_settings

        def ready():
            settings = read_mail_settings()
            return settings, mail_password(settings)

        if self.store.read_only:
            return WriteResult(False, message=self.store.read_only_reason)
        try:
            settings, password = await asyncio.to_thread(ready)
        except MailError as exc:
            return WriteResult(False, message=str(exc))
        queued = await self.access.call(lambda store: queue(store, number, settings, prepare))
        if not queued.ok:
            return self._written(queued, number, None, show_refusal=False)
        self.store_changed(number)
        outcome = await asyncio.to_thread(send_queued, settings, queued.value, password)

        def record(store):
            try:
                return settle(store, queued.value, outcome)
            except (MailError, NotRecorded) as exc:
                raise ValidationError(str(exc)) from None

        result = await self.access.call(record)
        self.store_changed(number)
        if result.ok:
            return WriteResult(True, (result.value, queued.value, outcome))
        return result

    async def save_draft(self, number: int, fields: dict[str, str] | None) -> WriteResult:
        """Keep (``fields``) or forget (None) the draft of a client update: the same path as every write."""
        if fields is None:
            return await self.access.call(lambda store: store.discard_draft(number))
        return await self.access.call(lambda store: store.save_draft(number, fields))

    async def save_file(self, path, data: str | bytes) -> None:
        """Write a file outside the store (a saved update, a report), atomically and durably, on the store
        thread; raises what the write raises (a WriteFailed names the file and the way out)."""
        await self.access.call_outside(write_atomically, path, data)

    async def open_reader(self):
        """The same store opened once more, on the store thread (opening may tidy, which writes): for a long
        read on a thread of its own, while the console's store stays free. Close it when done."""
        return await self.access.call_outside(open_store, self.spec, clock=self.clock, user=self.store.user)

    async def save_review_index(self, reader=None) -> WriteResult:
        """Keep the review's rows where the next process reads them fast (derived data: never waits for
        the lock), on the store thread; ``reader``: a handle from ``open_reader`` that read them."""
        if reader is None:
            return await self.access.call(lambda store: store.save_review_index(), wait_for_writers=False)
        try:
            return WriteResult(True, await self.access.call_outside(reader.save_review_index))
        except (StoreError, OSError) as exc:
            return WriteResult(False, message=str(exc))

    def _written(self, result: "WriteResult", number: int | None, done: str | None,
                 show_refusal: bool) -> WriteResult:
        if result.ok:
            self.store_changed(number)
            if done:
                self.notify(done, timeout=3, markup=False)
            return result
        if result.disk_error:
            # What we hold may not be what the disk has: re-read it and redraw from it.
            try:
                self.store.refresh()
            except (StoreError, OSError):
                pass
            self.store_changed()
        if show_refusal:
            self.notify(f"Not saved: {result.message}", severity="error", markup=False)
        return result
