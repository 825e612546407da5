"""SageMakerEngine: upload, upsert, start, follow, stop and retry against moto + the fake."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sagemaker_fake import REGION
from sm_helpers import ROLE, Recorder

from devtools.clock import SimulatedClock
from devtools.scripted import sequential_steps
from runners.base import Engine, Retryable
from runners.sagemaker.aws import AwsError, AwsSession
from runners.sagemaker.engine import SageMakerEngine
from wizard.errors import WizardError

SPECS = [("Preprocess", "Processing"), ("Train", "Training"), ("Evaluate", "Processing")]
BUCKET = "ml-artifacts"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    code = tmp_path / "code"
    (code / "lib").mkdir(parents=True)
    (code / "preprocess.py").write_text("print('preprocess')\n")
    (code / "train.py").write_text("print('train')\n")
    (code / "lib" / "util.py").write_text("X = 1\n")
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    return tmp_path


class Provider:
    """Stands in for the exporter's provider: records the URIs, returns a definition."""

    def __init__(self, specs=SPECS) -> None:
        self.calls: list[tuple[str, str]] = []
        self.specs = specs

    def __call__(self, code_uri: str, data_uri: str) -> str:
        self.calls.append((code_uri, data_uri))
        return json.dumps(
            {
                "Version": "2020-12-01",
                "Parameters": [{"Name": "Epochs", "Type": "Integer", "DefaultValue": 1}],
                "Steps": [
                    {"Name": n, "Type": k, "Arguments": {"Code": f"{code_uri}/x.py"}}
                    for n, k in self.specs
                ],
            }
        )


def _engine(aws: AwsSession, clock: SimulatedClock, project: Path, rec: Recorder, **kw):
    options = {
        "pipeline_name": "churn",
        "role_arn": ROLE,
        "bucket": BUCKET,
        "code_dir": project / "code",
        "definition_provider": Provider(),
        "data_files": [project / "data.csv"],
        "parameters": {"Epochs": 3, "UseGpu": False},
        "aws": aws,
        "clock": clock,
        "on_notice": rec.notice,
    }
    options.update(kw)
    return SageMakerEngine(**options)


@pytest.fixture
def bucket(aws: AwsSession) -> str:
    aws.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


def test_engine_satisfies_the_protocols(aws, clock, project, recorder):
    engine = _engine(aws, clock, project, recorder)
    assert isinstance(engine, Engine) and isinstance(engine, Retryable)
    assert engine.name == "sagemaker"


def test_run_uploads_upserts_starts_and_follows(aws, bucket, clock, fake, project, recorder):
    provider = Provider()
    fake.script_next_execution("churn", sequential_steps(SPECS, logs_per_step=1))
    engine = _engine(aws, clock, project, recorder, definition_provider=provider)
    assert engine.run(recorder, threading.Event()) == "Succeeded"

    s3 = aws.client("s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == [
        "sm-wizard/churn/code/lib/util.py",
        "sm-wizard/churn/code/preprocess.py",
        "sm-wizard/churn/code/train.py",
        "sm-wizard/churn/data/data.csv",
    ]
    assert provider.calls == [
        (f"s3://{BUCKET}/sm-wizard/churn/code", f"s3://{BUCKET}/sm-wizard/churn/data")
    ]
    sm = aws.client("sagemaker")
    described = sm.describe_pipeline(PipelineName="churn")
    assert json.loads(described["PipelineDefinition"])["Steps"][0]["Name"] == "Preprocess"
    assert described["RoleArn"] == ROLE
    parameters = sm.list_pipeline_parameters_for_execution(
        PipelineExecutionArn=engine.execution_arn
    )["PipelineParameters"]
    assert {p["Name"]: p["Value"] for p in parameters} == {"Epochs": "3", "UseGpu": "false"}
    assert recorder.statuses() == ["Executing", "Succeeded"]
    assert "Train: line 1" in recorder.lines("Train")
    assert any(n.code == "uploading" for n in recorder.notices)


def test_second_run_updates_the_pipeline(aws, bucket, clock, fake, project, recorder):
    _engine(aws, clock, project, recorder).run(recorder, threading.Event())
    provider = Provider([("Preprocess", "Processing"), ("Train", "Training")])
    engine = _engine(aws, clock, project, recorder, definition_provider=provider)
    assert engine.run(recorder, threading.Event()) == "Succeeded"
    definition = aws.client("sagemaker").describe_pipeline(PipelineName="churn")[
        "PipelineDefinition"
    ]
    assert [s["Name"] for s in json.loads(definition)["Steps"]] == ["Preprocess", "Train"]
    assert fake.requests.count("UpdatePipeline") == 1


