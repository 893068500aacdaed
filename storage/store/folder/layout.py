"""The names of everything in a store folder, in one place (standard library only: glance needs them).

Layout 1 kept every closed incident in closed.json; layout 3 keeps one file per closed incident
in closed/, with the temp files of writes there in closed/.tmp. (Layout 2, which made them in
closed/ itself, was never released.) A folder laid out by a newer mishap opens read-only.
"""

from __future__ import annotations

import re

LAYOUT = 3

OPEN_FILE = "open.json"  # TinyDB: the open incidents, the counter and the drafts
INCIDENTS_TABLE, META_TABLE, DRAFTS_TABLE = "incidents", "meta", "drafts"
LOCK_FILE = ".mishap.lock"

CLOSED_DIR = "closed"  # closed/M-12.json: one closed incident each
CLOSED_FILE = re.compile(r"^M-([1-9][0-9]*)\.json$")  # the name of one closed incident's file
TEMP_DIR = ".tmp"  # closed/.tmp: temp files of writes into closed/, found without listing ten thousand files
INDEX_FILE = "index.json"  # closed/index.json: the review's rows (a snapshot)
JOURNAL_FILE = "index.log"  # closed/index.log: one line per close or reopen since that snapshot

LEGACY_CLOSED = "closed.json"  # layout 1: every closed incident in one file
LEGACY_KEPT = "closed.json.v1"  # layout 1's closed.json after the move, kept until a later open checked it

# Files written only under the lock; their temp files are removed as stale when the store opens.
DATA_FILES = (OPEN_FILE, OPEN_FILE + ".bak", LEGACY_CLOSED, LEGACY_CLOSED + ".bak")


def closed_file_name(number: int) -> str:
    """The name of one closed incident's file: ``M-12.json``."""
    return f"M-{number}.json"
