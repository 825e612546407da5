"""The writer: creates, never deletes, refuses to overwrite what differs unless forced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporters import ExportConflict, write_project
from wizard.errors import WizardError


def _tree(root: Path) -> dict[str, bytes]:
    """The project's files, without the generation record."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".sm-wizard/")
    }


def test_creates_folders_and_files(tmp_path: Path) -> None:
    report = write_project(tmp_path / "out", {"a.py": "#!/usr/bin/env python\n", "x/y/z.md": "z\n"})
    assert report.created == ("a.py", "x/y/z.md")
    assert _tree(tmp_path / "out") == {"a.py": b"#!/usr/bin/env python\n", "x/y/z.md": b"z\n"}
    assert os.access(tmp_path / "out" / "a.py", os.X_OK)
    assert report.summary().endswith("2 created")


def test_same_content_is_unchanged_and_untouched(tmp_path: Path) -> None:
    write_project(tmp_path, {"a.txt": "same\n"})
    before = (tmp_path / "a.txt").stat().st_mtime_ns
    report = write_project(tmp_path, {"a.txt": "same\n"})
    assert report.unchanged == ("a.txt",) and not report.written
    assert (tmp_path / "a.txt").stat().st_mtime_ns == before


def test_refuses_to_overwrite_and_then_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "edited.py").write_text("mine\n")
    with pytest.raises(ExportConflict) as raised:
        write_project(tmp_path, {"new.txt": "new\n", "edited.py": "theirs\n"})
    assert raised.value.paths == ["edited.py"]
    assert "--force" in raised.value.message
    assert _tree(tmp_path) == {"edited.py": b"mine\n"}  # not even new.txt


def test_force_overwrites_and_never_deletes(tmp_path: Path) -> None:
    (tmp_path / "edited.py").write_text("mine\n")
    (tmp_path / "extra.txt").write_text("keep me\n")
    report = write_project(tmp_path, {"edited.py": "theirs\n"}, force=True)
    assert report.overwritten == ("edited.py",)
    assert _tree(tmp_path) == {"edited.py": b"theirs\n", "extra.txt": b"keep me\n"}


def test_line_endings_are_kept_byte_for_byte(tmp_path: Path) -> None:
    write_project(tmp_path, {"crlf.py": "a\r\nb\n"})
    assert (tmp_path / "crlf.py").read_bytes() == b"a\r\nb\n"


def test_copies_data_and_reports_missing_sources(tmp_path: Path) -> None:
    source = tmp_path / "src.csv"
    source.write_bytes(b"a,b\n1,2\n")
    out = tmp_path / "out"
    report = write_project(
        out, {}, copies={"data/in.csv": source, "data/gone.csv": tmp_path / "nope.csv"}
    )
    assert report.created == ("data/in.csv",) and report.missing == ("data/gone.csv",)
    assert (out / "data/in.csv").read_bytes() == b"a,b\n1,2\n"
    again = write_project(out, {}, copies={"data/in.csv": out / "data/in.csv"})  # onto itself
    assert again.unchanged == ("data/in.csv",)


@pytest.mark.parametrize("bad", ["../escape.txt", "/etc/passwd", "a/../../b", "a\\b", ""])
def test_paths_must_stay_inside_the_project(tmp_path: Path, bad: str) -> None:
    with pytest.raises(WizardError):
        write_project(tmp_path / "out", {bad: "x"})
    assert not (tmp_path / "escape.txt").exists()


def test_the_target_must_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(WizardError, match="not a folder"):
        write_project(tmp_path / "file", {"a": "b"})
    (tmp_path / "out" / "a").mkdir(parents=True)
    with pytest.raises(WizardError, match="not a file"):
        write_project(tmp_path / "out", {"a": "b"})
