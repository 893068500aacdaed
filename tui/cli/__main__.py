"""``python -m tui.cli``: the ``mishap`` command."""

import sys

from tui.cli import main

sys.exit(main())
