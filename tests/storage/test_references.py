"""A docstring, a comment or a page of the docs that names a ``storage.…`` or ``tui.…`` module or
attribute names one that exists: a newcomer follows them to the code."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOTTED = re.compile(r"(?<![\w./-])(?:storage|tui)(?:\.[A-Za-z_]\w*)+")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Stale names in files whose owner is changing them meanwhile: remove each once fixed there (this
# test fails while one is listed for nothing).
WAITING: set[tuple[str, str]] = set()  # references waiting for their owner to fix them


def _sources() -> list[Path]:
    return sorted(p for folder in ("storage", "tui", "tests") for p in (ROOT / folder).rglob("*.py")
                  if "__pycache__" not in p.parts and p != Path(__file__).resolve())


def _mentions(path: Path) -> set[str]:
    """Dotted names in the comments and string literals (docstrings among them) of a Python file."""
    found = set()
    with io.open(path, encoding="utf-8") as handle:
        for token in tokenize.generate_tokens(handle.readline):
            if token.type in (tokenize.COMMENT, tokenize.STRING):
                found.update(DOTTED.findall(token.string))
    return found


def _has(owner, name: str) -> bool:
    if hasattr(owner, name):
        return True
    # A field declared by annotation alone (a Protocol's, a dataclass field without a default).
    return inspect.isclass(owner) and any(name in getattr(base, "__annotations__", {}) for base in owner.__mro__)


def _exists(dotted: str) -> bool:
    """Whether ``dotted`` is a module, or an attribute reached from the longest module it starts with."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            continue
        if cut == len(parts):
            return True
        owner = importlib.import_module(module)
        for name in parts[cut:]:
            if not _has(owner, name):
                return False
            owner = getattr(owner, name, None)
        return True
    return False


def test_every_name_of_a_module_or_attribute_in_the_code_exists():
    named = {}
    for path in _sources():
        for dotted in _mentions(path):
            named.setdefault(dotted, []).append(str(path.relative_to(ROOT)))
    for page in PAGES:
        for dotted in DOTTED.findall(page.read_text(encoding="utf-8")):
            named.setdefault(dotted, []).append(str(page.relative_to(ROOT)))
    assert len(named) > 30  # the names were found, not an empty walk
    waiting = {(dotted, where) for dotted, where in WAITING if where in named.get(dotted, [])}
    assert waiting == WAITING, f"fixed meanwhile, remove from WAITING: {sorted(WAITING - waiting)}"
    missing = sorted(f"{dotted} (in {', '.join(sorted(set(where) - {w for d, w in WAITING if d == dotted}))})"
                     for dotted, where in named.items()
                     if not dotted.endswith("__main__") and not _exists(dotted)
                     and set(where) - {w for d, w in WAITING if d == dotted})
    assert missing == []
