"""The workspace's forms for audiences and tags: owe word to another party; set or remove tags.

Each dismisses with its value and writes nothing; the workspace writes it (``changes.Writes.ask``),
whose dry run shows here what the incident refuses (a name already there, an address that is not
one, a tag with deadlines removed without a reason).
"""

from __future__ import annotations

from typing import Iterable

from pendulum import DateTime
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Checkbox, Input, Select

from storage.domain.audiences import AUDIENCE_KINDS
from storage.domain.config import parse_span
from storage.domain.deadlines import DeadlineRule, check_tag
from storage.domain.model import Incident
from storage.domain.intent import Unchanged

from ..widgets.text_field import LineField
from .modals import FormModal, _labelled

KIND_WORDS = {"management": "management (ours, internal)", "regulator": "regulator",
              "other": "other (a downstream party, the client's wider organisation)",
              "client": "client (another contact at a client)"}


def read_cadence(text: str) -> int | None:
    """A typed cadence: minutes, 0 for ``morning``, None for ``none`` or nothing (no promised updates)."""
    words = " ".join(text.split()).lower()
    if words in ("", "none"):
        return None
    try:
        return parse_span(words, allow_morning=True)
    except ValueError as exc:
        raise ValueError(f"cadence: {exc}; or morning, or none") from None


class AudienceForm(FormModal):
    """A party owed word: name, kind, internal or not, channel, email address and cadence."""

    TITLE_TEXT = "Owe word to another party"

    def fields(self) -> ComposeResult:
        yield _labelled("Name (Tom Reed (MD), ICO, Marlow's finance team)", LineField(id="name"))
        with Horizontal(classes="field-row"):
            yield _labelled("Kind", Select([(KIND_WORDS[k], k) for k in AUDIENCE_KINDS if k != "client"]
                                           + [(KIND_WORDS["client"], "client")],
                                           value="management", allow_blank=False, id="kind"))
            yield _labelled("Cadence (4h, morning, none)", LineField("none", id="cadence"))
        with Horizontal(classes="field-row"):
            yield _labelled("Email (optional)", LineField(id="email", placeholder="name@example.com"))
            yield _labelled("Channel (optional)", LineField(id="channel", placeholder="email, phone, portal"))
        yield Checkbox("Internal: ours, never in what the client sees (management always is)", id="internal")

    def collect(self) -> tuple:
        name = self.value("name")
        if not name.strip():
            raise ValueError("name the party owed word")
        kind = str(self.query_one("#kind", Select).value)
        internal = self.query_one("#internal", Checkbox).value or kind == "management"
        return name, kind, internal, self.value("channel"), self.value("email"), read_cadence(self.value("cadence"))


def add_audience(value: tuple):
    """The change that adds the audience an :class:`AudienceForm` dismissed with."""
    name, kind, internal, channel, email, cadence = value
    return lambda incident, now, by: incident.add_audience(name, kind, now, by, internal=internal, channel=channel,
                                                           email=email, cadence_minutes=cadence)


class TagsForm(FormModal):
    """The incident's tags as words; removing a tag whose deadlines are on the ledger needs the reason."""

    TITLE_TEXT = "Tags"

    def __init__(self, incident: Incident, rules: Iterable[DeadlineRule]):
        super().__init__()
        self.shown = list(incident.tags)  # the tags the user saw: the change is decided from them
        known = sorted({r.tag for r in rules if r.tag})
        self.hint = ", ".join(known)

    def fields(self) -> ComposeResult:
        offered = f" (the playbook's: {self.hint})" if self.hint else ""
        yield _labelled(f"Tags, separated by spaces{offered}", LineField(" ".join(self.shown), id="tags"))
        yield _labelled("Reason, to remove a tag with deadlines (its open deadlines are released, never erased)",
                        LineField(id="reason"))

    def collect(self) -> tuple:
        wanted = [check_tag(t) for t in self.value("tags").split()]
        added = [t for t in dict.fromkeys(wanted) if t not in self.shown]
        removed = [t for t in self.shown if t not in wanted]
        if not added and not removed:
            raise ValueError("the tags are as they were: add or remove one, or escape")
        return added, removed, self.value("reason")


def change_tags(value: tuple, rules: Iterable[DeadlineRule]):
    """The change that applies a :class:`TagsForm`'s tags added and removed (each only if still to do)."""
    added, removed, reason = value
    rules = tuple(rules)

    def apply(incident: Incident, now: DateTime, by: str):
        gone = [t for t in removed if t in incident.tags]
        new = [t for t in added if t not in incident.tags]
        if not gone and not new:
            return Unchanged(f"{incident.id}'s tags are already so")
        for tag in gone:
            incident.remove_tag(tag, reason, now, by)
        if new:
            incident.set_tags(new, rules, now, by)
        return None

    return apply


def tags_said(value: tuple) -> str:
    """What a saved tags form did, in a toast: ``Tagged personal-data; untagged nis2``."""
    added, removed, _ = value
    parts = ([f"tagged {', '.join(added)}"] if added else []) + ([f"untagged {', '.join(removed)}"] if removed else [])
    said = "; ".join(parts)
    return said[:1].upper() + said[1:]
