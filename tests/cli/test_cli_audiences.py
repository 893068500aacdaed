"""Audiences, tags and hard deadlines through the ``mishap`` command (issue 19, sections 1, 2, 6 and 8).

Every rule is checked through the command, in-process, on the fake clock; where the store is
involved, on both backends (``cli`` runs each test on a folder and on PostgreSQL). A refused
command is one line on stderr, exit 2, and the store's fingerprint proves nothing was written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import pendulum
import pytest

from cli_support import Result, assert_one_line_error
from storage.domain.audiences import AUDIENCE_KINDS
from storage.domain.deadlines import NOT_LEGAL_ADVICE
from storage.domain.visible import visible
from support.backends import BACKENDS, Backend
from tui.cli.audiences import KINDS

GDPR = "GDPR Art. 33 notice to the supervisory authority"
AUDIENCE_KEYS = {"name", "kind", "internal", "email", "cadence", "owner", "next_update_due", "last_told"}


@dataclass
class Cli:
    """The command on one backend's store, and a way to look at what the store holds."""

    run: Callable[..., Result]
    backend: Backend

    def __call__(self, *args: str) -> Result:
        return self.run(*args)

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.code == 0, result
        return result

    def doc(self, incident: str = "M-1") -> dict:
        return json.loads(self.ok("show", incident, "--json").out)

    def incident(self, incident: str = "M-1"):
        store = self.backend.open()
        try:
            return store.get(incident)
        finally:
            store.close()

    def refused(self, *args: str, needles: tuple[str, ...] = ()) -> str:
        """Run ``args``, which must be refused on one line (exit 2) with nothing written; the line."""
        before = self.backend.fingerprint()
        result = self.run(*args)
        assert_one_line_error(result, *needles)
        assert self.backend.fingerprint() == before, f"{args} wrote to the store"
        return result.err


@pytest.fixture(params=BACKENDS)
def cli(request, run, folder, clock) -> Cli:
    """The command on a folder store, then on a PostgreSQL one."""
    if request.param == "folder":
        return Cli(run, Backend("folder", str(folder), clock))
    url = request.getfixturevalue("pg_url")
    return Cli(lambda *args: run(*args, "--db", url, db=False), Backend("postgres", url, clock))


@pytest.fixture
def folder_cli(run, folder, clock) -> Cli:
    """The command on a folder store only (for the playbook file and the help)."""
    return Cli(run, Backend("folder", str(folder), clock))


def _opened(cli: Cli, *extra: str) -> pendulum.DateTime:
    """M-1 (severity 2: the client's cadence is 1 h) opened now; its discovery instant."""
    assert cli.ok("new", "Payroll report sent to the wrong client", "--client", "Marlow", "--severity", "2",
                  *extra).out == "M-1\n"
    return pendulum.parse(cli.doc()["discovered_at"])


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- section 1: audiences on every incident ------------------------------------------------------


def test_every_incident_has_its_client_audience_and_others_are_added_beside_it(cli):
    _opened(cli, "--client-email", "ops@marlow.example", "--contact", "Dana")
    added = cli.ok("audience", "add", "M-1", "Tom Reed (MD)", "--kind", "management", "--cadence", "2h")
    assert added.out == "M-1: audience Tom Reed (MD) added (management, internal, every 2 h)\n"
    assert cli.ok("audience", "add", "M-1", "ICO", "--kind", "regulator", "--email", "casework@ico.example",
                  "--channel", "portal").out == "M-1: audience ICO added (regulator, external, no promised updates)\n"
    assert "(other, internal, next working morning)" in cli.ok(
        "audience", "add", "M-1", "Ledgerly", "--kind", "other", "--internal", "--cadence", "morning").out
    cli.ok("audience", "add", "M-1", "Oak & Ivy", "--kind", "other")
    inc = cli.incident()
    got = [(a.name, a.kind, a.internal, a.email, a.channel, a.cadence_minutes) for a in inc.audiences]
    assert got == [("Marlow", "client", False, "ops@marlow.example", "", 60),
                   ("Tom Reed (MD)", "management", True, "", "", 120),
                   ("ICO", "regulator", False, "casework@ico.example", "portal", None),
                   ("Ledgerly", "other", True, "", "", 0),  # morning is 0, distinct from none
                   ("Oak & Ivy", "other", False, "", "", None)]
    added = [t for t in inc.timeline if t.event == "audience_added"]
    assert len(added) == 4 and not any(t.for_client for t in added)  # our bookkeeping, never the client's
    assert [a["cadence"] for a in cli.doc()["audiences"]] == ["60m", "120m", "none", "morning", "none"]


