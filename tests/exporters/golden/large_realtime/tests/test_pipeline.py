"""Offline checks of the pipeline: it builds, its steps are the ones that were planned, and
every request SageMaker will make for them has the shape AWS's own service model requires.

No AWS account and no network are needed: offline.py builds the definition with fake
credentials and an in-memory AWS (moto), in the project's region; aws_shapes.py checks it
against botocore's SageMaker model. Run them with `pytest`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

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
            "EngineerFeatures",
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
