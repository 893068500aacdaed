"""The console's one way to the store: every call serialised, every write off the event loop.

How the store stays safe with two threads
-----------------------------------------
A store backend is not thread-safe (the folder store keeps parsed files and TinyDB
tables in memory). The console touches it from two threads:

* the event loop, for reads (the board's rows, an incident's workspace) and for the
  backend's own ``changes()`` iterator, which refreshes before it yields;
* one store thread (a single-worker executor), for every write, so a write that waits on
  another process's lock or on fsync never stalls the event loop.

Every call, reads included, takes one gate (a re-entrant lock), through :class:`GatedStore`,
the object screens know as ``app.store``. A write first waits for other *processes* outside
the gate (the folder store's ``writer_lock()``, taken again without waiting inside its
``change``), so the gate is held only while the write itself runs: the loop never waits
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

from storage.domain.model import ValidationError
from storage.store.files import StoreError


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


class StoreAccess:
    """The gate, the gated store and the one store thread that runs every write."""

    def __init__(self, store, location: str):
        self.gate = threading.RLock()
        self.store = GatedStore(store, self.gate)
        self.location = location
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mishap-store")
        self.in_flight = 0  # writes submitted and not yet finished

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
        """The same, in the calling thread (for the synchronous bridge): the one place errors are turned into words."""
        backend = self.store.backend
        writer_lock = getattr(backend, "writer_lock", None) if wait_for_writers else None
        try:
            with writer_lock() if writer_lock is not None else contextlib.nullcontext():
                with self.gate:
                    value = fn(backend, *args)
        except (ValidationError, StoreError) as exc:
            # A StoreError (WriteFailed too) names the file and the way out already.
            return WriteResult(False, message=str(exc))
        except OSError as exc:
            return WriteResult(False, message=f"could not write to {self.location}: {exc}", disk_error=True)
        return WriteResult(True, value)

    def close(self) -> None:
        """Let the store thread finish what it was given, then end."""
        self._thread.shutdown(wait=True)
