"""The response playbook: the default checklist and the loader for a team's own file.

A team replaces the default by putting ``playbook.toml`` in the store folder::

    [[phase]]
    name = "Stop"
    steps = ["Halt the job that produced the mistake", "Breathe before acting"]

Deadline rules (see :mod:`storage.domain.deadlines`) go in ``[[deadline]]`` tables::

    [[deadline]]
    name = "GDPR Art. 33(2) notice to the controller"
    audience = ""          # with kind "client": the incident's own client
    kind = "client"
    within = "48h"         # or "3 days", "1 month" (calendar months)
    counts_from = "discovered"   # acknowledged, happened, or another rule's name (from its keeping)
    tag = "processor-breach"     # none: every new incident

A team's rules add to the default ones; a rule of the same name replaces the default,
``off = true`` drops it, and ``default_deadlines = false`` at the top drops them all.
A file with only deadlines keeps the default checklist. A file that cannot be used is
rejected with the file, line and problem, and the default playbook stays in force; one
rule that cannot be read is left out, named with its file, and the rest still works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .deadlines import DEFAULT_RULES, DeadlineRule
from .fields import ValidationError
from .parts import ChecklistStep

PLAYBOOK_FILE = "playbook.toml"


@dataclass(frozen=True)
class Phase:
    """A named group of ordered steps."""

    name: str
    steps: tuple[str, ...]


DEFAULT_PHASES: tuple[Phase, ...] = (
    Phase("Stop", (
        "Halt the job, send or process that produced the mistake",
        "Make sure nothing else goes out until it is understood",
        "Take a breath before the next action",
    )),
    Phase("Own", (
        "Write down in plain words what we got wrong",
        "Accept responsibility, even where the fault is shared",
    )),
    Phase("Assess", (
        "Find the point where the breakdown happened",
        "List every system, person and downstream party it may reach",
        "Write the ripples not yet visible as open questions to verify",
    )),
    Phase("Escalate", (
        "Tell our own management, with specifics",
        "Ask them to carry the word inside the client organisation where it may spread",
    )),
    Phase("Contain", (
        "Stop the faulty process and fence off the affected area",
        "Record the interim measures in place",
    )),
    Phase("Tell the client first", (
        "Reach the client before they find it themselves",
        "Explain what happened, the interim measures and how it will be fixed",
        "Apologise and own it: no conditions, no excuses",
    )),
    Phase("Keep them in the loop", (
        "Agree an update cadence with the client",
        "Send every update on time, each naming the time of the next",
    )),
    Phase("Fix", (
        "Find the root cause: the moment that created the problem",
        "Correct the error and verify the correction",
        "Make it right: credit, no charge for the remediation, a fair split where shared",
    )),
    Phase("Prevent", (
        "Plan the safety net so it cannot happen again (review before send, data audit)",
        "Change our own habits, with the person who made the mistake involved",
    )),
    Phase("Debrief and close", (
        "Confirm with the client that everything works again",
        "Apologise one last time",
        "Record the lessons learned",
        "Close the incident and let it go",
    )),
)


class PlaybookError(ValueError):
    """A playbook file that cannot be used; the message names file, line and problem."""


def steps_of(phases: tuple[Phase, ...] | list[Phase]) -> list[ChecklistStep]:
    """Flatten phases into fresh, undone checklist steps."""
    return [ChecklistStep(phase.name, text) for phase in phases for text in phase.steps]


def _phase_lines(text: str) -> list[int]:
    """1-based line numbers of each ``[[phase]]`` header, in order."""
    return [n for n, line in enumerate(text.splitlines(), start=1)
            if re.match(r"^\s*\[\[\s*phase\s*\]\]", line)]


def _key_line(lines: list[str], key: str, first: int, last: int) -> int | None:
    """The 1-based line in ``first..last`` where ``key = ...`` is written, if found."""
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*[=.]")
    for number in range(first, min(last, len(lines)) + 1):
        if pattern.match(lines[number - 1]):
            return number
    return None


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def parse_playbook(text: str, source: str, ignored: list[str] | None = None) -> tuple[Phase, ...]:
    """Read a playbook from TOML text, or raise PlaybookError naming ``source`` and the line.

    Keys it does not know (a newer mishap's, perhaps) are left out and said in ``ignored``:
    they are never a reason to drop the whole file.
    """
    ignored = [] if ignored is None else ignored
    import tomllib  # only when a team playbook exists: start-up time

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = getattr(exc, "msg", None) or str(exc)
        line = getattr(exc, "lineno", None)
        at = _TOML_AT.search(reason)  # Python < 3.14 only puts the line in the message
        if at:
            line = line or int(at.group(1))
            reason = reason[:at.start()]
        elif reason.endswith("(at end of document)"):
            line = line or max(1, len(text.splitlines()))
            reason = reason[:-len("(at end of document)")].rstrip() + " at the end of the file"
        where = f"{source}, line {line}" if line else source
        raise PlaybookError(f"{where}: not valid TOML ({reason})") from None
    lines = text.splitlines()
    headers = _phase_lines(text)
    first_header = headers[0] if headers else len(lines) + 1
    for key in sorted(set(data) - {"phase", "deadline", "default_deadlines"}):
        header = re.compile(rf"^\s*\[\[?\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*[\].]")
        line = (_key_line(lines, key, 1, first_header - 1)
                or next((n for n, text in enumerate(lines, start=1) if header.match(text)), 1))
        ignored.append(f"{source}, line {line}: unknown key '{key}' ignored")
    phases = data.get("phase")
    if phases is None and "deadline" in data:
        return DEFAULT_PHASES  # a file of deadlines only keeps the default checklist
    if not isinstance(phases, list) or not phases:
        line = _key_line(lines, "phase", 1, len(lines)) or 1
        raise PlaybookError(f"{source}, line {line}: no [[phase]] tables: each phase needs a name and steps")
    result = []
    for i, raw in enumerate(phases):
        header = headers[i] if i < len(headers) else 1
        block_end = headers[i + 1] - 1 if i + 1 < len(headers) else len(lines)

        def where(key: str | None = None) -> str:
            line = (_key_line(lines, key, header, block_end) if key else None) or header
            return f"{source}, line {line}"

        if not isinstance(raw, dict):
            raise PlaybookError(f"{where()}: phase {i + 1} is not a table (write it as [[phase]])")
        name = raw.get("name")
        if name is None:
            raise PlaybookError(f"{where()}: phase {i + 1} has no name (name = \"...\")")
        if not isinstance(name, str) or not name.strip():
            raise PlaybookError(f"{where('name')}: phase {i + 1} has no name (name must be text)")
        steps = raw.get("steps")
        if steps is None:
            raise PlaybookError(f"{where()}: phase {name!r} has no steps (steps = [\"...\"])")
        if not isinstance(steps, list) or not steps:
            raise PlaybookError(f"{where('steps')}: phase {name!r} has no steps (steps = [\"...\"])")
        for n, step in enumerate(steps, start=1):
            if not isinstance(step, str) or not step.strip():
                raise PlaybookError(f"{where('steps')}: phase {name!r}, step {n} is not text")
        for key in sorted(set(raw) - {"name", "steps"}):
            ignored.append(f"{where(key)}: unknown key '{key}' in phase '{name}' ignored")
        result.append(Phase(name, tuple(steps)))
    return tuple(result)


def parse_deadlines(text: str, source: str, problems: list[str]) -> tuple[DeadlineRule, ...]:
    """The deadline rules in force with a (valid TOML) playbook ``text``: the defaults and the team's.

    A rule that cannot be read is left out and said in ``problems``, naming file, line and rule.
    """
    import tomllib

    data = tomllib.loads(text)
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines, start=1) if re.match(r"^\s*\[\[\s*deadline\s*\]\]", line)]
    keep_defaults = data.get("default_deadlines", True)
    if not isinstance(keep_defaults, bool):
        line = _key_line(lines, "default_deadlines", 1, len(lines)) or 1
        problems.append(f"{source}, line {line}: default_deadlines must be true or false; the defaults are kept")
        keep_defaults = True
    rules = {r.name: r for r in DEFAULT_RULES} if keep_defaults else {}
    tables = data.get("deadline", [])
    if not isinstance(tables, list):
        problems.append(f"{source}: deadline must be written as [[deadline]] tables; the default deadlines are kept")
        return tuple(rules.values())
    for i, raw in enumerate(tables):
        where = f"{source}, line {headers[i] if i < len(headers) else 1}, deadline {i + 1}"
        if isinstance(raw, dict) and isinstance(raw.get("off"), bool) and raw["off"]:
            rules.pop(" ".join(str(raw.get("name", "")).split()), None)
            continue
        try:
            rule = DeadlineRule.from_dict({k: v for k, v in raw.items() if k != "off"} if isinstance(raw, dict)
                                          else raw, where)
        except ValidationError as exc:
            problems.append(f"{exc}; that rule is left out")
            continue
        for key in sorted(set(raw) - {"name", "audience", "kind", "within", "counts_from", "tag", "label", "off"}):
            problems.append(f"{where} ({rule.name}): unknown key '{key}' ignored")
        rules[rule.name] = rule
    for rule in list(rules.values()):
        if rule.counts_from not in ("discovered", "acknowledged", "happened") and rule.counts_from not in rules:
            problems.append(f"{source}: deadline {rule.name!r} counts from {rule.counts_from!r}, which is neither "
                            "discovered, acknowledged, happened nor another rule; that rule is left out")
            del rules[rule.name]
    return tuple(rules.values())


@dataclass(frozen=True)
class LoadedPlaybook:
    """The playbook in force, where it came from, and why a team file was refused (or part of it)."""

    phases: tuple[Phase, ...]
    source: str
    problem: str | None = None
    rules: tuple[DeadlineRule, ...] = DEFAULT_RULES


def read_playbook(text: str, source: str) -> LoadedPlaybook:
    """A team's playbook from its TOML ``text``, or the default with the problem said."""
    ignored: list[str] = []
    try:
        phases = parse_playbook(text, source, ignored)
    except PlaybookError as exc:
        return LoadedPlaybook(DEFAULT_PHASES, "default", f"{exc}; using the default playbook")
    rules = parse_deadlines(text, source, ignored)
    problem = f"{'; '.join(ignored)}; the rest of the playbook is in force" if ignored else None
    return LoadedPlaybook(phases, source, problem, rules)


def load_playbook(folder: Path) -> LoadedPlaybook:
    """The team's playbook from ``folder`` if present and valid, else the default."""
    path = Path(folder) / PLAYBOOK_FILE
    if not path.exists():
        return LoadedPlaybook(DEFAULT_PHASES, "default")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedPlaybook(DEFAULT_PHASES, "default", f"{path}: cannot read ({exc}); using the default playbook")
    return read_playbook(text, str(path))
