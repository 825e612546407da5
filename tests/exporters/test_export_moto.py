"""The exported pipeline.py's commands against moto (one server for the module), each run
twice in a row: definition, upsert (create, then update), start, schedule. botocore validates
every request's parameters on the client as it always does (parameter_validation is on)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import preloaded
import pytest
from export_cases import Case
from moto_helpers import client, create_bucket, moto_server, subprocess_env

pytestmark = [pytest.mark.slow, preloaded.SHARED_SERVER]

BUCKET = "moto-export-bucket"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/SchedulerRole"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def _env(url: str, region: str) -> dict[str, str]:
    return subprocess_env(
        url,
        region,
        # moto lacks iam:SimulatePrincipalPolicy (the README explains this switch)
        SAGEMAKER_VALIDATE_ROLE="false",
        SAGEMAKER_BUCKET=BUCKET,
        SAGEMAKER_ROLE_ARN=ROLE,
    )


def _run(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return preloaded.run(
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
    create_bucket(moto_url, region, BUCKET)
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
    sagemaker = client("sagemaker", moto_url, region)
    name = case.plan.pipeline_name
    described = sagemaker.describe_pipeline(PipelineName=name)
    assert described["RoleArn"] == ROLE
    executions = sagemaker.list_pipeline_executions(PipelineName=name)
    assert len(executions["PipelineExecutionSummaries"]) == 2
    scheduler = client("scheduler", moto_url, region)
    schedule = scheduler.get_schedule(Name=f"{name}-schedule")
    assert schedule["Target"]["RoleArn"] == SCHEDULER_ROLE
    # without a Scheduler role, `schedule` refuses with a sentence, not a traceback
    refused = _run(case.project, env | {"SCHEDULER_ROLE_ARN": ""}, "schedule")
    assert refused.returncode != 0
    assert "--scheduler-role-arn" in refused.stderr and "Traceback" not in refused.stderr


def _s3_uris(value: object) -> Iterator[str]:
    """Every s3:// string in a definition (Join values included)."""
    if isinstance(value, str):
        if value.startswith("s3://"):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _s3_uris(item)
    elif isinstance(value, list):
        for item in value:
            yield from _s3_uris(item)


@pytest.mark.parametrize("name", ["demo", "small_batch", "large_realtime"])
def test_everything_in_the_bucket_lies_under_the_project_prefix(
    cases: dict[str, Case], moto_url: str, tmp_path: Path, name: str
) -> None:
    """What the definition names in the bucket and what the SDK uploads while building it
    (step scripts, training code and drivers, Clarify's config) stay under S3_PREFIX, so the
    prefix-scoped role of infra/ can reach all of it. Other buckets: the configured input."""
    case = cases[name]
    region = case.config.project.region
    bucket = f"prefix-check-{name.replace('_', '-')}"
    s3 = create_bucket(moto_url, region, bucket)
    output = tmp_path / "definition.json"
    env = _env(moto_url, region) | {"SAGEMAKER_BUCKET": bucket}
    done = _run(case.project, env, "definition", "--output", str(output))
    assert done.returncode == 0, done.stderr[-3000:]
    prefix = case.config.project.s3_prefix.strip("/")
    uploads = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert uploads, "building the definition uploads the step scripts"
    assert [key for key in uploads if not key.startswith(f"{prefix}/")] == []
    uris = set(_s3_uris(json.loads(output.read_text())))
    ours = {uri for uri in uris if uri.startswith(f"s3://{bucket}/") or uri == f"s3://{bucket}"}
    assert ours
    assert [u for u in ours if not (u + "/").startswith(f"s3://{bucket}/{prefix}/")] == []
    others = uris - ours
    assert all(u.startswith(case.config.data_collection.input_uri) for u in others), others


def test_a_code_prefix_with_or_without_its_trailing_slash_is_the_same_folder(
    cases: dict[str, Case], moto_url: str, tmp_path: Path
) -> None:
    """--code-s3-prefix s3://…/v1 and s3://…/v1/ give the same definition, and every script
    path in it is <prefix>/<script> (no '//', no script glued to the folder's name).
    small_batch has a script-mode training step, where the folder is the source_dir."""
    case = cases["small_batch"]
    region = case.config.project.region
    bucket = "code-prefix-check"
    create_bucket(moto_url, region, bucket)
    env = _env(moto_url, region) | {"SAGEMAKER_BUCKET": bucket}
    prefix = case.config.project.s3_prefix.strip("/")
    code = f"s3://{bucket}/{prefix}/code/v1"
    built = []
    for given in (code, code + "/"):
        output = tmp_path / f"definition-{len(built)}.json"
        done = _run(
            case.project, env, "definition", "--code-s3-prefix", given, "--output", str(output)
        )
        assert done.returncode == 0, done.stderr[-3000:]
        built.append(json.loads(output.read_text()))
    scripts = sorted(u for u in _s3_uris(built[0]) if u.startswith(code))
    assert scripts, "the definition reads the scripts from the code prefix"
    assert all("//" not in u[len("s3://") :] for u in scripts), scripts
    assert {u[len(code) :] for u in scripts} >= {"/prepare.py", "/evaluate.py"}, scripts

    def without_training_code(definition: dict) -> str:
        # the SDK's driver upload carries a per-build timestamp in its key
        return re.sub(r"-train-\d{14}", "-train-T", json.dumps(definition))

    assert without_training_code(built[0]) == without_training_code(built[1])
