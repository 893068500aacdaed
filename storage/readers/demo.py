"""A realistic demo set: open incidents at different urgencies and a few closed ones.

Everything goes through the store interface. Each incident's history is written
with instants relative to now: the store acts as the incident's owner with a clock
at the moment of each write, and every model change is given the instant it "happened".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import pendulum
from pendulum import DateTime

from ..domain.model import Incident
from ..domain.parts import Cost, DamageItem, PreventionAction

if TYPE_CHECKING:  # the demo writes through the store interface; it does not depend on a backend
    from ..store.interface import IncidentStore

Action = Callable[[Incident, DateTime, str], None]


class DemoRefused(ValueError):
    """The store already holds incidents; the demo set only goes into an empty one unless forced."""


@dataclass
class _Event:
    minute: float  # after discovery
    who: str
    action: Action


@dataclass
class _Scenario:
    """One incident's story, in minutes after its discovery."""

    title: str
    client: str
    contact: str
    severity: int
    discovered_ago: float  # minutes before now
    happened_before: float  # minutes before discovery
    first: str
    owner: str
    events: list[_Event] = field(default_factory=list)
    cadence: int | None = None

    def on(self, minute: float, who: str, action: Action) -> "_Scenario":
        self.events.append(_Event(minute, who, action))
        return self


# -- the changes a story is made of ---------------------------------------------------------

def _ack(inc, at, by):
    inc.acknowledge(at, by)


def _note(text: str) -> Action:
    return lambda inc, at, by: inc.add_note(text, at, by)


def _damage(what: str, impact: str, severity: int, state: str) -> Action:
    return lambda inc, at, by: inc.add_damage(DamageItem(what, impact, severity, state), at, by)


def _damage_state(index: int, state: str) -> Action:
    return lambda inc, at, by: inc.set_damage_state(index, state, at, by)


def _question(text: str) -> Action:
    return lambda inc, at, by: inc.add_question(text, at, by)


def _answer(index: int, text: str) -> Action:
    return lambda inc, at, by: inc.answer_question(index, text, at, by)


def _counted_damage(what: str, impact: str, severity: int, state: str, people: int, records: int,
                    category: str) -> Action:
    """A damage item with the counts a regulator asks for."""
    return lambda inc, at, by: inc.add_damage(DamageItem(what, impact, severity, state, people, records, category),
                                              at, by)


def _tag(tag: str) -> Action:
    """Tag the incident; the default playbook's deadline rules for the tag start."""
    from ..domain.deadlines import DEFAULT_RULES

    return lambda inc, at, by: inc.set_tags([tag], DEFAULT_RULES, at, by)


def _audience(name: str, kind: str, cadence_minutes: int | None = None, email: str = "") -> Action:
    return lambda inc, at, by: inc.add_audience(name, kind, at, by, email=email, cadence_minutes=cadence_minutes)


def _tell(audience: str, channel: str, summary: str) -> Action:
    """An update to another audience than the client (it keeps that audience's nearest hard deadline)."""
    def apply(inc, at, by):
        index = inc.find_audience(audience)
        inc.log_update(channel, summary, inc.next_update_after(at, audience=index), at, by, audience=index)
    return apply


def _status(status: str) -> Action:
    return lambda inc, at, by: inc.set_status(status, at, by)


def _update(channel: str, summary: str, next_minute: float | None) -> Action:
    """A client update promising the next one ``next_minute`` after discovery."""
    def apply(inc, at, by):
        promised = inc.discovered_at + pendulum.duration(seconds=next_minute * 60) if next_minute else None
        inc.log_update(channel, summary, promised, at, by)
    return apply


def _review(root_cause: str = "", fix: str = "", prevention: tuple = (), cost: tuple | None = None,
            lessons: str = "") -> Action:
    """Record root cause, fix, prevention actions (text, owner, due in days), cost and lessons,
    and the client's confirmation that everything works again."""
    def apply(inc, at, by):
        if root_cause:
            inc.set_text("root_cause", root_cause, at, by)
        if fix:
            inc.set_text("fix", fix, at, by)
        for text, owner, due_days in prevention:
            inc.add_prevention(PreventionAction(text, owner, at + pendulum.duration(days=due_days)), at, by)
        if cost:
            inc.set_cost(Cost(*cost), at, by)
        if lessons:
            inc.set_text("lessons", lessons, at, by)
        inc.confirm_client(at, by)
    return apply


