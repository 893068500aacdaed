"""The store's config file: update cadence and first-contact window per severity.

``config.toml`` in the store folder, all keys optional::

    [cadence]          # time between client updates, by severity
    1 = "30m"
    2 = "1h"
    3 = "4h"
    4 = "morning"      # the next working morning, 09:00 local

    [first_contact]    # from discovery to the first client contact
    1 = "15m"

    [notifications]    # how a promise due soon or late reaches you outside the console
    method = "auto"    # auto, osc9, osc777, notify-send, bell or off

    [contact]          # the contact point a regulator's notice names (else the incident's owner)
    name = "Dana Reyes, data protection officer"
    email = "dpo@example.com"
    phone = "+44 20 7946 0000"

    [updates]          # kinds of audience whose updates wait for someone else's approval
    approve = ["client", "regulator"]

Spans follow the grammar of a typed time (``30m``, ``2h``, ``1h30m``, ``1d``; more than
zero, at most 90 days). A file that cannot be used is refused with the file, line and problem, and the
defaults stay in force. An unknown kind of audience in ``[updates] approve`` is named with the file,
and the kinds it does know stay in force: a typo never switches approval off for the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .audiences import AUDIENCE_KINDS
from .clock import MORNING_WORDS
from .spans import MAX_AHEAD_DAYS, span_minutes
from .ledger import NEXT_MORNING
from .model import DEFAULT_CADENCE_MINUTES, FIRST_CONTACT_MINUTES

CONFIG_FILE = "config.toml"
# How reminders reach the desktop (tui.desktop builds the bytes); auto decides by the terminal.
NOTIFY_METHODS = ("auto", "osc9", "osc777", "notify-send", "bell", "off")


def parse_span(text: object, *, allow_morning: bool) -> int:
    """``30m`` / ``2h`` / ``1h30m`` / ``1d`` (or ``morning``) → minutes, by the grammar of a typed time."""
    if isinstance(text, str) and allow_morning and " ".join(text.split()).lower() in MORNING_WORDS:
        return NEXT_MORNING
    if isinstance(text, int) and not isinstance(text, bool):
        if 0 < text <= MAX_AHEAD_DAYS * 24 * 60:
            return text  # a bare number of minutes, as older files wrote it
        raise ValueError(f"{text} minutes is not a span mishap accepts: more than zero, at most "
                         f"{MAX_AHEAD_DAYS} days")
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a span of time: use 30m, 2h, 1h30m or 1d"
                         + (" or morning" if allow_morning else ""))
    return span_minutes(text)


@dataclass(frozen=True)
class Contact:
    """The contact point a notice to a regulator names: ``[contact]`` in the config."""

    name: str = ""
    email: str = ""
    phone: str = ""

    def lines(self) -> list[str]:
        """``Dana Reyes``, ``dpo@example.com``, ``+44 …``: what is set, one a line."""
        return [value for value in (self.name, self.email, self.phone) if value]


CONTACT_KEYS = ("name", "email", "phone")


@dataclass(frozen=True)
class StoreConfig:
    """Cadence and first-contact minutes by severity, the notification method, and why a config file was refused."""

    cadence: dict[int, int] = field(default_factory=lambda: dict(DEFAULT_CADENCE_MINUTES))
    first_contact: dict[int, int] = field(default_factory=lambda: dict(FIRST_CONTACT_MINUTES))
    problem: str | None = None
    notify: str = "auto"
    contact: Contact | None = None  # None: no [contact], the incident's owner is named instead
    approve: tuple[str, ...] = ()  # kinds of audience whose updates need approval ([updates] approve)

    def needs_approval(self, kind: str) -> bool:
        """Whether an update to an audience of ``kind`` waits for someone else's approval."""
        return kind in self.approve


def _line_of(text: str, table: str, key: str) -> int:
    in_table = False
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped.strip("[] ") == table
        elif in_table and re.match(rf'^"?{re.escape(key)}"?\s*=', stripped):
            return n
    return 1