def test_an_update_to_management_is_internal_follows_its_cadence_and_is_no_client_contact(cli):
    _opened(cli)
    cli.ok("audience", "add", "M-1", "Tom Reed (MD)", "--kind", "management", "--cadence", "2h")
    told = cli.ok("update", "M-1", "Payroll went to Oak & Ivy; contained", "--to", "management",
                  "--channel", "phone")
    assert told.out.startswith("M-1: update to Tom Reed (MD) logged; next update due ")
    assert told.out.rstrip().endswith("(in 2 h)")
    inc = cli.incident()
    (update,) = inc.updates
    assert update.audience == 1 and update.channel == "phone"
    assert update.next_promised == update.sent_at.add(hours=2)  # the audience's own cadence
    assert inc.first_contact_at is None and inc.first_learned_by is None
    assert inc.update_promise(0).is_open and inc.update_promise(0).text == "First contact with the client"
    entry = next(t for t in inc.timeline if t.event == "update_sent")
    assert entry.text.startswith("Update to Tom Reed (MD) (phone)") and not entry.for_client
    # Then the client: that update settles the client's promise and is the first contact.
    assert cli.ok("update", "M-1", "We sent your payroll report to another client").out.startswith(
        "M-1: update logged; next update due ")
    inc = cli.incident()
    assert inc.first_contact_at == inc.updates[1].sent_at and inc.first_learned_by == "us"
    assert [p.state() for p in inc.promises[:1]] == ["kept"]
    assert inc.update_promise(1).is_open  # management's promise is untouched by the client's update
    doc = cli.doc()
    assert [u["audience"] for u in doc["updates"]] == ["Tom Reed (MD)", "Marlow"]
    assert [e["client"] for e in doc["timeline"] if e["event"] == "update_sent"] == [False, True]


def test_the_next_promise_follows_the_audience_cadence_and_none_promises_nothing(cli):
    _opened(cli)
    cli.ok("audience", "add", "M-1", "ICO", "--kind", "regulator")  # cadence none
    assert cli.ok("update", "M-1", "Notice filed", "--to", "ico").out == \
        "M-1: update to ICO logged; no next update promised\n"
    assert cli.incident().update_promise(1) is None
    assert cli.ok("update", "M-1", "Extra detail", "--to", "ico", "--next", "30m").out.rstrip().endswith(
        "(in 30 min)")
    assert cli.ok("update", "M-1", "All said", "--next", "none").out == \
        "M-1: update logged; no next update promised\n"
    inc = cli.incident()
    assert inc.update_promise(0) is None and inc.update_promise(1).due == inc.updates[1].sent_at.add(minutes=30)
    assert cli.ok("update", "M-1", "One more").out.rstrip().endswith("(in 1 h)")  # the client's cadence


def test_an_audience_is_found_by_exact_name_then_single_kind_then_unique_start(cli):
    _opened(cli)
    for name, kind in (("Tom Reed", "management"), ("Tom Reed Jr", "other"), ("ICO", "regulator"),
                       ("Ivy Brown (DPO)", "client")):
        cli.ok("audience", "add", "M-1", name, "--kind", kind)
    cases = {"tom reed": "Tom Reed",  # exact name first, though another name starts so
             "REGULATOR": "ICO",  # a kind the incident has one of
             "management": "Tom Reed",
             "ivy": "Ivy Brown (DPO)",  # the unique start of a name
             "MARLOW": "Marlow"}
    for typed, name in cases.items():
        cli.ok("promise", "add", "M-1", f"note for {typed}", "--due", "2h", "--to", typed)
        assert cli.incident().audience_name(cli.incident().promises[-1].audience) == name, typed
    # Two client audiences now: "client" names neither, nor does a start two names share.
    for typed in ("client", "tom", "nobody"):
        err = cli.refused("update", "M-1", "x", "--to", typed, needles=(f"'{typed}'", "its audiences are: "))
        assert "Marlow (client), Tom Reed (management), Tom Reed Jr (other), ICO (regulator)" in err