def _phase(name: str, count: int | None = None) -> Action:
    """Complete the next ``count`` open steps (default: all) of a playbook phase, if it has one."""
    def apply(inc, at, by):
        todo = [i for i, s in enumerate(inc.steps) if s.phase == name and not s.done]
        for i in todo[:count]:
            inc.complete_step(i, at, by)
    return apply


def _remaining_steps(inc, at, by):
    """Complete every step still open (a team playbook may name its phases differently)."""
    for i, step in enumerate(inc.steps):
        if not step.done:
            inc.complete_step(i, at, by)


# -- the demo set ---------------------------------------------------------------------------

def _closed_scenarios() -> list[_Scenario]:
    day = 24 * 60
    kpi = _Scenario(
        "Monthly KPI report included another client's figures", "Marlow Community Housing",
        "Peter Hale (COO)", 2, discovered_ago=18 * day, happened_before=26 * 60, first="client",
        owner="priya")
    (kpi.on(1, "priya", _note("Peter emailed: page 4 shows rent arrears of a housing association that is not theirs."))
        .on(3, "priya", _phase("Stop"))
        .on(7, "priya", _phase("Own"))
        .on(15, "priya", _phase("Assess"))
        .on(17, "priya", _phase("Escalate"))
        .on(23, "priya", _phase("Tell the client first"))
        .on(76, "tom", _phase("Contain"))
        .on(119, "priya", _phase("Keep them in the loop"))
        .on(2 * day + 50, "priya", _phase("Fix"))
        .on(2 * day + 65, "tom", _phase("Prevent"))
        .on(3 * day - 10, "priya", _remaining_steps)
        .on(6, "priya", _ack)
        .on(9, "priya", _damage("Marlow's October KPI report", "Sent to their COO with a foreign data sheet", 2, "confirmed"))
        .on(11, "priya", _damage("Figures of Hollis Estates (another client)", "Arrears totals seen by Marlow's COO", 1, "confirmed"))
        .on(12, "priya", _question("Was the report forwarded inside Marlow?"))
        .on(12.5, "priya", _counted_damage("Tenant arrears of Hollis Estates", "Names and arrears of tenants in the "
                                           "foreign sheet", 1, "confirmed", 64, 64, "tenants' rent arrears"))
        .on(13, "priya", _tag("personal-data"))
        .on(17.5, "priya", _audience("Dana Whitfield (MD)", "management"))
        .on(18, "priya", _tell("management", "phone", "Told Dana: Marlow's KPI report carried Hollis Estates' "
                                                      "arrears sheet, 64 tenants named. Asked her to call Hollis."))
        .on(20 * 60, "priya", _tell("Supervisory authority", "portal",
                                    "Breach notified on the ICO portal: 64 tenants' arrears seen by one person "
                                    "at another client, deleted the same day. Ref. IC-2026-1187."))
        .on(22, "priya", _update("phone", "Called Peter: the mistake is ours, one pivot pulled another client's sheet. "
                                          "Asked him to delete the file; a corrected report follows today.", 120))
        .on(70, "tom", _answer(0, "Only to their finance lead, who deleted it and confirmed by email"))
        .on(75, "priya", _damage_state(1, "contained"))
        .on(80, "priya", _status("contained"))
        .on(118, "priya", _update("email", "Corrected report attached, every figure checked by a second analyst. "
                                           "Next: how it happened and what we change, by Thursday.", 2 * day))
        .on(2 * day + 25, "priya", _update("email", "Root cause and our changes attached; sorry again.", 3 * day))
        .on(2 * day + 30, "priya", _status("resolved"))
        .on(2 * day + 40, "priya", _damage_state(0, "resolved"))
        .on(2 * day + 41, "priya", _damage_state(1, "resolved"))
        .on(2 * day + 60, "priya", _review(
            root_cause="We copied last month's report as a template; one pivot table still pointed at a "
                       "sheet of the shared workbook that holds Hollis Estates' data.",
            fix="Peter deleted the report; we rebuilt it from Marlow's data only and a second analyst "
                "checked every figure before it was resent. Hollis Estates were told the same day.",
            prevention=(("One workbook per client, no shared data sheets", "tom", 14),
                        ("Four-eyes check of every data source before a report goes out", "priya", 7)),
            cost=(9.5, 450, 100),
            lessons="Copying last month's report felt safe and was the moment it went wrong.\n"
                    "Ask the client to delete, then confirm in writing: it made containment fast."))
        .on(3 * day - 20, "priya", _update("call", "Debrief with Peter: all fine on their side. Closing.", None))
        .on(3 * day, "priya", _status("closed")))

    vat = _Scenario(
        "Wrong VAT rate on 38 invoices", "Oak & Ivy Bakery", "Ruth Ivy (owner)", 3,
        discovered_ago=40 * day, happened_before=3 * day, first="us", owner="lena")
    (vat.on(5, "lena", _ack)
        .on(3, "lena", _phase("Stop"))
        .on(6, "lena", _phase("Own"))
        .on(30, "lena", _phase("Assess"))
        .on(40, "lena", _phase("Escalate"))
        .on(50, "lena", _phase("Contain"))
        .on(101, "lena", _phase("Tell the client first"))
        .on(6 * 60 + 1, "lena", _phase("Keep them in the loop"))
        .on(2 * day + 92, "lena", _phase("Fix"))
        .on(5 * day + 5, "jonas", _phase("Prevent"))
        .on(6 * day, "lena", _remaining_steps)
        .on(20, "lena", _damage("38 invoices of the October run", "Charged 19 % instead of 7 % on bakery goods", 3, "confirmed"))
        .on(2 * day + 80, "lena", _audience("Dana Whitfield (MD)", "management"))
        .on(2 * day + 81, "lena", _tell("management", "email", "Late word, sorry: we charged Oak & Ivy the wrong "
                                                               "VAT on 38 invoices; all corrected, refunds sent."))
        .on(25, "lena", _question("Did any customer already pay the wrong amount?"))
        .on(100, "lena", _update("email", "We charged the wrong VAT rate on 38 October invoices; credit notes and "
                                          "corrected invoices follow this week, at no cost to you.", 100 + 4 * 60))
        .on(6 * 60, "lena", _update("email", "Credit notes drafted; 11 customers had paid, refunds listed.", 2 * day))
        .on(6 * 60 + 5, "lena", _answer(0, "11 customers had paid; refunds issued with the credit notes"))
        .on(2 * day + 90, "lena", _update("email", "All 38 corrected; refunds sent.", 6 * day))
        .on(2 * day + 95, "lena", _damage_state(0, "resolved"))
        .on(2 * day + 100, "lena", _status("resolved"))
        .on(5 * day, "jonas", _review(
            root_cause="The invoicing tool's vendor changed the default rate table of our import template; "
                       "we did not re-check the rates after their update.",
            fix="Credit notes and corrected invoices for all 38; refunds to the 11 customers who had paid.",
            prevention=(("Check VAT rates on a sample invoice after every tool update", "lena", 3),),
            cost=(6, 0, 50),
            lessons="A vendor update is a change to our process too."))
        .on(6 * day + 10, "lena", _status("closed")))

    dns = _Scenario(
        "DNS change took the booking site offline", "Seaview Physio Clinics", "Dr. Amal Haddad", 1,
        discovered_ago=9 * day, happened_before=50, first="client", owner="tom")
    (dns.on(0, "tom", _note("Reception called: online booking shows 'site not found' since the morning."))
        .on(2, "tom", _phase("Stop"))
        .on(4, "tom", _phase("Own"))
        .on(8, "tom", _phase("Assess"))
        .on(10, "tom", _phase("Escalate"))
        .on(15, "tom", _phase("Tell the client first"))
        .on(26, "tom", _phase("Contain"))
        .on(50, "tom", _phase("Keep them in the loop"))
        .on(122, "tom", _phase("Fix"))
        .on(20 * 60 + 31, "priya", _phase("Prevent"))
        .on(22 * 60, "tom", _remaining_steps)
        .on(3, "tom", _ack)
        .on(5, "tom", _damage("book.seaviewphysio.example", "Online booking unreachable", 1, "confirmed"))
        .on(6, "tom", _damage("Appointments booked during the outage", "Patients may have given up", 2, "suspected"))
        .on(14, "tom", _update("phone", "Our DNS move broke the booking address; fixing it now, "
                                        "next update in 30 minutes.", 44))
        .on(25, "tom", _damage_state(0, "contained"))
        .on(26, "tom", _status("contained"))
        .on(49, "tom", _update("phone", "Booking works again from every network we tried.", 120))
        .on(118, "tom", _damage_state(1, "ruled out"))
        .on(119, "tom", _damage_state(0, "resolved"))
        .on(120, "tom", _update("email", "Confirmed: no bookings lost. Summary of cause and changes tomorrow.", 20 * 60))
        .on(121, "tom", _status("resolved"))
        .on(20 * 60 + 30, "priya", _review(
            root_cause="We moved the zone to a new DNS provider by retyping the records; the A record "
                       "for the booking subdomain got two digits swapped.",
            fix="Corrected the record with a low TTL and verified from three networks.",
            prevention=(("Move zones by export/import, never retype records", "tom", 2),
                        ("Script that compares every record before nameservers are switched", "tom", 10)),
            cost=(4, 300, 100),
            lessons="Check the booking page ourselves right after any DNS change.\nA 5-minute TTL during moves."))
        .on(20 * 60 + 35, "tom", _update("email", "Cause and changes sent; a month of hosting credited.", None))
        .on(22 * 60 + 5, "tom", _status("closed")))
    return [vat, kpi, dns]


