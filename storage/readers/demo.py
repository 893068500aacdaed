"""A realistic demo set: open incidents at different urgencies and a few closed ones.

Everything goes through the store interface. Each incident's history is written
with instants relative to now: the store acts as the incident's owner with a clock
at the moment of each write, and every model change is given the instant it "happened"
(storage.readers.demo_story tells and plays a story; this module holds the stories).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..domain.model import Incident
from .demo_story import (Scenario, ack, answer, audience, counted_damage, damage, damage_state, note, phase, play,
                         question, remaining_steps, review, status, tag, tell, update)

if TYPE_CHECKING:  # the demo writes through the store interface; it does not depend on a backend
    from ..store.interface import IncidentStore


class DemoRefused(ValueError):
    """The store already holds incidents; the demo set only goes into an empty one unless forced."""


# -- the demo set ---------------------------------------------------------------------------

def _closed_scenarios() -> list[Scenario]:
    day = 24 * 60
    kpi = Scenario(
        "Monthly KPI report included another client's figures", "Marlow Community Housing",
        "Peter Hale (COO)", 2, discovered_ago=18 * day, happened_before=26 * 60, first="client",
        owner="priya")
    (kpi.on(1, "priya", note("Peter emailed: page 4 shows rent arrears of a housing association that is not theirs."))
        .on(3, "priya", phase("Stop"))
        .on(7, "priya", phase("Own"))
        .on(15, "priya", phase("Assess"))
        .on(17, "priya", phase("Escalate"))
        .on(23, "priya", phase("Tell the client first"))
        .on(76, "tom", phase("Contain"))
        .on(119, "priya", phase("Keep them in the loop"))
        .on(2 * day + 50, "priya", phase("Fix"))
        .on(2 * day + 65, "tom", phase("Prevent"))
        .on(3 * day - 10, "priya", remaining_steps)
        .on(6, "priya", ack)
        .on(9, "priya", damage("Marlow's October KPI report", "Sent to their COO with a foreign data sheet", 2, "confirmed"))
        .on(11, "priya", damage("Figures of Hollis Estates (another client)", "Arrears totals seen by Marlow's COO", 1, "confirmed"))
        .on(12, "priya", question("Was the report forwarded inside Marlow?"))
        .on(12.5, "priya", counted_damage("Tenant arrears of Hollis Estates", "Names and arrears of tenants in the "
                                           "foreign sheet", 1, "confirmed", 64, 64, "tenants' rent arrears"))
        .on(13, "priya", tag("personal-data"))
        .on(17.5, "priya", audience("Dana Whitfield (MD)", "management"))
        .on(18, "priya", tell("management", "phone", "Told Dana: Marlow's KPI report carried Hollis Estates' "
                                                      "arrears sheet, 64 tenants named. Asked her to call Hollis."))
        .on(20 * 60, "priya", tell("Supervisory authority", "portal",
                                    "Breach notified on the ICO portal: 64 tenants' arrears seen by one person "
                                    "at another client, deleted the same day. Ref. IC-2026-1187."))
        .on(22, "priya", update("phone", "Called Peter: the mistake is ours, one pivot pulled another client's sheet. "
                                          "Asked him to delete the file; a corrected report follows today.", 120))
        .on(70, "tom", answer(0, "Only to their finance lead, who deleted it and confirmed by email"))
        .on(75, "priya", damage_state(1, "contained"))
        .on(80, "priya", status("contained"))
        .on(118, "priya", update("email", "Corrected report attached, every figure checked by a second analyst. "
                                           "Next: how it happened and what we change, by Thursday.", 2 * day))
        .on(2 * day + 25, "priya", update("email", "Root cause and our changes attached; sorry again.", 3 * day))
        .on(2 * day + 30, "priya", status("resolved"))
        .on(2 * day + 40, "priya", damage_state(0, "resolved"))
        .on(2 * day + 41, "priya", damage_state(1, "resolved"))
        .on(2 * day + 60, "priya", review(
            root_cause="We copied last month's report as a template; one pivot table still pointed at a "
                       "sheet of the shared workbook that holds Hollis Estates' data.",
            fix="Peter deleted the report; we rebuilt it from Marlow's data only and a second analyst "
                "checked every figure before it was resent. Hollis Estates were told the same day.",
            prevention=(("One workbook per client, no shared data sheets", "tom", 14),
                        ("Four-eyes check of every data source before a report goes out", "priya", 7)),
            cost=(9.5, 450, 100),
            lessons="Copying last month's report felt safe and was the moment it went wrong.\n"
                    "Ask the client to delete, then confirm in writing: it made containment fast."))
        .on(3 * day - 20, "priya", update("call", "Debrief with Peter: all fine on their side. Closing.", None))
        .on(3 * day, "priya", status("closed")))

    vat = Scenario(
        "Wrong VAT rate on 38 invoices", "Oak & Ivy Bakery", "Ruth Ivy (owner)", 3,
        discovered_ago=40 * day, happened_before=3 * day, first="us", owner="lena")
    (vat.on(5, "lena", ack)
        .on(3, "lena", phase("Stop"))
        .on(6, "lena", phase("Own"))
        .on(30, "lena", phase("Assess"))
        .on(40, "lena", phase("Escalate"))
        .on(50, "lena", phase("Contain"))
        .on(101, "lena", phase("Tell the client first"))
        .on(6 * 60 + 1, "lena", phase("Keep them in the loop"))
        .on(2 * day + 92, "lena", phase("Fix"))
        .on(5 * day + 5, "jonas", phase("Prevent"))
        .on(6 * day, "lena", remaining_steps)
        .on(20, "lena", damage("38 invoices of the October run", "Charged 19 % instead of 7 % on bakery goods", 3, "confirmed"))
        .on(2 * day + 80, "lena", audience("Dana Whitfield (MD)", "management"))
        .on(2 * day + 81, "lena", tell("management", "email", "Late word, sorry: we charged Oak & Ivy the wrong "
                                                               "VAT on 38 invoices; all corrected, refunds sent."))
        .on(25, "lena", question("Did any customer already pay the wrong amount?"))
        .on(100, "lena", update("email", "We charged the wrong VAT rate on 38 October invoices; credit notes and "
                                          "corrected invoices follow this week, at no cost to you.", 100 + 4 * 60))
        .on(6 * 60, "lena", update("email", "Credit notes drafted; 11 customers had paid, refunds listed.", 2 * day))
        .on(6 * 60 + 5, "lena", answer(0, "11 customers had paid; refunds issued with the credit notes"))
        .on(2 * day + 90, "lena", update("email", "All 38 corrected; refunds sent.", 6 * day))
        .on(2 * day + 95, "lena", damage_state(0, "resolved"))
        .on(2 * day + 100, "lena", status("resolved"))
        .on(5 * day, "jonas", review(
            root_cause="The invoicing tool's vendor changed the default rate table of our import template; "
                       "we did not re-check the rates after their update.",
            fix="Credit notes and corrected invoices for all 38; refunds to the 11 customers who had paid.",
            prevention=(("Check VAT rates on a sample invoice after every tool update", "lena", 3),),
            cost=(6, 0, 50),
            lessons="A vendor update is a change to our process too."))
        .on(6 * day + 10, "lena", status("closed")))

    dns = Scenario(
        "DNS change took the booking site offline", "Seaview Physio Clinics", "Dr. Amal Haddad", 1,
        discovered_ago=9 * day, happened_before=50, first="client", owner="tom")
    (dns.on(0, "tom", note("Reception called: online booking shows 'site not found' since the morning."))
        .on(2, "tom", phase("Stop"))
        .on(4, "tom", phase("Own"))
        .on(8, "tom", phase("Assess"))
        .on(10, "tom", phase("Escalate"))
        .on(15, "tom", phase("Tell the client first"))
        .on(26, "tom", phase("Contain"))
        .on(50, "tom", phase("Keep them in the loop"))
        .on(122, "tom", phase("Fix"))
        .on(20 * 60 + 31, "priya", phase("Prevent"))
        .on(22 * 60, "tom", remaining_steps)
        .on(3, "tom", ack)
        .on(5, "tom", damage("book.seaviewphysio.example", "Online booking unreachable", 1, "confirmed"))
        .on(6, "tom", damage("Appointments booked during the outage", "Patients may have given up", 2, "suspected"))
        .on(14, "tom", update("phone", "Our DNS move broke the booking address; fixing it now, "
                                        "next update in 30 minutes.", 44))
        .on(25, "tom", damage_state(0, "contained"))
        .on(26, "tom", status("contained"))
        .on(49, "tom", update("phone", "Booking works again from every network we tried.", 120))
        .on(118, "tom", damage_state(1, "ruled out"))
        .on(119, "tom", damage_state(0, "resolved"))
        .on(120, "tom", update("email", "Confirmed: no bookings lost. Summary of cause and changes tomorrow.", 20 * 60))
        .on(121, "tom", status("resolved"))
        .on(20 * 60 + 30, "priya", review(
            root_cause="We moved the zone to a new DNS provider by retyping the records; the A record "
                       "for the booking subdomain got two digits swapped.",
            fix="Corrected the record with a low TTL and verified from three networks.",
            prevention=(("Move zones by export/import, never retype records", "tom", 2),
                        ("Script that compares every record before nameservers are switched", "tom", 10)),
            cost=(4, 300, 100),
            lessons="Check the booking page ourselves right after any DNS change.\nA 5-minute TTL during moves."))
        .on(20 * 60 + 35, "tom", update("email", "Cause and changes sent; a month of hosting credited.", None))
        .on(22 * 60 + 5, "tom", status("closed")))
    return [vat, kpi, dns]


def _open_scenarios() -> list[Scenario]:
    # Overdue: the last update promised the next one 12 minutes ago.
    payroll = Scenario(
        "March payroll file sent with February's rates", "Northwind Dental Group",
        "Maria Olsen (HR director)", 1, discovered_ago=145, happened_before=45, first="us",
        owner="lena")
    (payroll.on(2, "lena", ack)
        .on(3, "lena", phase("Stop"))
        .on(5, "lena", phase("Own"))
        .on(13, "lena", phase("Tell the client first"))
        .on(16, "lena", phase("Assess"))
        .on(25, "lena", phase("Escalate"))
        .on(31, "lena", phase("Contain"))
        .on(45, "lena", phase("Keep them in the loop", 1))
        .on(6, "lena", note("Bank cut-off for a same-day correction run is 15:00 - call them before then."))
        .on(11, "lena", damage("Payroll of 212 employees", "37 staff with March raises paid at February rates", 1, "confirmed"))
        .on(12, "lena", damage("Bank payment batch 5521", "Already submitted to the bank", 2, "suspected"))
        .on(13, "lena", question("Did the pension export use the same file?"))
        .on(20, "lena", counted_damage("Salary table of all staff", "Attached to the email to every branch "
                                        "manager", 2, "confirmed", 212, 212, "salaries and bank details"))
        .on(21, "lena", tag("personal-data"))
        .on(26, "lena", audience("Dana Whitfield (MD)", "management", cadence_minutes=120))
        .on(27, "lena", tell("management", "phone", "Told Dana: payroll file with February's rates, and the "
                                                     "salary table went to every branch manager. GDPR clock runs."))
        .on(12.5, "lena", update("phone", "Called Maria: the payroll file we sent used February's rates, 37 people "
                                           "are underpaid. Exports are stopped; a correction run is being prepared.", 45))
        .on(30, "lena", damage_state(1, "contained"))
        .on(44, "lena", update("email", "Correction file for the 37 staff built and checked twice; the bank "
                                         "confirms a supplementary run is possible today.", 74))
        .on(78, "lena", update("phone", "Supplementary payment submitted to the bank. Pension export still "
                                         "being checked.", 103))
        .on(95, "lena", question("Were any of the underpaid staff on leave with separate payments?"))
        .on(100, "jonas", note("Maria asked for a written summary for their works council."))
        .on(103, "lena", update("email", "Bank accepted the supplementary run; money arrives tomorrow morning.", 133)))

    # Due in a few minutes: contained, the promised update is 4 minutes away.
    checkout = Scenario(
        "Checkout broken after our CDN cache rule change", "Brightleaf Outdoor",
        "Sam Reyes (e-commerce lead)", 2, discovered_ago=100, happened_before=20, first="client",
        owner="tom")
    (checkout.on(0, "tom", note("Sam called: customers get an empty cart at the payment step."))
        .on(5, "tom", phase("Stop"))
        .on(6, "tom", phase("Own"))
        .on(12, "tom", phase("Assess"))
        .on(19, "tom", phase("Tell the client first"))
        .on(22, "tom", phase("Escalate"))
        .on(32, "tom", phase("Contain"))
        .on(47, "tom", phase("Keep them in the loop", 1))
        .on(4, "tom", ack)
        .on(8, "tom", damage("Checkout on brightleaf.example", "Cart emptied at the payment step; no orders", 1, "confirmed"))
        .on(18, "tom", update("phone", "The fault is ours: this morning's cache rule caches the cart page. "
                                        "Rolling it back now.", 48))
        .on(25, "tom", damage("Orders lost during the outage", "Roughly 40-60 abandoned carts", 2, "suspected"))
        .on(28, "tom", question("Were any payments taken without an order being created?"))
        .on(30, "tom", damage_state(0, "contained"))
        .on(31, "tom", status("contained"))
        .on(46, "tom", update("email", "Rollback done; checkout works again in our tests. Checking the payment "
                                        "provider's log for orphaned payments.", 104))
        .on(60, "tom", note("Payment provider export requested; arrives within the hour.")))

    # Calm: the next update is more than three hours away.
    order = Scenario(
        "Purchase order sent to the supplier twice", "Calder Facilities Management",
        "Ines Brandt (procurement)", 3, discovered_ago=300, happened_before=20 * 60, first="us",
        owner="priya")
    (order.on(8, "priya", ack)
        .on(10, "priya", phase("Stop"))
        .on(12, "priya", phase("Own"))
        .on(20, "priya", phase("Assess"))
        .on(30, "priya", phase("Escalate", 1))
        .on(41, "priya", phase("Tell the client first"))
        .on(126, "tom", phase("Contain"))
        .on(263, "priya", phase("Keep them in the loop"))
        .on(15, "priya", damage("PO 44817, 120 office chairs", "Supplier received it twice; a second delivery is booked", 3, "confirmed"))
        .on(16, "priya", damage("Calder's budget commitment", "The doubled order shows in their ERP", 4, "confirmed"))
        .on(18, "priya", question("Has the supplier already invoiced the duplicate?"))
        .on(40, "priya", update("email", "We sent PO 44817 to the supplier twice; we have asked them to cancel "
                                          "the second delivery and will confirm in writing.", 280))
        .on(120, "tom", answer(0, "No: their invoice is held until Friday"))
        .on(125, "priya", damage_state(0, "contained"))
        .on(262, "priya", update("email", "Supplier confirmed the cancellation in writing; the duplicate line "
                                           "comes off your ERP once they credit it.", 300 + 205)))

    # Just found: the client has not been told yet; the first contact is due in 18 minutes.
    timesheets = Scenario(
        "Timesheet import counted overtime twice", "Kessler & Vogt Architects",
        "Anna Vogt (partner)", 2, discovered_ago=12, happened_before=2 * 24 * 60, first="us",
        owner="jonas")
    (timesheets.on(1, "jonas", note("Found while preparing their monthly statement; nothing sent to them yet."))
        .on(3, "jonas", phase("Stop"))
        .on(5, "jonas", phase("Own", 1))
        .on(2, "jonas", ack)
        .on(10, "jonas", damage("November overtime on draft invoices", "Overtime hours doubled for 6 staff", 2, "suspected"))
        .on(11, "jonas", question("Did any invoice with the doubled hours already go out?")))
    return [order, payroll, checkout, timesheets]  # in the order they were found


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
    return [play(store, s, now) for s in _closed_scenarios() + _open_scenarios()]

