"""The execution role covers every call each step type makes, for many configs (pure).

The role's statements come from the template, with CloudFormation's intrinsic functions
resolved for one account; the calls come from the independent table in policy_eval.py."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import demo_document, full_document
from policy_eval import JOB_TYPES, REQUIRED, allowed

from exporters.infra import execution_role_statements
from wizard.plan import build_plan
from wizard.validation import validate_document, validate_or_raise

sys.path.insert(0, str(Path(__file__).parent.parent / "exporters"))
from export_cases import random_document

ACCOUNT, REGION, BUCKET = "123456789012", "eu-west-1", "the-bucket"


def _resolve(value: Any) -> Any:
    """Fn::Sub / Fn::Join / Fn::GetAtt Bucket.Arn, as CloudFormation would for one account."""
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "Fn::Sub" in value:
        text = value["Fn::Sub"]
        for name, real in (("Partition", "aws"), ("Region", REGION), ("AccountId", ACCOUNT)):
            text = text.replace(f"${{AWS::{name}}}", real)
        assert "${" not in text, text
        return text
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_resolve(p) for p in parts)
    if value.get("Fn::GetAtt") == ["Bucket", "Arn"]:
        return f"arn:aws:s3:::{BUCKET}"
    if "Fn::GetAtt" in value or "Ref" in value:
        raise AssertionError(f"unresolved {value}")
    return {k: _resolve(v) for k, v in value.items()}


def _documents() -> list[tuple[str, dict]]:
    docs = [("demo", demo_document()), ("full", full_document())]
    rng = random.Random(14)
    while len(docs) < 40:
        doc = random_document(rng)
        if validate_document(doc)[0] is not None:
            docs.append((f"random-{len(docs)}", doc))
    return docs


@pytest.mark.parametrize(
    ("name", "doc"), _documents(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_the_role_covers_every_step_type_of_the_plan(name: str, doc: dict) -> None:
    config = validate_or_raise(doc)
    plan = build_plan(config)
    statements = _resolve(execution_role_statements(plan, config))
    role = f"arn:aws:iam::{ACCOUNT}:role/{config.project.name[:44]}-sagemaker-execution"
    group = config.deployment.model_package_group
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"
    missing = []
    kinds = {step.kind for step in plan.steps}
    for kind in sorted(kinds):
        for action, resource in REQUIRED[kind]:
            target = arn + resource.format(job=f"pipelines-x-{kind}-1", group=group)
            if not allowed(statements, action, target):
                missing.append(f"{kind}: {action} on {target}")
    if kinds & JOB_TYPES:
        if not allowed(
            statements, "iam:PassRole", role, {"iam:PassedToService": "sagemaker.amazonaws.com"}
        ):
            missing.append("iam:PassRole")
        if allowed(
            statements, "iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"}
        ):
            missing.append("iam:PassRole is not limited to SageMaker")
    prefix = config.project.s3_prefix
    for action in ("s3:GetObject", "s3:PutObject"):
        if not allowed(statements, action, f"arn:aws:s3:::{BUCKET}/{prefix}/runs/x/model.tar.gz"):
            missing.append(f"{action} under the prefix")
    uri = config.data_collection.input_uri
    if uri.startswith("s3://") and not allowed(
        statements, "s3:GetObject", f"arn:aws:s3:::{uri[5:]}"
    ):
        missing.append(f"s3:GetObject on the input {uri}")
    assert missing == [], missing
    # nothing outside the project
    assert not allowed(statements, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/another/x")
    assert not allowed(statements, "s3:PutObject", f"arn:aws:s3:::other-bucket/{prefix}/x")
    assert not allowed(
        statements, "sagemaker:CreateModelPackage", f"{arn}model-package/other-group/1"
    )


def test_the_evaluator_denies_what_a_statement_does_not_grant() -> None:
    config = validate_or_raise(demo_document())
    statements = _resolve(execution_role_statements(build_plan(config), config))
    job = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/pipelines-x-Train-1"
    assert allowed(statements, "sagemaker:CreateTrainingJob", job)
    without = [s for s in statements if s.get("Sid") != "StepsTrainingJob"]
    assert not allowed(without, "sagemaker:CreateTrainingJob", job)
