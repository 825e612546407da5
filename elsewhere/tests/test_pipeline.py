"""Offline checks of the pipeline: it builds, and its steps are the ones that were planned.

No AWS account and no network are needed: offline.py builds the definition with fake
credentials and an in-memory AWS (moto). Run them with `pytest`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from offline import build_definition, iter_steps, step_graph

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
    "Train": (
        "Training",
        [
            "EngineerFeatures",
        ],
    ),
    "Evaluate": (
        "Processing",
        [
            "EngineerFeatures",
            "Train",
        ],
    ),
    "CheckMetric": (
        "Condition",
        [
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
    "CreateModel": (
        "Model",
        [
            "CheckMetric",
        ],
    ),
    "BatchTransform": (
        "Transform",
        [
            "CreateModel",
            "EngineerFeatures",
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
