"""A glance at the open incidents: open.json read once, without the lock, upkeep or the closed history.

``mishap status`` runs on every shell prompt and every tmux status refresh, so it must
cost almost nothing. ``FolderStore.open`` (storage.store.folder.store) does more than a glance needs: it creates
the folder, loads TinyDB, the playbook and the config, builds full incidents, and takes
the lock for upkeep when there is any (moving a first-layout store, finishing a close
cut short, refreshing open.json's ``.bak``). A glance does none of that, only reads:

- open.json is replaced atomically by every writer (rename), so one read sees one whole
  version, and no lock is needed;
- the open incidents are in open.json in every layout (the first one too), so a store
  still waiting for its move or its upkeep gets a correct status;
- an incident a close cut short (status closed, still in open.json) is left out: it is
  closed; one a reopen cut short is in open.json, so it is open;
- nothing under ``closed/`` or in ``closed.json`` is opened.

Standard library only (not even dataclasses, whose import alone costs milliseconds): each
incident is a light :class:`OpenIncident` with just what the status line needs, and the
deadline and urgency rules are the shared ones (:mod:`storage.domain.urgency`).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from ...domain.urgency import deadline_of
from .layout import OPEN_FILE


class OpenPromise(NamedTuple):
    """What the status line needs of one promise (its index in the incident's stored list)."""

    index: int
    text: str
    kind: str
    due: datetime
    is_open: bool
    audience: int = 0  # the index of the audience it is owed to (0: the client's)
    label: str = ""  # a hard deadline's short name (``GDPR notice``), from its rule


class OpenIncident(NamedTuple):
    """What the status line needs of one open incident, read straight from its stored document."""

    number: int
    severity: int
    title: str
    client_org: str
    client_tz: str
    promises: tuple[OpenPromise, ...]
    next_update_due: datetime | None
    audiences: tuple[str, ...] = ()  # the audiences' names, by index (none stored: the client's alone)

    @property
    def id(self) -> str:
        """``M-12``."""
        return f"M-{self.number}"

    @property
    def next_deadline(self) -> datetime | None:
        """The nearest open promise's due instant (the same rule as a full incident's)."""
        return deadline_of(self.promises, self.next_update_due)


class Glance:
    """The open incidents, and what could not be read (each problem one line, never fatal here)."""

    def __init__(self) -> None:
        self.incidents: list[OpenIncident] = []
        self.problems: list[str] = []
        self.unreadable = False  # open.json itself could not be read: the incidents are unknown, not none


def _instant(value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an instant")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no offset")
    return parsed.astimezone(timezone.utc)


def _text(doc: dict, key: str) -> str:
    value = doc.get(key, "")
    return value if isinstance(value, str) else ""


def open_incident(doc: dict) -> OpenIncident | None:
    """The light view of one stored document; None if it is closed. ValueError/TypeError/KeyError if malformed."""
    number, severity, status = doc["number"], doc.get("severity", 2), doc.get("status")
    if not isinstance(number, int) or isinstance(number, bool) or not isinstance(severity, int):
        raise ValueError("number and severity must be whole numbers")
    if status == "closed":
        return None  # a close cut short between its two writes: closed all the same
    labels = {_text(r, "name"): _text(r, "label") for r in doc.get("deadline_rules") or [] if isinstance(r, dict)}
    promises = []
    for index, p in enumerate(doc.get("promises") or []):
        is_open = p.get("kept_at") is None and p.get("released_at") is None
        audience = p.get("audience", 0)
        promises.append(OpenPromise(index, _text(p, "text"), _text(p, "kind") or "commitment", _instant(p["due"]),
                                    is_open, audience if isinstance(audience, int) and audience > 0 else 0,
                                    labels.get(_text(p, "rule"), "")))
    names = tuple(_text(a, "name") if isinstance(a, dict) else "" for a in doc.get("audiences") or [])
    return OpenIncident(number, severity, _text(doc, "title"), _text(doc, "client_org"), _text(doc, "client_tz"),
                        tuple(promises), _instant(doc.get("next_update_due")), names)


def glance(folder: Path) -> Glance:
    """The open incidents in the store folder ``folder`` (none if it has no open.json yet); never writes."""
    path = Path(folder) / OPEN_FILE
    seen = Glance()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return seen  # a store not made yet has nothing open
    except OSError as exc:
        seen.problems.append(f"cannot read {path}: {exc.strerror or exc}")
        seen.unreadable = True
        return seen
    try:
        table = json.loads(raw).get("incidents", {})
        items = list(table.items())
    except (ValueError, AttributeError) as exc:  # not JSON, or not a TinyDB file
        seen.problems.append(f"cannot read {path}: not a mishap data file ({exc}); `mishap list` says more")
        seen.unreadable = True
        return seen
    for key, doc in items:
        try:
            incident = open_incident(doc)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            seen.problems.append(f"{path}: document {key} left out ({type(exc).__name__}: {exc}); "
                                 "`mishap show` says more")
            continue
        if incident is not None:
            seen.incidents.append(incident)
    return seen
