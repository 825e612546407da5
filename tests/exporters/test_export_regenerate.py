"""`sm-wizard export` again after editing the project: edits kept, new answers applied
(issue 13's checks), conflicts exit 1, --diff writes nothing, --force takes the new version."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from export_cases import config_file

from cli.main import main
from exporters.merge import RECORD_PATH

PIPELINE_EDIT = "# my note: this project is ours now\n"


def _export(*args: str) -> object:
    return CliRunner().invoke(main, ["export", *args])


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """small_batch (script-mode training, so code/train.py exists), exported once."""
    config = config_file("small_batch", tmp_path)
    out = tmp_path / "proj"
    first = _export(str(config), "--out", str(out))
    assert first.exit_code == 0, first.output
    assert '"max_depth": 10,' in (out / "pipeline.py").read_text()
    return config, out


def _set_answer(config: Path, old: str, new: str) -> None:
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new))


def test_edits_are_kept_and_new_answers_applied(project: tuple[Path, Path]) -> None:
    config, out = project
    pipeline = (out / "pipeline.py").read_text()
    lines = pipeline.splitlines(keepends=True)
    (out / "pipeline.py").write_text("".join([*lines[:3], PIPELINE_EDIT, *lines[3:]]))
    train = (out / "code" / "train.py").read_text()
    (out / "code" / "train.py").write_text(train + "\n# my tweak to training\n")
    _set_answer(config, "max_depth = 10", "max_depth = 14")

    result = _export(str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "merged      pipeline.py" in result.output
    assert "kept        code/train.py" in result.output
    merged = (out / "pipeline.py").read_text()
    assert PIPELINE_EDIT in merged and '"max_depth": 14,' in merged
    assert '"max_depth": 10,' not in merged and "<<<<<<<" not in merged
    assert (out / "code" / "train.py").read_text().endswith("# my tweak to training\n")
    assert "max_depth = 14" in (out / "wizard.toml").read_text()


def test_an_edit_on_a_line_the_answers_change_is_a_conflict(project: tuple[Path, Path]) -> None:
    config, out = project
    pipeline = (out / "pipeline.py").read_text()
    (out / "pipeline.py").write_text(
        pipeline.replace('"max_depth": 10,', '"max_depth": 12,  # tuned by hand')
    )
    _set_answer(config, "max_depth = 10", "max_depth = 11")

    preview = _export(str(config), "--out", str(out), "--diff")
    assert preview.exit_code == 0
    assert (
        "+>>>>>>> new export" in preview.output and "would get conflict markers" in preview.output
    )
    assert "<<<<<<<" not in (out / "pipeline.py").read_text()  # --diff wrote nothing

    result = _export(str(config), "--out", str(out))
    assert result.exit_code == 1
    assert "CONFLICT    pipeline.py" in result.output and "pipeline.py" in result.output
    text = (out / "pipeline.py").read_text()
    assert (
        '<<<<<<< yours\n            "max_depth": 12,  # tuned by hand\n=======\n'
        '            "max_depth": 11,\n>>>>>>> new export\n'
    ) in text

    forced = _export(str(config), "--out", str(out), "--force")
    assert forced.exit_code == 0
    assert "<<<<<<<" not in (out / "pipeline.py").read_text()
    assert '"max_depth": 11,' in (out / "pipeline.py").read_text()


def test_exporting_in_place_keeps_the_answers_file_and_its_comments(
    project: tuple[Path, Path],
) -> None:
    _, out = project
    answers = out / "wizard.toml"
    _set_answer(answers, "max_depth = 10", "max_depth = 13  # deeper trees")
    answers.write_text("# house prices, v2\n" + answers.read_text())
    before = answers.read_bytes()
    result = _export(str(answers))  # no --out: the project folder itself
    assert result.exit_code == 0, result.output
    assert answers.read_bytes() == before
    assert '"max_depth": 13,' in (out / "pipeline.py").read_text()


def test_default_out_is_next_to_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_file("small_batch", tmp_path / "cfg")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = _export(str(config))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cfg" / "house-prices" / RECORD_PATH).is_file()
    assert list(elsewhere.iterdir()) == []


def test_exported_files_are_0644_and_scripts_0755(project: tuple[Path, Path]) -> None:
    _, out = project
    assert (out / "pipeline.py").stat().st_mode & 0o777 == 0o755
    for name in ("README.md", "wizard.toml", "code/train.py", "data/houses.csv"):
        assert (out / name).stat().st_mode & 0o777 == 0o644, name


def test_data_named_like_a_generated_file_goes_to_the_data_folder(tmp_path: Path) -> None:
    """Data beside the config is copied into the project's data/ folder (and the project's
    input_uri points there), so even a file called pipeline.py cannot replace the generated
    one."""
    config = config_file("small_batch", tmp_path)
    (tmp_path / "pipeline.py").write_bytes((tmp_path / "data" / "houses.csv").read_bytes())
    _set_answer(config, 'input_uri = "data/houses.csv"', 'input_uri = "pipeline.py"')
    result = _export(str(config), "--out", str(tmp_path / "proj"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "proj" / "data" / "pipeline.py").read_bytes().startswith(b"area,")
    assert "def build_pipeline" in (tmp_path / "proj" / "pipeline.py").read_text()
    assert 'input_uri = "data/pipeline.py"' in (tmp_path / "proj" / "wizard.toml").read_text()


def test_an_unwritable_folder_is_exit_2_with_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    config = config_file("small_batch", tmp_path)
    real_mkdir = Path.mkdir

    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        # the new project is built in a temporary folder beside it (.ro.*.tmp), then renamed
        if self.is_relative_to(tmp_path / "ro") or self.name.startswith(".ro."):
            raise PermissionError(13, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    result = _export(str(config), "--out", str(tmp_path / "ro" / "proj"))
    assert result.exit_code == 2, result.output
    assert "permission denied" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not os.path.exists(tmp_path / "ro")
