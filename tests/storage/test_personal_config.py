"""The user's own config.toml: found under $XDG_CONFIG_HOME, read as tables, a broken one named and not used."""

from __future__ import annotations

from storage.store import personal_config_path, read_personal_config


def test_the_file_lives_in_the_users_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "conf"))
    assert personal_config_path() == tmp_path / "conf" / "mishap" / "config.toml"
    assert read_personal_config().tables == {}
    assert read_personal_config().problem is None


def test_tables_are_read_and_a_value_that_is_not_a_table_counts_as_absent(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('mail = "oops"\n[calendar]\nfile = "/tmp/x.ics"\n', encoding="utf-8")
    config = read_personal_config(path)
    assert config.table("calendar") == {"file": "/tmp/x.ics"}
    assert config.table("mail") == {}
    assert config.problem is None


def test_a_broken_file_is_named_and_left_as_it_is(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"[mail\nhost = 1\n")
    config = read_personal_config(path)
    assert config.tables == {}
    assert str(path) in config.problem and "not readable TOML" in config.problem
    assert path.read_bytes() == b"[mail\nhost = 1\n"
