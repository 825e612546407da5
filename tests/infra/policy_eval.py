"""A small IAM policy evaluator for the tests: Allow/Deny statements of an identity policy,
``*`` and ``?`` wildcards in actions and resources, and a few condition operators.

It refuses (``UnsupportedPolicy``) every statement it cannot model instead of reading it as
"no match": NotAction, NotResource, Principal, an unknown Effect, policy variables, and any
condition operator outside ``OPERATORS`` (IfExists, ForAnyValue:/ForAllValues:, Arn*,
Numeric*, Date*, IpAddress, Null...). A policy that uses one of those fails the test that
evaluates it, so a gap in the evaluator can never make a test pass. The whole policy is
checked before any statement is evaluated: a statement the evaluator cannot read might be
the one that grants or denies the call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any


class UnsupportedPolicy(ValueError):
    """The policy uses something this evaluator does not model."""


STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "Resource", "Condition"})
"""The statement elements understood (an identity policy's: no Principal)."""


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@cache
def _wildcard(pattern: str, case: bool) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters, ``?`` one character, nothing else."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(regex, re.DOTALL | (0 if case else re.IGNORECASE))


def _match(pattern: str, value: str, *, case: bool) -> bool:
    return _wildcard(pattern, case).fullmatch(value) is not None


def _string_equals(actual: str, values: list[str]) -> bool:
    return actual in values


def _string_like(actual: str, values: list[str]) -> bool:
    return any(_match(v, actual, case=True) for v in values)


def _bool(actual: str, values: list[str]) -> bool:
    return actual.lower() in [v.lower() for v in values]


# operator: (test of the request's value against the policy's values, negated). A negated
# operator holds when the key is absent from the request; the others do not (IAM's rules).
OPERATORS: Mapping[str, tuple[Callable[[str, list[str]], bool], bool]] = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "Bool": (_bool, False),
}


def _strings(value: Any, what: str) -> list[str]:
    items = _listed(value)
    for item in items:
        if not isinstance(item, str):
            raise UnsupportedPolicy(f"{what} {item!r} is not a string (unresolved?)")
        if "${" in item:
            raise UnsupportedPolicy(f"{what} {item!r} holds a policy variable")
    return items


def check_statement(statement: Mapping[str, Any]) -> None:
    """Raise ``UnsupportedPolicy`` unless the statement uses only what ``allowed`` models."""
    unknown = sorted(set(statement) - STATEMENT_KEYS)
    if unknown:
        raise UnsupportedPolicy(f"statement {statement.get('Sid', '?')}: {', '.join(unknown)}")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise UnsupportedPolicy(f"statement effect {statement.get('Effect')!r}")
    for element in ("Action", "Resource"):
        if element not in statement:
            raise UnsupportedPolicy(f"statement {statement.get('Sid', '?')} has no {element}")
        _strings(statement[element], element)
    conditions = statement.get("Condition", {})
    if not isinstance(conditions, Mapping):
        raise UnsupportedPolicy(f"condition block {conditions!r}")
    for operator, tests in conditions.items():
        if operator not in OPERATORS:
            raise UnsupportedPolicy(f"condition operator {operator!r}")
        if not isinstance(tests, Mapping):
            raise UnsupportedPolicy(f"{operator} block {tests!r}")
        for key, expected in tests.items():
            values = expected if operator != "Bool" else [str(v) for v in _listed(expected)]
            _strings(values, f"{operator} {key} value")


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    """Every operator's every key must hold (IAM ANDs them; a key's values are ORed)."""
    lowered = {key.lower(): value for key, value in context.items()}  # keys ignore case
    for operator, tests in conditions.items():
        test, negated = OPERATORS[operator]
        for key, expected in tests.items():
            values = [str(v) for v in _listed(expected)]
            actual = lowered.get(key.lower())
            if actual is None:
                if not negated:
                    return False
            elif test(actual, values) == negated:
                return False
    return True


def allowed(
    statements: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> bool:
    """Whether the statements allow ``action`` on ``resource`` with the request ``context``
    (condition key: value): some Allow matches and no Deny does."""
    statements = list(statements)
    for statement in statements:
        check_statement(statement)
    context = context or {}
    verdict = False
    for statement in statements:
        if not any(_match(a, action, case=False) for a in _listed(statement["Action"])):
            continue
        if not any(_match(r, resource, case=True) for r in _listed(statement["Resource"])):
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

# What the services the role is handed to call with it, for the check steps and each helper
# script the export can carry (written out here, apart from exporters/cfn_role.py). Targets
# are formatted with the account, region, bucket, prefix and model package group.
# - check steps with a model package group read the latest approved version's baseline;
# - Feature Store's offline store: AWS's managed policy AmazonSageMakerFeatureStoreAccess
#   (S3 objects and their ACL, the bucket's ACL, the metadata files, the Glue table);
# - Autopilot's AutoML job starts processing, training, tuning and transform jobs.
_SM = "arn:aws:sagemaker:{region}:{account}:"
_OFFLINE = "arn:aws:s3:::{bucket}/{prefix}/feature-store/{account}/sagemaker/{region}/offline-store"
_GLUE = "arn:aws:glue:{region}:{account}:"
HELPER_REQUIRED: dict[str, list[tuple[str, str]]] = {
    "checks": [
        ("sagemaker:ListModelPackages", _SM + "model-package-group/{group}"),
        ("sagemaker:DescribeModelPackage", _SM + "model-package/{group}/3"),
    ],
    "feature-store": [
        ("s3:PutObject", _OFFLINE + "/fg-1/data/year=2026/part.parquet"),
        ("s3:PutObjectAcl", _OFFLINE + "/fg-1/data/year=2026/part.parquet"),
        ("s3:GetObject", _OFFLINE + "/fg-1/metadata/manifest.json"),
        ("s3:GetBucketAcl", "arn:aws:s3:::{bucket}"),
        ("glue:GetTable", _GLUE + "catalog"),
        ("glue:GetTable", _GLUE + "database/sagemaker_featurestore"),
        ("glue:GetTable", _GLUE + "table/sagemaker_featurestore/fg_1"),
        ("glue:UpdateTable", _GLUE + "table/sagemaker_featurestore/fg_1"),
    ],
    "autopilot": [
        ("sagemaker:CreateProcessingJob", _SM + "processing-job/automl-dpp0-1"),
        ("sagemaker:DescribeProcessingJob", _SM + "processing-job/automl-dpp0-1"),
        ("sagemaker:CreateTrainingJob", _SM + "training-job/automl-candidate-1"),
        ("sagemaker:DescribeTrainingJob", _SM + "training-job/automl-candidate-1"),
        ("sagemaker:CreateHyperParameterTuningJob", _SM + "hyper-parameter-tuning-job/automl-1"),
        ("sagemaker:DescribeHyperParameterTuningJob", _SM + "hyper-parameter-tuning-job/automl-1"),
        (
            "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
            _SM + "hyper-parameter-tuning-job/automl-1",
        ),
        ("sagemaker:CreateTransformJob", _SM + "transform-job/automl-insights-1"),
        ("sagemaker:DescribeTransformJob", _SM + "transform-job/automl-insights-1"),
        ("sagemaker:AddTags", _SM + "training-job/automl-candidate-1"),
    ],
}
ECR_PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
