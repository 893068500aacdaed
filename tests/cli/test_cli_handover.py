"""``mishap handover`` and ``mishap list --mine``: a shift change with its note, one audience alone, a name
never seen, a refusal that changes nothing, and on PostgreSQL the user as the database role."""

from __future__ import annotations

import json

from cli_support import assert_one_line_error, snapshot

from storage.store import open_store


def _start(run, monkeypatch):
    monkeypatch.setenv("MISHAP_USER", "sam")
    assert run("new", "Invoices doubled", "--client", "Acme", "--severity", "2").code == 0
    assert run("audience", "add", "M-1", "Tom Reed", "--kind", "management").code == 0
    monkeypatch.setenv("MISHAP_USER", "lee")
    assert run("audience", "add", "M-1", "ICO", "--kind", "regulator").code == 0
    assert run("new", "Emails bounced", "--client", "Beta", "--severity", "3").code == 0


def test_a_shift_change_moves_the_incident_with_a_note_and_mine_follows(run, folder, monkeypatch):
    _start(run, monkeypatch)
    monkeypatch.setenv("MISHAP_USER", "sam")
    before = snapshot(folder)
    refused = run("handover", "M-1", "--to", "lee")
    assert_one_line_error(refused, "needs a note")
    assert run("handover", "M-1", "--to", "lee", "--note", "  ").code == 2
    assert snapshot(folder) == before  # a refusal changed nothing

    mine = run("list", "--mine")
    assert "M-1" in mine.out and "M-2" not in mine.out
    done = run("handover", "M-1", "--to", "lee", "--note", "Maria wants a call at 17:00")
    assert done.code == 0 and done.err == ""  # lee has used this store: no warning
    assert done.out.strip() == "M-1: handed over to lee with Acme, Tom Reed"  # ICO was lee's already
    shown = json.loads(run("show", "M-1", "--json").out)
    assert shown["owner"] == "lee" and [a["owner"] for a in shown["audiences"]] == ["lee", "lee", "lee"]
    assert shown["timeline"][-1]["text"] == ("Handed over from sam to lee with Acme, Tom Reed: "
                                             "Maria wants a call at 17:00")
    assert shown["timeline"][-1]["by"] == "sam" and shown["timeline"][-1]["client"] is False
    assert "M-1" not in run("list", "--mine").out  # sam holds nothing now
    monkeypatch.setenv("MISHAP_USER", "lee")
    assert [row["id"] for row in json.loads(run("list", "--mine", "--json").out)] == ["M-1", "M-2"]
    again = run("handover", "M-1", "--to", "lee", "--note", "again")
    assert again.code == 0 and "already held by lee; nothing written" in again.out


def test_one_audience_and_a_name_never_seen(run, folder, monkeypatch):
    _start(run, monkeypatch)
    monkeypatch.setenv("MISHAP_USER", "sam")
    done = run("handover", "M-1", "--to", "Nadia  Ortiz", "--audience", "management", "--note", "you brief Tom")
    assert done.code == 0 and done.out.strip() == "M-1: Tom Reed handed over to Nadia Ortiz"
    assert done.err.strip() == ("mishap: warning: nobody named 'Nadia Ortiz' has used this store yet: check the "
                                "name (it is handed over all the same)")
    shown = json.loads(run("show", "M-1", "--json").out)
    assert shown["owner"] == "sam" and [a["owner"] for a in shown["audiences"]] == ["sam", "Nadia Ortiz", "lee"]
    text = run("show", "M-1").out
    assert "  Tom Reed (management, internal; no promised updates; held by Nadia Ortiz)" in text
    assert "  Acme (client, external; every 1 h)" in text  # the owner's own: nothing said
    monkeypatch.setenv("MISHAP_USER", "Nadia Ortiz")
    assert [row["id"] for row in json.loads(run("list", "--mine", "--json").out)] == ["M-1"]
    assert_one_line_error(run("handover", "M-1", "--to", "eve\x1b[31m", "--note", "x"), "one line")  # no warning first
    assert_one_line_error(run("handover", "M-9", "--to", "lee", "--note", "x"), "M-9")
    assert_one_line_error(run("handover", "M-1", "--to", "lee", "--audience", "nobody", "--note", "x"), "nobody")


def test_on_postgres_the_user_is_the_database_role(run, pg_url, monkeypatch, clock):
    monkeypatch.delenv("MISHAP_USER", raising=False)
    pg = lambda *args: run(*args, "--db", pg_url, db=False)  # noqa: E731
    assert pg("new", "Invoices doubled", "--client", "Acme", "--severity", "2").code == 0
    done = pg("handover", "M-1", "--to", "dana", "--note", "night shift")
    assert done.code == 0, done.err
    entry = open_store(pg_url, clock=clock).get(1).timeline[-1]
    from support.pg_server import SUPERUSER

    assert (entry.event, entry.by) == ("handed_over", SUPERUSER)  # the role the URL connects as
    created = open_store(pg_url, clock=clock).get(1).timeline[0]
    assert created.by == SUPERUSER  # every command records the role, not only the hand-over
