"""A small IAM policy evaluator for the tests: Allow/Deny statements, wildcards in actions and
resources, and the condition operators the bootstrap role uses. Anything it does not
understand counts as not allowed, so a gap can only make a test fail, never pass."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _match(pattern: str, value: str, *, case: bool) -> bool:
    if case:
        return fnmatch.fnmatchcase(value, pattern)
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    for operator, tests in conditions.items():
        for key, expected in tests.items():
            if key not in context:
                return False
            actual = context[key]
            values = [str(v) for v in _listed(expected)]
            if operator == "StringEquals" and actual not in values:
                return False
            if operator == "StringLike" and not any(_match(v, actual, case=True) for v in values):
                return False
            if operator == "Bool" and actual.lower() not in [v.lower() for v in values]:
                return False
            if operator not in ("StringEquals", "StringLike", "Bool"):
                return False
    return True


def allowed(
    statements: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> bool:
    context = context or {}
    verdict = False
    for statement in statements:
        actions = _listed(statement.get("Action", []))
        resources = _listed(statement.get("Resource", []))
        if not any(_match(a, action, case=False) for a in actions):
            continue
        if not any(_match(r, resource, case=True) for r in resources):
            continue
        if not _conditions_hold(statement.get("Condition", {}), context):
            continue
        if statement["Effect"] == "Deny":
            return False
        verdict = True
    return verdict


# What SageMaker Pipelines calls as the pipeline's role for each step type (AWS docs:
# "IAM access management" for Pipelines). Written out here, apart from exporters/infra.py.
REQUIRED: dict[str, list[tuple[str, str]]] = {
    "Processing": [
        ("sagemaker:CreateProcessingJob", "processing-job/{job}"),
        ("sagemaker:DescribeProcessingJob", "processing-job/{job}"),
        ("sagemaker:StopProcessingJob", "processing-job/{job}"),
        ("sagemaker:AddTags", "processing-job/{job}"),
    ],
    "QualityCheck": [
        ("sagemaker:CreateProcessingJob", "processing-job/{job}"),
        ("sagemaker:DescribeProcessingJob", "processing-job/{job}"),
    ],
    "ClarifyCheck": [
        ("sagemaker:CreateProcessingJob", "processing-job/{job}"),
        ("sagemaker:DescribeProcessingJob", "processing-job/{job}"),
    ],
    "Training": [
        ("sagemaker:CreateTrainingJob", "training-job/{job}"),
        ("sagemaker:DescribeTrainingJob", "training-job/{job}"),
        ("sagemaker:StopTrainingJob", "training-job/{job}"),
        ("sagemaker:AddTags", "training-job/{job}"),
    ],
    "Tuning": [
        ("sagemaker:CreateHyperParameterTuningJob", "hyper-parameter-tuning-job/{job}"),
        ("sagemaker:DescribeHyperParameterTuningJob", "hyper-parameter-tuning-job/{job}"),
        (
            "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
            "hyper-parameter-tuning-job/{job}",
        ),
    ],
    "Transform": [
        ("sagemaker:CreateTransformJob", "transform-job/{job}"),
        ("sagemaker:DescribeTransformJob", "transform-job/{job}"),
    ],
    "Model": [("sagemaker:CreateModel", "model/{job}")],
    "RegisterModel": [
        ("sagemaker:CreateModelPackage", "model-package/{group}/1"),
        ("sagemaker:DescribeModelPackage", "model-package/{group}/1"),
        ("sagemaker:CreateModelPackageGroup", "model-package-group/{group}"),
    ],
    "Condition": [],
    "Fail": [],
}
JOB_TYPES = {"Processing", "QualityCheck", "ClarifyCheck", "Training", "Tuning", "Transform"}