def test_promises_are_one_list_each_owed_to_an_audience(cli):
    _opened(cli)
    cli.ok("audience", "add", "M-1", "Tom Reed", "--kind", "management", "--cadence", "4h")
    added = cli.ok("promise", "add", "M-1", "Cost estimate", "--due", "3h", "--to", "tom")
    assert added.out.startswith("M-1: promise 2 added to Tom Reed: Cost estimate — due ")
    assert cli.ok("promise", "add", "M-1", "Credit note", "--due", "1d").out.startswith(
        "M-1: promise 3 added: Credit note")
    cli.ok("update", "M-1", "Told Tom", "--to", "tom")  # promise 4: the next update to Tom
    doc = cli.doc()
    assert [(p["text"], p["audience"], p["hard"]) for p in doc["promises"]] == [
        ("First contact with the client", "Marlow", False), ("Cost estimate", "Tom Reed", False),
        ("Credit note", "Marlow", False), ("Next update to Tom Reed", "Tom Reed", False)]
    promises = cli.ok("show", "M-1").out.split("\nPromises\n")[1].split("\n\n")[0]
    assert "2. [open] Cost estimate (to Tom Reed) — due" in promises
    assert "3. [open] Credit note — due" in promises and "4. [open] Next update to Tom Reed — due" in promises
    # Keeping and moving work alike for every audience; broken stays broken.
    assert cli.ok("promise", "keep", "M-1", "2").out == "M-1: promise 2 kept (Cost estimate)\n"
    cli.backend.clock.advance(days=2)
    moved = cli.ok("promise", "move", "M-1", "4", "--due", "1h", "--reason", "Tom asked for tomorrow")
    assert "it was already late, so it stays broken on the record" in moved.out
    assert cli.incident().promises[3].broken_at is not None
    cli.refused("promise", "add", "M-1", "x", "--due", "2h", "--to", "nobody", needles=("no audience 'nobody'",))


def test_show_names_the_nearest_deadline_when_it_is_not_the_clients(folder_cli):
    cli = folder_cli
    _opened(cli)
    cli.ok("update", "M-1", "First word", "--next", "5h")
    cli.ok("audience", "add", "M-1", "Tom Reed", "--kind", "management", "--cadence", "1h")
    cli.ok("update", "M-1", "Told Tom", "--to", "Tom")
    fields = cli.ok("show", "M-1").out.split("\n\n")[1]
    assert "  Next owed     update to Tom Reed, in 59 min (" in fields  # a second after it was sent
    cli.ok("update", "M-1", "Told Tom again", "--to", "Tom", "--next", "none")
    assert "Next owed" not in cli.ok("show", "M-1").out  # the client's update is the nearest again


# -- section 2: hard deadlines from the playbook --------------------------------------------------


def test_a_tag_puts_its_deadlines_on_the_ledger_at_once(cli):
    discovered = _opened(cli)
    cli.ok("audience", "add", "M-1", "ICO", "--kind", "regulator")
    tagged = cli.ok("tag", "M-1", "Personal-Data", "personal-data")
    assert tagged.out.splitlines()[0] == "M-1: tagged personal-data"
    assert tagged.out.splitlines()[1].startswith("  2. GDPR notice: 2 d 23 h left — to Supervisory authority, due ")
    inc = cli.incident()
    (deadline,) = inc.hard_deadlines()
    assert deadline.rule == GDPR and deadline.due == discovered.add(hours=72)
    # By name and kind: the ICO already there does not receive the authority's deadline.
    assert inc.audience_name(deadline.audience) == "Supervisory authority" and deadline.audience != 1
    doc = cli.doc()
    assert doc["tags"] == ["personal-data"]
    assert (doc["promises"][1]["audience"], doc["promises"][1]["hard"]) == ("Supervisory authority", True)
    assert not any(e["client"] for e in doc["timeline"] if e["event"] in ("tagged", "deadline_set"))
    # Tagged again: nothing is written.
    before = cli.backend.fingerprint()
    assert cli.ok("tag", "M-1", "personal-data").out == "M-1: already tagged personal-data; nothing written\n"
    assert cli.backend.fingerprint() == before


def test_a_hard_deadline_shows_beside_a_nearer_routine_one(cli):
    discovered = _opened(cli)
    cli.ok("tag", "M-1", "personal-data")
    cli.backend.clock.set(discovered.add(hours=31).subtract(seconds=1))  # the next command runs at +31 h
    text = cli.ok("show", "M-1").out
    hard = text.split("\nHard deadlines\n")[1].split("\n\n")[0]
    assert hard.startswith("  2. GDPR notice: 1 d 17 h left — to Supervisory authority, due ")
    assert "  Tags          personal-data" in text
    assert "Next owed     GDPR Art. 33 notice to the supervisory authority" not in text  # the client's is nearer
    assert "      owed: 2. GDPR notice: 1 d 17 h left" in text.split("\nAudiences\n")[1]


