"""mishap's model and its persistence; importable without Textual."""

from __future__ import annotations

from .domain.speed import load_on_first_use

# pendulum imports dateutil's parser (and with it dateutil.tz and ctypes) for text that is not
# ISO-8601. mishap hands pendulum only ISO text (clock.read_when reads what people type), so that
# parser loads the day something uses it: it was a third of pendulum's import time at start-up.
load_on_first_use("dateutil.parser")
