"""mishap's model and its persistence; importable without Textual."""

from __future__ import annotations

import importlib.util
import sys


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


# pendulum imports dateutil's parser (and with it dateutil.tz and ctypes) for text that is not
# ISO-8601. mishap hands pendulum only ISO text (clock.read_when reads what people type), so that
# parser loads the day something uses it: it was a third of pendulum's import time at start-up.
load_on_first_use("dateutil.parser")
