"""Audiences, tags and hard deadlines in the model, and in both stores (issue 19, sections 1, 2 and 7)."""

from __future__ import annotations

import json

import pendulum
import pytest

from storage.domain.deadlines import DEFAULT_RULES, DeadlineRule
from storage.domain.model import SCHEMA_VERSION, Incident, new_incident
from storage.domain.fields import ValidationError
from storage.domain.playbook import PLAYBOOK_FILE, load_playbook, read_playbook
from storage.store import FolderStore

START = pendulum.datetime(2026, 5, 4, 9, 30, tz="UTC")


def _incident(**kw) -> Incident:
    return new_incident(7, "Payroll report sent to the wrong client", "Marlow", 2, START, [], by="ana", **kw)


def test_every_incident_owes_its_client_word_and_others_are_added_beside_it():
    inc = _incident(client_email="ops@marlow.example")
    client = inc.audiences[0]
    assert (client.name, client.kind, client.internal, client.email) == ("Marlow", "client", False,
                                                                          "ops@marlow.example")
    boss = inc.add_audience("Tom Reed (MD)", "management", START, "ana", cadence_minutes=120)
    ico = inc.add_audience("ICO", "regulator", START, "ana", email="casework@ico.example")
    partner = inc.add_audience("Ledgerly", "other", START, "ana", internal=True)
    assert [inc.audiences[i].internal for i in (boss, ico, partner)] == [True, False, True]
    # Resolution: an exact name, then a kind the incident has one of, then the unique start of a name.
    assert inc.find_audience("ico") == ico and inc.find_audience("MANAGEMENT") == boss
    assert inc.find_audience("tom") == boss and inc.find_audience("client") == 0
    inc.add_audience("Ivy Brown (DPO)", "client", START)
    with pytest.raises(ValidationError) as refused:
        inc.find_audience("client")  # two of that kind now, and no name starts so
    assert "Marlow (client)" in str(refused.value) and "ICO (regulator)" in str(refused.value)
    with pytest.raises(ValidationError, match="already has an audience named 'ICO'"):
        inc.add_audience("ico", "regulator", START)
    with pytest.raises(ValidationError, match="not an email address"):
        inc.add_audience("Auditor", "other", START, email="auditor at example")
    assert [a.name for a in inc.audiences].count("Auditor") == 0


def test_only_an_update_to_the_client_settles_the_client_promise_and_counts_as_contact():
    inc = _incident()
    boss = inc.add_audience("Tom Reed", "management", START, cadence_minutes=120)
    first = inc.update_promise()
    told = START.add(minutes=5)
    inc.log_update("phone", "Payroll went to Oak & Ivy; contained", inc.next_update_after(told, audience=boss), told,
                   audience=boss)
    assert first.is_open and inc.first_contact_at is None and inc.first_learned_by is None
    assert inc.audience_next_due(boss) == told.add(hours=2)  # the audience's own cadence
    assert inc.last_told(boss).summary.startswith("Payroll went") and inc.last_told(0) is None
    entry = inc.timeline[-1]
    assert entry.text.startswith("Update to Tom Reed (phone)") and not entry.for_client
    inc.log_update("email", "We sent your payroll report to another client", told.add(hours=1),
                   told.add(minutes=10))
    assert first.state() == "kept" and inc.first_contact_at == told.add(minutes=10)
    assert inc.timeline[-1].for_client and inc.first_learned_by == "us"
    # The nearest deadline is across every audience, and names it when it is not the client.
    assert inc.nearest_promise().due == told.add(hours=1)
    assert [inc.owed_words(p) for p in inc.open_promises()] == ["client update", "update to Tom Reed"]


def test_a_tag_puts_its_deadlines_on_the_ledger_and_no_other():
    inc = _incident()
    ico = inc.add_audience("ICO", "regulator", START)
    now = START.add(hours=1)
    assert inc.set_tags(["Personal-Data", "personal-data"], DEFAULT_RULES, now, "ana") == ["personal-data"]
    gdpr = inc.hard_deadlines()
    assert [(p.rule, p.due) for p in gdpr] == [(DEFAULT_RULES[0].name, START.add(hours=72))]
    # Attached by name and kind: the ICO already there does not receive the authority's deadline.
    assert inc.audience_name(gdpr[0].audience) == "Supervisory authority" and gdpr[0].audience != ico
    inc.set_tags(["nis2"], DEFAULT_RULES, now)
    csirt = inc.find_audience("csirt")
    assert {p.rule for p in inc.hard_deadlines() if p.audience == csirt} == {"NIS2 early warning",
                                                                              "NIS2 incident notification"}
    assert [(r.name, words) for r, words in inc.waiting_rules()] == [
        ("NIS2 final report", "starts when NIS2 notification is kept")]
    assert inc.deadline_words(inc.hard_deadlines()[0], now) == "NIS2 early warning: 23 h left"
    assert not any(t.for_client for t in inc.timeline if t.event in ("tagged", "deadline_set"))


