"""Every open deadline as an iCalendar file (RFC 5545), for the calendar on a responder's phone.

One event per open promise of the open incidents (the next update owed to an audience, a
commitment, a hard deadline alike), at its due instant in UTC, with an alarm ten minutes before.
A re-import updates an event rather than adding a copy:

- its ``UID`` names the incident's creation instant, its number and the promise's place in the
  incident's list, which only grows: it stays the same whatever else is promised or kept, and two
  stores' incidents of the same number differ by their creation instant;
- its ``SEQUENCE`` is how many times the record says the promise moved (renegotiations, and a
  hard deadline's recounts), and ``DTSTAMP`` the last time it did (or was made): the file is the
  same bytes until a promise is made, moved or kept, so a caller can tell an unchanged file.

A kept or released promise is not in the file, and a calendar that re-reads it drops the event.

User text (titles, names, promises) goes in as the console shows it (storage.domain.visible:
control characters as their pictures, lone surrogates as ``⟨U+D800⟩``), so nothing in it can break
a line of the file; the library escapes commas, semicolons, backslashes and line breaks. Each piece
is cut at a length a phone shows (a megabyte of title stays in the store, not in the calendar).

The ``icalendar`` library is imported by :func:`calendar_bytes` only, when a file is written.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable, NamedTuple

from ..domain.visible import visible

#: The PRODID of every file mishap writes: how a file is known to be mishap's (never overwrite another).
PRODID = "-//mishap//open deadlines//EN"
CALENDAR_NAME = "mishap deadlines"
ALARM_BEFORE = timedelta(minutes=10)
REFRESH = timedelta(minutes=15)  # how often a subscribed calendar is asked to look again
SUMMARY_KEPT = 120  # characters of user text in one piece of an event's summary
DESCRIPTION_KEPT = 2000  # characters of user text in one line of an event's description
UID_DOMAIN = "mishap"


class DeadlineEvent(NamedTuple):
    """One open promise as a calendar event: everything the file says of it, as plain values."""

    uid: str
    due: datetime  # in UTC
    stamp: datetime  # when the promise was made or last moved, in UTC
    sequence: int  # how many times it moved
    summary: str
    description: str
    hard: bool


def shown(text: str, width: int, *, multiline: bool = False) -> str:
    """User text as the calendar shows it: controls made visible, cut at ``width`` with an ellipsis."""
    text = visible(str(text), multiline=multiline)
    if not multiline:
        text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _utc(instant) -> datetime:
    """An aware instant as a plain ``datetime`` in UTC (icalendar writes it with a ``Z``)."""
    moment = instant.astimezone(timezone.utc)
    return datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                    tzinfo=timezone.utc)


def promise_uid(incident, index: int) -> str:
    """The UID of promise ``index`` of ``incident``: the same on every run, and for no other promise."""
    created = incident.created_at.astimezone(timezone.utc)
    return f"{created:%Y%m%dT%H%M%S}.{created.microsecond:06d}Z-M{incident.number}-p{index + 1}@{UID_DOMAIN}"


def _recounts(incident, promise) -> list:
    """The timeline entries that recounted this hard deadline (the instant it counts from was corrected)."""
    if not promise.hard:
        return []
    said = f"Deadline recounted: {promise.rule} from "
    return [e for e in incident.timeline if e.event == "deadline_recounted" and e.at >= promise.made_at
            and e.audience == promise.audience and e.text.startswith(said)]


def times_moved(incident, promise) -> int:
    """How many times the record says ``promise`` moved: its renegotiations and, if hard, its recounts."""
    return len(promise.renegotiations) + len(_recounts(incident, promise))


def last_moved(incident, promise) -> datetime:
    """When ``promise`` was made or last moved."""
    instants = [promise.made_at, *(r.at for r in promise.renegotiations), *(e.at for e in _recounts(incident, promise))]
    return max(instants, key=lambda at: at.timestamp())


def _what(incident, promise) -> str:
    if promise.hard:
        return shown(incident.rule_label(promise), SUMMARY_KEPT)
    if promise.kind == "update":
        return "update"
    return shown(promise.text, SUMMARY_KEPT)


def event_of(incident, index: int) -> DeadlineEvent:
    """The event of open promise ``index`` of ``incident``."""
    promise = incident.promises[index]
    audience = incident.audiences[promise.audience] if 0 <= promise.audience < len(incident.audiences) \
        else incident.audiences[0]
    to = shown(audience.label(), SUMMARY_KEPT)
    summary = f"{incident.id}{' hard deadline' if promise.hard else ''}: {_what(incident, promise)} to {to}"
    lines = [f"Client: {shown(incident.client_org, DESCRIPTION_KEPT)}",
             f"Incident: {incident.id} {shown(incident.title, DESCRIPTION_KEPT)}",
             f"Owed to: {shown(audience.label(), DESCRIPTION_KEPT)}",
             f"Promise {index + 1}: {shown(promise.text, DESCRIPTION_KEPT)}"]
    if promise.hard:
        lines.append("A hard deadline (law or contract): kept by an update to its audience.")
    moved = times_moved(incident, promise)
    if moved:
        lines.append(f"Moved {moved} time{'s' if moved != 1 else ''}.")
    lines.append(f"mishap show {incident.id}")
    return DeadlineEvent(promise_uid(incident, index), _utc(promise.due), _utc(last_moved(incident, promise)), moved,
                         summary, "\n".join(lines), promise.hard)


def deadline_events(incidents: Iterable) -> list[DeadlineEvent]:
    """Every open promise of the open ``incidents`` as an event, soonest due first."""
    events = [(promise.due.timestamp(), incident.number, index, incident)
              for incident in incidents if not incident.is_closed
              for index, promise in enumerate(incident.promises) if promise.is_open]
    events.sort(key=lambda e: e[:3])
    return [event_of(incident, index) for _, _, index, incident in events]


def calendar_bytes(incidents: Iterable) -> bytes:
    """The iCalendar file of every open deadline of ``incidents``: the same bytes while nothing moved."""
    from icalendar import Alarm, Calendar, Event, vDuration

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", CALENDAR_NAME)
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # an X- property is text unless typed
    for item in deadline_events(incidents):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp)
        event.add("dtstart", item.due)
        event.add("sequence", item.sequence)
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("transp", "TRANSPARENT")  # a point in time to keep, not time spent: never "busy"
        if item.hard:
            event.add("priority", 1)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.summary)
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()


def written_by_mishap(head: bytes) -> bool:
    """Whether a file beginning with ``head`` is an iCalendar file mishap wrote (its PRODID is ours).

    The calendar's own properties come before its first event, so the start of the file is enough.
    An empty file counts as ours: overwriting it loses nothing.
    """
    if head.strip() == b"":
        return True
    text = head.decode("utf-8", errors="replace").replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "")
    lines = [line.strip() for line in text.splitlines()]
    if not lines or lines[0].upper() != "BEGIN:VCALENDAR":
        return False
    for line in lines[1:]:
        if line.upper().startswith("BEGIN:"):
            return False  # past the calendar's own properties
        name, _, value = line.partition(":")
        if name.split(";")[0].upper() == "PRODID":
            return value == PRODID
    return False
