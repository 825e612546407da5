"""Re-exporting keeps your edits: the three-way merge (git and merge3 both) and the record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from exporters import write_project
from exporters.merge import RECORD_PATH, load_record, merge_three, sha256
from exporters.writer import ExportConflict

TOOLS = [
    pytest.param(
        "git", marks=pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
    ),
    "merge3",
]
BASE = "".join(f"line {i}\n" for i in range(1, 11))


def _edit(text: str, number: int, new: str) -> str:
    return text.replace(f"line {number}\n", new)


@pytest.mark.parametrize("tool", TOOLS)
def test_separate_edits_merge_cleanly(tool: str) -> None:
    yours = _edit(BASE, 2, "line 2, my way\n")
    new = _edit(BASE, 9, "line 9, regenerated\n")
    merged = merge_three(BASE, yours, new, tool=tool)
    assert merged.conflicts == 0 and merged.tool == tool
    assert merged.text == _edit(yours, 9, "line 9, regenerated\n")


@pytest.mark.parametrize("tool", TOOLS)
def test_the_same_line_changed_twice_is_a_conflict_with_both_versions(tool: str) -> None:
    yours = _edit(BASE, 5, "line 5, mine\n")
    new = _edit(BASE, 5, "line 5, theirs\n")
    merged = merge_three(BASE, yours, new, tool=tool)
    assert merged.conflicts == 1
    assert (
        "line 4\n<<<<<<< yours\nline 5, mine\n=======\nline 5, theirs\n>>>>>>> new export\nline 6\n"
        in merged.text
    )


@pytest.mark.parametrize("tool", TOOLS)
def test_identical_changes_on_both_sides_are_not_a_conflict(tool: str) -> None:
    both = _edit(BASE, 3, "line 3 fixed\n")
    merged = merge_three(BASE, both, both, tool=tool)
    assert merged.conflicts == 0 and merged.text == both


def test_without_git_on_path_merge3_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    merged = merge_three(BASE, _edit(BASE, 1, "one\n"), _edit(BASE, 10, "ten\n"))
    assert merged.tool == "merge3" and merged.conflicts == 0
    assert merged.text.startswith("one\n") and merged.text.endswith("ten\n")


def test_the_record_holds_each_generated_text_its_hash_and_the_answers(tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text("a,b\n")
    write_project(
        tmp_path / "p", {"a.py": "x = 1\n"}, copies={"data/in.csv": data}, answers={"k": "v"}
    )
    doc = json.loads((tmp_path / "p" / RECORD_PATH).read_text())
    assert doc["answers"] == {"k": "v"}
    assert doc["files"]["a.py"] == {"sha256": sha256(b"x = 1\n"), "text": "x = 1\n"}
    assert doc["files"]["data/in.csv"] == {"sha256": sha256(b"a,b\n"), "copied": True}
    record, warning = load_record(tmp_path / "p")
    assert (
        warning is None and record.base("a.py") == "x = 1\n" and record.base("data/in.csv") is None
    )


@pytest.mark.parametrize("tool", TOOLS)
def test_reexport_updates_untouched_files_merges_edited_ones(tmp_path: Path, tool: str) -> None:
    out = tmp_path / "p"
    write_project(out, {"a.py": BASE, "b.py": BASE, "c.py": BASE})
    (out / "b.py").write_text(_edit(BASE, 1, "mine\n"))  # edited, far from the change
    (out / "c.py").write_text(_edit(BASE, 5, "mine\n"))  # edited, the same line changes
    new = _edit(BASE, 5, "regenerated\n")
    report = write_project(out, {"a.py": new, "b.py": new, "c.py": new}, merge_tool=tool)
    assert report.updated == ("a.py",)
    assert report.merged == ("b.py",)
    assert report.conflicts == ("c.py",)
    assert (out / "a.py").read_text() == new
    assert (out / "b.py").read_text() == _edit(new, 1, "mine\n")
    conflicted = (out / "c.py").read_text()
    assert "<<<<<<< yours\nmine\n=======\nregenerated\n>>>>>>> new export\n" in conflicted
    # the record's base is now the new rendering: exporting the same again changes nothing
    again = write_project(out, {"a.py": new, "b.py": new, "c.py": new}, merge_tool=tool)
    assert again.unchanged == ("a.py",) and again.kept == ("b.py", "c.py")
    assert (out / "c.py").read_text() == conflicted
    assert any("conflict markers" in w for w in again.warnings)


def test_an_edit_the_new_rendering_does_not_touch_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "p"
    write_project(out, {"a.py": BASE})
    (out / "a.py").write_text(BASE + "# mine\n")
    report = write_project(out, {"a.py": BASE})
    assert report.kept == ("a.py",) and not report.written
    assert (out / "a.py").read_text() == BASE + "# mine\n"


def test_dry_run_shows_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "p"
    write_project(out, {"a.py": BASE})
    record_before = (out / RECORD_PATH).read_bytes()
    report = write_project(out, {"a.py": _edit(BASE, 4, "four\n"), "n.py": "new\n"}, dry_run=True)
    assert report.dry_run and report.updated == ("a.py",) and report.created == ("n.py",)
    assert report.diffs is not None
    assert "-line 4\n+four\n" in report.diffs["a.py"] and "+new\n" in report.diffs["n.py"]
    assert (out / "a.py").read_text() == BASE and not (out / "n.py").exists()
    assert (out / RECORD_PATH).read_bytes() == record_before


def test_force_takes_the_new_rendering_over_your_edits(tmp_path: Path) -> None:
    out = tmp_path / "p"
    write_project(out, {"a.py": BASE})
    (out / "a.py").write_text(_edit(BASE, 5, "mine\n"))
    report = write_project(out, {"a.py": _edit(BASE, 5, "new\n")}, force=True)
    assert report.overwritten == ("a.py",) and (out / "a.py").read_text() == _edit(BASE, 5, "new\n")


def test_a_damaged_record_means_nothing_is_merged_or_replaced(tmp_path: Path) -> None:
    out = tmp_path / "p"
    write_project(out, {"a.py": BASE})
    (out / "a.py").write_text("mine\n")
    (out / RECORD_PATH).write_text("{not json")
    with pytest.raises(ExportConflict):
        write_project(out, {"a.py": _edit(BASE, 1, "x\n")})
    assert (out / "a.py").read_text() == "mine\n"
    # a record whose base text does not match its hash is not trusted either
    write_project(out, {"a.py": "mine\n"})
    doc = json.loads((out / RECORD_PATH).read_text())
    doc["files"]["a.py"]["text"] = "tampered\n"
    (out / RECORD_PATH).write_text(json.dumps(doc))
    (out / "a.py").write_text("tampered\n")
    with pytest.raises(ExportConflict):
        write_project(out, {"a.py": "new\n"})


def test_data_you_changed_is_kept_and_untouched_data_is_refreshed(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("v1\n")
    out = tmp_path / "p"
    write_project(out, {}, copies={"data/in.csv": source})
    source.write_text("v2\n")
    assert write_project(out, {}, copies={"data/in.csv": source}).updated == ("data/in.csv",)
    assert (out / "data/in.csv").read_text() == "v2\n"
    (out / "data/in.csv").write_text("my cleaned copy\n")
    source.write_text("v3\n")
    report = write_project(out, {}, copies={"data/in.csv": source})
    assert report.kept == ("data/in.csv",)
    assert (out / "data/in.csv").read_text() == "my cleaned copy\n"


def test_files_no_longer_generated_are_left_and_reported(tmp_path: Path) -> None:
    out = tmp_path / "p"
    write_project(out, {"a.py": "a\n", "deploy.py": "d\n"})
    report = write_project(out, {"a.py": "a\n"})
    assert report.stale == ("deploy.py",) and (out / "deploy.py").read_text() == "d\n"
