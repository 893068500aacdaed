"""The store backends the backend-neutral storage tests run on, each behind one small handle.

A test asks for the ``backend`` fixture (tests/storage/conftest.py) and gets a :class:`Backend`:
``spec`` names the store as ``--db`` would, ``open()`` opens a new handle on it (another
console, another process), and ``fingerprint()`` is everything the store holds, so a test can
prove that a refused change wrote nothing. The PostgreSQL backend joins ``BACKENDS``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from storage.store import IncidentStore, open_store

#: Every backend the backend-neutral tests run on.
BACKENDS = ["folder"]


@dataclass
class Backend:
    """One store of one backend, empty at the start of the test."""

    name: str
    spec: str
    clock: object

    def open(self, *, clock=None, user: str | None = "check") -> IncidentStore:
        """A new handle on the same store, as another console or process would open it."""
        return open_store(self.spec, clock=clock or self.clock, user=user)

    def fingerprint(self) -> str:
        """A digest of everything the store holds (files, or rows), to show that nothing was written."""
        if self.name == "folder":
            digest = hashlib.sha256()
            root = Path(self.spec)
            if root.exists():
                for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".mishap.lock"):
                    digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
            return digest.hexdigest()
        raise NotImplementedError(f"no fingerprint for the {self.name} backend yet")