def test_nis2_deadlines_wait_for_the_notification_and_an_update_keeps_only_one(cli):
    discovered = _opened(cli)
    out = cli.ok("tag", "M-1", "nis2").out
    assert "  NIS2 final report to CSIRT: starts when NIS2 notification is kept" in out
    shown = cli.ok("show", "M-1").out
    assert "  NIS2 final report: starts when NIS2 notification is kept (1 month from then)" in shown
    # --keeps names one; it must be a hard deadline, open, owed to that audience.
    cli.refused("update", "M-1", "x", "--to", "csirt", "--keeps", "1", needles=("not a hard deadline",))
    cli.refused("update", "M-1", "x", "--keeps", "2", needles=("owed to CSIRT, not Marlow",))
    cli.refused("update", "M-1", "x", "--to", "csirt", "--keeps", "9", needles=("9",))
    sent = cli.ok("update", "M-1", "Notification ref 7", "--to", "csirt", "--keeps", "3", "--channel", "portal")
    assert sent.out == "M-1: update to CSIRT logged; no next update promised; it keeps 3. NIS2 notification in time\n"
    inc = cli.incident()
    assert [p.state() for p in inc.promises[1:3]] == ["open", "kept"]  # it keeps only the one named
    final = inc.deadline_of_rule("NIS2 final report")
    assert final.due == inc.updates[0].sent_at.add(months=1) and inc.waiting_rules() == []
    # Without --keeps, an update keeps the audience's nearest open one: the early warning.
    assert cli.ok("update", "M-1", "Early warning", "--to", "CSIRT").out.endswith(
        "it keeps 2. NIS2 early warning in time\n")
    assert cli.incident().promises[1].state() == "kept" and final.is_open
    assert discovered.add(hours=24) == cli.incident().promises[1].due


def test_a_rule_counting_from_acknowledgement_waits_then_starts_when_it_is_recorded(folder_cli, folder):
    cli = folder_cli
    folder.mkdir(parents=True)
    (folder / "playbook.toml").write_text(
        '[[deadline]]\nname = "Contract SLA notice"\naudience = "Ledgerly"\nkind = "other"\nwithin = "2 days"\n'
        'counts_from = "acknowledged"\ntag = "sla"\nlabel = "SLA notice"\n')
    _opened(cli)
    assert "  SLA notice to Ledgerly: starts when acknowledged" in cli.ok("tag", "M-1", "sla").out
    assert "  SLA notice: starts when acknowledged (2 days from then)" in cli.ok("show", "M-1").out
    cli.backend.clock.advance(hours=1)
    acked = cli.ok("set", "M-1", "acknowledged", "2026-05-04 12:00", "--reason", "Ana owned it on the call")
    assert "  2. SLA notice to Ledgerly now counts: due " in acked.out
    inc = cli.incident()
    assert inc.hard_deadlines()[0].due == pendulum.datetime(2026, 5, 6, 10, 0, tz="UTC")  # 12:00 Berlin, +2 d
    assert inc.waiting_rules() == []


def test_a_team_playbook_keeps_the_default_rules_and_a_bad_rule_is_named(folder_cli, folder):
    cli = folder_cli
    folder.mkdir(parents=True)
    (folder / "playbook.toml").write_text(
        '[[deadline]]\nname = "GDPR Art. 33(2) notice to the controller"\nkind = "client"\nwithin = "48h"\n'
        'tag = "processor-breach"\n\n'
        '[[deadline]]\nname = "Broken rule"\naudience = "X"\nkind = "regulator"\nwithin = "soon"\ntag = "x"\n')
    discovered = _opened(cli)
    result = cli.ok("tag", "M-1", "processor-breach", "personal-data")
    (warning,) = result.err.splitlines()
    assert warning.startswith("mishap: warning: ") and "playbook.toml, line 7" in warning
    assert "(Broken rule)" in warning and "that rule is left out" in warning
    dues = {p.rule: (p.due, cli.incident().audience_name(p.audience)) for p in cli.incident().hard_deadlines()}
    assert dues == {"GDPR Art. 33(2) notice to the controller": (discovered.add(hours=48), "Marlow"),
                    GDPR: (discovered.add(hours=72), "Supervisory authority")}  # the default rule, kept


