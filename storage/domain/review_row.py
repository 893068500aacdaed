"""One closed incident as a row of the review, and the form rows are stored in.

Both backends keep a row per closed incident, worked out when it is closed, so the review of
10,000 closed incidents reads rows rather than incidents. A stored row is a list of values in
the order of its *form*: a version (how the values are worked out) and the names of its fields,
written once per file or table, never once per row (10,000 rows must not grow tenfold). A row
stored in any other form than this mishap's, or whose values do not fit its form, is worked
out again from its incident: never read as if it were of this form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .metrics import (duration, hard_deadline_record, heard_from_us_first, longest_silence, posix_seconds,
                      promise_record, time_to_acknowledge, time_to_first_contact, time_to_management,
                      update_punctuality)
from .patterns import kind_words

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident


class ReviewRow(NamedTuple):
    """One closed incident as the review shows it: identity, metrics and what filters and flags need.

    A tuple: 10,000 of them are built from the stored rows on every start, and a tuple is
    the cheapest Python object to make and to keep.
    """

    number: int
    title: str
    client: str
    severity: int
    closed_at: float | None  # POSIX seconds
    duration: float | None
    ack: float | None
    first_contact: float | None
    us_first: bool | None
    updates_on_time: int
    updates_due: int
    silence: float | None
    broken: int
    renegotiated: int
    credits: float
    hours: float
    share: float
    cost_recorded: bool
    close_reason: str
    root_cause: str  # clipped: for the text filter
    words: str  # kind_words, space-separated
    management_told: float | None = None  # seconds from discovery to the first update to management
    hard_deadlines_met: int = 0
    hard_deadlines_total: int = 0  # hard deadlines kept or broken (released before their time: not counted)

    @property
    def id(self) -> str:
        """``M-12``."""
        return f"M-{self.number}"

    @property
    def on_time_share(self) -> float | None:
        """Share of due updates sent on time (None when none came due)."""
        return self.updates_on_time / self.updates_due if self.updates_due else None

    def to_list(self) -> list:
        """The values in the order of ``ROW_FORM``: what a backend stores."""
        return list(self)

    @classmethod
    def from_list(cls, values: list) -> "ReviewRow":
        """The row from :meth:`to_list`'s form (ValueError if it has the wrong length)."""
        if len(values) != len(cls._fields):
            raise ValueError(f"a review row has {len(cls._fields)} fields, not {len(values)}")
        return cls._make(values)


#: How this mishap works out and stores a row: a new way to work out any value is a new version.
#: 2: audiences: first contact, punctuality and silence count the client's audience only; management
#: told and hard deadlines met are new. A row of version 1 is worked out again, never read as of 2.
ROW_VERSION = 2
ROW_FORM = {"version": ROW_VERSION, "fields": list(ReviewRow._fields)}
#: The form of rows stored before forms were named (a folder's index format 3; PostgreSQL before
#: its migration 0002). Spelt out, not taken from ReviewRow: a field added later must not make
#: those rows look like rows of the new form.
FIRST_FORM = {"version": 1, "fields": [
    "number", "title", "client", "severity", "closed_at", "duration", "ack", "first_contact", "us_first",
    "updates_on_time", "updates_due", "silence", "broken", "renegotiated", "credits", "hours", "share",
    "cost_recorded", "close_reason", "root_cause", "words"]}


def is_row_form(form: object) -> bool:
    """Whether rows stored under ``form`` are read as they are (any other form is worked out again)."""
    return form == ROW_FORM


ROOT_CAUSE_KEPT = 300


def row_from_document(doc: dict) -> ReviewRow:
    """The review row of one stored incident document."""
    cost = doc.get("cost") or {}
    on_time, due = update_punctuality(doc)
    broken, renegotiated = promise_record(doc)
    met, total = hard_deadline_record(doc)
    root_cause = doc.get("root_cause") or ""
    return ReviewRow(
        number=int(doc["number"]),
        title=doc.get("title") or "",
        client=doc.get("client_org") or "",
        severity=int(doc.get("severity") or 0),
        closed_at=posix_seconds(doc.get("closed_at")),
        duration=duration(doc),
        ack=time_to_acknowledge(doc),
        first_contact=time_to_first_contact(doc),
        us_first=heard_from_us_first(doc),
        updates_on_time=on_time,
        updates_due=due,
        silence=longest_silence(doc),
        broken=broken,
        renegotiated=renegotiated,
        credits=float(cost.get("credits") or 0),
        hours=float(cost.get("unbilled_hours") or 0),
        share=float(cost.get("our_share_percent", 100)),
        cost_recorded=bool(cost.get("recorded_at")),
        close_reason=doc.get("close_reason") or "",
        root_cause=root_cause[:ROOT_CAUSE_KEPT],
        words=" ".join(kind_words(doc.get("title") or "", root_cause)),
        management_told=time_to_management(doc),
        hard_deadlines_met=met,
        hard_deadlines_total=total,
    )


def review_row(incident: "Incident") -> ReviewRow:
    """The review row of an incident (the same numbers the review shows for it)."""
    return row_from_document(incident.to_dict())