def parse_config(text: str, source: str) -> StoreConfig:
    """Read config TOML; raises ValueError naming ``source``, the line and the problem."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or 1
        raise ValueError(f"{source}, line {line}: not valid TOML ({getattr(exc, 'msg', exc)})") from None
    ignored = []  # keys a newer mishap may have written: said, and never a reason to drop the file
    for table in sorted(set(data) - {"cadence", "first_contact", "notifications", "contact", "updates"}):
        ignored.append(f"{source}, line {_table_line(text, table)}: unknown table [{table}] ignored")
        del data[table]
    notify = _notify_method(data.pop("notifications", {}), text, source, ignored)
    contact = _contact(data.pop("contact", None), text, source, ignored)
    approve = _approve(data.pop("updates", {}), text, source, ignored)
    result = {"cadence": dict(DEFAULT_CADENCE_MINUTES), "first_contact": dict(FIRST_CONTACT_MINUTES)}
    for table, values in data.items():
        if not isinstance(values, dict):
            raise ValueError(f"{source}, line 1: [{table}] must be a table of severity = span")
        for key, value in values.items():
            where = f"{source}, line {_line_of(text, table, key)}"
            if key not in ("1", "2", "3", "4"):
                raise ValueError(f"{where}: severity {key!r} is not 1-4")
            try:
                result[table][int(key)] = parse_span(value, allow_morning=table == "cadence")
            except ValueError as exc:
                raise ValueError(f"{where}: {exc} (in [{table}] {key})") from None
    problem = f"{'; '.join(ignored)}; the rest of the file is in force" if ignored else None
    return StoreConfig(result["cadence"], result["first_contact"], problem=problem, notify=notify, contact=contact,
                       approve=approve)


def _table_line(text: str, table: str) -> int:
    """The 1-based line of ``[table]`` (or of its first dotted key), else 1."""
    pattern = re.compile(rf"^\s*(?:\[\s*\"?{re.escape(table)}\"?\s*[\].]|\"?{re.escape(table)}\"?\s*[.=])")
    for n, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return n
    return 1


def _notify_method(values: object, text: str, source: str, ignored: list[str]) -> str:
    """``[notifications] method = …``: one of NOTIFY_METHODS (default auto); other keys go to ``ignored``."""
    if not isinstance(values, dict):
        raise ValueError(f"{source}, line 1: [notifications] must be a table (method = \"auto\")")
    for key in values:
        if key != "method":
            ignored.append(f"{source}, line {_line_of(text, 'notifications', key)}: unknown key '{key}' in "
                           f"[notifications] ignored")
    method = values.get("method", "auto")
    if method not in NOTIFY_METHODS:
        raise ValueError(f"{source}, line {_line_of(text, 'notifications', 'method')}: notification method "
                         f"{method!r} is not one of {', '.join(NOTIFY_METHODS)} (in [notifications] method)")
    return method


def _contact(values: object, text: str, source: str, ignored: list[str]) -> Contact | None:
    """``[contact]``: name, email and phone, each text (all optional); other keys go to ``ignored``."""
    if values is None:
        return None
    if not isinstance(values, dict):
        raise ValueError(f"{source}, line 1: [contact] must be a table (name = \"...\", email = \"...\")")
    for key in values:
        if key not in CONTACT_KEYS:
            ignored.append(f"{source}, line {_line_of(text, 'contact', key)}: unknown key '{key}' in [contact] ignored")
    found = {}
    for key in CONTACT_KEYS:
        value = values.get(key, "")
        if not isinstance(value, str) or not value.isprintable():
            raise ValueError(f"{source}, line {_line_of(text, 'contact', key)}: [contact] {key} must be one line "
                             f"of text")
        found[key] = " ".join(value.split())
    contact = Contact(**found)
    return contact if contact.lines() else None


def _approve(values: object, text: str, source: str, ignored: list[str]) -> tuple[str, ...]:
    """``[updates] approve = [kinds]``: the kinds of audience whose updates need approval.

    A kind mishap does not know goes to ``ignored`` (named, with the file and line), and the rest
    stay in force; a value that is not a list of kinds refuses the file.
    """
    if not isinstance(values, dict):
        raise ValueError(f"{source}, line 1: [updates] must be a table (approve = [\"client\"])")
    for key in values:
        if key != "approve":
            ignored.append(f"{source}, line {_line_of(text, 'updates', key)}: unknown key '{key}' in [updates] ignored")
    kinds = values.get("approve", [])
    where = f"{source}, line {_line_of(text, 'updates', 'approve')}"
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise ValueError(f"{where}: [updates] approve must be a list of kinds of audience, e.g. "
                         f"[\"client\", \"regulator\"] (the kinds are {', '.join(AUDIENCE_KINDS)})")
    unknown = [k for k in kinds if k.strip().lower() not in AUDIENCE_KINDS]
    if unknown:
        named = ", ".join(repr(k) for k in unknown)
        ignored.append(f"{where}: [updates] approve names {named}, not a kind of audience (the kinds are "
                       f"{', '.join(AUDIENCE_KINDS)}); ignored")
    known = {k.strip().lower() for k in kinds} & set(AUDIENCE_KINDS)
    return tuple(k for k in AUDIENCE_KINDS if k in known)


def load_config(folder: Path) -> StoreConfig:
    """The config in ``folder`` if present and valid; else the defaults (with the problem said)."""
    path = Path(folder) / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return StoreConfig()
    except (OSError, UnicodeDecodeError) as exc:
        return StoreConfig(problem=f"{path}: cannot read ({exc}); using the default cadence")
    try:
        return parse_config(text, str(path))
    except ValueError as exc:
        defaults = "the default cadence and notifications (auto)" if "[notifications]" in str(exc) else \
            "the default cadence"
        return StoreConfig(problem=f"{exc}; using {defaults}")