def test_correcting_discovery_recounts_and_broken_stays_broken(cli):
    discovered = _opened(cli)
    cli.ok("tag", "M-1", "personal-data")
    cli.backend.clock.advance(hours=10)
    earlier = discovered.subtract(hours=20).in_timezone("Europe/Berlin").format("YYYY-MM-DD HH:mm")
    moved = cli.ok("set", "M-1", "discovered", earlier, "--reason", "the logs show it earlier")
    lines = moved.out.splitlines()
    assert lines[1].startswith("  2. GDPR notice to Supervisory authority moved from ")
    assert len(lines) == 2  # still ahead: not broken
    assert cli.incident().promises[1].due == discovered.subtract(hours=20).add(hours=72).replace(second=0)
    way_back = discovered.subtract(days=4).in_timezone("Europe/Berlin").format("YYYY-MM-DD HH:mm")
    broke = cli.ok("set", "M-1", "discovered", way_back, "--reason", "it started on the 1st")
    assert broke.out.splitlines()[2] == "     broken: it was already past once the record was corrected"
    assert cli.incident().promises[1].state() == "broken"
    back = discovered.in_timezone("Europe/Berlin").format("YYYY-MM-DD HH:mm")
    again = cli.ok("set", "M-1", "discovered", back, "--reason", "no, it was the 4th after all")
    assert again.out.splitlines()[2] == "     it stays broken: it was missed before this correction"
    inc = cli.incident()
    assert inc.promises[1].broken_at is not None and inc.promises[1].due > cli.backend.clock.now
    assert [t.event for t in inc.timeline].count("deadline_recounted") == 3


def test_untag_releases_deadlines_only_with_a_reason_and_never_erases_them(cli):
    _opened(cli)
    cli.ok("tag", "M-1", "personal-data", "nis2")
    cli.refused("untag", "M-1", "personal-data", needles=("untagging personal-data releases its deadlines",
                                                          "give the reason"))
    cli.refused("untag", "M-1", "gdpr", "--reason", "x", needles=("M-1 is not tagged 'gdpr'",
                                                                  "personal-data, nis2"))
    out = cli.ok("untag", "M-1", "personal-data", "--reason", "no personal data after all").out
    assert out == ("M-1: untagged personal-data; released: GDPR notice to Supervisory authority — "
                   "no personal data after all\n")
    doc = cli.doc()
    assert doc["tags"] == ["nis2"]
    released = doc["promises"][1]
    assert released["rule"] == GDPR and released["released_at"] is not None  # still on the ledger
    assert released["release_reason"] == "no personal data after all"
    assert any(e["event"] == "untagged" and "no personal data after all" in e["text"] for e in doc["timeline"])
    assert "released: no personal data after all" in cli.ok("show", "M-1").out


def test_a_hard_deadline_cannot_be_moved_nor_kept_without_an_update(cli):
    _opened(cli)
    cli.ok("tag", "M-1", "personal-data")
    cli.refused("promise", "move", "M-1", "2", "--due", "5d", "--reason", "the authority agreed",
                needles=("promise 2 is a hard deadline", "cannot be moved"))
    cli.refused("promise", "keep", "M-1", "2", needles=("kept by an update to Supervisory authority",))


def test_keeping_a_deadline_late_needs_the_reasons_for_the_delay(cli):
    _opened(cli)
    cli.ok("tag", "M-1", "personal-data")
    cli.backend.clock.advance(hours=73)
    cli.refused("update", "M-1", "Breach notice ref 42", "--to", "supervisory",
                needles=("keeps “GDPR Art. 33 notice to the supervisory authority” late", "--delay-reason"))
    late = cli.ok("update", "M-1", "Breach notice ref 42", "--to", "supervisory", "--channel", "portal",
                  "--delay-reason", "the extent was confirmed only on day 3")
    assert "it keeps 2. GDPR notice late (due " in late.out
    assert late.out.rstrip().endswith("with the reasons for the delay on the record")
    doc = cli.doc()
    assert doc["updates"][0]["delay_reason"] == "the extent was confirmed only on day 3"
    assert doc["updates"][0]["kept"] == 1 and doc["promises"][1]["broken_at"] is not None
    assert cli.incident().promises[1].state() == "kept late"
    updates = cli.ok("show", "M-1").out.split("\nUpdates\n")[1]
    assert "to Supervisory authority, portal; kept 2. GDPR notice late" in updates
    assert "    reasons for the delay: the extent was confirmed only on day 3" in updates


def test_closing_with_a_hard_deadline_open_lists_it_and_needs_a_reason(cli):
    _opened(cli)
    cli.ok("tag", "M-1", "personal-data")
    cli.refused("close", "M-1", needles=(f"the hard deadline “{GDPR}” to Supervisory authority (still open)",))
    assert cli.ok("close", "M-1", "--reason", "closed by the test").out.startswith("M-1: closed")
    released = cli.incident().promises[1]
    assert released.released_at is not None and released.release_reason == "closed by the test"


