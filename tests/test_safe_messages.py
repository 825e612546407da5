"""NUL bytes and huge values through the real CLI (issue 30, item 3).

A NUL byte in ``input_uri`` ended ``validate`` in ``ValueError: embedded null byte``; a
900,000-character value was echoed whole (980 KB on stderr). Now: a message naming the
field, exit 2, and each echoed value cut to about 200 characters with its length.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from cli.main import main
from wizard.datacheck import check_data
from wizard.echo import ECHO_LIMIT, MESSAGE_LIMIT, capped_message, quoted
from wizard.errors import WizardError
from wizard.templates import template_document, write_template_data
from wizard.validation import Problem

HUGE = 900_000


def _config(tmp_path: Path, section: str, key: str, value: object) -> Path:
    doc = template_document("demo")
    doc[section][key] = value
    file = tmp_path / "wizard.toml"
    file.write_text(tomli_w.dumps(doc))
    write_template_data("demo", file)
    return file


def _invoke(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SM_WIZARD_STATE_DIR", str(tmp_path / ".state"))
    return CliRunner().invoke(main, args)


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "wizard.toml"],
        ["validate", "--no-data", "wizard.toml"],
        ["plan", "wizard.toml"],
        ["export", "wizard.toml", "--out", "proj"],
        ["run", "wizard.toml", "--headless"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
@pytest.mark.parametrize("uri", ["data/x\x00.csv", "\x00", "data/breast_cancer.csv\x00"])
def test_a_nul_byte_in_the_input_path_is_a_message_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], uri: str
) -> None:
    _config(tmp_path, "data_collection", "input_uri", uri)
    result = _invoke(args, tmp_path, monkeypatch)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "embedded null byte" not in result.output
    assert "data_collection.input_uri" in result.output


def test_the_data_check_alone_reports_a_nul_byte() -> None:
    doc = template_document("demo")
    doc["data_collection"]["input_uri"] = "data/x\x00.csv"
    report = check_data(doc, Path.cwd())
    [problem] = report.problems
    assert problem.path == "data_collection.input_uri" and "NUL" in problem.message


HUGE_FIELDS = [
    ("project", "bucket", "b" * HUGE),
    ("project", "region", "r" * HUGE),
    ("project", "role_arn", "x" * HUGE),
    ("data_collection", "target_column", "t" * HUGE),
    ("data_collection", "input_uri", "ftp://" + "k" * HUGE),
    ("orchestration", "cache_expire_after", "P" * HUGE),
    ("training", "instance_type", "ml." * (HUGE // 3)),
    ("evaluation", "bias_facet", "f" * HUGE),
    ("orchestration", "schedule", "cron(" + "1 " * (HUGE // 2) + ")"),
]


@pytest.mark.parametrize(("section", "key", "value"), HUGE_FIELDS, ids=lambda x: str(x)[:30])
def test_a_huge_value_is_echoed_cut_with_its_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section: str, key: str, value: str
) -> None:
    _config(tmp_path, section, key, value)
    result = _invoke(["validate", "wizard.toml"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert f"{section}.{key}" in result.output
    assert len(result.output) < 3 * MESSAGE_LIMIT, len(result.output)
    echoed = value[:300] in result.output
    assert not echoed, "the value was echoed past the cap"
    if value[:150] in result.output:  # an echo says how long the value was
        assert "characters)" in result.output


def test_quoted_cuts_and_says_the_length() -> None:
    assert quoted("short") == "'short'"
    long = quoted("a" * HUGE)
    assert long.endswith("…' (900,000 characters)") and len(long) < ECHO_LIMIT + 40


def test_every_problem_and_error_is_capped_in_one_place() -> None:
    problem = Problem("project.name", "x" * HUGE + " the advice")
    assert len(problem.message) < MESSAGE_LIMIT + 60
    assert problem.message.endswith("the advice") and "characters cut" in problem.message
    error = WizardError("cannot read " + "/p" * HUGE + ": fix it")
    assert len(error.message) < MESSAGE_LIMIT + 60 and error.message.endswith("fix it")
    assert capped_message("two\nlines") == "two\nlines"