def _open_scenarios() -> list[_Scenario]:
    # Overdue: the last update promised the next one 12 minutes ago.
    payroll = _Scenario(
        "March payroll file sent with February's rates", "Northwind Dental Group",
        "Maria Olsen (HR director)", 1, discovered_ago=145, happened_before=45, first="us",
        owner="lena")
    (payroll.on(2, "lena", _ack)
        .on(3, "lena", _phase("Stop"))
        .on(5, "lena", _phase("Own"))
        .on(13, "lena", _phase("Tell the client first"))
        .on(16, "lena", _phase("Assess"))
        .on(25, "lena", _phase("Escalate"))
        .on(31, "lena", _phase("Contain"))
        .on(45, "lena", _phase("Keep them in the loop", 1))
        .on(6, "lena", _note("Bank cut-off for a same-day correction run is 15:00 - call them before then."))
        .on(11, "lena", _damage("Payroll of 212 employees", "37 staff with March raises paid at February rates", 1, "confirmed"))
        .on(12, "lena", _damage("Bank payment batch 5521", "Already submitted to the bank", 2, "suspected"))
        .on(13, "lena", _question("Did the pension export use the same file?"))
        .on(20, "lena", _counted_damage("Salary table of all staff", "Attached to the email to every branch "
                                        "manager", 2, "confirmed", 212, 212, "salaries and bank details"))
        .on(21, "lena", _tag("personal-data"))
        .on(26, "lena", _audience("Dana Whitfield (MD)", "management", cadence_minutes=120))
        .on(27, "lena", _tell("management", "phone", "Told Dana: payroll file with February's rates, and the "
                                                     "salary table went to every branch manager. GDPR clock runs."))
        .on(12.5, "lena", _update("phone", "Called Maria: the payroll file we sent used February's rates, 37 people "
                                           "are underpaid. Exports are stopped; a correction run is being prepared.", 45))
        .on(30, "lena", _damage_state(1, "contained"))
        .on(44, "lena", _update("email", "Correction file for the 37 staff built and checked twice; the bank "
                                         "confirms a supplementary run is possible today.", 74))
        .on(78, "lena", _update("phone", "Supplementary payment submitted to the bank. Pension export still "
                                         "being checked.", 103))
        .on(95, "lena", _question("Were any of the underpaid staff on leave with separate payments?"))
        .on(100, "jonas", _note("Maria asked for a written summary for their works council."))
        .on(103, "lena", _update("email", "Bank accepted the supplementary run; money arrives tomorrow morning.", 133)))

    # Due in a few minutes: contained, the promised update is 4 minutes away.
    checkout = _Scenario(
        "Checkout broken after our CDN cache rule change", "Brightleaf Outdoor",
        "Sam Reyes (e-commerce lead)", 2, discovered_ago=100, happened_before=20, first="client",
        owner="tom")
    (checkout.on(0, "tom", _note("Sam called: customers get an empty cart at the payment step."))
        .on(5, "tom", _phase("Stop"))
        .on(6, "tom", _phase("Own"))
        .on(12, "tom", _phase("Assess"))
        .on(19, "tom", _phase("Tell the client first"))
        .on(22, "tom", _phase("Escalate"))
        .on(32, "tom", _phase("Contain"))
        .on(47, "tom", _phase("Keep them in the loop", 1))
        .on(4, "tom", _ack)
        .on(8, "tom", _damage("Checkout on brightleaf.example", "Cart emptied at the payment step; no orders", 1, "confirmed"))
        .on(18, "tom", _update("phone", "The fault is ours: this morning's cache rule caches the cart page. "
                                        "Rolling it back now.", 48))
        .on(25, "tom", _damage("Orders lost during the outage", "Roughly 40-60 abandoned carts", 2, "suspected"))
        .on(28, "tom", _question("Were any payments taken without an order being created?"))
        .on(30, "tom", _damage_state(0, "contained"))
        .on(31, "tom", _status("contained"))
        .on(46, "tom", _update("email", "Rollback done; checkout works again in our tests. Checking the payment "
                                        "provider's log for orphaned payments.", 104))
        .on(60, "tom", _note("Payment provider export requested; arrives within the hour.")))

    # Calm: the next update is more than three hours away.
    order = _Scenario(
        "Purchase order sent to the supplier twice", "Calder Facilities Management",
        "Ines Brandt (procurement)", 3, discovered_ago=300, happened_before=20 * 60, first="us",
        owner="priya")
    (order.on(8, "priya", _ack)
        .on(10, "priya", _phase("Stop"))
        .on(12, "priya", _phase("Own"))
        .on(20, "priya", _phase("Assess"))
        .on(30, "priya", _phase("Escalate", 1))
        .on(41, "priya", _phase("Tell the client first"))
        .on(126, "tom", _phase("Contain"))
        .on(263, "priya", _phase("Keep them in the loop"))
        .on(15, "priya", _damage("PO 44817, 120 office chairs", "Supplier received it twice; a second delivery is booked", 3, "confirmed"))
        .on(16, "priya", _damage("Calder's budget commitment", "The doubled order shows in their ERP", 4, "confirmed"))
        .on(18, "priya", _question("Has the supplier already invoiced the duplicate?"))
        .on(40, "priya", _update("email", "We sent PO 44817 to the supplier twice; we have asked them to cancel "
                                          "the second delivery and will confirm in writing.", 280))
        .on(120, "tom", _answer(0, "No: their invoice is held until Friday"))
        .on(125, "priya", _damage_state(0, "contained"))
        .on(262, "priya", _update("email", "Supplier confirmed the cancellation in writing; the duplicate line "
                                           "comes off your ERP once they credit it.", 300 + 205)))

    # Just found: the client has not been told yet; the first contact is due in 18 minutes.
    timesheets = _Scenario(
        "Timesheet import counted overtime twice", "Kessler & Vogt Architects",
        "Anna Vogt (partner)", 2, discovered_ago=12, happened_before=2 * 24 * 60, first="us",
        owner="jonas")
    (timesheets.on(1, "jonas", _note("Found while preparing their monthly statement; nothing sent to them yet."))
        .on(3, "jonas", _phase("Stop"))
        .on(5, "jonas", _phase("Own", 1))
        .on(2, "jonas", _ack)
        .on(10, "jonas", _damage("November overtime on draft invoices", "Overtime hours doubled for 6 staff", 2, "suspected"))
        .on(11, "jonas", _question("Did any invoice with the doubled hours already go out?")))
    return [order, payroll, checkout, timesheets]  # in the order they were found


