"""Changes carry the user's intent: two consoles doing the same thing do not cancel each other.

Each test opens two handles on one store, as two consoles do: each has its own cached view,
and each change re-reads the incident under the store's lock before it applies. They run on
every backend (the ``backend`` fixture).
"""

from __future__ import annotations

import subprocess

import pendulum
import pytest

from storage.domain import model
from storage.domain.parts import DamageItem


@pytest.fixture(autouse=True)
def berlin_time():
    """Messages show local time: pin the zone (09:30 UTC is 11:30 in Berlin in May)."""
    pendulum.set_local_timezone(pendulum.timezone("Europe/Berlin"))
    yield
    pendulum.set_local_timezone()


@pytest.fixture
def consoles(backend, clock):
    """Two handles on one store (lena's and omar's), both holding M-1 in their cache."""
    lena = backend.open(clock=clock, user="lena")
    lena.create("Payroll file sent with last month's rates", "Acme Ltd", 2)
    omar = backend.open(clock=clock, user="omar")
    assert omar.get(1).steps[0].done_at is None
    return lena, omar


@pytest.fixture
def on_disk(backend):
    """M-1 as a fresh handle reads it: what is really stored."""
    return lambda: backend.open().get(1)


def test_two_consoles_completing_the_same_step_leave_it_done_once(consoles, backend, on_disk, clock):
    lena, omar = consoles
    assert lena.change(1, lambda inc, now, by: inc.complete_step(0, now, by)) is None
    clock.advance(minutes=1)
    before = backend.fingerprint()
    second = omar.change(1, lambda inc, now, by: inc.complete_step(0, now, by))
    assert isinstance(second, model.Unchanged) and not second.refused
    assert (second.by, second.at) == ("lena", pendulum.datetime(2026, 5, 4, 9, 30, tz="UTC"))
    assert second.message(clock()) == "Step 1 is already done — by lena at 11:30"
    assert backend.fingerprint() == before  # no write at all
    incident = on_disk()
    assert incident.steps[0].done_by == "lena"
    assert [t.text for t in incident.timeline if t.kind == "step"] == [
        f"Done: {incident.steps[0].phase} — {incident.steps[0].text}"]
    assert incident.revision == 1
    assert omar.get(1).steps[0].done_by == "lena"  # omar's view caught up with the disk


def test_two_consoles_reopening_the_same_step_leave_it_open_once(consoles, backend, on_disk, clock):
    lena, omar = consoles
    lena.change(1, lambda inc, now, by: inc.complete_step(0, now, by))
    omar.refresh()
    clock.advance(minutes=10)
    assert omar.change(1, lambda inc, now, by: inc.reopen_step(0, now, by)) is None
    second = lena.change(1, lambda inc, now, by: inc.reopen_step(0, now, by))
    assert second.message(clock()) == "Step 1 is already reopened — by omar at 11:40"
    incident = on_disk()
    assert not incident.steps[0].done and incident.revision == 2
    assert [t.text.split(":")[0] for t in incident.timeline if t.kind == "step"] == ["Done", "Reopened"]


def test_reopening_a_step_never_done_says_so(consoles, backend, on_disk, clock):
    lena, _ = consoles
    result = lena.change(1, lambda inc, now, by: inc.reopen_step(2, now, by))
    assert result.message(clock()) == "Step 3 is not done yet"
    assert on_disk().revision == 0


def test_keeping_a_kept_promise_says_who_kept_it(consoles, backend, on_disk, clock):
    lena, omar = consoles
    lena.change(1, lambda inc, now, by: inc.add_promise("Credit note", now.add(hours=2), now, by))
    omar.refresh()
    clock.advance(minutes=5)
    lena.change(1, lambda inc, now, by: inc.keep_promise(1, now, by))
    clock.advance(minutes=1)
    second = omar.change(1, lambda inc, now, by: inc.keep_promise(1, now, by))
    assert second.message(clock()) == "“Credit note” is already kept — by lena at 11:35"
    incident = on_disk()
    assert [t.text for t in incident.timeline if t.text.startswith("Kept")] == ["Kept: Credit note"]
    assert incident.revision == 2


def test_a_damage_move_already_made_writes_nothing(consoles, backend, on_disk, clock):
    lena, omar = consoles
    lena.change(1, lambda inc, now, by: inc.add_damage(DamageItem("212 payslips"), now, by))
    omar.refresh()
    move = lambda inc, now, by: inc.set_damage_state(0, "confirmed", now, by, shown="suspected")  # noqa: E731
    assert lena.change(1, move) is None
    second = omar.change(1, move)
    assert second.message(clock()) == "Damage “212 payslips” is already confirmed — set by lena at 11:30"
    incident = on_disk()
    assert incident.damage[0].state == "confirmed" and incident.revision == 2
    assert sum(t.text.endswith("→ confirmed") for t in incident.timeline) == 1


