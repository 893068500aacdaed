"""`mishap done` means "mark it done": a step already done is reported, not written again."""

from __future__ import annotations

import re

from cli_support import snapshot


def test_done_on_a_step_already_done_says_by_whom_and_writes_nothing(run, folder, store_at, monkeypatch):
    assert run("new", "Report with another client's data", "--client", "Marlow", "--severity", "2").code == 0
    monkeypatch.setenv("LOGNAME", "lena")
    assert run("done", "M-1", "4").code == 0
    done_at = store_at().get("M-1").steps[3].done_at
    before = snapshot(folder)
    monkeypatch.setenv("LOGNAME", "omar")
    result = run("done", "M-1", "4")
    assert result.code == 0 and result.err == ""
    local = done_at.in_timezone("Europe/Berlin").format("HH:mm")  # the zone conftest pins
    # (A day name comes first only if midnight passed between the two runs.)
    assert re.fullmatch(rf"M-1: Step 4 is already done — by lena at (\w{{3}} )?{local}; nothing written\n",
                        result.out), result.out
    assert snapshot(folder) == before
    incident = store_at().get("M-1")
    assert incident.steps[3].done_by == "lena" and incident.revision == 1
    assert sum(t.kind == "step" for t in incident.timeline) == 1
