"""Offline checks of the pipeline: it builds, its steps are the ones that were planned, and
every request SageMaker will make for them has the shape AWS's own service model requires.

No AWS account and no network are needed: offline.py builds the definition with fake
credentials and an in-memory AWS (moto), in the project's region; aws_shapes.py checks it
against botocore's SageMaker model. Run them with `pytest`.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tarfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aws_shapes import (
    accepted_hyperparameters,
    check_definition,
    check_hyperparameters,
    check_json_gets,
    sample_evaluation_report,
)
from offline import OFFLINE_ROLE_ARN, PROJECT_DIR, build_definition, iter_steps, step_graph

PIPELINE_NAME = "churn-at-scale"
PROBLEM_TYPE = "binary_classification"
# The training steps and the script each runs (None: SageMaker's built-in XGBoost).
TRAINING_SCRIPTS: dict[str, str | None] = {
    "Tune": None,
}
# The property file each JsonGet reads, and the script whose report fills it.
REPORT_SCRIPTS = {
    "EvaluationReport": "evaluate.py",
}

# What sm-wizard planned: each step, its type in the definition, and the steps it waits for.
# If you change the pipeline on purpose, change this too.
EXPECTED_STEPS: dict[str, tuple[str, list[str]]] = {
    "PrepareData": ("Processing", []),
    "EngineerFeatures": (
        "Processing",
        [
            "PrepareData",
        ],
    ),
    "DataQualityBaseline": (
        "QualityCheck",
        [
            "PrepareData",
        ],
    ),
    "DataBiasCheck": (
        "ClarifyCheck",
        [
            "PrepareData",
        ],
    ),
    "Tune": (
        "Tuning",
        [
            "EngineerFeatures",
        ],
    ),
    "Evaluate": (
        "Processing",
        [
            "EngineerFeatures",
            "Tune",
        ],
    ),
    "CheckMetric": (
        "Condition",
        [
            "DataBiasCheck",
            "DataQualityBaseline",
            "Evaluate",
        ],
    ),
    "RegisterModel": (
        "RegisterModel",
        [
            "CheckMetric",
        ],
    ),
    "MetricBelowThreshold": (
        "Fail",
        [
            "CheckMetric",
        ],
    ),
}
# What the data steps are given, for the serving check at the end: the served model must
# answer the rows of your data as they are, before any fix.
PREPARE_SCRIPT = "prepare_spark.py"
PREPARE_ARGUMENTS = [
    "--target-column",
    "churned",
    "--missing-values",
    "median",
    "--train-ratio",
    "0.7",
    "--validation-ratio",
    "0.15",
    "--test-ratio",
    "0.15",
    "--random-seed",
    "42",
    "--problem-type",
    "binary_classification",
    "--drop-column",
    "customer_id",
    "--baseline",
]
FEATURES_ARGUMENTS = [
    "--target-column",
    "churned",
    "--scaling",
    "standard",
    "--categorical-encoding",
    "onehot",
    "--max-categories",
    "20",
    "--problem-type",
    "binary_classification",
]
# The data, when it is in this project (None: it is in S3).
DATA_FILE = None
HAS_HEADER = True
SERVING_ROWS = 20
EXPECTED_PARAMETERS = [
    "InputDataUrl",
    "ProcessingInstanceType",
    "TrainingInstanceType",
    "ModelApprovalStatus",
    "MetricThreshold",
]


@cache
def definition() -> dict[str, Any]:
    return json.loads(build_definition())


def test_the_definition_builds() -> None:
    assert definition()["Steps"]


def test_the_steps_are_the_planned_ones() -> None:
    built = {name: kind for name, (kind, _, _) in step_graph(definition()).items()}
    assert built == {name: kind for name, (kind, _) in EXPECTED_STEPS.items()}


def test_each_step_waits_for_the_steps_it_needs() -> None:
    graph = step_graph(definition())
    for name, (_, needs) in EXPECTED_STEPS.items():
        waits_for = set(graph[name][1])
        assert set(needs) <= waits_for, f"{name} must wait for {sorted(set(needs) - waits_for)}"


def test_the_parameters_are_declared() -> None:
    assert [p["Name"] for p in definition()["Parameters"]] == EXPECTED_PARAMETERS


def test_every_job_step_has_a_cache_configuration() -> None:
    # A job step can reuse an earlier identical result (when caching is on).
    for step, _, _ in iter_steps(definition()):
        if step["Type"] in ("Processing", "Training", "Tuning", "Transform"):
            assert "CacheConfig" in step, f"{step['Name']} has no cache configuration"


def test_every_request_has_the_shape_aws_requires() -> None:
    # Unknown keys, required members, enums (instance types...), patterns, lengths, ranges.
    report = check_definition(json.dumps(definition()), PIPELINE_NAME, OFFLINE_ROLE_ARN)
    assert not report.problems, "\n".join(report.problems)


def test_every_hyperparameter_is_one_the_algorithm_accepts() -> None:
    accepted = accepted_hyperparameters(PROJECT_DIR, TRAINING_SCRIPTS)
    report = check_hyperparameters(definition(), accepted)
    assert not report.problems, "\n".join(report.problems)


def test_every_json_get_path_is_in_the_evaluation_report() -> None:
    reports = {
        name: sample_evaluation_report(PROJECT_DIR / "code" / script, PROBLEM_TYPE)
        for name, script in REPORT_SCRIPTS.items()
    }
    report = check_json_gets(definition(), reports)
    assert not report.problems, "\n".join(report.problems)


def _run(script: str, *arguments: str | Path) -> None:
    command = [sys.executable, str(PROJECT_DIR / "code" / script), *map(str, arguments)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"


def test_the_served_model_answers_raw_rows(tmp_path, monkeypatch) -> None:
    """Rows of the data as they are (before prepare.py) through the serving code the model
    ships: features.py's model.tar.gz applies the row fixes and fitted transformations."""
    if PREPARE_SCRIPT != "prepare.py":
        pytest.skip(f"the data is prepared by {PREPARE_SCRIPT} (Spark), not run here")
    source = PROJECT_DIR / DATA_FILE if DATA_FILE else None
    if source is None or not source.is_file():
        pytest.skip("the data is not a file in this project")
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / source.name).write_text("".join(lines[:400]), encoding="utf-8")
    _run(
        "prepare.py",
        *PREPARE_ARGUMENTS,
        "--input-dir",
        raw,
        "--output-dir",
        tmp_path / "prepared",
    )
    _run(
        "features.py",
        *FEATURES_ARGUMENTS,
        "--input-dir",
        tmp_path / "prepared",
        "--output-dir",
        tmp_path / "features",
    )
    served = tmp_path / "served"
    with tarfile.open(tmp_path / "features" / "transformer" / "model.tar.gz") as bundle:
        bundle.extractall(served, filter="data")
    monkeypatch.syspath_prepend(str(served / "code"))
    monkeypatch.setenv("SM_WIZARD_SERVING_STAGE", "features")
    spec = importlib.util.spec_from_file_location("inference", served / "code" / "inference.py")
    assert spec is not None and spec.loader is not None
    inference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(inference)
    model = inference.model_fn(str(served))

    body = "".join(lines[: SERVING_ROWS + (1 if HAS_HEADER else 0)])  # the label included
    matrix = inference.predict_fn(inference.input_fn(body, "text/csv"), model)
    assert matrix.shape == (SERVING_ROWS, len(model["bundle"]["feature_names"]))
    answer, content_type = inference.output_fn(matrix, "text/csv")
    assert content_type == "text/csv" and len(answer.splitlines()) == SERVING_ROWS

    # a record without one of the columns is refused, naming it
    needed = inference.serving.needed_columns(model["bundle"])
    partial = json.dumps([{column: None for column in needed[1:]}])
    with pytest.raises(ValueError, match=f"missing column: {needed[0]}"):
        inference.predict_fn(inference.input_fn(partial, "application/json"), model)
