"""``python -m tui.commands --markdown`` prints README's key table; ``--help-text`` the whole ``?`` help."""

from __future__ import annotations

import sys
from pathlib import Path

from .render import help_markdown, readme_table


def main(argv: list[str]) -> int:
    """Print the table asked for; returns the exit code."""
    if argv == ["--markdown"]:
        print(readme_table())
        return 0
    if argv == ["--help-text"]:
        prose = (Path(__file__).resolve().parent.parent / "help.md").read_text(encoding="utf-8")
        print(help_markdown(prose=prose))
        return 0
    print("usage: python -m tui.commands --markdown | --help-text", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
