"""The default playbook, a team's playbook.toml, and every way a playbook file can be refused."""

from __future__ import annotations

import pytest

from storage.domain.playbook import DEFAULT_PHASES, PLAYBOOK_FILE, Phase, load_playbook, steps_of
from storage.store import FolderStore

PRODUCT_PHASES = ["Stop", "Own", "Assess", "Escalate", "Contain", "Tell the client first",
                  "Keep them in the loop", "Fix", "Prevent", "Debrief and close"]

GOOD = '''\
# Our agency's short playbook
[[phase]]
name = "Stop"
steps = ["Pause the send queue", "Tell the team [now]"]

[[phase]]
name = "Talk"
steps = [
  "Call the client",
  "Write it down",
]
'''


def test_default_is_the_ten_phases_of_the_brief_in_order(folder, clock):
    assert [p.name for p in DEFAULT_PHASES] == PRODUCT_PHASES
    assert all(p.steps and all(s.strip() for s in p.steps) for p in DEFAULT_PHASES)
    loaded = load_playbook(folder)
    assert (loaded.phases, loaded.source, loaded.problem) == (DEFAULT_PHASES, "default", None)
    inc = FolderStore.open(folder, clock=clock).create("t", "c", 2)
    assert [(s.phase, s.text) for s in inc.steps] == [(p.name, t) for p in DEFAULT_PHASES for t in p.steps]
    assert not any(s.done for s in inc.steps)
    # The phases appear in the checklist in the brief's order.
    seen = []
    for step in inc.steps:
        if not seen or seen[-1] != step.phase:
            seen.append(step.phase)
    assert seen == PRODUCT_PHASES


def test_team_playbook_replaces_the_default(folder, clock):
    store = FolderStore.open(folder, clock=clock)
    before = store.create("before", "c", 2)
    (folder / PLAYBOOK_FILE).write_text(GOOD)
    team = FolderStore.open(folder, clock=clock)
    assert team.playbook.problem is None
    assert team.playbook.source == str(folder / PLAYBOOK_FILE)
    inc = team.create("after", "c", 2)
    assert [(s.phase, s.text) for s in inc.steps] == [
        ("Stop", "Pause the send queue"), ("Stop", "Tell the team [now]"),
        ("Talk", "Call the client"), ("Talk", "Write it down")]
    # Existing incidents keep the checklist they were opened with.
    assert len(team.get(before.id).steps) == len(steps_of(DEFAULT_PHASES))


BAD = {
    "malformed toml": ('[[phase]]\nname = "Stop"\nsteps = ["a" "b"]\n', 3, "not valid TOML"),
    "unterminated": ('[[phase]]\nname = "Stop"\nsteps = ["a",\n', 3, "not valid TOML"),
    "no phases": ('# nothing here\n', 1, "no [[phase]] tables"),
    "phase is a table": ('[phase]\nname = "Stop"\nsteps = ["a"]\n', 1, "no [[phase]] tables"),
    "phase list of text": ('phase = ["Stop"]\n', 1, "phase 1 is not a table"),
    "missing name": ('[[phase]]\nname = "A"\nsteps = ["a"]\n\n[[phase]]\nsteps = ["b"]\n', 5, "phase 2 has no name"),
    "blank name": ('[[phase]]\nname = "  "\nsteps = ["a"]\n', 2, "has no name"),
    "name not text": ('[[phase]]\nname = 3\nsteps = ["a"]\n', 2, "has no name"),
    "missing steps": ('[[phase]]\nname = "Stop"\n', 1, "phase 'Stop' has no steps"),
    "empty steps": ('[[phase]]\nname = "Stop"\n\nsteps = []\n', 4, "phase 'Stop' has no steps"),
    "steps not a list": ('[[phase]]\nname = "Stop"\nsteps = "a"\n', 3, "phase 'Stop' has no steps"),
    "non-text step": ('[[phase]]\nname = "A"\nsteps = ["a"]\n[[phase]]\nname = "B"\nsteps = ["b", 7]\n',
                      6, "phase 'B', step 2 is not text"),
    "blank step": ('[[phase]]\nname = "A"\nsteps = ["a", " "]\n', 3, "step 2 is not text"),
    "not utf-8": (b'[[phase]]\nname = "\xff"\nsteps = ["a"]\n', None, "cannot read"),
}


@pytest.mark.parametrize("text, said", [
    ('[[phase]]\nname = "A"\nsteps = ["a"]\nowner = "me"\n', "line 4: unknown key 'owner' in phase 'A' ignored"),
    ('title = "Ours"\n[[phase]]\nname = "A"\nsteps = ["a"]\n', "line 1: unknown key 'title' ignored"),
    ('[[phase]]\nname = "A"\nsteps = ["a"]\n\n[[escalation]]\nname = "Later"\n', "line 5: unknown key 'escalation' ignored"),
], ids=["in a phase", "top level", "a table of a newer mishap"])
def test_an_unknown_key_is_said_and_ignored_never_a_reason_to_drop_the_file(text, said, folder, clock):
    folder.mkdir()
    path = folder / PLAYBOOK_FILE
    path.write_text(text, encoding="utf-8")
    loaded = load_playbook(folder)
    assert loaded.phases == (Phase("A", ("a",)),) and loaded.source == str(path)
    assert loaded.problem == f"{path}, {said}; the rest of the playbook is in force"
    store = FolderStore.open(folder, clock=clock)
    assert [step.text for step in store.create("t", "c", 2).steps] == ["a"]
    assert store.playbook.problem == loaded.problem


@pytest.mark.parametrize("case", list(BAD))
def test_bad_playbook_is_refused_with_file_and_line(case, folder, clock):
    text, line, problem = BAD[case]
    folder.mkdir()
    path = folder / PLAYBOOK_FILE
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    loaded = load_playbook(folder)
    assert loaded.phases == DEFAULT_PHASES and loaded.source == "default"
    assert loaded.problem is not None
    assert loaded.problem.startswith(str(path))
    if line is not None:
        assert loaded.problem.startswith(f"{path}, line {line}: "), loaded.problem
    assert problem in loaded.problem
    assert loaded.problem.endswith("using the default playbook")
    # The store works on with the default, and says why.
    store = FolderStore.open(folder, clock=clock)
    assert store.playbook.problem == loaded.problem
    assert len(store.create("t", "c", 2).steps) == len(steps_of(DEFAULT_PHASES))
