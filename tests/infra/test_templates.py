"""The CloudFormation templates: cfn-lint clean, and scoped as promised (pure; no AWS)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint
from helpers import demo_document, full_document

from exporters.cfn import template_text
from exporters.cfn_services import services_template
from exporters.infra import SERVICES_FILE, WILDCARD_REASONS, bootstrap_template, infra_files
from exporters.render import render_project
from wizard.plan import build_plan
from wizard.validation import validate_or_raise


def _plan(doc: dict[str, Any]):
    config = validate_or_raise(doc)
    return build_plan(config), config


def _lint(text: str) -> list[str]:
    matches = lint(text, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    return [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches]


@pytest.mark.parametrize("case", ["demo", "full"])
def test_every_template_of_the_export_is_cfn_lint_clean(case: str) -> None:
    plan, config = _plan(demo_document() if case == "demo" else full_document())
    files = render_project(plan, config)
    infra = {path: text for path, text in files.items() if path.startswith("infra/")}
    assert infra == infra_files(plan, config)
    assert (SERVICES_FILE in infra) == (case == "full")
    for path, text in infra.items():
        assert _lint(text) == [], path


def test_cfn_lint_catches_a_broken_template() -> None:
    plan, config = _plan(demo_document())
    broken = bootstrap_template(plan, config)
    broken["Resources"]["Bucket"]["Properties"]["Versioning"] = {"Status": "On"}
    assert any("Versioning" in problem for problem in _lint(template_text(broken)))


def _statements(template: dict[str, Any], role: str = "ExecutionRole") -> list[dict[str, Any]]:
    return template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_bucket_is_encrypted_versioned_private_and_tls_only() -> None:
    plan, config = _plan(demo_document())
    resources = bootstrap_template(plan, config)["Resources"]
    bucket = resources["Bucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    (deny,) = resources["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert resources["Bucket"]["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("case", ["demo", "full"])
def test_the_role_has_no_s3_star_and_star_resources_only_where_aws_requires(case: str) -> None:
    plan, config = _plan(demo_document() if case == "demo" else full_document())
    statements = _statements(bootstrap_template(plan, config))
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = _listed(statement["Action"])
        assert not any(a.endswith(":*") or a == "*" for a in actions), statement
        if "*" in _listed(statement["Resource"]):
            assert statement["Sid"] in WILDCARD_REASONS, statement
    s3 = [s for s in statements if any(a.startswith("s3:") for a in _listed(s["Action"]))]
    prefix = config.project.s3_prefix
    objects = next(s for s in s3 if "s3:PutObject" in s["Action"])
    # the project's prefix only: pipeline.py has the SDK upload its code under it too
    assert [r["Fn::Join"][1][1] for r in objects["Resource"]] == [f"/{prefix}/*"]
    listing = next(s for s in s3 if s["Action"] == ["s3:ListBucket"])
    assert listing["Condition"]["StringLike"]["s3:prefix"] == [prefix, f"{prefix}/*"]


def test_the_scheduler_role_comes_with_a_schedule_only() -> None:
    plan, config = _plan(demo_document())
    assert "SchedulerRole" not in bootstrap_template(plan, config)["Resources"]
    plan, config = _plan(full_document())
    template = bootstrap_template(plan, config)
    (statement,) = _statements(template, "SchedulerRole")
    assert statement["Action"] == ["sagemaker:StartPipelineExecution"]
    assert statement["Resource"]["Fn::Sub"].endswith(f":pipeline/{plan.pipeline_name.lower()}")
    assert "SchedulerRoleArn" in template["Outputs"]


def test_the_services_template_holds_what_was_chosen() -> None:
    plan, config = _plan(demo_document())
    assert services_template(plan, config) is None
    plan, config = _plan(full_document())
    template = services_template(plan, config)
    types = {r["Type"] for r in template["Resources"].values()}
    assert {
        "AWS::Glue::Database",
        "AWS::Glue::Crawler",
        "AWS::Kinesis::Stream",
        "AWS::KinesisFirehose::DeliveryStream",
        "AWS::Scheduler::Schedule",
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::Dashboard",
        "AWS::CloudTrail::Trail",
        "AWS::Lambda::Function",
        "AWS::ApiGatewayV2::Api",
    } <= types
    firehose = template["Resources"]["InputDelivery"]["Properties"]
    assert firehose["ExtendedS3DestinationConfiguration"]["Prefix"] == (
        f"{config.project.s3_prefix}/input/"
    )
    schedule = template["Resources"]["PipelineSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "cron(0 3 ? * MON *)"
    # the account's values come from the bootstrap stack's exports, never from the file
    assert "123456789012" not in json.dumps(template)


def test_readme_says_where_each_service_went() -> None:
    plan, config = _plan(full_document())
    readme = render_project(plan, config)["README.md"]
    assert "sm-wizard bootstrap wizard.toml" in readme
    assert "infra/services.json" in readme
    # Glue and Kinesis are created by infra/ now: no by-hand how-to for them
    by_hand = readme.split("## By hand", 1)[1] if "## By hand" in readme else ""
    assert "### AWS Glue" not in by_hand and "Kinesis" not in by_hand.split("##")[0]
