"""What json says about a bad file reads as one sentence (issue 17, item 13: "starting at at line 1")."""

from __future__ import annotations

import pytest

from storage.store import CorruptFile, FolderStore


@pytest.mark.parametrize("raw, said", [
    (b'{"incidents": {"1": {"title": "Doubled', "not valid JSON (Unterminated string starting at line 1, column 31)"),
    (b'{"incidents": {"1": {"title": "a\x01b"}}}', "not valid JSON (Invalid control character at line 1, column 33)"),
    (b'{"incidents": {"1": }}', "not valid JSON (Expecting value at line 1, column 21)"),
    (b'{"incidents": {}}\n{}', "not valid JSON (Extra data at line 2, column 1)"),
], ids=["unterminated", "control-character", "expecting-value", "extra-data"])
def test_where_json_stopped_is_said_once(folder, clock, raw, said):
    folder.mkdir()
    (folder / "open.json").write_bytes(raw)
    with pytest.raises(CorruptFile) as caught:
        FolderStore.open(folder, clock=clock)
    assert caught.value.problem == said
    assert f"Cannot open {folder / 'open.json'}: {said}. Nothing was changed." in str(caught.value)
    assert " at at " not in str(caught.value)
    assert (folder / "open.json").read_bytes() == raw
