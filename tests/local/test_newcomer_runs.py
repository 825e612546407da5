"""A blank project answered as a newcomer would: input, target and problem type, nothing else.
For binary, five-class and regression data it must validate, run to Succeeded on this machine
and export; and a leak in the data must be flagged before anything runs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import tomlkit
from click.testing import CliRunner

from cli.main import main

pytestmark = pytest.mark.xdist_group("newcomer-runs")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _data(path: Path, problem_type: str, rows: int = 400) -> None:
    """A learnable table with a category, gaps and string labels."""
    rng = random.Random(3)
    lines = ["tenure,monthly,plan,region,label"]
    for _ in range(rows):
        tenure, monthly = rng.randint(1, 72), round(rng.uniform(10, 120), 2)
        plan = rng.choice(["basic", "plus", "pro"])
        signal = tenure / 72 - monthly / 120 + {"basic": 0.0, "plus": 0.3, "pro": 0.6}[plan]
        signal += rng.gauss(0, 0.15)
        if problem_type == "regression":
            label: object = round(50 + 40 * signal, 3)
        elif problem_type == "binary_classification":
            label = "yes" if signal > 0.1 else "no"
        else:
            label = "ABCDE"[min(4, max(0, int((signal + 1) * 2.2)))]
        region = "" if rng.random() < 0.05 else rng.choice(["north", "south", "east"])
        lines.append(f"{tenure},{monthly},{plan},{region},{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _blank(folder: Path, problem_type: str) -> Path:
    config = folder / "wizard.toml"
    assert invoke("init", "--template", "blank", "--out", str(config)).exit_code == 0
    doc = tomlkit.parse(config.read_text())
    doc["data_collection"]["input_uri"] = "mine.csv"
    doc["data_collection"]["target_column"] = "label"
    doc["profile"]["problem_type"] = problem_type
    config.write_text(tomlkit.dumps(doc))
    _data(folder / "mine.csv", problem_type)
    return config


@pytest.mark.parametrize(
    "problem_type", ["binary_classification", "multiclass_classification", "regression"]
)
def test_a_blank_project_validates_runs_and_exports(tmp_path, problem_type):
    config = _blank(tmp_path, problem_type)
    checked = invoke("validate", str(config))
    assert checked.exit_code == 0, checked.output
    run = invoke("run", str(config), "--json", "--run-dir", str(tmp_path / "runs"))
    events = [json.loads(line) for line in run.output.splitlines() if line.startswith("{")]
    last = events[-1]
    assert (last["type"], last["status"]) == ("execution", "Succeeded"), run.output[-3000:]
    gate = [e for e in events if e["type"] == "log" and e["step"] == "CheckMetric"]
    assert any("naive guess" in e["line"] for e in gate)  # no pass mark: beat the baseline
    exported = invoke("export", str(config), "--out", str(tmp_path / "proj"))
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "proj" / "pipeline.py").is_file()


def test_a_leak_is_flagged_before_the_run_and_export_still_refuses_errors(tmp_path):
    config = _blank(tmp_path, "binary_classification")
    data = tmp_path / "mine.csv"
    lines = data.read_text().splitlines()
    # a copy of the label that only a leak would have
    leaked = [lines[0] + ",outcome_code"] + [
        f"{line},{'Y' if line.endswith('yes') else 'N'}" for line in lines[1:]
    ]
    data.write_text("\n".join(leaked) + "\n")
    checked = invoke("validate", str(config), "--json")
    report = json.loads(checked.output)
    assert report["valid"] is True
    leaks = [p for p in report["problems"] if "'outcome_code'" in p["message"]]
    assert leaks and leaks[0]["path"] == "data_preparation.drop_columns"

    data.write_text("tenure;monthly;label\n1;2;yes\n3;4;no\n")  # ';'-separated: an error
    for args in (("validate",), ("export", "--out", str(tmp_path / "p")), ("run", "--json")):
        result = CliRunner().invoke(main, [args[0], str(config), *args[1:]])
        assert result.exit_code == 2, (args, result.output)
        assert "'label' is not a column" in result.output
    assert not (tmp_path / "p").exists() and not (tmp_path / ".sm-wizard").exists()