def test_help_says_once_that_hard_deadlines_are_not_legal_advice(folder_cli):
    top = folder_cli.ok("--help").out
    assert _one_line(top).count(NOT_LEGAL_ADVICE) == 1
    for command in ("audience", "tag", "untag", "update", "promise", "show"):
        assert command in top
    assert _one_line(folder_cli.ok("tag", "--help").out).count(NOT_LEGAL_ADVICE) == 1
    assert NOT_LEGAL_ADVICE not in _one_line(folder_cli.ok("list", "--help").out)


# -- section 6: the command line -----------------------------------------------------------------


def test_show_json_has_tags_audiences_and_names_each_promise_and_update(cli):
    _opened(cli, "--client-email", "ops@marlow.example")
    cli.ok("audience", "add", "M-1", "Tom Reed", "--kind", "management", "--cadence", "morning")
    cli.ok("tag", "M-1", "personal-data")
    cli.ok("update", "M-1", "Told Tom", "--to", "Tom", "--channel", "phone")
    doc = cli.doc()
    assert all(AUDIENCE_KEYS <= set(a) for a in doc["audiences"])
    client, tom, authority = doc["audiences"]
    assert (client["name"], client["kind"], client["internal"], client["email"], client["cadence"]) == (
        "Marlow", "client", False, "ops@marlow.example", "60m")
    assert client["last_told"] is None and client["next_update_due"] == doc["promises"][0]["due"]
    assert (tom["kind"], tom["internal"], tom["cadence"]) == ("management", True, "morning")
    assert tom["last_told"] == doc["updates"][0]  # the same shape as the updates' entries
    assert tom["last_told"]["audience"] == "Tom Reed" and tom["last_told"]["summary"] == "Told Tom"
    assert tom["next_update_due"] == doc["updates"][0]["next_promised"]
    assert authority["cadence"] == "none" and authority["next_update_due"] is None
    assert [(p["audience"], p["hard"]) for p in doc["promises"]] == [
        ("Marlow", False), ("Supervisory authority", True), ("Tom Reed", False)]
    assert doc["tags"] == ["personal-data"] and doc["id"] == "M-1"
    assert json.loads(cli.ok("list", "--json").out)[0]["audiences"] == doc["audiences"]


def test_show_text_has_who_was_told_what_and_when(cli):
    _opened(cli)
    cli.ok("audience", "add", "M-1", "Tom Reed", "--kind", "management", "--cadence", "2h", "--email",
           "tom@us.example")
    cli.ok("update", "M-1", "Payroll went to the wrong client\nmore detail below", "--to", "tom",
           "--channel", "phone")
    cli.ok("promise", "add", "M-1", "Cost estimate", "--due", "3h", "--to", "tom")
    audiences = cli.ok("show", "M-1").out.split("\nAudiences\n")[1].split("\n\n")[0].splitlines()
    assert audiences[0] == "  Marlow (client, external; every 1 h)"
    assert audiences[1] == "      last told: never"
    assert audiences[2].startswith("      next due: in ")
    assert audiences[3].startswith("      owed: 1. First contact with the client in ")
    assert audiences[4] == "  Tom Reed (management, internal; every 2 h; tom@us.example)"
    assert audiences[5].endswith(" by phone: Payroll went to the wrong client")  # a line of what was said
    assert audiences[6].startswith("      next due: in 1 h 59 min (")  # seconds after it was sent
    assert audiences[7].startswith("      owed: 2. Next update to Tom Reed in 1 h 59 min (due ")
    assert audiences[8].startswith("      owed: 3. Cost estimate in 2 h 59 min (due ")
    updates = cli.ok("show", "M-1").out.split("\nUpdates\n")[1]
    assert "  to Tom Reed, phone; next promised " in updates.splitlines()[0]
    assert updates.splitlines()[1:3] == ["    Payroll went to the wrong client", "    more detail below"]


