"""mishap reopen, mishap review, and the Markdown report's close-out parts with hostile text."""

from __future__ import annotations

import json
import re

import pendulum

from cli_support import assert_one_line_error

HOSTILE = "a[/]b [bold]x | # `tick` \x1b[31mred\x07 💥"


def _closed_with_gaps(run, store_at):
    assert run("new", f"Payroll {HOSTILE}", "--client", "Acme | Co", "--severity", "1").code == 0
    store = store_at()

    def work(inc, now, by):
        inc.add_note("INTERNAL: Tom skipped the four-eyes check", now, by)
        inc.log_update("phone", f"Told Dana {HOSTILE}", now + pendulum.duration(minutes=30), now, by)
        inc.add_promise(f"Credit note {HOSTILE}", now + pendulum.duration(hours=2), now, by)
        inc.renegotiate(2, now + pendulum.duration(hours=5), f"Dana agreed {HOSTILE}", now, by)
        inc.set_text("root_cause", f"# heading?\n- list?\n{HOSTILE}", now, by)

    store.change("M-1", work)
    assert run("close", "M-1", "--reason", f"Client left {HOSTILE}").code == 0


def test_reopen_with_a_reason(run, store_at):
    _closed_with_gaps(run, store_at)
    result = run("reopen", "M-1", "--reason", "Dana found more rows")
    assert result.code == 0 and result.out.startswith("M-1: reopened; next client update due ")
    incident = store_at().get("M-1")
    assert not incident.is_closed and incident.close_reason == ""
    assert incident.timeline[-1].text == "Reopened (closed → open) — Dana found more rows"
    assert_one_line_error(run("reopen", "M-1"), "M-1 is not closed")
    assert_one_line_error(run("reopen", "M-9"), "no incident M-9")


def test_review_lists_closed_incidents_with_metrics_and_patterns(run, store_at):
    _closed_with_gaps(run, store_at)
    for title in ("Wrong VAT rate on invoices", "VAT rate wrong again"):
        assert run("new", title, "--client", "Oak & Ivy", "--severity", "3").code == 0
    assert run("close", "M-2", "--reason", "test").code == 0
    assert run("close", "M-3", "--reason", "test").code == 0
    result = run("review")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split()[:4] == ["ID", "CLOSED", "SEV", "OPEN"]
    assert any(line.startswith("M-3*") for line in lines) and any(line.startswith("M-1 ") for line in lines)
    assert any(line.startswith("3 closed · medians:") for line in lines)
    assert any("same client: 2 closed incidents for Oak & Ivy" in line for line in lines)
    rows = json.loads(run("review", "--json").out)
    assert [r["id"] for r in rows] == ["M-3", "M-2", "M-1"]
    m1 = rows[-1]
    assert m1["title"] == f"Payroll {HOSTILE}" and m1["close_reason"] == f"Client left {HOSTILE}"
    assert m1["broken"] == 0 and m1["renegotiated"] == 1 and m1["us_first"] is True  # an update was logged first
    assert rows[0]["pattern"].startswith("same client: 2")
    assert (store_at().folder / "closed" / "index.json").exists()  # the next review reads rows, not files


def test_markdown_report_of_the_close_out_with_hostile_text(run, store_at):
    _closed_with_gaps(run, store_at)
    internal = run("export", "M-1", "--format", "md", "--audience", "internal").out
    client = run("export", "M-1", "--format", "md", "--audience", "client").out
    for md in (internal, client):
        assert "\x1b" not in md and "\x07" not in md and "␛\\[31mred␇ 💥" in md
        assert len([line for line in md.splitlines() if line.startswith("# ")]) == 1
        assert not any(line.startswith(("# heading", "- list")) for line in md.splitlines())
        for table in re.findall(r"(?:^\|.*\n)+", md, flags=re.M):
            widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table.splitlines()}
            assert len(widths) == 1, table
        assert "## Promises" in md and "Credit note a\\[/\\]b \\[bold\\]x \\| \\# \\`tick\\`" in md
        assert "Dana agreed a\\[/\\]b" in md  # the renegotiation and its reason
        assert "| Promises renegotiated | 1 |" in md
        assert "## Client debrief" in md and "Not confirmed by the client." in md
    assert "## Closed with the close-out incomplete (internal)" in internal
    assert "Client left a\\[/\\]b \\[bold\\]x" in internal and "INTERNAL: Tom" in internal
    assert "Client left" not in client and "INTERNAL" not in client
    assert "| Closed (open → closed) |" in client  # the close, without the gaps and the reason
