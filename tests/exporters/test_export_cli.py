"""`sm-wizard export FILE --out DIR [--verify] [--force]`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from export_cases import config_file

from cli.main import main
from exporters import verify
from exporters.definition import Problem, StepInfo
from exporters.verify import VerifyResult


@pytest.fixture(scope="module")
def demo_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return config_file("demo", tmp_path_factory.mktemp("cli-config"))


def _export(*args: str) -> object:
    return CliRunner().invoke(main, ["export", *args])


def test_export_writes_the_project_then_leaves_it_alone(demo_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "proj"
    first = _export(str(demo_config), "--out", str(out))
    assert first.exit_code == 0, first.output
    assert "created     pipeline.py" in first.output
    assert "data/breast_cancer.csv" in first.output
    assert (out / "pipeline.py").is_file() and (out / "data" / "breast_cancer.csv").is_file()
    assert "next: cd" in first.output

    again = _export(str(demo_config), "--out", str(out))
    assert again.exit_code == 0
    assert "unchanged" in again.output and "created" not in again.output


def test_files_without_a_record_need_force(demo_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "proj"
    out.mkdir()
    (out / "pipeline.py").write_text("# my own pipeline\n")
    refused = _export(str(demo_config), "--out", str(out))
    assert refused.exit_code == 2
    assert "pipeline.py" in refused.output and "--force" in refused.output
    assert (out / "pipeline.py").read_text() == "# my own pipeline\n"
    assert not (out / "README.md").exists()  # nothing at all was written
    forced = _export(str(demo_config), "--out", str(out), "--force")
    assert forced.exit_code == 0
    assert "overwritten pipeline.py" in forced.output


def test_bad_input_exits_2(tmp_path: Path) -> None:
    missing = _export(str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o"))
    assert missing.exit_code == 2 and "no such file" in missing.output
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\n[project]\nname = "bad name"\n')
    invalid = _export(str(bad), "--out", str(tmp_path / "o"))
    assert invalid.exit_code == 2 and "project.name" in invalid.output
    assert not (tmp_path / "o").exists()


def test_missing_local_data_stops_the_export_as_validate_does(
    demo_config: Path, tmp_path: Path
) -> None:
    lonely = tmp_path / "elsewhere" / "wizard.toml"
    lonely.parent.mkdir()
    lonely.write_text(demo_config.read_text())
    result = _export(str(lonely), "--out", str(tmp_path / "proj"))
    validated = CliRunner().invoke(main, ["validate", str(lonely)])
    assert result.exit_code == validated.exit_code == 2
    first_error = validated.output.splitlines()[0]
    assert "data_collection.input_uri" in first_error and first_error in result.output
    assert not (tmp_path / "proj").exists()


def test_verify_lists_the_steps(
    demo_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = (StepInfo("A", "Processing", ()), StepInfo("B", "Training", ("A",)))
    image = "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-xgboost:3.2-0"
    built = VerifyResult(True, steps, seconds=1, region="eu-central-1", images=(image,))
    monkeypatch.setattr(verify, "verify_project", lambda out: built)
    result = _export(str(demo_config), "--out", str(tmp_path / "proj"), "--verify")
    assert result.exit_code == 0, result.output
    assert "the definition builds for eu-central-1: 2 steps" in result.output
    assert f"  image {image}" in result.output
    assert "  B  Training        after A" in result.output


def test_verify_failure_exits_1_with_the_explanation(
    demo_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failure = VerifyResult(False, problems=(Problem("bad value", "Train", "compute.x"),))
    monkeypatch.setattr(verify, "verify_project", lambda out: failure)
    result = _export(str(demo_config), "--out", str(tmp_path / "proj"), "--verify")
    assert result.exit_code == 1
    assert "step Train compute.x: bad value" in result.output
