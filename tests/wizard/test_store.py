from __future__ import annotations

import os
from pathlib import Path

import pytest

from wizard.errors import ConfigError, StoreError
from wizard.store import (
    atomic_write_text,
    autosave_path,
    config_to_document,
    dumps,
    load_config,
    read_document,
    write_document,
)


def test_round_trip_is_byte_identical(demo_file: Path):
    config = load_config(demo_file)
    text = dumps(config_to_document(config))
    again = tmp = demo_file.with_name("again.toml")
    write_document(tmp, config_to_document(load_config(demo_file)))
    assert again.read_text() == text
    assert dumps(config_to_document(load_config(again))) == text


def test_missing_file_says_how_to_create_one(tmp_path: Path):
    with pytest.raises(StoreError, match="sm-wizard init"):
        read_document(tmp_path / "nope.toml")


def test_corrupt_file_is_reported_and_never_overwritten(tmp_path: Path):
    path = tmp_path / "w.toml"
    path.write_text("[project\nname = 'x'")
    with pytest.raises(StoreError, match="not valid TOML"):
        read_document(path)
    with pytest.raises(StoreError, match="not overwritten"):
        write_document(path, {"schema_version": 1})
    assert path.read_text() == "[project\nname = 'x'"


def test_half_written_file(tmp_path: Path, demo_file: Path):
    text = demo_file.read_text()
    path = tmp_path / "half.toml"
    path.write_text(text[: len(text) // 2 - 7])
    with pytest.raises((StoreError, ConfigError)):
        load_config(path)


def test_binary_garbage(tmp_path: Path):
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(StoreError, match="UTF-8"):
        read_document(path)


def test_atomic_write_leaves_no_temp_files(tmp_path: Path):
    target = tmp_path / "sub" / "a.toml"
    atomic_write_text(target, "x = 1\n")
    atomic_write_text(target, "x = 2\n")
    assert target.read_text() == "x = 2\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.toml"]


def test_atomic_write_keeps_old_content_on_failure(tmp_path: Path, monkeypatch):
    target = tmp_path / "a.toml"
    target.write_text("old = 1\n")

    def boom(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new = 2\n")
    assert target.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.toml"]


def test_autosave_lives_in_the_state_dir(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SM_WIZARD_STATE_DIR", str(tmp_path / "st"))
    assert autosave_path() == tmp_path / "st" / "autosave.toml"
    monkeypatch.delenv("SM_WIZARD_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert autosave_path() == tmp_path / "xdg" / "sm-wizard" / "autosave.toml"