def test_a_damage_item_moved_elsewhere_is_not_moved_from_there(consoles, backend, on_disk, clock):
    lena, omar = consoles
    lena.change(1, lambda inc, now, by: inc.add_damage(DamageItem("212 payslips"), now, by))
    omar.refresh()
    clock.advance(minutes=2)
    lena.change(1, lambda inc, now, by: inc.set_damage_state(0, "ruled out", now, by, shown="suspected"))
    before = backend.fingerprint()
    # omar's screen still shows "suspected" and he presses ] (→ confirmed).
    refused = omar.change(1, lambda inc, now, by: inc.set_damage_state(0, "confirmed", now, by, shown="suspected"))
    assert refused.refused
    assert refused.message(clock()) == ("Damage “212 payslips” is now ruled out, not suspected as shown — "
                                        "set by lena at 11:32. Nothing changed.")
    assert backend.fingerprint() == before
    assert on_disk().damage[0].state == "ruled out"


def test_setting_a_status_it_already_has_writes_nothing(consoles, backend, on_disk, clock):
    lena, omar = consoles
    clock.advance(minutes=3)
    lena.change(1, lambda inc, now, by: inc.set_status("contained", now, by, shown="open"))
    second = omar.change(1, lambda inc, now, by: inc.set_status("contained", now, by, shown="open"))
    assert second.message(clock()) == "M-1 is already contained — set by lena at 11:33"
    assert on_disk().revision == 1
    assert sum(t.kind == "status" for t in on_disk().timeline) == 1


def test_a_stale_status_pick_does_not_reopen_a_closed_incident(consoles, backend, on_disk, clock):
    lena, omar = consoles
    lena.change(1, lambda inc, now, by: inc.close(now, by, reason="duplicate of M-7"))
    # omar's picker showed "open"; he picks "contained". Before, this reopened the incident.
    refused = omar.change(1, lambda inc, now, by: inc.set_status("contained", now, by, shown="open"))
    assert refused.refused and refused.message(clock()).startswith("M-1 is now closed, not open as shown")
    assert on_disk().is_closed


def test_first_learned_and_cadence_already_set_say_so(consoles, backend, on_disk, clock):
    lena, omar = consoles
    for store in (lena, omar):
        store.change(1, lambda inc, now, by: inc.set_first_learned("client", now, by, shown=None))
        store.change(1, lambda inc, now, by: inc.set_cadence(15, now, by, shown=60))
    first = omar.change(1, lambda inc, now, by: inc.set_first_learned("client", now, by, shown=None))
    cadence = omar.change(1, lambda inc, now, by: inc.set_cadence(15, now, by, shown=60))
    assert first.message(clock()) == "Already recorded: the client told us first — set by lena at 11:30"
    assert cadence.message(clock()) == "The update cadence is already 15 min — set by lena at 11:30"
    moved = omar.change(1, lambda inc, now, by: inc.set_cadence(240, now, by, shown=60))
    assert moved.refused and "now 15 min, not 1 h as shown" in moved.message(clock())
    incident = on_disk()
    assert (incident.first_learned_by, incident.cadence_minutes, incident.revision) == ("client", 15, 2)


CLI = r'''
import sys
from tui.cli import main
sys.stdin.readline()  # both wait for "go", then race for the lock
sys.exit(main(["done", "M-1", "1", "--db", sys.argv[1]]))
'''


def test_two_processes_marking_the_same_step_done(consoles, backend, on_disk, tmp_path, child_env, python):
    script = tmp_path / "done.py"
    script.write_text(CLI)
    children = [subprocess.Popen([python, str(script), backend.spec], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=child_env | {"LOGNAME": name})
                for name in ("lena", "omar")]
    try:
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=60) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert [child.returncode for child in children] == [0, 0], results
    outs = sorted(out for out, _ in results)
    incident = on_disk()
    step = incident.steps[0]
    assert outs[0].startswith("M-1: Step 1 is already done — by " + step.done_by + " at ")
    assert outs[0].rstrip().endswith("; nothing written")
    assert outs[1].startswith("M-1: step 1 done")
    assert sum(t.kind == "step" for t in incident.timeline) == 1 and incident.revision == 1


def test_a_close_out_saved_with_the_debrief_box_untouched_keeps_a_debrief_recorded_meanwhile(consoles, backend, on_disk):
    from storage.domain.closing import CloseOutDraft

    lena, omar = consoles
    # omar's close-out form opened with the debrief box empty; lena records the debrief.
    lena.change(1, lambda inc, now, by: inc.confirm_client(now, by))
    draft = CloseOutDraft(root_cause="Copied last month's template", fix="", lessons="",
                          client_confirmed=False, client_confirmed_shown=False)
    omar.change(1, lambda inc, now, by: draft.apply_to(inc, now, by))
    incident = on_disk()
    assert incident.client_confirmed_at is not None and incident.root_cause.startswith("Copied")
    assert not any("withdrawn" in t.text for t in incident.timeline)
    # Unticking the box is an intent, and is applied.
    untick = CloseOutDraft(root_cause="Copied last month's template", fix="", lessons="",
                           client_confirmed=False, client_confirmed_shown=True)
    omar.change(1, lambda inc, now, by: untick.apply_to(inc, now, by))
    assert on_disk().client_confirmed_at is None
