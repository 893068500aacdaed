"""`--next WHEN` by the one grammar, config.toml warnings, and TZ as the C library reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest
from cli_support import assert_one_line_error, snapshot

from storage.domain.clock import next_working_morning, read_when
from support.clock import HOSTILE_INSTANTS
from tui.cli import EPILOG

REPO_ROOT = Path(__file__).resolve().parents[2]
BERLIN = "Europe/Berlin"


@pytest.fixture
def one_incident(run):
    assert run("new", "Invoices doubled", "--client", "Acme", "--severity", "2").code == 0


@pytest.mark.parametrize("when, needle", [
    ("99999999d", "'99999999d' is too far ahead: a span is at most 90 days"),
    ("91d", "too far ahead"),
    ("2999-01-01T10:00", "too far ahead: at most 90 days from now"),
    ("now", "cannot read 'now' as a time: use a span"),
    ("20h30", "'20h30' could be the time 20:30 or a span"),
    ("12.5h", "cannot read '12.5h' as a time"),
    ("tomorrow", "cannot read 'tomorrow' as a time"),
    ("0m", "'0m' is no time at all"),
    ("30", "cannot read '30' as a time"),
    ("", "no time given"),
])
def test_next_refuses_with_one_line_and_writes_nothing(run, folder, one_incident, when, needle):
    before = snapshot(folder)
    result = run("update", "M-1", "Told them", "--next", when)
    assert_one_line_error(result, needle)
    assert snapshot(folder) == before


def test_the_refusal_lists_what_is_accepted(run, one_incident):
    err = run("update", "M-1", "Told them", "--next", "now").err
    for example in ("30m", "1h30m", "2h 30m", "17:30", "morning", "2026-11-23T17:30", "+01:00", "none"):
        assert example in err


@pytest.mark.parametrize("when, minutes", [("1h30", 90), ("2h 30m", 150), ("1h30m", 90), ("90m", 90),
                                           ("in 2 hours", 120), ("1d", 1440), ("20h30m", 1230)])
def test_next_takes_combined_spans_from_the_moment_it_is_logged(run, store_at, one_incident, when, minutes):
    result = run("update", "M-1", "Told them", "--next", when)
    assert result.code == 0 and result.err == "", result
    update = store_at().get("M-1").updates[-1]
    assert update.next_promised == update.sent_at + pendulum.duration(minutes=minutes)


def test_next_morning_and_clock_time_and_none(run, store_at, one_incident):
    assert run("update", "M-1", "one", "--next", "morning").code == 0
    first = store_at().get("M-1").updates[-1]
    assert first.next_promised == next_working_morning(first.sent_at, BERLIN)
    assert first.next_promised.in_timezone(BERLIN).format("HH:mm") == "09:00"
    assert run("update", "M-1", "two", "--next", "17:30").code == 0
    second = store_at().get("M-1").updates[-1]
    assert second.next_promised == read_when("17:30", second.sent_at, BERLIN).at
    result = run("update", "M-1", "three", "--next", "none")
    assert result.code == 0 and "no next update promised" in result.out
    incident = store_at().get("M-1")
    assert incident.updates[-1].next_promised is None and incident.next_update_due is None


def test_without_next_a_morning_cadence_promises_the_next_working_morning(run, store_at):
    assert run("new", "Typo in the newsletter", "--client", "Acme", "--severity", "4").code == 0
    assert run("update", "M-1", "Told them").code == 0
    update = store_at().get("M-1").updates[-1]
    assert update.next_promised == next_working_morning(update.sent_at, BERLIN)


def test_help_states_the_grammar(run):
    out = run("--help", db=False).out
    assert "WHEN is a span up to 90 days" in " ".join(out.split())
    for part in ("1h30m", "morning", "none", "2026-11-23T17:30+01:00"):
        assert part in EPILOG


# -- config.toml problems are said on stderr, as the console says them ----------------------------


@pytest.mark.parametrize("config, needle", [
    ('[cadence]\n1 = "3000000d"\n', "line 2: '3000000d' is too far ahead: a span is at most 90 days (90d) "
                                    "(in [cadence] 1); using the default cadence"),
    ('[cadence]\n1 = "soon"\n', "'soon' is not a span of time"),
    ("[cadence\n", "not valid TOML"),
])
def test_a_bad_config_is_warned_about_and_the_defaults_are_used(run, folder, store_at, config, needle):
    folder.mkdir(mode=0o700)  # private, as mishap makes it: no warning about who can read it
    (folder / "config.toml").write_text(config)
    result = run("new", "Invoices doubled", "--client", "Acme", "--severity", "1")
    assert result.code == 0 and result.out == "M-1\n"
    warning = f"mishap: warning: {folder / 'config.toml'}, "
    assert result.err.startswith(warning) and needle in result.err and result.err.count("\n") == 1
    assert "Traceback" not in result.err
    assert store_at().get("M-1").cadence_minutes == 30
    listed = run("list")
    assert listed.code == 0 and listed.err.startswith(warning)


def test_a_good_config_is_silent(run, folder, store_at):
    folder.mkdir(mode=0o700)  # private, as mishap makes it: no warning about who can read it
    (folder / "config.toml").write_text('[cadence]\n1 = "1h30m"\n')
    result = run("new", "Invoices doubled", "--client", "Acme", "--severity", "1")
    assert result.code == 0 and result.err == ""
    assert store_at().get("M-1").cadence_minutes == 90


# -- TZ: what the C library honours, and one warning when it cannot read it ------------------------


def _mishap(tz: str | None, home: Path, at: pendulum.DateTime, *args: str) -> subprocess.CompletedProcess:
    """``mishap ARGS...`` in a child process under ``TZ=tz``, at the instant ``at`` (injected in-process)."""
    env = dict(os.environ, MISHAP_HOME=str(home), PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "tests"), env.get("PYTHONPATH", "")])
    env.pop("TZ", None)
    if tz is not None:
        env["TZ"] = tz
    return subprocess.run([sys.executable, "-m", "support.mishap_at", str(at.timestamp()), *args],
                          capture_output=True, text=True, encoding="utf-8", env=env, cwd=REPO_ROOT, timeout=60)


def _c_library_wall(tz: str, instant: pendulum.DateTime) -> str:
    """The wall time ``date`` (the C library) shows for an instant under ``tz``, then its weekday."""
    return subprocess.run(["date", "-d", f"@{instant.int_timestamp}", "+%Y-%m-%d %H:%M %z %a"],
                          capture_output=True, text=True, env={"TZ": tz, "LC_ALL": "C"}, check=True).stdout.strip()


def _minutes_showing(tz: str, wall: str, start: pendulum.DateTime, end: pendulum.DateTime) -> int:
    """How many whole minutes strictly between two instants the C library shows as ``wall`` under ``tz``."""
    code = ("import sys, time\n"
            "start, end, wall = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]\n"
            "first = (start // 60 + 1) * 60\n"
            "print(sum(time.strftime('%H:%M', time.localtime(s)) == wall for s in range(first, end, 60)))\n")
    done = subprocess.run([sys.executable, "-c", code, str(start.int_timestamp), str(end.int_timestamp), wall],
                          capture_output=True, text=True, env={"TZ": tz}, check=True, timeout=60)
    return int(done.stdout)


@pytest.mark.parametrize("at", [HOSTILE_INSTANTS["berlin-evening"], HOSTILE_INSTANTS["eve-of-eu-autumn-change"]],
                         ids=["berlin-evening", "eve-of-eu-autumn-change"])
@pytest.mark.parametrize("tz, warned", [
    ("EST5EDT,M3.2.0,M11.1.0", False),
    ("UTC+5", False),
    ("CET-1CEST,M3.5.0,M10.5.0/3", False),
    (":Europe/Berlin", False),
    ("Invalid/Zone", True),
])
def test_a_clock_time_is_read_in_the_zone_the_c_library_uses(tmp_path, tz, warned, at):
    home = tmp_path / "home"
    created = _mishap(tz, home, at, "new", "Invoices doubled", "--client", "Acme", "--severity", "2")
    assert created.returncode == 0, created.stderr
    logged = _mishap(tz, home, at.add(seconds=1), "update", "M-1", "Told them", "--next", "17:30")
    assert logged.returncode == 0, logged.stderr
    doc = json.loads(_mishap(tz, home, at.add(seconds=2), "show", "M-1", "--json").stdout)
    sent = pendulum.parse(doc["updates"][0]["sent_at"])
    assert sent == at.add(seconds=1)
    due = pendulum.parse(doc["next_update_due"])
    wall, sent_wall = _c_library_wall(tz, due), _c_library_wall(tz, sent)
    assert wall[11:16] == "17:30", wall  # 17:30 on the wall clock `date` shows for this TZ
    # Its next occurrence: the C library shows 17:30 at no minute between the update and the promise.
    assert due > sent and _minutes_showing(tz, "17:30", sent, due) == 0
    today = wall[:10] == sent_wall[:10]
    expected = "17:30" if today else f"{wall.split()[-1]} 17:30"  # tomorrow's carries its weekday
    assert f"next update due {expected} (in " in logged.stdout, logged.stdout
    shown = _mishap(tz, home, at.add(seconds=3), "show", "M-1")
    assert f"({wall[:16]})" in shown.stdout  # shown on the same wall clock
    for run in (created, logged, shown):
        if warned:
            assert run.stderr == ("mishap: warning: TZ=Invalid/Zone is not a time zone this system knows, and the "
                                  "C library reads it as UTC: times are shown and read in UTC (set TZ to a zone "
                                  "such as Europe/Berlin, or unset it)\n")
        else:
            assert run.stderr == ""
    if warned:
        assert wall.split()[2] == "+0000"


@pytest.mark.parametrize("tz", ["EST5EDT,M3.2.0,M11.1.0", "UTC+5", "<+0530>-5:30", "CET-1CEST,M3.5.0,M10.5.0/3",
                                "/usr/share/zoneinfo/America/New_York"])
def test_the_zone_matches_the_c_library_at_every_half_hour_of_a_year(tz, tmp_path):
    if tz.startswith("/") and not Path(tz).is_file():
        pytest.skip(f"{tz} is not on this system")
    code = (
        "import time, pendulum\n"
        "from storage.domain.localzone import local_zone, zone_problem\n"
        "zone = local_zone()\n"
        "assert zone_problem() is None\n"
        "start = int(pendulum.datetime(2026, 1, 1, tz='UTC').timestamp())\n"
        "bad = []\n"
        "for s in range(start, start + 366 * 86400, 1800):\n"
        "    local = pendulum.from_timestamp(s).in_timezone(zone)\n"
        "    c = time.localtime(s)\n"
        "    same = ((local.year, local.month, local.day, local.hour, local.minute) ==\n"
        "            (c.tm_year, c.tm_mon, c.tm_mday, c.tm_hour, c.tm_min)\n"
        "            and local.utcoffset().total_seconds() == c.tm_gmtoff\n"
        "            and local.in_timezone('UTC').int_timestamp == s)\n"
        "    if not same:\n"
        "        bad.append(s)\n"
        "    # A wall time read in the zone is an instant the C library shows as that wall time.\n"
        "    wall = pendulum.datetime(c.tm_year, c.tm_mon, c.tm_mday, c.tm_hour, c.tm_min, tz=zone)\n"
        "    if time.localtime(wall.int_timestamp)[:5] != c[:5]:\n"
        "        bad.append(-s)\n"
        "print(len(bad), bad[:3])\n"
    )
    env = dict(os.environ, TZ=tz, PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0 []"


def test_a_stored_cadence_beyond_the_longest_span_is_a_corrupt_file_not_a_crash(run, folder, one_incident):
    path = folder / "open.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["incidents"]["1"]["cadence_minutes"] = 10**12  # the old code overflowed on the next update
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = snapshot(folder)
    for args in (("update", "M-1", "Told them"), ("list",)):
        assert_one_line_error(run(*args), "open.json", "cadence_minutes must be a whole number of minutes up to 90 days")
    assert snapshot(folder) == before