def test_a_hard_deadline_is_never_moved_and_is_kept_late_only_with_the_reasons():
    inc = _incident()
    inc.set_tags(["personal-data"], DEFAULT_RULES, START)
    authority = inc.find_audience("regulator")
    index = inc.promises.index(inc.hard_deadlines()[0])
    with pytest.raises(ValidationError, match="hard deadline .* cannot be moved"):
        inc.renegotiate(index, START.add(days=5), "the ICO agreed", START.add(hours=1))
    with pytest.raises(ValidationError, match="kept by an update to Supervisory authority"):
        inc.keep_promise(index, START.add(hours=1))
    late = START.add(hours=73)
    with pytest.raises(ValidationError, match="reasons for the delay"):
        inc.log_update("portal", "Breach notice ref 42", None, late, audience=authority)
    assert inc.promises[index].is_open and inc.updates == []  # refused: nothing changed
    update = inc.log_update("portal", "Breach notice ref 42", None, late, audience=authority,
                            delay_reason="the extent was confirmed only on day 3")
    assert inc.promises[index].state() == "kept late" and update.kept == index
    assert update.delay_reason == "the extent was confirmed only on day 3"
    assert "reasons for the delay: the extent was confirmed only on day 3" in inc.timeline[-1].text


def test_keeps_names_one_deadline_and_a_kept_notification_starts_the_final_report():
    inc = _incident()
    inc.set_tags(["nis2"], DEFAULT_RULES, START)
    csirt = inc.find_audience("CSIRT")
    warning, notification = (inc.promises.index(p) for p in inc.hard_deadlines())
    with pytest.raises(ValidationError, match="not a hard deadline"):
        inc.log_update("portal", "x", None, START.add(hours=2), audience=csirt, keeps=0)
    sent = START.add(hours=30)
    inc.log_update("portal", "Notification", None, sent, audience=csirt, keeps=notification)
    assert inc.promises[notification].state() == "kept" and inc.promises[warning].is_open
    final = inc.deadline_of_rule("NIS2 final report")
    assert final.due == sent.add(months=1) and inc.waiting_rules() == []


def test_correcting_the_start_recounts_and_broken_stays_broken():
    inc = _incident()
    inc.set_tags(["personal-data"], DEFAULT_RULES, START)
    gdpr = inc.hard_deadlines()[0]
    now = START.add(hours=2)
    inc.correct_instant("discovered", START.subtract(hours=71), "logs show it was seen on Friday", now)
    assert gdpr.due == START.add(hours=1) and gdpr.broken_at == gdpr.due  # past once corrected
    assert "past once discovered was corrected" in inc.timeline[-1].text
    inc.correct_instant("discovered", START, "Friday's alert was another job", now.add(minutes=1))
    assert gdpr.due == START.add(hours=72) and gdpr.broken_at is not None  # never un-broken
    assert gdpr.state() == "broken"


def test_a_rule_from_acknowledging_waits_then_starts():
    rule = DeadlineRule("SLA credit notice", "", "client", "2 days", "acknowledged", "sla", "SLA notice")
    inc = _incident()
    inc.set_tags(["sla"], [rule], START)
    assert [w for _, w in inc.waiting_rules()] == ["starts when acknowledged"] and inc.hard_deadlines() == []
    inc.acknowledge(START.add(hours=3))
    (promise,) = inc.hard_deadlines()
    assert promise.audience == 0 and promise.due == START.add(hours=51)


def test_untag_releases_with_a_reason_and_close_lists_what_is_open():
    inc = _incident()
    inc.set_tags(["personal-data", "nis2"], DEFAULT_RULES, START)
    with pytest.raises(ValidationError, match="give the reason"):
        inc.remove_tag("nis2", "", START.add(hours=1))
    released = inc.remove_tag("nis2", "not an essential entity", START.add(hours=1))
    assert {p.rule for p in released} == {"NIS2 early warning", "NIS2 incident notification"}
    assert all(p.release_reason == "not an essential entity" and p.state() == "released" for p in released)
    assert inc.tags == ["personal-data"] and inc.waiting_rules() == []
    gaps = inc.close_gaps()
    assert any("GDPR Art. 33 notice" in g and "still open" in g for g in gaps)
    with pytest.raises(ValidationError, match="hard deadline"):
        inc.close(START.add(hours=2))
    inc.close(START.add(hours=2), reason="the authority was told by the client's DPO")
    (gdpr,) = [p for p in inc.promises if p.rule == DEFAULT_RULES[0].name]
    assert gdpr.release_reason == "the authority was told by the client's DPO"


