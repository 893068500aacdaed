"""Two ways mishap saves time the Python runtime would otherwise spend: modules that load on first
use, and no cycle collection while thousands of objects are built in one go."""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import sys
from typing import Iterator


def load_on_first_use(name: str) -> None:
    """Make importing module ``name`` cheap: its code runs the first time one of its names is read."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # what the import system does for a submodule, so ``from parent import child`` finds it
        setattr(sys.modules[parent], child, module)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No garbage collection inside: for building thousands of objects that hold no cycles.

    The review's 10,000 rows and their patterns are such objects; collecting while they pile up
    walks them again and again and frees nothing (about a quarter of the time they take). Objects
    are still freed as soon as nothing refers to them, as always in CPython.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
