"""config.toml spans follow the grammar of a typed time: a span out of range is refused, never a crash."""

from __future__ import annotations

import pytest

from storage.domain.config import load_config
from storage.domain.ledger import NEXT_MORNING
from storage.domain.model import DEFAULT_CADENCE_MINUTES, FIRST_CONTACT_MINUTES
from storage.store import FolderStore


@pytest.mark.parametrize("text, problem", [
    ('[cadence]\n1 = "3000000d"\n', "line 2: '3000000d' is too far ahead: a span is at most 90 days"),
    ('[cadence]\n\n2 = "99999999d"\n', "line 3: '99999999d' is too far ahead"),
    ('[first_contact]\n3 = "91d"\n', "'91d' is too far ahead"),
    ('[cadence]\n1 = 3000000000\n', "3000000000 minutes is not a span mishap accepts"),
    ('[cadence]\n1 = 0\n', "0 minutes is not a span mishap accepts"),
    ('[cadence]\n1 = "0m"\n', "'0m' is no time at all"),
    ('[cadence]\n1 = "20h30"\n', "could be the time 20:30 or a span"),
    ('[cadence]\n1 = "12.5h"\n', "'12.5h' is not a span of time"),
    ('[cadence]\n1 = 1.5\n', "1.5 is not a span of time"),
])
def test_a_span_out_of_range_names_file_line_and_key_and_keeps_the_defaults(folder, clock, text, problem):
    folder.mkdir()
    (folder / "config.toml").write_text(text)
    config = load_config(folder)
    assert str(folder / "config.toml") in config.problem and problem in config.problem
    key = text.split("[")[1].split("]")[0]
    assert f"(in [{key}] " in config.problem
    assert config.problem.endswith("using the default cadence")
    assert config.cadence == DEFAULT_CADENCE_MINUTES and config.first_contact == FIRST_CONTACT_MINUTES
    # The store opens and creates incidents by the defaults (the old code overflowed here).
    store = FolderStore.open(folder, clock=clock)
    incident = store.create("Invoices doubled", "Acme", 1)
    assert incident.cadence_minutes == 30 and incident.next_deadline == clock.now.add(minutes=15)


def test_spans_combine_units_as_anywhere_else(folder, clock):
    folder.mkdir()
    (folder / "config.toml").write_text(
        '[cadence]\n1 = "1h30m"\n2 = "2h 30m"\n3 = "90d"\n4 = "Morning"\n[first_contact]\n1 = "1h30"\n2 = 45\n')
    config = load_config(folder)
    assert config.problem is None
    assert config.cadence == {1: 90, 2: 150, 3: 90 * 1440, 4: NEXT_MORNING}
    assert (config.first_contact[1], config.first_contact[2]) == (90, 45)
    store = FolderStore.open(folder, clock=clock)
    assert store.create("t", "c", 3).next_update_after(clock.now) == clock.now.add(days=90)


def test_a_cadence_longer_than_the_longest_span_is_refused(folder, clock):
    from storage.domain.fields import ValidationError

    store = FolderStore.open(folder, clock=clock)
    incident = store.create("t", "c", 2)
    with pytest.raises(ValidationError, match="at most 90 days"):
        store.change(incident.id, lambda i, now, by: i.set_cadence(10**9, now, by))
    with pytest.raises(ValidationError, match="up to 90 days"):
        store.create("t", "c", 2, cadence_minutes=90 * 1440 + 1)
    store.change(incident.id, lambda i, now, by: i.set_cadence(90 * 1440, now, by))
    assert FolderStore.open(folder, clock=clock).get(incident.id).cadence_minutes == 90 * 1440


def test_an_unknown_table_or_key_is_said_and_ignored_and_the_rest_is_in_force(folder, clock):
    folder.mkdir()
    path = folder / "config.toml"
    path.write_text('[cadence]\n1 = "45m"\n\n[mail]\nhost = "smtp.example.com"\n\n'
                    '[notifications]\nmethod = "bell"\nsound = "loud"\n', encoding="utf-8")
    config = load_config(folder)
    assert config.cadence[1] == 45 and config.notify == "bell"  # what it knows is in force
    assert config.problem == (f"{path}, line 4: unknown table [mail] ignored; {path}, line 9: unknown key 'sound' "
                              "in [notifications] ignored; the rest of the file is in force")
    store = FolderStore.open(folder, clock=clock)
    assert store.create("Invoices doubled", "Acme", 1).cadence_minutes == 45