def test_audience_list_in_text_and_json(cli):
    _opened(cli)
    cli.ok("audience", "add", "M-1", "Tom Reed", "--kind", "management", "--cadence", "2h")
    cli.ok("tag", "M-1", "personal-data")
    cli.ok("update", "M-1", "Told Tom", "--to", "tom", "--channel", "phone")
    header, *rows = cli.ok("audience", "list", "M-1").out.splitlines()
    assert header.split() == ["AUDIENCE", "KIND", "SIDE", "CADENCE", "LAST", "TOLD", "NEXT"]
    assert rows[0].split()[:4] == ["Marlow", "client", "external", "every"]
    assert "never" in rows[0] and "client update in " in rows[0]
    assert rows[1].startswith("Tom Reed ") and "internal" in rows[1] and "(phone)" in rows[1]
    assert "update to Tom Reed in 1 h 59 min" in rows[1]
    assert rows[2].startswith("Supervisory authority ") and "GDPR notice: 2 d 23 h left" in rows[2]
    listed = json.loads(cli.ok("audience", "list", "M-1", "--json").out)
    assert listed == cli.doc()["audiences"]


def test_audience_edit_changes_one_thing_at_a_time_the_client_too(cli):
    _opened(cli)
    cli.ok("audience", "add", "M-1", "Tom", "--kind", "management")
    out = cli.ok("audience", "edit", "M-1", "tom", "--name", "Tom Reed (MD)", "--email", "tom@us.example",
                 "--cadence", "4h", "--channel", "phone").out
    assert out.startswith("M-1: Audience Tom Reed (MD): name 'Tom' → 'Tom Reed (MD)'; email none → "
                          "'tom@us.example'; channel none → 'phone'; cadence no promised updates → every 4 h")
    cli.ok("audience", "edit", "M-1", "client", "--email", "ops@marlow.example", "--cadence", "morning")
    inc = cli.incident()
    assert (inc.audiences[0].email, inc.audiences[0].cadence_minutes, inc.cadence_minutes) == (
        "ops@marlow.example", 0, 0)
    tom = inc.audiences[1]
    assert (tom.name, tom.email, tom.cadence_minutes, tom.channel) == ("Tom Reed (MD)", "tom@us.example", 240, "phone")
    before = cli.backend.fingerprint()
    assert cli.ok("audience", "edit", "M-1", "tom", "--cadence", "4h").out == \
        "M-1: Tom Reed (MD) is already so; nothing written\n"
    assert cli.backend.fingerprint() == before
    cli.refused("audience", "edit", "M-1", "tom", needles=("say what to change",))
    cli.refused("audience", "edit", "M-1", "client", "--cadence", "none",
                needles=("the client is always promised its next update",))
    cli.ok("audience", "edit", "M-1", "tom", "--cadence", "none")
    assert cli.incident().audiences[1].cadence_minutes is None  # none, distinct from morning (0)


def test_audience_remove_releases_its_promises_and_keeps_its_history(cli):
    _opened(cli)
    cli.ok("audience", "add", "M-1", "Oak & Ivy", "--kind", "other", "--cadence", "1d")
    cli.ok("update", "M-1", "We sent them your data by mistake", "--to", "oak")
    cli.ok("promise", "add", "M-1", "Deletion confirmation", "--due", "2h", "--to", "oak")
    out = cli.ok("audience", "remove", "M-1", "oak", "--reason", "they confirmed deletion").out
    assert out == ("M-1: Oak & Ivy removed (its history stays); released: update to Oak & Ivy, "
                   "Deletion confirmation to Oak & Ivy\n")
    doc = cli.doc()
    gone = doc["audiences"][1]
    assert gone["removed_reason"] == "they confirmed deletion" and gone["last_told"]["summary"].startswith("We sent")
    assert [p["release_reason"] for p in doc["promises"][1:]] == ["they confirmed deletion"] * 2
    assert doc["updates"][0]["audience"] == "Oak & Ivy"
    for args in (("update", "M-1", "x", "--to", "Oak & Ivy"),
                 ("audience", "remove", "M-1", "oak & ivy", "--reason", "y")):
        cli.refused(*args, needles=("Oak & Ivy was removed from M-1", "its audiences are: Marlow (client)"))
    cli.refused("audience", "remove", "M-1", "client", "--reason", "no", needles=("cannot be removed",))
    assert "the following arguments are required: --reason" in cli("audience", "remove", "M-1", "x").err


def test_cadence_and_kind_are_read_by_the_parser(folder_cli):
    cli = folder_cli
    _opened(cli)
    result = cli("audience", "add", "M-1", "Tom", "--kind", "management", "--cadence", "soon")
    assert_one_line_error(result, "argument --cadence", "'soon' is not a span of time", "morning, or none")
    assert_one_line_error(cli("audience", "add", "M-1", "Tom", "--kind", "boss"), "invalid choice: 'boss'")
    assert_one_line_error(cli("audience", "add", "M-1", "Tom"), "--kind")
    assert_one_line_error(cli("update", "M-1", "x", "--keeps", "0"), "--keeps", "a promise number")
    assert KINDS == AUDIENCE_KINDS  # the parser's choices are the domain's kinds


