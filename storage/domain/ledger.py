"""The promise ledger: every time we told an audience to expect something, the updates that keep it, and whether we did.

Mixed into :class:`storage.domain.model.Incident`; each method records itself on the timeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pendulum
from pendulum import DateTime

from .clock import next_working_morning, to_iso, to_utc
from .urgency import deadline_of
from .fields import require
from .intent import NOT_SHOWN, Unchanged
from .parts import CLIENT, ClientUpdate, Promise, Renegotiation
from .spans import MAX_AHEAD_DAYS, human_span

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident

# cadence_minutes == NEXT_MORNING means "the next working morning" rather than a fixed span.
NEXT_MORNING = 0
SNOOZE_MINUTES = (10, 30, 60)  # how long a reminder can be snoozed (the z picker's choices)
MAX_CADENCE_MINUTES = MAX_AHEAD_DAYS * 24 * 60  # the longest span a person may type


def cadence_words(minutes: int) -> str:
    """``30 min``, ``1 h 30 min``, ``4 h``, ``next working morning``: the cadence as a span."""
    if minutes == NEXT_MORNING:
        return "next working morning"
    return human_span(minutes * 60)


def cadence_phrase(minutes: int) -> str:
    """``every 30 min``, ``every 4 h``, or ``next working morning`` (never ``every 0 s``)."""
    return cadence_words(minutes) if minutes == NEXT_MORNING else f"every {cadence_words(minutes)}"


def _learned_words(who: str | None) -> str:
    return {"us": "we found it", "client": "the client told us"}.get(who, "not recorded")


def _when(instant: DateTime) -> str:
    return to_iso(instant.replace(microsecond=0))


class PromiseLedger:
    """Promise-keeping behaviour of an incident."""

    def next_update_after(self: "Incident", now: DateTime, tz=None, audience: int = 0) -> DateTime | None:
        """When the next update to ``audience`` is due if one is sent at ``now``, by its cadence.

        None for an audience promised no updates (cadence ``none``); the client always has one.
        """
        minutes = self.cadence_minutes if audience == 0 else self.audience(audience).cadence_minutes
        if minutes is None:
            return None
        if minutes == NEXT_MORNING:
            return next_working_morning(now, tz)
        return to_utc(now) + pendulum.duration(minutes=minutes)

    def open_promises(self: "Incident") -> list[Promise]:
        """Promises still owed, soonest first."""
        return sorted((p for p in self.promises if p.is_open), key=lambda p: p.due)

    def nearest_promise(self: "Incident") -> Promise | None:
        """The open promise due first: what the countdown runs to."""
        owed = self.open_promises()
        return owed[0] if owed else None

    @property
    def next_deadline(self: "Incident") -> DateTime | None:
        """The instant of the nearest open promise (the next update or a commitment)."""
        return deadline_of(self.promises, self.next_update_due)

    def log_update(self: "Incident", channel: str, summary: str, next_promised: DateTime | None,
                   now: DateTime, by: str = "", *, audience: int = CLIENT, delay_reason: str = "",
                   keeps: int | None = None, message_id: str = "", sent_at: DateTime | None = None) -> ClientUpdate:
        """Record an update sent to ``audience`` (the client by default) and the next one it promised.

        ``message_id``: the Message-ID of the email mishap sent it as (storage.domain.outbox). It
        settles that audience's update promise and keeps its nearest open hard deadline, or the one
        at index ``keeps``; kept late, only with ``delay_reason``. Only an update to the client's
        own audience counts as client contact.

        ``sent_at``: when it reached its audience, if before ``now`` (an email the mail server
        accepted, recorded a moment or a day later). Its promises are kept as of then, so one
        accepted in time is in time, even if a look at the overdue promises marked it broken
        meanwhile: the record then says it was kept in time after all.
        """
        target = self.audience(audience)
        require(target.active, f"{target.name} was removed from {self.id}: its audiences are "
                               f"{self.audiences_listed()}")
        require(summary.strip() != "", f"say what was told to {'the client' if audience == CLIENT else target.name}")
        # In UTC: two datetimes in one zone compare by wall time, wrong in the hour clocks fall back.
        require(next_promised is None or to_utc(next_promised) > to_utc(now),
                 "the next update must be in the future")
        sent = to_utc(sent_at if sent_at is not None else now)
        require(sent <= to_utc(now), "an update cannot be recorded as sent after the time it is recorded")
        deadline = self._deadline_kept(audience, keeps)
        late = deadline is not None and sent > deadline.due
        require(not late or delay_reason.strip() != "",
                f"this update keeps “{deadline.text if deadline else ''}” late: give the reasons for the delay "
                "(--delay-reason); a late notice must say why")
        update = ClientUpdate(sent, channel or target.channel or "email", summary,
                              to_utc(next_promised) if next_promised else None, by, audience,
                              delay_reason.strip() if late else "",
                              self.promises.index(deadline) if deadline is not None else None, message_id)
        self.updates.append(update)
        marked = self.update_promise(audience)
        marked_broken = marked is not None and marked.broken_at is not None
        self.settle_update_promise(sent, audience)
        if marked_broken and marked.kept_at <= marked.due:
            marked.broken_at = None  # marked broken while the accepted email waited to be recorded
        if update.next_promised is not None:
            self.promise_update(update.next_promised, now, audience=audience)
        if audience == CLIENT and self.first_learned_by is None:
            self.first_learned_by = "us"
        promise = (f"; next by {to_iso(update.next_promised.replace(microsecond=0))}"
                   if update.next_promised else "")
        said = "Client update" if audience == CLIENT else f"Update to {target.name}"
        when = f" — sent {_when(sent)}, recorded later" if (to_utc(now) - sent).total_seconds() >= 1 else ""
        self.record(now, "update", f"{said} ({update.channel}): {summary}{promise}{when}", by, "update_sent",
                    audience=audience)
        if deadline is not None:
            was_broken = deadline.broken_at is not None
            self._settle(deadline, sent)
            why = f" (late: broken) — reasons for the delay: {update.delay_reason}" if late else ""
            if was_broken and not late:
                deadline.broken_at = None
                why = f" in time after all: sent {_when(sent)}, before it fell due"
            self.record(now, "promise", f"Kept: {deadline.text}{why}", by, "promise_kept", audience=audience)
            self.arm_deadlines(now, by)  # a deadline counted from this one's keeping starts now
        return update

    def _deadline_kept(self: "Incident", audience: int, keeps: int | None):
        """The hard deadline an update to ``audience`` keeps: the one named, else its nearest open one."""
        if keeps is None:
            return next((p for p in self.open_promises() if p.hard and p.audience == audience), None)
        promise = self._promise(keeps)
        require(promise.hard, f"promise {keeps + 1} is not a hard deadline (--keeps names one)")
        require(promise.is_open, f"promise {keeps + 1} ({promise.text}) is not open")
        require(promise.audience == audience, f"promise {keeps + 1} ({promise.text}) is owed to "
                                              f"{self.audience_name(promise.audience)}, not "
                                              f"{self.audience_name(audience)}")
        return promise

    def update_promise(self: "Incident", audience: int = 0) -> Promise | None:
        """The open promise of the next update to ``audience`` (the client by default), if any."""
        return next((p for p in self.promises if p.is_open and p.kind == "update" and p.audience == audience), None)

    def promise_update(self: "Incident", due: DateTime, now: DateTime, text: str = "", audience: int = 0) -> Promise:
        """Owe ``audience`` an update at ``due`` (used when an update is sent, and at opening)."""
        text = text or ("Next client update" if audience == 0 else f"Next update to {self.audience_name(audience)}")
        promise = Promise(text, to_utc(due), to_utc(now), kind="update", audience=audience)
        self.promises.append(promise)
        if audience == 0:
            self.next_update_due = promise.due
        return promise

    def _settle(self: "Incident", promise: Promise, now: DateTime) -> None:
        promise.kept_at = to_utc(now)
        if promise.kept_at > promise.due and promise.broken_at is None:
            promise.broken_at = promise.due

    def settle_update_promise(self: "Incident", now: DateTime, audience: int = 0) -> Promise | None:
        """An update went out to ``audience``: the promise of it is kept (late if after its time)."""
        promise = self.update_promise(audience)
        if promise is not None:
            self._settle(promise, now)
        if audience == 0:
            self.next_update_due = None
        return promise

    def release_promise(self: "Incident", promise: Promise, reason: str, now: DateTime) -> None:
        """No longer owed, with the reason (a missed one stays broken)."""
        if to_utc(now) > promise.due and promise.broken_at is None:
            promise.broken_at = promise.due
        promise.released_at, promise.release_reason = to_utc(now), reason
        if promise.kind == "update" and promise.audience == 0:
            self.next_update_due = None

    def add_promise(self: "Incident", text: str, due: DateTime, now: DateTime, by: str = "",
                    audience: int = 0) -> Promise:
        """Record a commitment made to ``audience``, the client by default ("credit note by Monday")."""
        require(text.strip() != "", "say what was promised")
        require(to_utc(due) > to_utc(now), "a promise must be due in the future")
        require(self.audience(audience).active, f"{self.audience_name(audience)} was removed from {self.id}")
        promise = Promise(text, to_utc(due), to_utc(now), kind="commitment", audience=audience)
        self.promises.append(promise)
        to = "" if audience == 0 else f" to {self.audience_name(audience)}"
        self.record(now, "promise", f"Promised{to}: {text} by {_when(promise.due)}", by, "promise_made",
                    audience=audience)
        return promise

    def keep_promise(self: "Incident", index: int, now: DateTime, by: str = "") -> Unchanged | None:
        """Mark a commitment kept (after its time: kept late, still broken); Unchanged if it already is."""
        promise = self._promise(index)
        if promise.kept_at is not None:
            kept_at = promise.kept_at
            entry = self.last_entry("promise", lambda t: t.at == kept_at and t.text.startswith("Kept: "))
            late = " (late)" if promise.broken_at else ""
            return Unchanged(f"“{promise.text}” is already kept{late}", entry.by if entry else "", kept_at)
        require(promise.is_open, f"promise {index + 1} is not open")
        require(not promise.hard, f"promise {index + 1} is a hard deadline: it is kept by an update to "
                                  f"{self.audience_name(promise.audience)} (mishap update {self.id} TEXT --to "
                                  f"AUDIENCE --keeps {index + 1}), so the record says what was told")
        require(promise.kind == "commitment", "an update promise is kept by sending the update")
        self._settle(promise, now)
        late = " (late: broken)" if promise.broken_at else ""
        self.record(now, "promise", f"Kept: {promise.text}{late}", by, "promise_kept", audience=promise.audience)
        return None

    def renegotiate(self: "Incident", index: int, new_due: DateTime, reason: str, now: DateTime,
                    by: str = "") -> None:
        """Move a promise's time; only with a reason, and a promise already missed stays broken."""
        promise = self._promise(index)
        require(promise.is_open, f"promise {index + 1} is not open")
        require(not promise.hard, f"promise {index + 1} is a hard deadline ({promise.text}): the law or a "
                                  "contract sets it, so it cannot be moved; keep it late with the reasons for "
                                  "the delay, or untag the incident with a reason if it does not apply")
        require(reason.strip() != "", "a promise moves only with a reason (the client agreed to ...)")
        require(to_utc(new_due) > to_utc(now), "the new time must be in the future")
        old = promise.due
        if to_utc(now) > old and promise.broken_at is None:
            promise.broken_at = old
        promise.renegotiations.append(Renegotiation(to_utc(now), old, to_utc(new_due), reason, by))
        promise.due = to_utc(new_due)
        if promise.kind == "update" and promise.audience == 0:
            self.next_update_due = promise.due
        self.record(now, "promise",
                    f"Renegotiated: {promise.text} from {_when(old)} to {_when(promise.due)} — {reason}", by,
                    "promise_renegotiated", audience=promise.audience)

    def mark_broken(self: "Incident", now: DateTime, by: str = "mishap") -> list[Promise]:
        """Every open promise whose time has passed is marked broken (once); returns those."""
        broken = []
        for promise in self.promises:
            if promise.is_open and promise.broken_at is None and to_utc(now) > promise.due:
                promise.broken_at = promise.due
                broken.append(promise)
                self.record(now, "promise", f"Broken: {promise.text} was due {_when(promise.due)}", by,
                            "promise_broken", audience=promise.audience)
        return broken

    def snooze_reminder(self: "Incident", index: int, minutes: int, now: DateTime, by: str = "") -> None:
        """Quiet the reminders of promise ``index`` for ``minutes``; the promise itself does not move.

        It still falls due at its time (and stays broken if missed); only the notifications
        and the bell wait. Recorded on the timeline, so every console sharing the store is quiet.
        """
        promise = self._promise(index)
        require(promise.is_open, f"promise {index + 1} is not open: there is nothing to snooze")
        require(minutes in SNOOZE_MINUTES,
                 f"a reminder is snoozed for {', '.join(map(str, SNOOZE_MINUTES[:-1]))} or {SNOOZE_MINUTES[-1]} "
                 f"minutes, not {minutes}")
        promise.snoozed_until = to_utc(now) + pendulum.duration(minutes=minutes)
        self.record(now, "reminder", f"Reminder snoozed {minutes} min: {promise.text} (due {_when(promise.due)}) "
                                     f"— quiet until {_when(promise.snoozed_until)}", by, "reminder_snoozed",
                    audience=promise.audience)

    def release_promises(self: "Incident", now: DateTime, reason: str = "") -> None:
        """The incident closed: nothing more is owed (a missed one stays broken).

        A hard deadline is released only by a close that gave a reason (it is listed as missing).
        """
        for promise in self.promises:
            if promise.is_open:
                self.release_promise(promise, reason if promise.hard else "", now)
        self.next_update_due = None

    def set_cadence(self: "Incident", minutes: int, now: DateTime, by: str = "",
                    shown: Any = NOT_SHOWN) -> Unchanged | None:
        """Change how often the client gets an update (0 = next working morning), from ``shown``."""
        require(isinstance(minutes, int) and 0 <= minutes <= MAX_CADENCE_MINUTES,
                 f"the cadence is a number of minutes, at most {MAX_AHEAD_DAYS} days")
        require(shown is NOT_SHOWN or isinstance(shown, int), "the cadence shown is a number of minutes")
        old = self.cadence_minutes
        if old != minutes and (shown is NOT_SHOWN or shown == old):
            self.cadence_minutes = minutes
            if self.audiences:
                self.audiences[0].cadence_minutes = minutes
            self.record(now, "cadence", f"Update cadence {cadence_words(old)} → {cadence_words(minutes)}", by,
                        "cadence_changed")
            return None
        entry = self.last_entry("cadence")
        if old == minutes:
            return self._unchanged(f"The update cadence is already {cadence_words(old)}", entry)
        return self._unchanged(f"The update cadence is now {cadence_words(old)}, not {cadence_words(shown)} "
                               "as shown", entry, refused=True)

    def set_first_learned(self: "Incident", who: str, now: DateTime, by: str = "",
                          shown: Any = NOT_SHOWN) -> Unchanged | None:
        """Record who learned of the mistake first, ``us`` or ``client`` (``shown``: what the user saw)."""
        require(who in ("us", "client"), "who learned first: us or client")
        old = self.first_learned_by
        if old != who and (shown is NOT_SHOWN or shown == old):
            self.first_learned_by = who
            self.record(now, "first", f"Who learned first: {_learned_words(who)}", by, "first_learned")
            return None
        entry = self.last_entry("first")
        if old == who:
            return self._unchanged(f"Already recorded: {_learned_words(who)} first", entry)
        what = (f"Who learned first was recorded meanwhile as “{_learned_words(old)}”" if shown is None else
                f"Who learned first is now “{_learned_words(old)}”, not “{_learned_words(shown)}” as shown")
        return self._unchanged(what, entry, refused=True)

    def _promise(self: "Incident", index: int) -> Promise:
        require(0 <= index < len(self.promises), f"there is no promise {index + 1}")
        return self.promises[index]

    @property
    def first_contact_at(self: "Incident") -> DateTime | None:
        """When the client first heard from us (the first update to the client's audience)."""
        return next((u.sent_at for u in self.updates if u.audience == 0), None)
