"""Exports: the JSON document, the Markdown report, its escaping, and the client audience."""

from __future__ import annotations

import json
import re

import pendulum
import pytest
from support.clock import FakeClock

from storage.readers.export import block, document, inline, render_markdown
from storage.domain.metrics import update_checks
from storage.readers.report import build_report
from storage.domain.parts import Cost, DamageItem, PreventionAction

HOSTILE_TITLE = "# Sales | Q3 *draft* report [final](http://evil.example) <b>x</b>"


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def _tables(markdown: str) -> list[list[str]]:
    """Every table as its lines (consecutive lines starting with a pipe)."""
    tables, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


@pytest.fixture
def worked(run, store_at):
    """An incident with hostile text everywhere, a note, a cost split, updates and a review."""
    assert run("new", HOSTILE_TITLE, "--client", "A|B `Corp`", "--severity", "2").code == 0
    store = store_at()

    def fill(inc, now, by):
        inc.add_damage(DamageItem("rows | 1-40\nand _more_", "## not a heading", 2, "confirmed"), now, by)
        inc.add_note("INTERNAL: Tom skipped the review", now, by)
        inc.root_cause = "# Injected heading\n- injected list\n    code block?\n1. numbered"
        inc.fix = "Resent the [right](x) file"
        inc.lessons = "Review before send.\n\n---\nAlways."
        inc.prevention.append(PreventionAction("Four-eyes | check", "priya", now + pendulum.duration(days=7)))
        inc.cost = Cost(unbilled_hours=6.5, credits=300, our_share_percent=40)
        inc.complete_step(0, now, by, note="private step note")
        inc.set_step_note(1, "second private note", now, by)

    store.change("M-1", fill)
    assert run("update", "M-1", "Told them | all of it\nline two", "--next", "1h").code == 0
    return store_at().get("M-1")


def test_export_json_is_the_report_and_show_json_the_stored_document(run, worked):
    result = run("export", "M-1", "--format", "json")
    assert result.code == 0
    doc = json.loads(result.out)
    assert doc == document(build_report(worked, "internal"))  # the same model the Markdown renders
    assert (doc["id"], doc["number"], doc["audience"], doc["title"]) == ("M-1", 1, "internal", HOSTILE_TITLE)
    assert doc["figures"]["on_time_words"] == "1 of 1 promised updates went out on time (100%)"
    assert doc["cost"] == {"unbilled_hours": 6.5, "credits": 300, "our_share_percent": 40, "recorded": False}
    assert [s["note"] for s in doc["steps"][:2]] == ["private step note", "second private note"]
    from tui.cli.audiences import show_document  # the stored document, its audiences named (issue 19)

    assert json.loads(run("show", "M-1", "--json").out) == show_document(worked)


def test_markdown_structure_survives_hostile_text(run, worked):
    md = run("export", "M-1", "--format", "md").out
    headings = [line for line in md.splitlines() if line.startswith("# ")]
    assert len(headings) == 1
    assert headings[0].startswith("# Post-incident report: M-1 — \\# Sales \\| Q3 \\*draft\\*")
    assert "\\[final\\](http://evil.example)" in headings[0] and "\\<b\\>" in headings[0]
    # No user text became a heading, list item, link or code block.
    lines = md.splitlines()
    assert not any(line.startswith(("## not", "# Injected", "- injected", "1. numbered", "    ")) for line in lines)
    assert "\\# Injected heading" in md and "\\- injected list" in md and "1\\. numbered" in md
    assert "\\---" in md and "\\[right\\](x)" in md
    # Every row of every table has exactly its header's number of cells.
    for table in _tables(md):
        widths = {_unescaped_pipes(line) for line in table}
        assert len(widths) == 1, table
    assert "rows \\| 1-40<br>and \\_more\\_" in md
    assert "Told them \\| all of it<br>line two" in md
    assert "| A\\|B \\`Corp\\` |" in md


def test_report_holds_the_review_sections(run, worked):
    md = run("export", "M-1", "--format", "md", "--audience", "internal").out
    for section in ("## Key times", "## Damage", "## Checklist (1/26 done)", "### Stop", "## Client updates",
                    "## Root cause", "## Fix", "## Prevention", "## Cost (internal)", "## Lessons", "## Timeline"):
        assert section in md
    assert "INTERNAL: Tom skipped the review" in md
    assert "40 %" in md and "private step note" in md and "second private note" in md
    assert "on time" in md and "1 of 1 promised updates went out on time (100%)" in md


def test_client_audience_omits_notes_and_cost_split(run, worked):
    md = run("export", "M-1", "--format", "md", "--audience", "client").out
    assert "Tom skipped" not in md
    assert "private step note" not in md and "second private note" not in md
    assert "40 %" not in md and "our share" not in md.lower() and "Cost (internal)" not in md
    assert "A credit of 300.00." in md and "6.5 h of remediation work, not charged." in md
    assert "## Timeline" in md and "| note |" not in md
    doc = json.loads(run("export", "M-1", "--format", "json", "--audience", "client").out)
    assert all(t["kind"] != "note" for t in doc["timeline"])
    assert "cost" not in doc and "our_share_percent" not in json.dumps(doc)
    assert doc["amends"] == {"credits": 300, "unbilled_hours": 6.5}
    assert all(s["note"] == "" for s in doc["steps"])
    assert "second private note" not in json.dumps(doc)


def test_export_to_a_file(run, worked, tmp_path):
    target = tmp_path / "report.md"
    result = run("export", "M-1", "--format", "md", "--output", str(target))
    assert result.code == 0 and result.out == ""
    assert str(target) in result.err
    assert target.read_text(encoding="utf-8").startswith("# Post-incident report: M-1")


def test_punctuality_against_the_promised_time(run, folder):
    from storage.store import FolderStore

    t0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
    clock = FakeClock(t0)
    store = FolderStore.open(folder, clock=clock)
    store.create("T", "C", 1)  # first contact due 09:15

    def log(minute, summary, next_minute):
        clock.after(minutes=minute)
        store.change("M-1", lambda inc, at, by: inc.log_update(
            "email", summary, t0 + pendulum.duration(minutes=next_minute), at, by))

    log(10, "first", 40)   # 5 min early
    log(47, "second", 70)  # 7 min late
    checks = update_checks(store.get("M-1").to_dict())
    assert [c.describe() for c in checks] == ["on time (5 min early)", "7 min late"]
    md = render_markdown(store.get("M-1"), tz="UTC")
    assert "| 2026-03-02 09:10 +00:00 | email | first | 2026-03-02 09:15 +00:00 | on time (5 min early) |" in md
    assert "7 min late" in md and "1 of 2 promised updates went out on time (50%)" in md


def test_escaping_helpers():
    assert inline("a|b") == "a\\|b"
    assert inline("line1\nline2") == "line1<br>line2"
    assert inline("[x](y) <z> `c` *e* _u_ #h") == "\\[x\\](y) \\<z\\> \\`c\\` \\*e\\* \\_u\\_ \\#h"
    assert inline("back\\slash") == "back\\\\slash"
    assert block("# h\n- l\n+ p\n= s\n12) n\n   indented") == "\\# h\\\n\\- l\\\n\\+ p\\\n\\= s\\\n12\\) n\\\nindented"
    assert block("a\n\nb") == "a\n\nb"
    assert inline("") == "" and block("") == ""
