"""`sm-wizard run --engine sagemaker` end to end, without AWS: the demo is exported, its code
and data uploaded, its definition built by the exported `pipeline.py` with the real SDK (in a
subprocess), upserted, started and followed, all against a moto server on 127.0.0.1 that
carries the fake for the calls moto lacks. The execution runs on simulated time (the fake's
clock, which the engine's polling shares)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import boto3
import preloaded
import pytest
from moto_helpers import moto_server as running_moto
from sagemaker_fake import REGION, SageMakerFake
from sm_helpers import Recorder

from devtools.clock import SimulatedClock
from devtools.scripted import sequential_steps
from runners.events import ExecutionEvent, StepEvent
from runners.sagemaker.factory import sagemaker_engine_for
from wizard.plan import build_plan
from wizard.store import load_config, write_document
from wizard.templates import template_document, write_template_data

pytestmark = [pytest.mark.slow, preloaded.SHARED_SERVER]

BUCKET = "wizard-runs"
ROLE = "arn:aws:iam::123456789012:role/SageMakerPipelineRole"


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch):
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    fake = SageMakerFake(SimulatedClock()).install(monkeypatch)
    with running_moto() as url:
        # the SDK subprocess that builds the definition inherits this: it talks to moto only
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        boto3.client("s3", region_name=REGION, endpoint_url=url).create_bucket(Bucket=BUCKET)
        yield fake, url


def test_demo_runs_on_the_fake_sagemaker(moto_server, tmp_path: Path):
    fake, url = moto_server
    config_path = tmp_path / "wizard.toml"
    write_document(config_path, template_document("demo"))
    write_template_data("demo", config_path)
    config = load_config(config_path)
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
        config_path, config, role_arn=ROLE, bucket=BUCKET, clock=fake.clock, tail_logs=False
    )
    recorder = Recorder()
    status = engine.run(recorder, threading.Event())

    assert status == "Succeeded", [e for e in recorder.events if isinstance(e, ExecutionEvent)]
    finished = {
        e.step for e in recorder.events if isinstance(e, StepEvent) and e.status == "Succeeded"
    }
    assert {"PrepareData", "Train", "Evaluate", "RegisterModel"} <= finished

    session = boto3.Session(region_name=REGION)
    keys = [
        o["Key"]
        for o in session.client("s3", endpoint_url=url).list_objects_v2(Bucket=BUCKET)["Contents"]
    ]
    prefix = config.project.s3_prefix
    assert f"{prefix}/data/breast_cancer.csv" in keys
    assert any(k.startswith(f"{prefix}/code/") and k.endswith("prepare.py") for k in keys)
    described = session.client("sagemaker", endpoint_url=url).describe_pipeline(
        PipelineName=plan.pipeline_name
    )
    definition = json.loads(described["PipelineDefinition"])
    assert [s["Name"] for s in definition["Steps"]][:2] == ["PrepareData", "EngineerFeatures"]
    assert "123456789012" not in json.dumps(definition["Parameters"])  # nothing hard-coded
