"""The command registry: every console key declared once (``catalogue``), and what is generated from it.

Screens and widgets take ``BINDINGS = bindings("board")``; the footer follows from those; the
command palette, the ``?`` help and README's key table are built here from the same declarations.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from textual.actions import parse
from textual.binding import Binding
from textual.dom import DOMNode

from .catalogue import COMMANDS, SCOPES
from .model import Command, Scope, key_words

__all__ = ["COMMANDS", "SCOPES", "Command", "Scope", "bindings", "command", "commands", "key_words",
           "palette_commands", "scope", "scopes_here"]

_BY_ID = {c.id: c for c in COMMANDS}
_SCOPES = {s.name: s for s in SCOPES}


def scope(name: str) -> Scope:
    """The scope called ``name``."""
    return _SCOPES[name]


def commands(*scopes: str) -> list[Command]:
    """The commands of ``scopes`` (every scope if none is named), in declaration order."""
    unknown = set(scopes) - _SCOPES.keys()
    if unknown:
        raise KeyError(f"no such key scope: {', '.join(sorted(unknown))}")
    return [c for c in COMMANDS if not scopes or c.scope in scopes]


def bindings(*scopes: str) -> list[Binding]:
    """The bindings a screen or widget declares: ``BINDINGS = bindings("board")``.

    Keys Textual binds itself are left out; a key and action declared in two of ``scopes`` (``e``
    edits in the checklist and in the damage pane) is bound once.
    """
    made, seen = [], set()
    for c in commands(*scopes):
        if c.textual or (c.keys, c.action) in seen:
            continue
        seen.add((c.keys, c.action))
        made.append(c.binding())
    return made


def command(binding: Binding) -> Command | None:
    """The registry's command behind ``binding`` (None for a key mishap did not declare)."""
    return _BY_ID.get(binding.id) if binding.id else None


def scopes_here(screen) -> list[str]:
    """The scopes whose keys work on ``screen``: its own, its widgets' and panes', the app's."""
    found = set()
    for active in screen.active_bindings.values():
        if (c := command(active.binding)) is not None:
            found.add(c.scope)
    nodes: Iterable[DOMNode] = (screen, *screen.walk_children())
    for node in nodes:
        for binding in getattr(type(node), "BINDINGS", ()):
            if isinstance(binding, Binding) and (c := command(binding)) is not None:
                found.add(c.scope)
    found |= {s.name for s in SCOPES if s.parent in found}
    return [s.name for s in SCOPES if s.name in found]


def palette_commands(screen) -> Iterator[tuple[Command, DOMNode, Binding]]:
    """Each registry command whose key is active and enabled on ``screen``, once, with the node it runs on."""
    seen = set()
    for active in screen.active_bindings.values():
        c = command(active.binding)
        if c is None or not active.enabled or c.id in seen:
            continue
        seen.add(c.id)
        yield c, active.node, active.binding
    # The focused table's own enter hides the screen's "open" from active_bindings: offer it all the same.
    for binding in getattr(type(screen), "BINDINGS", ()):
        c = command(binding) if isinstance(binding, Binding) else None
        if c is None or c.id in seen:
            continue
        namespace, name, parameters = parse(binding.action)
        if not namespace and screen.check_action(name, parameters) is not False:
            seen.add(c.id)
            yield c, screen, binding
