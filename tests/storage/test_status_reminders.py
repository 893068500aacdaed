"""The status line's pure logic, and the reminder throttle driven by a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pendulum

from storage.domain.config import parse_config
from storage.domain.model import new_incident
from storage.readers.reminders import OVERDUE, SOON, STILL_OVERDUE, ReminderThrottle
from storage.readers.status import (due_promises, json_rows, plain_line, title_text, tmux_line, tmux_safe)
from storage.store import open_incident

T0 = pendulum.datetime(2026, 11, 20, 14, 0, tz="UTC")


def _incident(number: int, severity: int, made: pendulum.DateTime):
    """A full incident made at ``made``; its first contact is due 15/30/120/480 min later by severity."""
    return new_incident(number, f"Incident {number}", "Acme", severity, made, [])


def test_due_promises_take_the_board_order_and_the_threshold():
    late = _incident(1, 3, T0.subtract(minutes=132))  # due T0-12m
    soon = _incident(2, 2, T0.subtract(minutes=25))  # due T0+5m
    same_time_critical = _incident(3, 1, T0.subtract(minutes=10))  # due T0+5m, more severe
    far = _incident(4, 4, T0)  # due T0+8h
    items = due_promises([far, soon, late, same_time_critical], T0, 30 * 60)
    assert [(d.id, d.when) for d in items] == [("M-1", "12m late"), ("M-3", "in 5m"), ("M-2", "in 5m")]
    assert plain_line(items) == "‼ M-1 12m late · M-3 in 5m · M-2 in 5m"
    assert plain_line(items, limit=2) == "‼ M-1 12m late · M-3 in 5m · +1 more"
    assert plain_line([]) == "" and tmux_line([]) == ""
    assert title_text(items) == "mishap ‼ M-1 12m late" and title_text([]) == "mishap"
    assert [row["id"] for row in json_rows(items)] == ["M-1", "M-3", "M-2"]


def test_a_light_incident_read_from_its_document_gives_the_same_line():
    incidents = [_incident(1, 3, T0.subtract(minutes=132)), _incident(2, 2, T0.subtract(minutes=25))]
    light = [open_incident(i.to_dict()) for i in incidents]
    now = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)
    assert plain_line(due_promises(light, now, 1800)) == plain_line(due_promises(incidents, T0, 1800))
    assert [i.next_deadline for i in light] == [i.next_deadline for i in incidents]


def test_spans_are_truncated_like_every_countdown():
    inc = _incident(1, 1, T0)  # due T0+15m
    assert plain_line(due_promises([inc], T0.add(minutes=12, seconds=1), 1800)) == "M-1 in 2m"
    assert plain_line(due_promises([inc], T0.add(minutes=15, seconds=59), 1800)) == "‼ M-1 59s late"
    assert plain_line(due_promises([inc], T0.add(hours=2, minutes=20), 1800)) == "‼ M-1 2h05m late"


def test_tmux_safe_doubles_every_hash_and_shows_controls():
    assert tmux_safe("#(rm -rf ~) #[fg=red] #{pane_id} #S \x1b[31m") == "##(rm -rf ~) ##[fg=red] ##{pane_id} ##S ␛[31m"


def _look(throttle, incidents, now, snoozed=None):
    return [(r.kind, r.promise.id, r.promise.index) for r in throttle.due(incidents, now, snoozed)]


def test_reminders_five_minutes_before_at_overdue_then_every_ten_minutes():
    inc = _incident(1, 2, T0)  # first contact due T0+30m
    throttle = ReminderThrottle()
    assert _look(throttle, [inc], T0) == []  # primes
    assert _look(throttle, [inc], T0.add(minutes=24, seconds=59)) == []
    assert _look(throttle, [inc], T0.add(minutes=25)) == [(SOON, "M-1", 0)]
    assert _look(throttle, [inc], T0.add(minutes=29)) == []
    assert _look(throttle, [inc], T0.add(minutes=30, seconds=1)) == [(OVERDUE, "M-1", 0)]
    assert _look(throttle, [inc], T0.add(minutes=40)) == []
    assert _look(throttle, [inc], T0.add(minutes=40, seconds=1)) == [(STILL_OVERDUE, "M-1", 0)]
    assert _look(throttle, [inc], T0.add(minutes=45)) == []
    assert _look(throttle, [inc], T0.add(minutes=50, seconds=1)) == [(STILL_OVERDUE, "M-1", 0)]
    reminder = throttle.due([inc], T0.add(minutes=60, seconds=2))[0]
    assert reminder.title == "mishap ‼ M-1 30m late" and reminder.body == "First contact with the client"


def test_a_promise_already_late_at_start_is_reminded_ten_minutes_later():
    inc = _incident(1, 1, T0)  # due T0+15m
    throttle = ReminderThrottle()
    assert _look(throttle, [inc], T0.add(minutes=20)) == []
    assert _look(throttle, [inc], T0.add(minutes=29)) == []
    assert _look(throttle, [inc], T0.add(minutes=30)) == [(STILL_OVERDUE, "M-1", 0)]


def test_a_snoozed_promise_is_silent_and_only_that_one():
    inc = _incident(1, 2, T0)  # update promise 0 due T0+30m
    inc.add_promise("Credit note", T0.add(minutes=31), T0, "lena")  # promise 1
    throttle = ReminderThrottle()
    _look(throttle, [inc], T0)
    snoozed = {(1, 0): T0.add(minutes=50)}
    assert _look(throttle, [inc], T0.add(minutes=26), snoozed) == [(SOON, "M-1", 1)]
    assert _look(throttle, [inc], T0.add(minutes=32), snoozed) == [(OVERDUE, "M-1", 1)]
    assert _look(throttle, [inc], T0.add(minutes=42), snoozed) == [(STILL_OVERDUE, "M-1", 1)]
    # The snooze ends: promise 0 never said it was late, so it does now.
    assert _look(throttle, [inc], T0.add(minutes=50, seconds=1), snoozed) == [(OVERDUE, "M-1", 0)]


def test_a_moved_promise_is_armed_afresh():
    inc = _incident(1, 2, T0)
    throttle = ReminderThrottle()
    _look(throttle, [inc], T0)
    assert _look(throttle, [inc], T0.add(minutes=31)) == [(OVERDUE, "M-1", 0)]
    inc.renegotiate(0, T0.add(minutes=60), "Jo agreed", T0.add(minutes=32), "lena")
    assert _look(throttle, [inc], T0.add(minutes=55)) == [(SOON, "M-1", 0)]


def test_config_chooses_the_notification_method():
    assert parse_config("", "config.toml").notify == "auto"
    assert parse_config('[notifications]\nmethod = "osc777"\n', "config.toml").notify == "osc777"
    for text, needle in (('[notifications]\nmethod = "loud"\n', "config.toml, line 2: notification method 'loud' "
                                                                  "is not one of auto, osc9, osc777"),
                         ('notifications = "bell"\n', "[notifications] must be a table")):
        try:
            parse_config(text, "config.toml")
        except ValueError as exc:
            assert needle in str(exc)
        else:
            raise AssertionError(f"accepted {text!r}")
    # A key it does not know (a newer mishap's) is said and ignored; the method stays in force.
    config = parse_config('[notifications]\nmethod = "osc9"\nvolume = 3\n', "config.toml")
    assert config.notify == "osc9"
    assert config.problem == ("config.toml, line 3: unknown key 'volume' in [notifications] ignored; "
                              "the rest of the file is in force")


def test_a_bad_notification_method_keeps_the_defaults_and_says_so(tmp_path):
    from storage.domain.config import load_config

    (tmp_path / "config.toml").write_text('[cadence]\n1 = "20m"\n[notifications]\nmethod = "loud"\n')
    config = load_config(tmp_path)
    assert config.notify == "auto" and config.cadence[1] == 30
    assert config.problem.endswith("using the default cadence and notifications (auto)")
