"""Hard deadlines: what the law or a contract says must be told to whom, by when.

A playbook rule ("GDPR Art. 33 notice to the supervisory authority, 72 hours from
discovery, when the incident is tagged personal-data") becomes a promise on the
incident's ledger the moment its tag is set and the instant it counts from is recorded.
Such a promise is hard: it cannot be moved, it is kept by an update to its audience
(late only with the reasons for the delay), and correcting the instant it counts from
recomputes it. These are reminders, not legal advice.

Mixed into :class:`storage.domain.model.Incident`; each change records itself on the timeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

import pendulum
from pendulum import DateTime

from .audiences import AUDIENCE_KINDS, CLIENT
from .clock import to_iso, to_utc
from .fields import ValidationError, require
from .parts import Promise
from .spans import human_span

if TYPE_CHECKING:  # pragma: no cover
    from .model import Incident

# The recorded instants a rule may count from; any other word names another rule (counted from its keeping).
ANCHORS = {"discovered": "discovered_at", "acknowledged": "acknowledged_at", "happened": "happened_at"}
_WITHIN = re.compile(r"\s*(\d{1,4})\s*(h|hours?|d|days?|months?|calendar months?)\s*", re.IGNORECASE)
_TAG = re.compile(r"[^\s]{1,40}")
NOT_LEGAL_ADVICE = ("Hard deadlines are reminders of what a playbook says, not legal advice: "
                    "check what applies to you.")


@dataclass(frozen=True)
class DeadlineRule:
    """A deadline a playbook sets: owed to an audience (by name and kind), a span after an instant.

    ``within`` is ``72h``, ``3d`` or ``1 month`` (calendar months); ``counts_from`` is
    ``discovered``, ``acknowledged``, ``happened`` or the name of another rule (from its
    keeping). ``tag`` switches it on; a rule without one applies to every new incident.
    ``audience`` empty with kind ``client`` means the incident's own client.
    """

    name: str
    audience: str
    kind: str
    within: str
    counts_from: str = "discovered"
    tag: str = ""
    label: str = ""  # a short name for the board ("GDPR notice"); the name if empty

    @property
    def short(self) -> str:
        return self.label or self.name

    def due_after(self, start: DateTime) -> DateTime:
        """The deadline for a rule counted from ``start``."""
        amount, unit = within_parts(self.within)
        if unit == "months":
            return to_utc(start).add(months=amount)
        return to_utc(start) + pendulum.duration(hours=amount if unit == "hours" else amount * 24)

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "audience": self.audience, "kind": self.kind, "within": self.within,
                "counts_from": self.counts_from, "tag": self.tag, "label": self.label}

    @classmethod
    def from_dict(cls, d: Any, where: str) -> "DeadlineRule":
        """A rule from a document or a playbook table; ValidationError says what is wrong."""
        require(isinstance(d, dict), f"{where} must be a table")
        for key in ("name", "audience", "kind", "within", "counts_from", "tag", "label"):
            require(isinstance(d.get(key, ""), str), f"{where}: {key} must be text")
        name = " ".join(d.get("name", "").split())
        require(name != "", f"{where}: a deadline needs a name")
        kind = d.get("kind", "regulator")
        require(kind in AUDIENCE_KINDS, f"{where} ({name}): kind must be one of {', '.join(AUDIENCE_KINDS)}")
        audience = " ".join(d.get("audience", "").split())
        require(audience != "" or kind == "client", f"{where} ({name}): say whom it is owed to (audience = \"...\")")
        within = d.get("within", "")
        try:
            within_parts(within)
        except ValueError as exc:
            raise ValidationError(f"{where} ({name}): {exc}") from None
        counts_from = d.get("counts_from", "discovered").strip() or "discovered"
        require(counts_from != name, f"{where} ({name}): a deadline cannot count from itself")
        tag = d.get("tag", "").strip().lower()
        require(tag == "" or _TAG.fullmatch(tag) is not None, f"{where} ({name}): a tag is one word")
        return cls(name, audience, kind, within.strip(), counts_from, tag, d.get("label", "").strip())


def within_parts(text: str) -> tuple[int, str]:
    """(amount, ``hours``|``days``|``months``) of a rule's span; ValueError says what is accepted."""
    match = _WITHIN.fullmatch(text or "")
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"within {text!r} is not a span: write 24h, 72 hours, 3 days or 1 month")
    unit = match.group(2).lower()
    return int(match.group(1)), "hours" if unit.startswith("h") else "days" if unit.startswith("d") else "months"