def _play(store: "IncidentStore", scenario: _Scenario, now: DateTime) -> Incident:
    """Write one scenario into the store as its owner, with the clock at each moment."""
    discovered = now - pendulum.duration(seconds=scenario.discovered_ago * 60)
    incident = store.acting_as(scenario.owner, lambda: discovered).create(
        scenario.title, scenario.client, scenario.severity, client_contact=scenario.contact,
        discovered_at=discovered, happened_at=discovered - pendulum.duration(seconds=scenario.happened_before * 60),
        first_learned_by=scenario.first, cadence_minutes=scenario.cadence)
    events = sorted(scenario.events, key=lambda e: e.minute)
    last = max((e.minute for e in events), default=1)

    def history(inc: Incident, _now: DateTime, _by: str) -> None:
        for event in events:
            at = discovered + pendulum.duration(seconds=event.minute * 60)
            event.action(inc, at, event.who)

    later = discovered + pendulum.duration(seconds=last * 60)
    store.acting_as(scenario.owner, lambda: later).change(incident.number, history)
    return store.get(incident.number)


def fill_demo(store: "IncidentStore", *, force: bool = False) -> list[Incident]:
    """Add the demo set (3 closed, 4 open incidents) to ``store``; returns them as stored.

    Refuses with DemoRefused when the store already holds incidents, unless ``force``.
    """
    if not store.is_empty() and not force:
        existing = len(store.open_incidents()) + len(store.review_rows())
        raise DemoRefused(
            f"the store {store.location} already holds {existing} incident{'s' if existing != 1 else ''}; "
            f"the demo set only goes into an empty store (mishap demo --force adds it anyway)")
    now = store.clock().replace(microsecond=0)
    return [_play(store, s, now) for s in _closed_scenarios() + _open_scenarios()]