# -- section 8: bad input, refused on one line with nothing changed --------------------------------


def test_an_unknown_audience_is_refused_with_the_list_of_audiences(cli):
    _opened(cli)
    cli.ok("audience", "add", "M-1", "ICO", "--kind", "regulator")
    listing = "its audiences are: Marlow (client), ICO (regulator)"
    for args in (("update", "M-1", "x", "--to", "Tom"), ("promise", "add", "M-1", "x", "--due", "2h", "--to", "Tom"),
                 ("audience", "edit", "M-1", "Tom", "--email", "t@x.example"),
                 ("audience", "remove", "M-1", "Tom", "--reason", "x")):
        cli.refused(*args, needles=("M-1 has no audience 'Tom'", listing))


def test_a_second_audience_of_the_same_name_is_refused(cli):
    _opened(cli)
    cli.ok("audience", "add", "M-1", "ICO", "--kind", "regulator")
    cli.ok("audience", "add", "M-1", "Tom", "--kind", "management")
    cli.refused("audience", "add", "M-1", "  ico ", "--kind", "other", needles=("already has an audience named 'ICO'",))
    cli.refused("audience", "add", "M-1", "marlow", "--kind", "client", needles=("named 'Marlow'",))
    cli.refused("audience", "edit", "M-1", "tom", "--name", "ICO", needles=("already has an audience named 'ICO'",))


def test_an_address_that_is_not_one_is_refused(cli):
    _opened(cli)
    for address in ("tom at example", "tom@example", "a@b@c.example", "tom @x.example"):
        cli.refused("audience", "add", "M-1", "Tom", "--kind", "management", "--email", address,
                    needles=("is not an email address",))
        cli.refused("audience", "edit", "M-1", "client", "--email", address, needles=("is not an email address",))
    cli.refused("new", "Another", "--client", "Acme", "--severity", "3", "--client-email", "ops",
                needles=("'ops' is not an email address",))
    assert [i.id for i in _open_incidents(cli)] == ["M-1"]  # no incident made, no number taken


def _open_incidents(cli: Cli):
    store = cli.backend.open()
    try:
        return store.open_incidents()
    finally:
        store.close()


def test_names_and_tags_are_shown_literally_never_obeyed(folder_cli):
    cli = folder_cli
    _opened(cli)
    name = "Evil \x1b]0;HIJACK\x07 [bold]Corp[/bold] \u202eliam"
    added = cli.ok("audience", "add", "M-1", name, "--kind", "other", "--channel", "fax\x1b[2J")
    assert "\x1b" not in added.out and visible(name) in added.out
    for args in (("show", "M-1"), ("audience", "list", "M-1")):
        out = cli.ok(*args).out
        assert "\x1b" not in out and "\u202e" not in out and "[bold]Corp[/bold]" in out
    assert "\x1b" not in cli("update", "M-1", "x", "--to", "nobody\x1b[31m").err
    doc = cli.doc()
    assert doc["audiences"][1]["name"] == name and doc["audiences"][1]["channel"] == "fax\x1b[2J"  # exact
    assert "\x1b" not in cli.ok("show", "M-1", "--json").out  # escaped as \u001b
    err = cli.refused("tag", "M-1", "bad\x1btag", needles=("a tag is one word",))
    assert "\x1b" not in err


def test_status_and_overdue_name_the_audience_and_show_a_hard_deadline_within_a_day(cli, clock):
    discovered = _opened(cli)
    cli.ok("audience", "add", "M-1", "Tom Reed (MD)", "--kind", "management", "--cadence", "none")
    cli.ok("promise", "add", "M-1", "Cost estimate", "--due", "2h", "--to", "Tom")
    cli.ok("tag", "M-1", "personal-data")
    cli.ok("update", "M-1", "We sent your payroll report to another client", "--next", "3d")
    clock.set(discovered.add(hours=50))  # the GDPR clock has 22 h left: shown beside the nearest
    status = cli.ok("status", "--format", "plain").out
    assert "GDPR notice to Supervisory authority" in status and "Cost estimate to Tom Reed (MD)" in status
    late = cli("overdue")
    assert late.code == 1 and "Cost estimate to Tom Reed (MD)" in late.out
    rows = json.loads(cli("overdue", "--json").out)
    assert [(r["audience"], r["hard"]) for r in rows] == [("Tom Reed (MD)", False)]
