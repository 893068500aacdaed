"""What a change decided from the screen finds on disk when there is nothing to do.

A key carries the user's intent as the screen showed it; a change already true on disk
returns Unchanged (the store then writes nothing), and ``shown`` (NOT_SHOWN when the
caller did not say) is what the screen showed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pendulum import DateTime

from .clock import local_clock


# The default of a change's ``shown`` argument: the caller did not say what the screen showed.
NOT_SHOWN = object()


@dataclass(frozen=True)
class Unchanged:
    """What an intent found on disk when it wrote nothing: already so, or moved meanwhile.

    ``refused`` means another responder moved the thing somewhere the user's screen did
    not show, so the intent (decided from the screen) no longer applies.
    """

    what: str
    by: str = ""
    at: DateTime | None = None
    verb: str = ""
    refused: bool = False

    def message(self, now: DateTime | None = None, tz=None) -> str:
        """One line: ``Step 1 is already done — by lena at 10:02`` (local time)."""
        said = " ".join(part for part in (self.verb, f"by {self.by}" if self.by else "",
                                          f"at {local_clock(self.at, now, tz)}" if self.at else "") if part)
        line = f"{self.what} — {said}" if self.by or self.at else self.what
        return line + (". Nothing changed." if self.refused else "")
