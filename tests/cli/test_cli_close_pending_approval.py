"""An incident with an update awaiting approval cannot be closed, not even with a reason: the update would
stay unsent and no one would be told. Once it is approved, rejected or withdrawn, the close goes ahead."""

from __future__ import annotations

import json

from cli_support import assert_one_line_error, snapshot


def test_close_is_refused_while_an_update_awaits_approval_and_changes_nothing(run, folder, monkeypatch):
    assert run("new", "Payroll file sent to the wrong client", "--client", "Marlow", "--severity", "2").code == 0
    (folder / "config.toml").write_text('[updates]\napprove = ["client", "regulator"]\n')
    assert run("audience", "add", "M-1", "ICO", "--kind", "regulator").code == 0
    monkeypatch.setenv("MISHAP_USER", "dana")
    assert run("update", "M-1", "We sent your file to another client.", "--channel", "phone").code == 0
    assert run("update", "M-1", "Notice of the breach", "--to", "regulator").code == 0
    kept = snapshot(folder)
    for reason in ([], ["--reason", "client asked us to stop"]):  # a reason covers gaps, not unsent words
        assert_one_line_error(run("close", "M-1", *reason), "M-1 has 2 updates awaiting approval",
                              "update 1 to Marlow by dana", "update 2 to ICO by dana",
                              "approve, reject or withdraw them before closing")
        assert snapshot(folder) == kept
    assert json.loads(run("show", "M-1", "--json").out)["status"] != "closed"
    monkeypatch.setenv("MISHAP_USER", "lena")
    assert run("reject", "M-1", "2", "--reason", "Legal has not seen it").code == 0
    assert_one_line_error(run("close", "M-1", "--reason", "r"), "M-1 has 1 update awaiting approval",
                          "update 1 to Marlow by dana", "withdraw it before closing")
    assert run("approve", "M-1").code == 0
    closed = run("close", "M-1", "--reason", "client asked us to stop")
    assert closed.code == 0, closed
    assert json.loads(run("show", "M-1", "--json").out)["status"] == "closed"