def test_stop_during_the_run(aws, bucket, clock, fake, project, recorder):
    stop = threading.Event()
    recorder.when(lambda e: e.type == "step" and e.step == "Train", stop.set)
    engine = _engine(aws, clock, project, recorder)
    assert engine.run(recorder, stop) == "Stopped"
    assert recorder.statuses()[-2:] == ["Stopping", "Stopped"]
    assert recorder.events[-1].type == "execution"


def test_stop_before_start_starts_nothing(aws, bucket, clock, fake, project, recorder):
    stop = threading.Event()
    stop.set()
    assert _engine(aws, clock, project, recorder).run(recorder, stop) == "Stopped"
    assert "StartPipelineExecution" not in fake.requests
    assert recorder.statuses() == ["Stopped"]


def test_retry_after_a_failure(aws, bucket, clock, fake, project, recorder):
    fake.script_next_execution(
        "churn", sequential_steps(SPECS, overrides={"Evaluate": {"fail_reason": "accuracy 0.5"}})
    )
    engine = _engine(aws, clock, project, recorder)
    assert engine.run(recorder, threading.Event()) == "Failed"
    assert engine.retry(recorder, threading.Event()) == "Succeeded"
    evaluate = [(e.status, e.attempt) for e in recorder.of("step") if e.step == "Evaluate"]
    assert evaluate[-1] == ("Succeeded", 2)
    assert fake.requests.count("RetryPipelineExecution") == 1


def test_retry_before_any_run_says_so(aws, clock, project, recorder):
    with pytest.raises(WizardError, match="run it first"):
        _engine(aws, clock, project, recorder).retry(recorder, threading.Event())


def test_missing_role_and_bucket_are_named(aws, clock, project, recorder):
    engine = _engine(aws, clock, project, recorder, role_arn="", bucket=None)
    with pytest.raises(WizardError) as err:
        engine.run(recorder, threading.Event())
    assert "IAM role ARN" in err.value.message and "S3 bucket" in err.value.message
    assert recorder.events[-1].status == "Failed"  # --json readers still get a final status


def test_bad_role_arn_is_named(aws, clock, project, recorder):
    engine = _engine(aws, clock, project, recorder, role_arn="my-role")
    with pytest.raises(WizardError, match="not an IAM role ARN"):
        engine.run(recorder, threading.Event())


def test_missing_bucket_in_s3(aws, clock, fake, project, recorder):
    with pytest.raises(AwsError) as err:
        _engine(aws, clock, project, recorder).run(recorder, threading.Event())
    assert err.value.kind == "not-found" and "bucket" in err.value.message


def test_access_denied_on_create_pipeline_names_the_action(
    aws, bucket, clock, fake, project, recorder
):
    fake.fail(
        "CreatePipeline",
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/dev/me is not authorized to perform: "
        "sagemaker:CreatePipeline on resource: arn:aws:sagemaker:us-east-1:123456789012:"
        "pipeline/churn",
    )
    with pytest.raises(AwsError) as err:
        _engine(aws, clock, project, recorder).run(recorder, threading.Event())
    assert err.value.kind == "access-denied"
    assert "sagemaker:CreatePipeline" in err.value.message


def test_validation_error_from_create_pipeline_names_the_field(
    aws, bucket, clock, fake, project, recorder
):
    fake.fail(
        "CreatePipeline",
        "ValidationException",
        "1 validation error detected: Value 'x' at 'roleArn' failed to satisfy constraint",
    )
    with pytest.raises(AwsError) as err:
        _engine(aws, clock, project, recorder).run(recorder, threading.Event())
    assert err.value.field == "RoleArn"
    assert "(RoleArn)" in err.value.message


def test_quota_on_start_in_words(aws, bucket, clock, fake, project, recorder):
    fake.fail(
        "StartPipelineExecution",
        "ResourceLimitExceeded",
        "The account-level service limit 'Maximum number of pipeline executions' is 200.",
    )
    with pytest.raises(AwsError) as err:
        _engine(aws, clock, project, recorder).run(recorder, threading.Event())
    assert err.value.kind == "limit" and "quota" in err.value.message


def test_bad_definition_from_the_provider(aws, bucket, clock, fake, project, recorder):
    engine = _engine(aws, clock, project, recorder, definition_provider=lambda c, d: "{not json")
    with pytest.raises(WizardError, match="not valid JSON"):
        engine.run(recorder, threading.Event())
    assert "CreatePipeline" not in fake.requests


def test_region_comes_from_the_session(aws_env):
    assert AwsSession(region="eu-west-1").region == "eu-west-1"
    assert AwsSession().region == REGION