DEFAULT_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule("GDPR Art. 33 notice to the supervisory authority", "Supervisory authority", "regulator",
                 "72h", "discovered", "personal-data", "GDPR notice"),
    DeadlineRule("GDPR Art. 33(2) notice to the controller", "", "client", "24h", "discovered",
                 "processor-breach", "Controller notice"),
    DeadlineRule("NIS2 early warning", "CSIRT", "regulator", "24h", "discovered", "nis2", "NIS2 early warning"),
    DeadlineRule("NIS2 incident notification", "CSIRT", "regulator", "72h", "discovered", "nis2",
                 "NIS2 notification"),
    DeadlineRule("NIS2 final report", "CSIRT", "regulator", "1 month", "NIS2 incident notification", "nis2",
                 "NIS2 final report"),
)


def check_tag(tag: str) -> str:
    """A tag, lower case; one word of at most 40 characters, no control character."""
    tag = str(tag).strip().lower()
    require(tag != "" and _TAG.fullmatch(tag) is not None and tag.isprintable(),
            f"a tag is one word of at most 40 characters, not {tag!r}")
    return tag


def _when(instant: DateTime) -> str:
    return to_iso(instant.replace(microsecond=0))


class DeadlineBook:
    """The hard deadlines of an incident: switched on by tags, counted from recorded instants."""

    def active_rule(self: "Incident", name: str) -> DeadlineRule | None:
        return next((r for r in self.deadline_rules if r.name == name), None)

    def deadline_of_rule(self: "Incident", name: str) -> Promise | None:
        """The promise a rule made, if armed (the newest not released)."""
        return next((p for p in reversed(self.promises) if p.rule == name and p.released_at is None), None)

    def waiting_rules(self: "Incident") -> list[tuple[DeadlineRule, str]]:
        """Rules switched on whose start is not recorded yet, each with ``starts when …`` words."""
        waiting = []
        for rule in self.deadline_rules:
            if self.deadline_of_rule(rule.name) is None and self._rule_start(rule) is None:
                waiting.append((rule, f"starts when {rule.counts_from}" if rule.counts_from in ANCHORS
                                else f"starts when {self._short_of(rule.counts_from)} is kept"))
        return waiting

    def hard_deadlines(self: "Incident") -> list[Promise]:
        """Open hard deadlines, soonest first."""
        return [p for p in self.open_promises() if p.hard]

    def rule_label(self: "Incident", promise: Promise) -> str:
        """The short name of a hard deadline's rule (``GDPR notice``)."""
        return self._short_of(promise.rule)

    def _short_of(self: "Incident", name: str) -> str:
        rule = self.active_rule(name)
        return rule.short if rule else name

    def _rule_start(self: "Incident", rule: DeadlineRule) -> DateTime | None:
        if rule.counts_from in ANCHORS:
            return getattr(self, ANCHORS[rule.counts_from])
        before = self.deadline_of_rule(rule.counts_from)
        return before.kept_at if before is not None else None

    def rule_audience(self: "Incident", rule: DeadlineRule) -> int | None:
        """The audience a rule is owed to: the client's, or the active one of its name and kind, if any."""
        if rule.kind == "client" and (not rule.audience or rule.audience.casefold() == "client"):
            return CLIENT
        return next((i for i, a in enumerate(self.audiences)
                     if a.active and a.kind == rule.kind and a.name.casefold() == rule.audience.casefold()), None)

    def _audience_for(self: "Incident", rule: DeadlineRule, now: DateTime, by: str) -> int:
        found = self.rule_audience(rule)
        return found if found is not None else self.add_audience(rule.audience, rule.kind, now, by)

    def switch_on(self: "Incident", rules: Iterable[DeadlineRule], now: DateTime, by: str = "") -> list[Promise]:
        """Put ``rules`` in force (each once) and arm those whose start is recorded; returns the armed."""
        for rule in rules:
            if self.active_rule(rule.name) is None:
                self._audience_for(rule, now, by)
                self.deadline_rules.append(rule)
        return self.arm_deadlines(now, by)

    def arm_deadlines(self: "Incident", now: DateTime, by: str = "") -> list[Promise]:
        """Every rule in force with its start recorded and no deadline yet gets one (past: broken at once)."""
        armed = []
        grew = True
        while grew:  # a rule counted from another's keeping can follow in the same pass
            grew = False
            for rule in self.deadline_rules:
                start = self._rule_start(rule)
                if start is None or self.deadline_of_rule(rule.name) is not None:
                    continue
                audience = self._audience_for(rule, now, by)
                due = rule.due_after(start)
                promise = Promise(rule.name, due, to_utc(now), kind="deadline", audience=audience, rule=rule.name)
                self.promises.append(promise)
                armed.append(promise)
                grew = True
                self.record(now, "promise", f"Deadline: {rule.name} to {self.audience_name(audience)} by "
                                            f"{_when(due)} ({rule.within} from {rule.counts_from})", by,
                            "deadline_set", audience=audience)
                if to_utc(now) > due:
                    self._break(promise, now, by, "already past when it was set")
        return armed

    def _break(self: "Incident", promise: Promise, now: DateTime, by: str, why: str) -> None:
        promise.broken_at = promise.due
        self.record(now, "promise", f"Broken: {promise.text} was due {_when(promise.due)} ({why})", by,
                    "promise_broken", audience=promise.audience)

    def recount_deadlines(self: "Incident", what: str, now: DateTime, by: str = "") -> None:
        """The instant ``what`` was corrected: deadlines counted from it move with it.

        One then already past and not kept is broken as of the correction, on the record; one
        kept after its new time is kept late. Broken stays broken, whatever a later correction says.
        """
        for rule in list(self.deadline_rules):
            if rule.counts_from != what:
                continue
            promise = self.deadline_of_rule(rule.name)
            start = self._rule_start(rule)
            if promise is None or start is None:
                continue
            due = rule.due_after(start)
            if due == promise.due:
                continue
            old, promise.due = promise.due, due
            self.record(now, "promise", f"Deadline recounted: {rule.name} from {_when(old)} to {_when(due)} "
                                        f"({what} corrected)", by, "deadline_recounted", audience=promise.audience)
            if promise.broken_at is not None:
                continue
            late_at = promise.kept_at if promise.kept_at is not None else to_utc(now)
            if late_at > due:
                self._break(promise, now, by, f"past once {what} was corrected")
        self.arm_deadlines(now, by)

    def set_tags(self: "Incident", tags: Iterable[str], rules: Iterable[DeadlineRule], now: DateTime,
                 by: str = "") -> list[str]:
        """Add ``tags``; the playbook ``rules`` they switch on go on the ledger. Returns the tags added."""
        wanted = [check_tag(t) for t in tags]
        require(wanted != [], "name a tag to set")
        added = [t for t in dict.fromkeys(wanted) if t not in self.tags]
        rules = list(rules)
        for tag in added:
            self.tags.append(tag)
            self.record(now, "tag", f"Tagged: {tag}", by, "tagged")
            self.switch_on([r for r in rules if r.tag == tag], now, by)
        return added

    def remove_tag(self: "Incident", tag: str, reason: str, now: DateTime, by: str = "") -> list[Promise]:
        """Take ``tag`` off; its open deadlines are released with ``reason`` (never erased). Returns them."""
        tag = check_tag(tag)
        require(tag in self.tags, f"{self.id} is not tagged {tag!r} (its tags: {', '.join(self.tags) or 'none'})")
        rules = [r for r in self.deadline_rules if r.tag == tag]
        owed = [p for r in rules if (p := self.deadline_of_rule(r.name)) is not None and p.is_open]
        require(not (owed or any(self._rule_start(r) is None for r in rules)) or reason.strip() != "",
                f"untagging {tag} releases its deadlines ({', '.join(r.short for r in rules)}): give the reason")
        for promise in owed:
            self.release_promise(promise, reason, now)
            self.record(now, "promise", f"Released: {promise.text} — {reason}", by, "promise_released",
                        audience=promise.audience)
        self.deadline_rules = [r for r in self.deadline_rules if r.tag != tag]
        self.tags.remove(tag)
        why = f" — {reason}" if reason.strip() else ""
        self.record(now, "tag", f"Untagged: {tag}{why}", by, "untagged")
        return owed

    def deadline_words(self: "Incident", promise: Promise, now: DateTime) -> str:
        """``GDPR notice: 41 h left`` or ``GDPR notice: 3 h late``."""
        left = promise.due.timestamp() - now.timestamp()
        return f"{self.rule_label(promise)}: {human_span(abs(left))} {'left' if left >= 0 else 'late'}"
