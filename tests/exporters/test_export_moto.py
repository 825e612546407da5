"""The exported pipeline.py's commands against moto (one server for the module), each run
twice in a row: definition, upsert (create, then update), start, schedule. botocore validates
every request's parameters on the client as it always does (parameter_validation is on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from export_cases import Case

pytestmark = pytest.mark.slow

BUCKET = "moto-export-bucket"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/SchedulerRole"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _env(url: str, region: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ENDPOINT_URL": url,
        "AWS_EC2_METADATA_DISABLED": "true",
        # moto lacks iam:SimulatePrincipalPolicy (the README explains this switch)
        "SAGEMAKER_VALIDATE_ROLE": "false",
        "SAGEMAKER_BUCKET": BUCKET,
        "SAGEMAKER_ROLE_ARN": ROLE,
    }


def _run(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "pipeline.py", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_pipeline_commands_run_twice_against_moto(
    cases: dict[str, Case], moto_url: str, tmp_path: Path
) -> None:
    case = cases["large_realtime"]
    region = case.config.project.region
    env = _env(moto_url, region)
    s3 = boto3.client(
        "s3",
        region_name=region,
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
    output = tmp_path / "definition.json"
    for _ in range(2):
        for command in (
            ("definition", "--output", str(output)),
            ("upsert",),
            ("start",),
            ("schedule", "--scheduler-role-arn", SCHEDULER_ROLE),
        ):
            done = _run(case.project, env, *command)
            assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-3000:])
    assert json.loads(output.read_text())["Steps"]
    sagemaker = boto3.client(
        "sagemaker",
        region_name=region,
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    name = case.plan.pipeline_name
    described = sagemaker.describe_pipeline(PipelineName=name)
    assert described["RoleArn"] == ROLE
    executions = sagemaker.list_pipeline_executions(PipelineName=name)
    assert len(executions["PipelineExecutionSummaries"]) == 2
    scheduler = boto3.client(
        "scheduler",
        region_name=region,
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    schedule = scheduler.get_schedule(Name=f"{name}-schedule")
    assert schedule["Target"]["RoleArn"] == SCHEDULER_ROLE
    # without a Scheduler role, `schedule` refuses with a sentence, not a traceback
    refused = _run(case.project, env | {"SCHEDULER_ROLE_ARN": ""}, "schedule")
    assert refused.returncode != 0
    assert "--scheduler-role-arn" in refused.stderr and "Traceback" not in refused.stderr
