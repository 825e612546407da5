"""Clarify's bias check means something (issue 28): a numeric facet is cut at a threshold
(the data's median unless ``evaluation.bias_facet_threshold`` is given) and a regression
label counts as favourable above the training labels' median, not above 1. The exported
ClarifyCheck step and the local Clarify stand-in use the same values."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from exporters.render import render_project
from runners.local.containers import clarify
from wizard.check import check_document, checked_config
from wizard.errors import ConfigError
from wizard.plan import build_plan
from wizard.plan.dag import BIAS
from wizard.templates import dataset_text, template_document, write_template_data


def _document(template: str, facet: str, **evaluation: Any) -> dict[str, Any]:
    doc = template_document(template)
    doc["evaluation"]["services"] = ["clarify", *doc["evaluation"].get("services", [])]
    doc["evaluation"] |= {"bias_facet": facet, **evaluation}
    return doc


def _column(template_data: str, name: str) -> list[float]:
    lines = dataset_text(template_data).splitlines()
    index = lines[0].split(",").index(name)
    return [float(line.split(",")[index]) for line in lines[1:] if line]


def _checked(tmp_path: Path, template: str, doc: dict[str, Any]):
    write_template_data(template, tmp_path / "wizard.toml")
    return checked_config(doc, tmp_path)


def _bias_call(config) -> str:
    pipeline = render_project(build_plan(config), config)["pipeline.py"]
    start = pipeline.index("data_bias_config=BiasConfig(")
    return pipeline[start : pipeline.index("methods=[", start)]


def test_a_numeric_facet_gets_the_datas_median(tmp_path: Path) -> None:
    config = _checked(tmp_path, "demo", _document("demo", "mean_radius"))
    median = statistics.median(_column("breast_cancer.csv", "mean_radius"))
    assert config.evaluation.bias_facet_threshold == pytest.approx(median)
    step = build_plan(config).step(BIAS)
    assert step.settings["facet_threshold"] == pytest.approx(median)
    assert step.settings["label_values"] == [1]  # classification: the positive class
    call = _bias_call(config)
    assert f"facet_values_or_threshold=[{median!r}]" in call
    assert "label_values_or_threshold=[\n                    1," in call


def test_a_given_facet_threshold_is_kept(tmp_path: Path) -> None:
    doc = _document("demo", "mean_radius", bias_facet_threshold=15.0)
    config = _checked(tmp_path, "demo", doc)
    assert config.evaluation.bias_facet_threshold == 15.0
    assert "facet_values_or_threshold=[15.0]" in _bias_call(config)


def test_a_facet_with_few_values_is_compared_value_by_value(tmp_path: Path) -> None:
    config = _checked(tmp_path, "regression-demo", _document("regression-demo", "sex"))
    assert config.evaluation.bias_facet_threshold is None
    assert "facet_values_or_threshold" not in _bias_call(config)


def test_regression_labels_are_favourable_above_their_median(tmp_path: Path) -> None:
    config = _checked(tmp_path, "regression-demo", _document("regression-demo", "age"))
    median = statistics.median(_column("diabetes.csv", "progression"))
    assert config.evaluation.bias_label_threshold == pytest.approx(median)
    assert build_plan(config).step(BIAS).settings["label_values"] == [pytest.approx(median)]
    call = _bias_call(config)
    assert f"label_values_or_threshold=[\n                    {median!r}," in call
    age = statistics.median(_column("diabetes.csv", "age"))
    assert f"facet_values_or_threshold=[{age!r}]" in call


def test_unread_regression_data_needs_the_label_threshold_named() -> None:
    doc = _document("regression-demo", "age")
    doc["data_collection"]["input_uri"] = "s3://some-bucket/diabetes.csv"
    with pytest.raises(ConfigError) as raised:
        checked_config(doc, Path("."))
    assert "evaluation.bias_label_threshold" in str(raised.value)
    doc["evaluation"]["bias_label_threshold"] = 140.0
    report = check_document(doc, Path("."))
    assert report.config is not None
    assert build_plan(report.config).step(BIAS).settings["label_values"] == [140.0]


def test_the_local_stand_in_uses_the_same_thresholds(tmp_path: Path) -> None:
    """clarify.py with the thresholds: one group, the rows above the facet threshold, and
    the labels above the label threshold favourable."""
    folder = tmp_path / "dataset"
    folder.mkdir()
    rows = ["age,progression"] + [f"{age},{100 + age}" for age in range(20, 80)]
    (folder / "train.csv").write_text("\n".join(rows) + "\n")
    output = tmp_path / "analysis.json"
    command = [sys.executable, clarify.__file__, "--dataset-dir", str(folder)]
    command += ["--label", "progression", "--facet", "age", "--problem-type", "regression"]
    command += ["--facet-threshold", "60", "--label-threshold", "150", "--output", str(output)]
    subprocess.run(command, check=True, capture_output=True)
    metrics = json.loads(output.read_text())["pre_training_bias_metrics"]
    assert metrics["label_value_or_threshold"] == "150"
    (group,) = metrics["facets"]["age"]
    assert group["value_or_threshold"] == "60"
    values = {m["name"]: m["value"] for m in group["metrics"]}
    # ages 61..79 (19 rows) against 20..60 (41): the labels above 150 are ages 51 and up
    assert values["CI"] == pytest.approx((41 - 19) / 60, abs=1e-6)
    assert values["DPL"] == pytest.approx(10 / 41 - 1.0, abs=1e-6)
