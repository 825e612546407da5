"""The execution role covers every call each step type makes, for many configs (pure).

The role's statements come from the template, with CloudFormation's intrinsic functions
resolved for one account; the calls come from the independent table in policy_eval.py."""

from __future__ import annotations

import copy
import json
import random
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from helpers import demo_document, full_document
from policy_eval import ECR_PULL, HELPER_REQUIRED, JOB_TYPES, REQUIRED, allowed

from exporters.infra import bootstrap_template, execution_role_statements
from wizard.plan import build_plan
from wizard.regions import IMAGE_SPECS, images_for_plan
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


def _everything_document() -> dict:
    """The demo with every helper script and check step the role is handed to."""
    doc = full_document()
    doc["feature_engineering"]["services"] = ["processing-jobs", "feature-store"]
    doc["feature_engineering"]["feature_group_name"] = "demo-features"
    doc["training"]["services"] = ["training-jobs", "autopilot"]
    doc["evaluation"]["services"] = ["clarify", "model-monitor"]
    doc["evaluation"]["bias_facet"] = "mean_radius"
    doc["monitoring"]["services"] = ["model-monitor", "cloudwatch"]
    return doc


def _documents() -> list[tuple[str, dict]]:
    docs = [("demo", demo_document()), ("full", full_document())]
    docs.append(("everything", _everything_document()))
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
    chosen = {service for ids in plan.services.values() for service in ids}
    helpers = [h for h in ("feature-store", "autopilot") if h in chosen]
    helpers += ["checks"] if kinds & {"QualityCheck", "ClarifyCheck"} else []
    values = {"account": ACCOUNT, "region": REGION, "bucket": BUCKET, "group": group}
    values["prefix"] = config.project.s3_prefix
    for helper in helpers:
        for action, resource in HELPER_REQUIRED[helper]:
            if not allowed(statements, action, resource.format(**values)):
                missing.append(f"{helper}: {action} on {resource.format(**values)}")
    # the images are pulled in the project's region (the bootstrap stack's)
    region = config.project.region
    for image in _images(plan, chosen):
        repository = _sdk_repository(image, region)
        for action in ECR_PULL:
            if not allowed(statements, action, repository):
                missing.append(f"{action} on {repository}")
    assert missing == [], missing
    # no helper's permissions unless it is chosen
    if "feature-store" not in chosen:
        table = f"arn:aws:glue:{REGION}:{ACCOUNT}:table/sagemaker_featurestore/x"
        assert not allowed(statements, "glue:UpdateTable", table)
    if "autopilot" not in chosen and "Tuning" not in kinds:
        tuning = f"{arn}hyper-parameter-tuning-job/x"
        assert not allowed(statements, "sagemaker:CreateHyperParameterTuningJob", tuning)
    # images from AWS's accounts of this region only
    sklearn = _sdk_repository("sklearn", region)
    elsewhere = "eu-west-1" if region != "eu-west-1" else "us-east-1"
    for action in ECR_PULL:
        assert not allowed(statements, action, f"arn:aws:ecr:{region}:{ACCOUNT}:repository/x")
        assert not allowed(statements, action, sklearn.replace(sklearn.split(":")[4], "1" * 12))
        assert not allowed(statements, action, _sdk_repository("sklearn", elsewhere))
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


def _sdk_repository(image: str, region: str) -> str:
    """The repository ARN from the SDK's image-URI JSON itself (not wizard/data)."""
    spec = IMAGE_SPECS[image]
    config = json.loads(
        (
            resources.files("sagemaker.core") / "image_uri_config" / f"{spec.framework}.json"
        ).read_text()
    )
    entry = (config[spec.scopes[0]] if spec.scopes[0] else config)["versions"][spec.version]
    return f"arn:aws:ecr:{region}:{entry['registries'][region]}:repository/{entry['repository']}"


def _images(plan, chosen: set[str]) -> set[str]:
    """The Plan's images, Model Monitor's for a monitoring schedule, and AWS's scikit-learn
    and XGBoost images for Autopilot's candidates."""
    images = set(images_for_plan(plan))
    if "model-monitor" in chosen:
        images.add("model-monitor")
    if "autopilot" in chosen:
        images |= {"sklearn", "xgboost"}
    return images


def test_the_everything_document_has_every_helper() -> None:
    config = validate_or_raise(_everything_document())
    plan = build_plan(config)
    chosen = {service for ids in plan.services.values() for service in ids}
    assert {"feature-store", "autopilot", "model-monitor", "clarify"} <= chosen
    assert {"QualityCheck", "ClarifyCheck"} <= {step.kind for step in plan.steps}


def test_the_scheduler_role_starts_this_pipeline_only() -> None:
    config = validate_or_raise(full_document())
    template = bootstrap_template(build_plan(config), config)
    (policy,) = template["Resources"]["SchedulerRole"]["Properties"]["Policies"]
    statements = _resolve(policy["PolicyDocument"]["Statement"])
    pipelines = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/"
    name = config.project.name.lower()
    assert any(
        allowed(statements, "sagemaker:StartPipelineExecution", f"{pipelines}{n}")
        for n in (name, f"{name}-pipeline")
    ) or allowed(statements, "sagemaker:StartPipelineExecution", _pipeline(statements))
    assert not allowed(statements, "sagemaker:StartPipelineExecution", f"{pipelines}another")
    assert not allowed(statements, "sagemaker:CreateTrainingJob", "*")


def _pipeline(statements: list[dict]) -> str:
    (statement,) = statements
    return statement["Resource"]


def test_no_experiments_permissions() -> None:
    """pipeline.py sets pipeline_experiment_config=None: the role has no Experiments actions."""
    doc = copy.deepcopy(_everything_document())
    config = validate_or_raise(doc)
    statements = _resolve(execution_role_statements(build_plan(config), config))
    for action in ("sagemaker:CreateExperiment", "sagemaker:CreateTrial"):
        assert not allowed(statements, action, f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:*")
