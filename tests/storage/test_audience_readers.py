"""What is worked out from audiences and hard deadlines (issue 19): the status line, the alerts,
the reminders, the reports, the composer's prefills and the review's figures.

Storage level: real stores in tmp_path (both backends where the store is involved), the fake
clock, no wall clock.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pendulum
import pytest

from storage.domain.config import Contact, parse_config
from storage.domain.deadlines import DEFAULT_RULES
from storage.domain.metrics import monthly_series, time_to_first_contact, update_punctuality
from storage.domain.model import new_incident
from storage.domain.parts import DamageItem
from storage.domain.review_row import ROW_FORM, row_from_document
from storage.readers.alerts import hard_beside, nearest_words, overdue_text
from storage.readers.apology import check_apology
from storage.readers.composer import (DELAY_PLACEHOLDER, MANAGEMENT_SECTIONS, REGULATOR_SECTIONS, SECTIONS,
                                      apology_applies, compose, late_deadline, next_line_for, prefill,
                                      prefill_for)
from storage.readers.export import document, markdown
from storage.readers.reminders import HARD_BEFORE, OVERDUE, SOON, ReminderThrottle
from storage.readers.report import build_report
from storage.readers.status import (PromiseBook, due_promises, json_rows, overdue_promises, plain_line,
                                    title_text)
from storage.store import glance

T0 = pendulum.datetime(2026, 5, 4, 9, 30, tz="UTC")
UTC = pendulum.timezone("UTC")


def marlow(now=T0, *, number: int = 1, tagged: bool = True):
    """Severity 2 (first contact due in 30 min, then hourly), management told every 2 h, and with
    ``tagged`` the GDPR notice to the supervisory authority: 72 h from discovery."""
    inc = new_incident(number, "Payroll report sent to the wrong client", "Marlow", 2, now, [], by="ana",
                       client_contact="Ivy Brown (HR)")
    inc.add_audience("Tom Reed (MD)", "management", now, "ana", cadence_minutes=120)
    if tagged:
        inc.set_tags(["personal-data"], DEFAULT_RULES, now, "ana")
    return inc


def regulator(inc) -> int:
    return inc.find_audience("regulator")


# -- the status line ------------------------------------------------------------------------------

def test_the_nearest_deadline_names_its_audience_when_it_is_not_the_client():
    inc = marlow(tagged=False)
    told = T0.add(minutes=5)
    inc.log_update("email", "We sent your report to another client", told.add(hours=3), told)  # client: 3 h
    inc.log_update("phone", "Payroll leak, contained", told.add(minutes=20), told, audience=1)
    items = due_promises([inc], told.add(minutes=10), 30 * 60)
    assert plain_line(items) == "M-1 update to Tom Reed (MD) in 10m"
    assert title_text(items) == "mishap M-1 update to Tom Reed (MD) in 10m"
    assert nearest_words(inc) == "update to Tom Reed (MD)"
    assert plain_line(items, long=True) == "M-1 update to Tom Reed (MD) in 10m"


def test_the_client_line_is_as_it_was():
    inc = marlow(tagged=False)
    assert plain_line(due_promises([inc], T0.add(minutes=20), 30 * 60)) == "M-1 in 10m"
    assert nearest_words(inc) == "client update"


def test_a_hard_deadline_within_24_hours_is_shown_beside_the_nearer_routine_one():
    inc = marlow()
    at = T0.add(hours=49)  # the GDPR notice is due at T0+72h: 23 h left; the first contact is late
    items = due_promises([inc], at, 30 * 60)
    assert [(d.index, d.hard) for d in items] == [(0, False), (len(inc.promises) - 1, True)]
    assert plain_line(items) == "‼ M-1 2d late · M-1 GDPR notice to Supervisory authority in 23h"
    far = due_promises([inc], T0.add(hours=47), 30 * 60)  # 25 h left: not yet
    assert [d.hard for d in far] == [False]


def test_a_hard_deadline_within_24_hours_shows_even_when_nothing_else_is_due():
    inc = marlow()
    told = T0.add(minutes=10)
    inc.log_update("email", "We sent your report to another client", told.add(days=5), told)
    at = T0.add(hours=60)
    items = due_promises([inc], at, 30 * 60)
    assert plain_line(items) == "M-1 GDPR notice to Supervisory authority in 12h"
    assert due_promises([inc], at, 30 * 60, hard_within=0) == []  # the console's window title: as before


def test_status_from_the_folder_glance_keeps_the_hard_deadline_beside(folder, clock):
    from storage.store import FolderStore

    store = FolderStore.open(folder, clock=clock, user="ana")
    inc = store.create("Payroll report sent to the wrong client", "Marlow", 2)
    store.change(inc.id, lambda i, now, by: i.set_tags(["personal-data"], DEFAULT_RULES, now, by))
    light = glance(folder).incidents
    at = clock.now.add(hours=50)
    items = due_promises(light, at, 30 * 60)
    assert [d.hard for d in items] == [False, True]
    # The light read names the audience and the rule's short name, as a full incident does.
    assert items[1].owed == "GDPR notice to Supervisory authority" and "in 22h" in plain_line(items)
    store.change(inc.id, lambda i, now, by: i.add_audience("Tom Reed (MD)", "management", now, by))
    store.change(inc.id, lambda i, now, by: i.add_promise("Cost estimate", now.add(hours=2), now, by, audience=2))
    light = glance(folder).incidents
    owed = {d.owed for d in overdue_promises(light, clock.now.add(hours=3))}
    assert owed == {"client update", "Cost estimate to Tom Reed (MD)"}


def test_json_rows_and_overdue_carry_the_audience_and_whether_it_is_hard():
    inc = marlow()
    told = T0.add(minutes=5)
    inc.log_update("phone", "Payroll leak", told.add(minutes=20), told, audience=1)
    at = T0.add(hours=73)
    late = overdue_promises([inc], at)
    by_owed = {d.owed: d for d in late}
    assert set(by_owed) == {"client update", "update to Tom Reed (MD)", "GDPR notice to Supervisory authority"}
    rows = {r["owed"]: r for r in json_rows(late)}
    assert rows["update to Tom Reed (MD)"]["audience"] == "Tom Reed (MD)"
    assert rows["client update"]["audience"] is None and rows["client update"]["hard"] is False
    assert rows["GDPR notice to Supervisory authority"]["hard"] is True


# -- the alerts -------------------------------------------------------------------------------------

def test_hard_beside_shows_the_gdpr_clock_unless_it_is_the_nearest():
    inc = marlow()
    assert hard_beside(inc, T0.add(hours=31)) == "GDPR notice: 1 d 17 h left (Supervisory authority)"
    inc.log_update("email", "Told", T0.add(days=5), T0.add(minutes=5))
    inc.log_update("phone", "Told", None, T0.add(minutes=6), audience=1)
    assert inc.nearest_promise().hard and hard_beside(inc, T0.add(hours=31)) is None
    assert hard_beside(marlow(tagged=False), T0) is None


def test_the_overdue_toast_names_the_audience():
    inc = marlow(tagged=False)
    told = T0.add(minutes=5)
    inc.log_update("email", "We sent it to another client", told.add(hours=5), told)
    inc.log_update("phone", "Payroll leak", told.add(minutes=20), told, audience=1)
    text = overdue_text(inc, told.add(minutes=32))
    assert text.startswith("M-1 update to Tom Reed (MD): ") and text.endswith("— Payroll report sent to the wrong client")
    assert overdue_text(marlow(tagged=False), T0.add(minutes=40)).startswith("M-1 First contact with the client: ")


# -- the reminders ------------------------------------------------------------------------------------

def _settled(inc):
    """The client and management far off: only the GDPR notice (due T0+72h) is near."""
    inc.log_update("email", "Told", T0.add(days=5), T0.add(minutes=5))
    inc.log_update("phone", "Told", T0.add(days=5), T0.add(minutes=6), audience=1)
    return inc


def _kinds(throttle, inc, at):
    return [(r.kind, r.promise.hard) for r in throttle.due([inc], at)]


def test_a_hard_deadline_is_reminded_24_4_and_1_hours_before_then_as_every_promise():
    inc = _settled(marlow())
    due = T0.add(hours=72)
    throttle = ReminderThrottle()
    assert _kinds(throttle, inc, T0.add(hours=1)) == []  # primes
    assert _kinds(throttle, inc, due.subtract(hours=24, seconds=1)) == []
    assert _kinds(throttle, inc, due.subtract(hours=24)) == [("24 h before", True)]
    assert _kinds(throttle, inc, due.subtract(hours=23)) == []
    assert _kinds(throttle, inc, due.subtract(hours=4)) == [("4 h before", True)]
    assert _kinds(throttle, inc, due.subtract(hours=1)) == [("1 h before", True)]
    assert _kinds(throttle, inc, due.subtract(minutes=30)) == []
    assert _kinds(throttle, inc, due.subtract(minutes=5)) == [(SOON, True)]
    assert _kinds(throttle, inc, due.add(seconds=1)) == [(OVERDUE, True)]
    reminder = throttle.due([inc], due.add(minutes=10, seconds=1))[0]
    assert reminder.title.startswith("mishap ‼ M-1 GDPR notice to Supervisory authority ")


def test_a_console_started_three_hours_before_says_only_the_one_hour_reminder():
    inc = _settled(marlow())
    due = T0.add(hours=72)
    throttle = ReminderThrottle()
    assert _kinds(throttle, inc, due.subtract(hours=3)) == []  # primes: the 4 h one is past
    assert _kinds(throttle, inc, due.subtract(hours=2)) == []
    assert _kinds(throttle, inc, due.subtract(hours=1)) == [("1 h before", True)]


def test_a_routine_promise_gets_no_hour_reminders_and_the_next_look_knows_the_hard_ones():
    inc = marlow(tagged=False)
    throttle = ReminderThrottle()
    throttle.due([inc], T0)
    assert _kinds(throttle, inc, T0.add(minutes=24)) == []  # the first contact is due T0+30m
    book = PromiseBook([_settled(marlow())])
    assert book.next_hard_crossing(T0.add(hours=1), *HARD_BEFORE) == T0.add(hours=48)
    assert book.next_hard_crossing(T0.add(hours=49), *HARD_BEFORE) == T0.add(hours=68)
    assert PromiseBook([inc]).next_hard_crossing(T0, *HARD_BEFORE) is None


# -- the reports --------------------------------------------------------------------------------------

def told_everyone(store, clock):
    """Marlow: the client told, management told, the authority told 2 h late with the reasons."""
    inc = store.create("Payroll report sent to the wrong client", "Marlow", 2, client_contact="Ivy Brown")
    store.change(inc.id, lambda i, now, by: i.add_audience("Tom Reed (MD)", "management", now, by,
                                                           cadence_minutes=120))
    store.change(inc.id, lambda i, now, by: i.set_tags(["personal-data"], DEFAULT_RULES, now, by))
    clock.advance(minutes=20)
    store.change(inc.id, lambda i, now, by: i.log_update("email", "We sent your payroll to Oak & Ivy", None, now, by))
    clock.advance(minutes=10)
    store.change(inc.id, lambda i, now, by: i.log_update("phone", "Boss: payroll leak, 40 staff", now.add(hours=2),
                                                         now, by, audience=1))
    store.change(inc.id, lambda i, now, by: i.add_promise("Board memo", now.add(days=1), now, by, audience=1))
    clock.advance(hours=74)
    ico = store.get(inc.number).find_audience("regulator")
    store.change(inc.id, lambda i, now, by: i.log_update("portal", "Art. 33 notice filed", None, now, by,
                                                         audience=ico, delay_reason="the counts took 3 days"))
    return store.get(inc.number)


def test_the_internal_report_says_who_was_told_what_and_when(backend, clock):
    inc = told_everyone(backend.open(user="ana"), clock)
    report = build_report(inc, "internal")
    by_name = {a.name: a for a in report.audiences}
    assert list(by_name) == ["Marlow", "Tom Reed (MD)", "Supervisory authority"]
    boss = by_name["Tom Reed (MD)"]
    assert boss.last_told.summary == "Boss: payroll leak, 40 staff" and boss.last_told.channel == "phone"
    assert [o.text for o in boss.open_promises] == ["update to Tom Reed (MD)", "Board memo to Tom Reed (MD)"]
    ico = by_name["Supervisory authority"]
    assert [(h.label, h.state, h.delay_reason) for h in ico.hard] == [
        ("GDPR notice", "kept late", "the counts took 3 days")]
    assert ico.hard_met == 0 and ico.kind == "regulator"
    text = markdown(report, UTC)
    section = text.split("## Who was told what, and when", 1)[1]
    assert "Boss: payroll leak, 40 staff" in section and "Hard deadlines met | 0 of 1" in section
    assert "kept late" in section and "reasons for the delay: the counts took 3 days" in section
    assert [u.summary for u in report.updates] == ["We sent your payroll to Oak & Ivy"]  # client updates only
    assert document(report)["audiences"][2]["hard"][0]["delay_reason"] == "the counts took 3 days"


def test_the_client_report_shows_only_what_the_client_was_told(backend, clock):
    inc = told_everyone(backend.open(user="ana"), clock)
    report = build_report(inc, "client")
    assert report.audiences == ()
    assert [u.summary for u in report.updates] == ["We sent your payroll to Oak & Ivy"]
    assert all(p.text in ("First contact with the client",) for p in report.promises)
    assert report.figures.promises == len(report.promises) == 1 and report.figures.broken == 0
    assert all(t.event in ("created", "update_sent", "promise_kept") or "Tom" not in t.text for t in report.timeline)
    text = markdown(report, UTC)
    for internal in ("Tom Reed", "Boss", "Board memo", "Supervisory authority", "GDPR", "Art. 33", "counts took",
                     "personal-data", "Who was told"):
        assert internal not in text, internal
    doc = document(report)
    assert "audiences" not in doc and "Tom Reed" not in json.dumps(doc) and "GDPR" not in json.dumps(doc)


def test_the_client_report_figures_count_the_client_promises_only():
    inc = marlow(tagged=False)
    inc.add_promise("Board memo", T0.add(hours=1), T0, audience=1)
    inc.mark_broken(T0.add(hours=2))  # the first contact and the board memo
    client = build_report(inc, "client").figures
    internal = build_report(inc, "internal").figures
    assert (client.promises, client.broken) == (1, 1) and (internal.promises, internal.broken) == (2, 2)


# -- the composer -------------------------------------------------------------------------------------

def assessed(inc):
    inc.add_damage(DamageItem("Payroll of Marlow staff", "Salaries seen by another firm", 1, "confirmed", 40, 480,
                              "employees' payroll"), T0)
    inc.add_damage(DamageItem("Pension file", "Addresses exposed", 2, "suspected", 12, None, "addresses"), T0)
    inc.add_damage(DamageItem("Invoices", "none", 3, "ruled out", 999, 999, "invoices"), T0)
    inc.root_cause = "The report job took the client from a stale cache"
    inc.cost.unbilled_hours, inc.cost.credits, inc.cost.recorded_at = 6.5, 300, T0
    return inc


def test_the_client_prefill_is_as_it_was_and_the_apology_check_runs_on_it():
    inc = assessed(marlow())
    filled = prefill_for(inc, 0, T0)
    assert filled == prefill(inc) and filled.headings == SECTIONS and filled.apology_check
    assert apology_applies(inc, 0) and apology_applies(inc, regulator(inc))
    assert not apology_applies(inc, inc.find_audience("management"))


def test_management_hears_what_happened_why_the_exposure_and_the_cost():
    inc = assessed(marlow())
    filled = prefill_for(inc, 1, T0.add(hours=1), tz=UTC)
    assert filled.headings == MANAGEMENT_SECTIONS and not filled.apology_check
    assert filled.greeting == "Hello Tom Reed,"
    s = filled.sections
    assert "stale cache" in s["happened"]
    assert "- Payroll of Marlow staff: Salaries seen by another firm (employees' payroll, 40 people, 480 records)" \
        in s["impact"] and "Invoices" not in s["impact"]
    assert "The client has not been told yet." in s["impact"]
    assert "GDPR notice to Supervisory authority due" in s["impact"] and "(GDPR notice: 2 d 23 h left)" in s["impact"]
    assert s["cost"] == "6.5 h of unbilled work, credits 300.00, our share 100 %."
    assert s["need"].startswith("- (")
    text = compose(filled.greeting, s, next_line_for(inc, 1, T0.add(hours=3), T0.add(hours=1), UTC),
                   headings=filled.headings)
    assert "Impact and exposure:\n- Payroll" in text and "You will hear from us again by 12:30" in text


def test_a_regulator_hears_the_nature_categories_numbers_measures_and_contact_point():
    inc = assessed(marlow())
    ico = regulator(inc)
    contact = Contact("Dana Reyes, DPO", "dpo@example.com", "+44 20 7946 0000")
    filled = prefill_for(inc, ico, T0.add(hours=2), contact=contact)
    assert filled.headings == REGULATOR_SECTIONS and filled.greeting == "To Supervisory authority,"
    s = filled.sections
    assert "Categories: employees' payroll, addresses" in s["affected"]
    assert "People concerned: about 52" in s["affected"] and "Records concerned: about 480" in s["affected"]
    assert "Salaries seen by another firm" in s["consequences"] and "none" not in s["consequences"]
    assert s["contact"] == "Dana Reyes, DPO\ndpo@example.com\n+44 20 7946 0000"
    assert s["delay"] == "" and late_deadline(inc, ico, T0.add(hours=2)) is None
    late = prefill_for(inc, ico, T0.add(hours=73))
    assert late.sections["delay"] == DELAY_PLACEHOLDER and late.sections["contact"] == "ana"  # the owner
    assert late_deadline(inc, ico, T0.add(hours=73)).hard
    assert "Reasons for the delay:" not in compose(filled.greeting, s, "", headings=filled.headings)


def test_an_unassessed_incident_says_what_is_not_known_yet():
    inc = marlow()
    s = prefill_for(inc, regulator(inc), T0).sections
    assert "Categories: not yet established" in s["affected"] and "People concerned: not yet known" in s["affected"]
    assert prefill_for(inc, 1, T0).sections["cost"] == "Not recorded yet."
    assert check_apology(compose("Hi", prefill_for(inc, 0, T0).sections, "")) == []


def test_the_contact_point_comes_from_the_config(tmp_path):
    config = parse_config('[contact]\nname = "Dana Reyes"\nemail = "dpo@example.com"\nfax = "1"\n', "config.toml")
    assert config.contact == Contact("Dana Reyes", "dpo@example.com", "")
    assert "unknown key 'fax' in [contact] ignored" in config.problem
    assert parse_config("[cadence]\n1 = \"30m\"\n", "c").contact is None
    with pytest.raises(ValueError, match=r"line 2: \[contact\] phone must be one line of text"):
        parse_config('[contact]\nphone = 12\n', "config.toml")


# -- the review ---------------------------------------------------------------------------------------

def test_the_review_row_knows_when_management_was_told_and_the_deadlines_met(backend, clock):
    store = backend.open(user="ana")
    inc = told_everyone(store, clock)
    store.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed in the test"))
    other = store.create("Doubled order", "Acme", 3)
    clock.advance(minutes=5)
    store.change(other.id, lambda i, now, by: i.close(now, by, reason="closed in the test"))
    rows = {r.number: r for r in backend.open().review_rows()}
    told = rows[inc.number]
    assert told.management_told == 30 * 60 and (told.hard_deadlines_met, told.hard_deadlines_total) == (0, 1)
    assert told.first_contact == 20 * 60
    assert (rows[other.number].management_told, rows[other.number].hard_deadlines_total) == (None, 0)
    assert {"management_told", "hard_deadlines_met", "hard_deadlines_total"} <= set(told._asdict())
    assert ROW_FORM["fields"][-3:] == ["management_told", "hard_deadlines_met", "hard_deadlines_total"]


def test_a_deadline_kept_in_time_is_met_and_one_released_before_its_time_does_not_count():
    inc = marlow()
    inc.set_tags(["nis2"], DEFAULT_RULES, T0)
    csirt = inc.find_audience("CSIRT")
    inc.log_update("portal", "Early warning", None, T0.add(hours=2), audience=csirt)
    inc.remove_tag("personal-data", "not personal data after all", T0.add(hours=3))
    row = row_from_document(inc.to_dict())
    assert (row.hard_deadlines_met, row.hard_deadlines_total) == (1, 1)


def test_first_contact_and_punctuality_are_the_clients_only():
    inc = marlow(tagged=False)
    inc.log_update("phone", "Boss told", T0.add(minutes=10), T0.add(minutes=5), audience=1)
    inc.mark_broken(T0.add(minutes=20))  # management's update promise: late
    inc.log_update("email", "Client told", T0.add(hours=1), T0.add(minutes=25))
    doc = inc.to_dict()
    assert time_to_first_contact(doc) == 25 * 60 and update_punctuality(doc) == (1, 1)


def _row(number, closed, first_contact, on_time, due):
    doc = marlow(number=number, tagged=False).to_dict()
    row = row_from_document(doc)
    return row._replace(closed_at=closed.timestamp(), first_contact=first_contact, updates_on_time=on_time,
                        updates_due=due)


def test_the_monthly_series_covers_the_last_twelve_months():
    now = pendulum.datetime(2026, 5, 20, 12, tz="UTC")
    rows = [_row(1, pendulum.datetime(2026, 5, 2, tz="UTC"), 600, 1, 2),
            _row(2, pendulum.datetime(2026, 5, 19, tz="UTC"), 1800, 3, 3),
            _row(3, pendulum.datetime(2026, 5, 19, 5, tz="UTC"), None, 0, 0),
            _row(4, pendulum.datetime(2025, 6, 1, tz="UTC"), 300, 0, 1),
            _row(5, pendulum.datetime(2025, 5, 31, tz="UTC"), 300, 0, 1)]  # 12 months back: left out
    series = monthly_series(rows, now)
    assert [p.label for p in series][:2] == ["2025-06", "2025-07"] and series[-1].label == "2026-05"
    assert len(series) == 12
    may = series[-1]
    assert (may.closed, may.median_first_contact, may.updates_on_time, may.updates_due) == (3, 1200, 4, 5)
    assert may.on_time_share == 0.8
    assert (series[0].closed, series[0].on_time_share) == (1, 0.0)
    assert (series[5].closed, series[5].median_first_contact, series[5].on_time_share) == (0, None, None)


def test_the_monthly_series_buckets_by_the_zone_asked():
    now = pendulum.datetime(2026, 5, 20, 12, tz="UTC")
    rows = [_row(1, pendulum.datetime(2026, 4, 30, 23, 30, tz="UTC"), 60, 1, 1)]
    assert monthly_series(rows, now, tz=UTC)[-2].closed == 1
    berlin = monthly_series(rows, now, tz=pendulum.timezone("Europe/Berlin"))
    assert berlin[-1].closed == 1 and berlin[-2].closed == 0
    assert monthly_series(rows, now, months=3)[0].label == "2026-03"


def test_the_reminder_marks_are_the_issues():
    assert HARD_BEFORE == (timedelta(hours=24), timedelta(hours=4), timedelta(hours=1))


def test_the_review_sorts_by_management_told_and_by_hard_deadlines_met():
    from storage.readers.review_query import ReviewQuery, sort_rows

    def closed(number: int, told_after: float | None, gdpr_kept: bool | None):
        inc = new_incident(number, f"incident {number}", "Marlow", 2, T0, [])
        if gdpr_kept is not None:
            inc.set_tags(["personal-data"], DEFAULT_RULES, T0)
        if told_after is not None:
            boss = inc.add_audience("Tom Reed", "management", T0)
            inc.log_update("phone", "told", None, T0.add(minutes=told_after), audience=boss)
        if gdpr_kept:
            inc.log_update("portal", "notified", None, T0.add(hours=1), audience=inc.find_audience("regulator"))
        inc.close(T0.add(hours=80), reason="closed in the test")
        return row_from_document(inc.to_dict())

    rows = [closed(1, 30, True), closed(2, None, None), closed(3, 5, False), closed(4, 240, True)]
    by_told = sort_rows(rows, "mgmt", ReviewQuery().with_sort("mgmt").reverse)
    assert [r.number for r in by_told] == [4, 1, 3, 2]  # the latest told first; never told last
    by_hard = sort_rows(rows, "hard", ReviewQuery().with_sort("hard").reverse)
    assert [r.number for r in by_hard] == [3, 4, 1, 2]  # none met first; no deadline at all last
