"""`mishap show` lists the promise ledger: kept, broken, renegotiated, open."""

from __future__ import annotations

from storage.store import FolderStore


def test_show_lists_promises_with_their_state_and_renegotiations(run, folder):
    assert run("new", "Invoices doubled", "--client", "Acme", "--severity", "2").code == 0
    store = FolderStore.open(folder)
    store.change("M-1", lambda i, now, by: i.add_promise("Credit note [CN-1]", now.add(days=2), now, by))
    store.change("M-1", lambda i, now, by: i.renegotiate(1, now.add(days=3), "Jo agreed to Friday", now, by))
    out = run("show", "M-1").out
    section = out[out.index("Promises"):out.index("Root cause")]
    assert "[open] First contact with the client — due" in section
    assert "[open] Credit note [CN-1] — due" in section and "moved 1×" in section
    assert ": Jo agreed to Friday" in section


def test_cadence_of_next_working_morning_is_named(run):
    run("new", "Typo in the newsletter", "--client", "Acme", "--severity", "4")
    assert "Cadence       next working morning" in run("show", "M-1").out
