"""The key tables written from the registry: the ``?`` help's sections and README's table."""

from __future__ import annotations

from typing import Iterable

from . import SCOPES, commands

HERE = " · here"  # marks the help's sections for the keys of the screen it was opened on


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _keys(command) -> str:
    return " / ".join(f"`{key}`" for key in command.key_list)


def help_section(name: str, here: bool = False) -> str:
    """One scope's help section: a heading, a line on where it is, and its keys."""
    scope = next(s for s in SCOPES if s.name == name)
    lines = [f"## {scope.title}{HERE if here else ''}", ""]
    if scope.intro:
        lines += [scope.intro, ""]
    rows = commands(name)
    if rows:
        lines += ["| key | action |", "|---|---|"]
        lines += [f"| {_keys(c)} | {_cell(c.description)} |" for c in rows]
        lines.append("")
    return "\n".join(lines)


def help_markdown(here: Iterable[str] = (), prose: str = "") -> str:
    """The whole help: the sections of ``here`` first, then every other scope, then ``prose``."""
    here = [s.name for s in SCOPES if s.name in set(here)]
    rest = [s.name for s in SCOPES if s.name not in here]
    parts = ["# mishap keys", "",
             "Every action is also in the command palette: **ctrl+p**. The keys that work where you "
             "opened this help come first.", ""]
    parts += [help_section(name, here=True) for name in here]
    parts += [help_section(name) for name in rest]
    if prose:
        parts.append(prose.strip() + "\n")
    return "\n".join(parts)


def readme_table() -> str:
    """README's key table: one row per scope, each key with its footer word."""
    lines = ["| where | keys |", "|---|---|"]
    for scope in SCOPES:
        rows = commands(scope.name)
        if rows:
            keys = " · ".join(f"{_keys(c)} {_cell(c.label)}" for c in rows)
            lines.append(f"| {scope.where} | {keys} |")
    return "\n".join(lines)
