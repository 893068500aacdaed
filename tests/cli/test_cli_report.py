"""The post-incident report through the real command: one model, rendered as Markdown and JSON.

What the client may see, the cadence in words, the one punctuality figure, and the typed
id on every JSON row.
"""

from __future__ import annotations

import json
import re

import pendulum

from storage.store import FolderStore

REASON = "Dana stopped answering; Tom skipped the four-eyes check"


def _timeline_texts(md: str) -> list[str]:
    """The What cells of the Markdown timeline table."""
    table = md[md.index("## Timeline"):]
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]  # after the header
    return [re.split(r"(?<!\\)\|", row)[3].strip() for row in rows]


def _missed_and_closed(folder) -> None:
    """M-1: the first contact went out on time, the next promised update never did, closed with a reason."""
    start = pendulum.now("UTC").subtract(hours=3)
    at = [start]
    store = FolderStore.open(folder, clock=lambda: at[0], user="lena")
    store.create("Payroll file sent with old rates", "Acme", 2)  # first contact due at +30 min
    at[0] = start.add(minutes=10)
    store.change("M-1", lambda i, now, by: i.add_note("INTERNAL: Tom skipped the four-eyes check", now, by))
    store.change("M-1", lambda i, now, by: i.log_update("phone", "We are on it", now.add(minutes=30), now, by))
    at[0] = start.add(hours=2)  # the update promised for +40 min never went out
    store.change("M-1", lambda i, now, by: i.close(now, by, reason=REASON))


def test_client_json_leaves_out_the_close_reason_as_the_markdown_does(run, folder):
    _missed_and_closed(folder)
    out = run("export", "M-1", "--format", "json", "--audience", "client").out
    assert "Dana stopped answering" not in out and "four-eyes" not in out and "without" not in out
    doc = json.loads(out)
    assert "close_reason" not in doc and "incomplete_close" not in doc and "cost" not in doc
    closing = [t for t in doc["timeline"] if t["event"] == "closed"]
    assert [t["text"] for t in closing] == ["Closed (open → closed)"]
    # One redaction: the client's JSON and Markdown hold the same timeline.
    md = run("export", "M-1", "--format", "md", "--audience", "client").out
    assert _timeline_texts(md) == [t["text"] for t in doc["timeline"]]
    # The internal copy keeps all of it.
    internal = json.loads(run("export", "M-1", "--format", "json").out)
    assert internal["incomplete_close"]["reason"] == REASON
    assert any(REASON in t["text"] for t in internal["timeline"] if t["event"] == "closed")


def test_a_next_working_morning_cadence_reads_so_in_every_report(run):
    assert run("new", "Typo in the newsletter", "--client", "Acme", "--severity", "4").code == 0
    for audience in ("internal", "client"):
        md = run("export", "M-1", "--format", "md", "--audience", audience).out
        assert "| Update cadence | next working morning |" in md and "every 0 s" not in md
        doc = json.loads(run("export", "M-1", "--format", "json", "--audience", audience).out)
        assert (doc["cadence_minutes"], doc["cadence"]) == (0, "next working morning")
    assert run("new", "Invoices doubled", "--client", "Oak", "--severity", "1").code == 0
    assert "| Update cadence | every 30 min |" in run("export", "M-2", "--format", "md").out


def test_the_report_has_one_punctuality_figure_the_review_s(run, folder):
    _missed_and_closed(folder)
    row = json.loads(run("review", "--json").out)[0]
    assert (row["updates_on_time"], row["updates_due"]) == (1, 2)  # the missed update counts against
    for audience in ("internal", "client"):
        md = run("export", "M-1", "--format", "md", "--audience", audience).out
        figures = re.findall(r"\d+ of \d+ [a-z ]*updates", md)
        assert figures == ["1 of 2 promised updates"], figures
        assert "1 of 2 promised updates went out on time (50%)" in md
        doc = json.loads(run("export", "M-1", "--format", "json", "--audience", audience).out)
        assert doc["figures"]["updates_on_time"] == 1 and doc["figures"]["updates_due"] == 2
        assert [u["check"]["on_time"] for u in doc["updates"]] == [True]


def test_every_json_row_carries_the_typed_id(run):
    for title, severity in (("Open one", "2"), ("Closed one", "3")):
        assert run("new", title, "--client", "Acme", "--severity", severity).code == 0
    assert run("close", "M-2", "--reason", "test").code == 0
    rows = []
    for args in (("list", "--json"), ("list", "--closed", "--json"), ("review", "--json")):
        result = run(*args)
        assert result.code == 0, result.err
        rows += json.loads(result.out)
    for args in (("show", "M-1", "--json"), ("show", "M-2", "--json"), ("export", "M-2", "--format", "json"),
                 ("export", "M-2", "--format", "json", "--audience", "client")):
        result = run(*args)
        assert result.code == 0, result.err
        rows.append(json.loads(result.out))
    assert len(rows) == 7
    assert [(r["id"], r["number"]) for r in rows] == [
        ("M-1", 1), ("M-2", 2), ("M-2", 2), ("M-1", 1), ("M-2", 2), ("M-2", 2), ("M-2", 2)]
    assert all(abs(list(r).index("id") - list(r).index("number")) == 1 for r in rows)  # side by side


def test_list_orders_nothing_promised_most_severe_first(run):
    for title, severity in (("Minor", "4"), ("Critical", "1"), ("Moderate", "3")):
        assert run("new", title, "--client", "Acme", "--severity", severity).code == 0
    for number in (1, 2, 3):
        assert run("update", f"M-{number}", "All said", "--next", "none").code == 0
    rows = run("list").out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["M-2", "M-3", "M-1"]
    assert [d["id"] for d in json.loads(run("list", "--json").out)] == ["M-2", "M-3", "M-1"]
