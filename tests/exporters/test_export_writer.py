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


def test_modes_are_0644_and_0755_for_scripts_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        write_project(tmp_path, {"run.py": "#!/usr/bin/env python\n", "lib.py": "x = 1\n"})
    finally:
        os.umask(old)
    assert (tmp_path / "run.py").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "lib.py").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("link", ["code", "code/sub"])
def test_symlinked_folders_inside_the_project_are_refused(tmp_path: Path, link: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    (out / link).parent.mkdir(parents=True, exist_ok=True)
    (out / link).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(WizardError, match="symbolic link") as raised:
        write_project(out, {"pipeline.py": "p\n", "code/sub/train.py": "t\n"})
    assert str(out / link) in raised.value.message
    assert list(elsewhere.iterdir()) == [] and not (out / "pipeline.py").exists()


def test_a_symlinked_file_is_refused_not_written_through(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("keep\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").symlink_to(secret)
    with pytest.raises(WizardError, match="symbolic link"):
        write_project(out, {"README.md": "readme\n"}, force=True)
    assert secret.read_text() == "keep\n"


def test_a_symlinked_out_folder_itself_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    write_project(tmp_path / "link", {"a.txt": "a\n"})
    assert (real / "a.txt").read_text() == "a\n"


@pytest.mark.parametrize(
    ("uri", "named"),
    [
        ("pipeline.py", "pipeline.py"),
        ("code/train.py", "code/train.py"),
        ("code", "code"),
        ("pipeline.py/x.csv", "pipeline.py"),
    ],
)
def test_data_never_replaces_a_generated_file(tmp_path: Path, uri: str, named: str) -> None:
    source = tmp_path / "data.csv"
    source.write_text("a,b\n")
    files = {"pipeline.py": "p\n", "code/train.py": "t\n"}
    with pytest.raises(WizardError) as raised:
        write_project(tmp_path / "out", files, copies={uri: source})
    assert repr(uri) in raised.value.message and f"generated {named}" in raised.value.message
    assert not (tmp_path / "out").exists()


def test_data_is_copied_only_into_the_data_folder(tmp_path: Path) -> None:
    source = tmp_path / "train.csv"
    source.write_text("a,b\n")
    with pytest.raises(WizardError, match="only into the project's data/ folder") as raised:
        write_project(tmp_path / "out", {"pipeline.py": "p\n"}, copies={"train.csv": source})
    assert 'input_uri = "data/train.csv"' in raised.value.message
    assert not (tmp_path / "out").exists()


def test_an_unwritable_folder_is_a_sentence_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def denied(*args: object, dir: str = "", **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", dir)

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(WizardError, match=r"permission denied\. Choose a folder you can write to"):
        write_project(tmp_path / "out", {"a.txt": "a\n"})


def test_one_fsync_per_folder_not_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real_fsync(fd))[1])
    files = {f"code/s{i}.py": "x\n" for i in range(10)} | {f"t{i}.md": "y\n" for i in range(10)}
    write_project(tmp_path / "out", files)
    # code/ and the top folder once each, plus the record (its file and its folder), plus the
    # folder the new project is renamed into
    assert len(calls) == 5
