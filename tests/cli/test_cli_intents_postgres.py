"""`mishap done` on a PostgreSQL store, as tests/cli/test_cli_intents.py on a folder.

A step already done is reported, not written again.
"""

from __future__ import annotations

import re

from storage.store import open_store
from support.backends import Backend


def test_done_on_a_step_already_done_says_by_whom_and_writes_nothing_on_postgres(run, pg_url, clock, monkeypatch):
    database = Backend("postgres", pg_url, clock)
    assert run("new", "Report with another client's data", "--client", "Marlow", "--severity", "2", "--db", pg_url,
               db=False).code == 0
    monkeypatch.setenv("MISHAP_USER", "lena")  # one database role, two people
    assert run("done", "M-1", "4", "--db", pg_url, db=False).code == 0
    done_at = open_store(pg_url).get("M-1").steps[3].done_at
    before = database.fingerprint()
    monkeypatch.setenv("MISHAP_USER", "omar")
    result = run("done", "M-1", "4", "--db", pg_url, db=False)
    assert result.code == 0 and result.err == ""
    local = done_at.in_timezone("Europe/Berlin").format("HH:mm")  # the zone conftest pins
    assert re.fullmatch(rf"M-1: Step 4 is already done — by lena at (\w{{3}} )?{local}; nothing written\n",
                        result.out), result.out
    assert database.fingerprint() == before
    incident = open_store(pg_url).get("M-1")
    assert incident.steps[3].done_by == "lena" and incident.revision == 1
    assert sum(t.kind == "step" for t in incident.timeline) == 1