def test_a_retired_audience_keeps_its_history_and_releases_its_promises():
    inc = _incident()
    boss = inc.add_audience("Tom Reed", "management", START, cadence_minutes=60)
    inc.log_update("phone", "told", START.add(hours=1), START.add(minutes=1), audience=boss)
    owed = inc.update_promise(boss)
    with pytest.raises(ValidationError, match="client's audience cannot be removed"):
        inc.retire_audience(0, "x", START)
    inc.retire_audience(boss, "Tom handed over to Lena", START.add(minutes=2))
    assert owed.state() == "released" and owed.release_reason == "Tom handed over to Lena"
    assert inc.last_told(boss) is not None and not inc.audiences[boss].active
    with pytest.raises(ValidationError, match="was removed"):
        inc.find_audience("Tom Reed")


def test_a_document_before_audiences_reads_as_the_clients_alone():
    doc = _incident().to_dict()
    old = {k: v for k, v in doc.items() if k not in ("audiences", "tags", "deadline_rules")}
    old["schema"] = 2
    for part in old["promises"] + old["updates"]:
        part.pop("audience", None)
    inc = Incident.from_dict(old)
    assert [(a.name, a.kind) for a in inc.audiences] == [("Marlow", "client")]
    assert inc.promises[0].audience == 0 and inc.tags == []


def test_a_team_playbook_keeps_the_default_rules_unless_it_says_otherwise(tmp_path):
    text = ('[[deadline]]\nname = "GDPR Art. 33(2) notice to the controller"\nkind = "client"\nwithin = "48h"\n'
            'tag = "processor-breach"\n\n'
            '[[deadline]]\nname = "NIS2 early warning"\noff = true\n\n'
            '[[deadline]]\nname = "Broken rule"\naudience = "X"\nwithin = "soon"\n')
    loaded = read_playbook(text, "team.toml")
    names = {r.name: r for r in loaded.rules}
    assert names["GDPR Art. 33(2) notice to the controller"].within == "48h"
    assert "NIS2 early warning" not in names and "GDPR Art. 33 notice to the supervisory authority" in names
    assert "Broken rule" not in names
    assert "team.toml, line 11, deadline 3 (Broken rule)" in loaded.problem
    assert loaded.phases and loaded.source == "team.toml"  # deadlines only: the default checklist stays
    (tmp_path / PLAYBOOK_FILE).write_text("default_deadlines = false\n[[phase]]\nname = 'A'\nsteps = ['a']\n")
    assert load_playbook(tmp_path).rules == ()


def test_both_stores_keep_audiences_tags_and_deadlines(backend, clock):
    store = backend.open(clock=clock, user="ana")
    inc = store.create("Payroll to the wrong client", "Marlow", 2)
    clock.advance(minutes=1)
    store.change(inc.id, lambda i, now, by: i.set_tags(["personal-data"], store.playbook.rules, now, by))
    store.change(inc.id, lambda i, now, by: i.add_audience("Tom Reed", "management", now, by, cadence_minutes=None))
    again = backend.open(clock=clock).get(inc.id)
    assert again.tags == ["personal-data"] and again.audiences[2].cadence_minutes is None
    assert again.hard_deadlines()[0].due == inc.discovered_at.add(hours=72)
    assert again.to_dict() == store.get(inc.id).to_dict()


def test_a_folder_store_of_schema_2_opens_and_upgrades_on_its_next_change(folder, clock):
    store = FolderStore.open(folder, clock=clock, user="ana")
    inc = store.create("t", "Marlow", 2)
    path = folder / "open.json"
    data = json.loads(path.read_text())
    doc = data["incidents"][str(inc.number)]
    for key in ("audiences", "tags", "deadline_rules"):
        del doc[key]
    for part in doc["promises"] + doc["updates"]:
        part.pop("audience", None)
    doc["schema"] = data["meta"]["1"]["schema"] = 2
    path.write_text(json.dumps(data))
    again = FolderStore.open(folder, clock=clock, user="ana")
    assert not again.read_only and again.get(inc.id).audiences[0].name == "Marlow"
    again.change(inc.id, lambda i, now, by: i.set_tags(["personal-data"], again.playbook.rules, now, by))
    stored = json.loads(path.read_text())["incidents"][str(inc.number)]
    assert stored["schema"] == SCHEMA_VERSION and [a["kind"] for a in stored["audiences"]] == ["client", "regulator"]
