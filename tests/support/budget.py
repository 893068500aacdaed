"""How many generated examples a property test (hypothesis) tries: a few in README's run, many in CI's deep run.

tests/conftest.py registers the two profiles and loads the one ``HYPOTHESIS_PROFILE`` names
("quick" when it is unset; CI also runs "ci-deep"). A test states its budget for the quick run
as ``@settings(max_examples=examples(n))``; a deeper profile multiplies it. Its ``@example``
cases run under every profile.
"""

from __future__ import annotations

from hypothesis import settings

QUICK, DEEP = 10, 100  # max_examples of the "quick" and the "ci-deep" profile


def examples(quick: int) -> int:
    """``quick`` under the quick profile; as many times more under the loaded one as its max_examples is."""
    return max(1, quick * settings.default.max_examples // QUICK)
