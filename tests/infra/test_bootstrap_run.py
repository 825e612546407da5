"""From zero to SageMaker, without AWS: `sm-wizard bootstrap` creates the stack in moto, the
SageMaker engine then runs the demo with the recorded role and bucket (no ARN given), and
the role the stack made covers every API call the executed definition's steps need.

Reuses the end-to-end harness of tests/sagemaker/test_sm_run_export.py: a moto server on
127.0.0.1 with the fake for the calls moto lacks; the SDK subprocess talks to it only."""

from __future__ import annotations

import ast
import json
import threading
from pathlib import Path
from typing import Any

import boto3
import preloaded
import pytest
from click.testing import CliRunner
from moto_helpers import moto_server as running_moto
from policy_eval import JOB_TYPES, REQUIRED, allowed
from sagemaker_fake import REGION, SageMakerFake
from sm_helpers import Recorder

from cli.commands.run import sagemaker_settings
from cli.main import main
from devtools.clock import SimulatedClock
from devtools.scripted import sequential_steps
from exporters.verify import definition_json
from runners.events import ExecutionEvent
from runners.sagemaker.factory import sagemaker_engine_for
from wizard.plan import build_plan
from wizard.store import load_config

pytestmark = [pytest.mark.slow, preloaded.SHARED_SERVER]
ACCOUNT = "123456789012"


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch):
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    fake = SageMakerFake(SimulatedClock()).install(monkeypatch)
    with running_moto() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)  # bootstrap, the engine and the SDK subprocess
        yield fake, url


def _s3_uris(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.startswith("s3://") else []
    if isinstance(value, dict):
        return [u for v in value.values() for u in _s3_uris(v)]
    if isinstance(value, list):
        return [u for v in value for u in _s3_uris(v)]
    return []


def _role_statements(session: boto3.Session, url: str, role_arn: str) -> list[dict[str, Any]]:
    iam = session.client("iam", endpoint_url=url)
    name = role_arn.rsplit("/", 1)[1]
    statements: list[dict[str, Any]] = []
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        if isinstance(document, str):
            # moto keeps a CloudFormation-made inline policy as the repr of a dict
            try:
                document = json.loads(document)
            except json.JSONDecodeError:
                document = ast.literal_eval(document)
        statements += document["Statement"]
    return statements


def test_bootstrap_then_run_on_sagemaker_with_no_arn_given(moto_server, demo_file: Path):
    fake, url = moto_server
    result = CliRunner().invoke(main, ["bootstrap", str(demo_file), "--yes"])
    assert result.exit_code == 0, result.output

    config = load_config(demo_file)
    role, bucket = sagemaker_settings(config, None, None)  # what `run --engine sagemaker` does
    assert role.startswith(f"arn:aws:iam::{ACCOUNT}:role/") and bucket
    plan = build_plan(config)
    # the execution and the engine's polling run on simulated time: minutes of it in a moment
    fake.script_next_execution(
        plan.pipeline_name,
        sequential_steps(
            [(s.name, s.kind) for s in plan.steps if s.branch != "else"],
            starting=20,
            executing=120,
            gap=5,
        ),
    )
    engine = sagemaker_engine_for(
        demo_file, config, role_arn=role, bucket=bucket, clock=fake.clock, tail_logs=False
    )
    recorder = Recorder()
    status = engine.run(recorder, threading.Event())
    assert status == "Succeeded", [e for e in recorder.events if isinstance(e, ExecutionEvent)]

    session = boto3.Session(region_name=REGION)
    described = session.client("sagemaker", endpoint_url=url).describe_pipeline(
        PipelineName=plan.pipeline_name
    )
    assert described["RoleArn"] == role
    definition = json.loads(described["PipelineDefinition"])
    statements = _role_statements(session, url, role)
    _assert_role_covers(definition, statements, role, config)

    # `python pipeline.py upsert` builds it without a code prefix: the SDK uploads the
    # scripts itself; the role must read them there too
    project = demo_file.parent / ".sm-wizard" / "sagemaker" / plan.pipeline_name
    upserted = json.loads(definition_json(project, bucket=bucket, role_arn=role, region=REGION))
    _assert_role_covers(upserted, statements, role, config)


def _assert_role_covers(definition: dict, statements: list, role: str, config) -> None:
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"
    group = config.deployment.model_package_group
    types = {step["Type"] for step in definition["Steps"]}
    types |= {
        inner["Type"]
        for step in definition["Steps"]
        for branch in ("IfSteps", "ElseSteps")
        for inner in step.get("Arguments", {}).get(branch, [])
    }
    assert {"Processing", "Training", "RegisterModel", "Condition"} <= types
    missing = []
    for step_type in sorted(types):
        for action, resource in REQUIRED[step_type]:
            target = arn + resource.format(job=f"pipelines-abc123-{step_type}-x1", group=group)
            if not allowed(statements, action, target):
                missing.append(f"{step_type}: {action} on {target}")
    if types & JOB_TYPES:
        context = {"iam:PassedToService": "sagemaker.amazonaws.com"}
        if not allowed(statements, "iam:PassRole", role, context):
            missing.append(f"iam:PassRole on {role}")
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            target = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs"
            if not allowed(statements, action, f"{target}:log-stream:job/algo-1"):
                missing.append(action)
    # every S3 location the definition reads or writes
    uris = _s3_uris(definition)
    assert uris
    for uri in uris:
        bucket, _, key = uri[5:].partition("/")
        objects = f"arn:aws:s3:::{bucket}/{key.rstrip('/')}/part-0"
        for action in ("s3:GetObject", "s3:PutObject"):
            if not allowed(statements, action, objects) and not allowed(
                statements, action, f"arn:aws:s3:::{bucket}/{key}"
            ):
                missing.append(f"{action} on {uri}")
        prefix = {"s3:prefix": key.rstrip("/") + "/"}
        if not allowed(statements, "s3:ListBucket", f"arn:aws:s3:::{bucket}", prefix):
            missing.append(f"s3:ListBucket on {uri}")
    assert missing == [], missing
    # and nothing beyond the project's prefix
    other = f"arn:aws:s3:::{uris[0][5:].partition('/')[0]}/other-project/x"
    assert not allowed(statements, "s3:GetObject", other)
    assert not allowed(statements, "s3:DeleteBucket", f"arn:aws:s3:::{uris[0][5:].split('/')[0]}")
