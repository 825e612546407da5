"""The scripts beside the pipeline, run as a person runs them (processes of their own, forked
from one that has imported the SDK already: ``tests/preloaded.py``) against an in-process moto
server, each twice in a row: the second run must succeed too. botocore validates every
request's parameters on the client, as always.

Stubs, for what moto 5.2 lacks (see ``moto_gaps``): ListPipelineExecutionSteps (scripted
per execution), Create/Describe/Update/DeleteMonitoringSchedule, UpdateEndpoint, AWS's
refusal to delete a job definition a schedule uses, and the Feature Store runtime's
PutRecord (a recording HTTP server). moto runs no pipeline step, so each test records the
processing jobs and their S3 outputs an execution would have left behind.

The project is the large case with Autopilot and a multi-model endpoint added, under a
name of its own (moto's state is shared by every server in the process)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import moto_gaps
import preloaded
import pytest
from export_cases import Case
from moto_helpers import client, create_bucket, moto_server, subprocess_env

from exporters import export_project
from wizard.plan import build_plan

pytestmark = [pytest.mark.slow, preloaded.SHARED_SERVER]

REGION = "eu-west-1"
ACCOUNT = "123456789012"
BUCKET = "moto-scripts-bucket"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
NAME = "moto-scripts"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        create_bucket(url, REGION, BUCKET)
        yield url


@pytest.fixture(autouse=True)
def _gaps(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_gaps.install(monkeypatch)


@pytest.fixture(scope="module")
def project(cases: dict[str, Case], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """large_realtime plus Autopilot and a multi-model endpoint, as NAME."""
    config = cases["large_realtime"].config
    config = config.model_copy(
        update={
            "project": config.project.model_copy(update={"name": NAME, "region": REGION}),
            "training": config.training.model_copy(
                update={"services": [*config.training.services, "autopilot"]}
            ),
            "deployment": config.deployment.model_copy(
                update={"services": [*config.deployment.services, "multi-model-endpoints"]}
            ),
        }
    )
    out = tmp_path_factory.mktemp("moto-scripts")
    export_project(config, out, config_dir=cases["large_realtime"].config_path.parent)
    assert {"deploy.py", "monitoring.py", "feature_store.py", "autopilot.py"} <= {
        p.name for p in out.iterdir()
    }
    assert build_plan(config).pipeline_name == NAME
    return out


def _client(service: str, url: str) -> Any:
    return client(service, url, REGION)


def _env(url: str, **more: str) -> dict[str, str]:
    return subprocess_env(
        url,
        REGION,
        SAGEMAKER_VALIDATE_ROLE="false",
        SAGEMAKER_BUCKET=BUCKET,
        SAGEMAKER_ROLE_ARN=ROLE,
        **more,
    )


def _run(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return preloaded.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=600
    )


def _twice(project: Path, env: dict[str, str], *args: str) -> list[str]:
    outputs = []
    for attempt in (1, 2):
        done = _run(project, env, *args)
        assert done.returncode == 0, (args, attempt, done.stdout[-2000:], done.stderr[-3000:])
        outputs.append(done.stdout)
    return outputs


def _csv(rows: int, start: int = 0) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["churned", "tenure", "spend"])
    for n in range(start, start + rows):
        writer.writerow([n % 2, n, n * 1.5])
    return text.getvalue().encode()


def _parquet(rows: int) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "churned": [n % 2 for n in range(rows)],
            "tenure": [float(n) for n in range(rows)],
            "spend": [n * 1.5 for n in range(rows)],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _processing_job(sm: Any, name: str, outputs: dict[str, str]) -> str:
    sm.create_processing_job(
        ProcessingJobName=name,
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 30,
            }
        },
        AppSpecification={"ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1"},
        RoleArn=ROLE,
        ProcessingOutputConfig={
            "Outputs": [
                {
                    "OutputName": output,
                    "S3Output": {
                        "S3Uri": uri,
                        "LocalPath": f"/opt/ml/processing/output/{output}",
                        "S3UploadMode": "EndOfJob",
                    },
                }
                for output, uri in outputs.items()
            ]
        },
    )
    return sm.describe_processing_job(ProcessingJobName=name)["ProcessingJobArn"]


@pytest.fixture(scope="module")
def executions(moto_url: str, project: Path) -> dict[str, str]:
    """Two successful executions: the first ran PrepareData and EngineerFeatures; in the
    newer one both were cache hits of the first, so it wrote nothing under its own id."""
    sm, s3 = _client("sagemaker", moto_url), _client("s3", moto_url)
    sm.create_pipeline(
        PipelineName=NAME,
        PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}),
        RoleArn=ROLE,
    )
    started = {sm.start_pipeline_execution(PipelineName=NAME)["PipelineExecutionArn"] for _ in "ab"}
    listed = sm.list_pipeline_executions(
        PipelineName=NAME, SortBy="CreationTime", SortOrder="Descending"
    )["PipelineExecutionSummaries"]
    # moto does not sort them: the one it lists first is "the newest" for the scripts
    newer = listed[0]["PipelineExecutionArn"]
    (first,) = started - {newer}
    run = first.rsplit("/", 1)[-1]
    base = f"s3://{BUCKET}/ml/churn/runs/{run}"
    splits = {"train": 420, "validation": 90, "test": 90}
    start = 0
    for split, rows in splits.items():
        key = f"ml/churn/runs/{run}/PrepareData/{split}/{split}.csv"
        s3.put_object(Bucket=BUCKET, Key=key, Body=_csv(rows, start))
        start += rows
    s3.put_object(  # features.py's training split: Parquet, label first, columns named
        Bucket=BUCKET,
        Key=f"ml/churn/runs/{run}/EngineerFeatures/train/train.parquet",
        Body=_parquet(25),
    )
    prepare = _processing_job(
        sm, f"{NAME}-prepare-data-1", {s: f"{base}/PrepareData/{s}" for s in splits}
    )
    features = _processing_job(
        sm,
        f"{NAME}-engineer-features-1",
        {"train": f"{base}/EngineerFeatures/train", "test": f"{base}/x/test"},
    )
    at = datetime(2026, 12, 1, tzinfo=UTC)

    def step(name: str, job: str | None, source: str | None) -> dict[str, Any]:
        found: dict[str, Any] = {"StepName": name, "StepStatus": "Succeeded", "StartTime": at}
        if job:
            found["Metadata"] = {"ProcessingJob": {"Arn": job}}
        if source:
            found["CacheHitResult"] = {"SourcePipelineExecutionArn": source}
        return found

    moto_gaps.script_steps(
        first, [step("PrepareData", prepare, None), step("EngineerFeatures", features, None)]
    )
    # One cache hit names only its source execution, the other also the job it reused:
    # the scripts must handle both.
    moto_gaps.script_steps(
        newer,
        [step("PrepareData", None, first), step("EngineerFeatures", features, first)],
    )
    return {"first": first, "newer": newer, "base": base}


def test_feature_store_loads_the_cached_steps_features_twice(
    moto_url: str, project: Path, executions: dict[str, str]
) -> None:
    store = moto_gaps.FeatureStoreRuntime()
    with store.running():
        env = _env(moto_url, AWS_ENDPOINT_URL_SAGEMAKER_FEATURESTORE_RUNTIME=store.url)
        outputs = _twice(project, env, "feature_store.py")
    source = f"{executions['base']}/EngineerFeatures/train"
    assert all(f"loaded 25 records from {source}" in out for out in outputs), outputs
    group = _client("sagemaker", moto_url).describe_feature_group(FeatureGroupName="churn-features")
    assert group["OfflineStoreConfig"]["S3StorageConfig"]["S3Uri"].startswith(
        f"s3://{BUCKET}/ml/churn/"
    )
    (records,) = store.records.values()
    assert len(records) == 50  # 25 rows, loaded twice (the same record ids: overwritten)


def test_autopilot_gets_every_prepared_row_and_starts_twice(
    moto_url: str, project: Path, executions: dict[str, str]
) -> None:
    outputs = _twice(project, _env(moto_url), "autopilot.py", "start")
    sm, s3 = _client("sagemaker", moto_url), _client("s3", moto_url)
    jobs = sm.list_auto_ml_jobs(NameContains=NAME[:17])["AutoMLJobSummaries"]
    assert len(jobs) == 2
    job = sm.describe_auto_ml_job_v2(AutoMLJobName=jobs[0]["AutoMLJobName"])
    source = job["AutoMLJobInputDataConfig"][0]["DataSource"]["S3DataSource"]
    assert source["S3DataType"] == "ManifestFile"
    assert source["S3Uri"].startswith(f"s3://{BUCKET}/ml/churn/autopilot/input/")
    key = source["S3Uri"].removeprefix(f"s3://{BUCKET}/")
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    run = executions["first"].rsplit("/", 1)[-1]
    assert manifest == [
        {"prefix": f"s3://{BUCKET}/"},
        *(f"ml/churn/runs/{run}/PrepareData/{s}/{s}.csv" for s in ("train", "validation", "test")),
    ]
    assert "500+ rows" in outputs[0]
    assert job["OutputDataConfig"]["S3OutputPath"] == f"s3://{BUCKET}/ml/churn/autopilot"


def test_autopilot_refuses_too_few_rows(moto_url: str, project: Path) -> None:
    s3 = _client("s3", moto_url)
    s3.put_object(Bucket=BUCKET, Key="ml/churn/small/data.csv", Body=_csv(499))
    done = _run(
        project,
        _env(moto_url),
        "autopilot.py",
        "start",
        "--data-uri",
        f"s3://{BUCKET}/ml/churn/small/",
    )
    assert done.returncode != 0
    assert "at least 500 rows" in done.stderr and "has 499" in done.stderr
    assert "Traceback" not in done.stderr


def _register_version(moto_url: str) -> str:
    sm, s3 = _client("sagemaker", moto_url), _client("s3", moto_url)
    s3.put_object(Bucket=BUCKET, Key="ml/churn/models/m/output/model.tar.gz", Body=b"model")
    with contextlib.suppress(sm.exceptions.ClientError):
        sm.create_model_package_group(ModelPackageGroupName="churn-models")
    baseline = f"s3://{BUCKET}/ml/churn/runs/r/DataQualityBaseline/baseline"
    return sm.create_model_package(
        ModelPackageGroupName="churn-models",
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/xgb:3.2-0",
                    "ModelDataUrl": f"s3://{BUCKET}/ml/churn/models/m/output/model.tar.gz",
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelMetrics={
            "ModelDataQuality": {
                "Statistics": {
                    "ContentType": "application/json",
                    "S3Uri": f"{baseline}/statistics.json",
                },
                "Constraints": {
                    "ContentType": "application/json",
                    "S3Uri": f"{baseline}/constraints.json",
                },
            }
        },
    )["ModelPackageArn"]


def test_deploy_then_monitoring_twice_then_a_multi_model_endpoint(
    moto_url: str, project: Path
) -> None:
    package = _register_version(moto_url)
    env = _env(moto_url)
    sm = _client("sagemaker", moto_url)
    endpoint = f"{NAME}-endpoint"

    deployed = _twice(project, env, "deploy.py")
    assert "creating endpoint" in deployed[0] and "updating endpoint" in deployed[1]
    config = sm.describe_endpoint_config(
        EndpointConfigName=sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    )
    capture = config["DataCaptureConfig"]["DestinationS3Uri"]
    assert capture == f"s3://{BUCKET}/ml/churn/data-capture"
    model = sm.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    assert model["PrimaryContainer"]["ModelPackageName"] == package

    monitored = _twice(project, env, "monitoring.py")
    assert "unchanged" in monitored[1], monitored[1]
    (schedule,) = moto_gaps.SCHEDULES.values()
    definition = schedule["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
    found = sm.describe_data_quality_job_definition(JobDefinitionName=definition)
    output = found["DataQualityJobOutputConfig"]["MonitoringOutputs"][0]["S3Output"]["S3Uri"]
    assert output.startswith(f"s3://{BUCKET}/ml/churn/")
    listed = sm.list_data_quality_job_definitions(NameContains=f"{NAME}-data-quality")
    assert len(listed["JobDefinitionSummaries"]) == 1
    alarms = _client("cloudwatch", moto_url).describe_alarms(AlarmNamePrefix=NAME)
    assert len(alarms["MetricAlarms"]) == 3
    # other settings (here the output bucket): a new definition, the schedule moved onto it,
    # the old definition gone
    moved = _twice(project, env | {"SAGEMAKER_BUCKET": "another-bucket"}, "monitoring.py")
    assert "updated" in moved[0] and "unchanged" in moved[1], moved
    assert f"deleted the job definition {definition}" in moved[0]
    listed = sm.list_data_quality_job_definitions(NameContains=f"{NAME}-data-quality")
    (kept,) = listed["JobDefinitionSummaries"]
    assert kept["MonitoringJobDefinitionName"] != definition

    # a multi-model endpoint: Model Monitor cannot watch it; the script says so and what to do
    _twice(project, env, "deploy.py", "--kind", "multi-model-endpoints")
    # and it captures no data either (issue 28): Model Monitor, its only reader, watches
    # single-model endpoints only, as the catalog and the validation say
    config = sm.describe_endpoint_config(
        EndpointConfigName=sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    )
    assert not config.get("DataCaptureConfig"), config["DataCaptureConfig"]  # moto: {}
    refused = _run(project, env, "monitoring.py")
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "multi-model" in refused.stderr and "--alarms-only" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _twice(project, env, "monitoring.py", "--alarms-only")

    _twice(project, env, "monitoring.py", "--delete")
    assert moto_gaps.SCHEDULES == {}
    listed = sm.list_data_quality_job_definitions(NameContains=f"{NAME}-data-quality")
    assert listed["JobDefinitionSummaries"] == []


def test_deploy_with_its_front_then_delete_twice(moto_url: str, project: Path) -> None:
    """--front: the Lambda function (created, then its code updated) behind an HTTP API
    (created once); --delete twice: the second finds nothing left and says so."""
    _register_version(moto_url)
    iam = _client("iam", moto_url)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName="front-role", AssumeRolePolicyDocument=json.dumps(trust))
    env = _env(moto_url, LAMBDA_ROLE_ARN=role["Role"]["Arn"])
    fronted = _twice(project, env, "deploy.py", "--front")
    assert all(f"Lambda function {NAME}-predict" in out for out in fronted)
    assert all("/predict" in out for out in fronted)
    apis = [
        a
        for a in _client("apigatewayv2", moto_url).get_apis()["Items"]
        if a["Name"] == f"{NAME}-api"
    ]
    assert len(apis) == 1
    # Issue 28: the front is not public: its route takes only SigV4-signed calls (IAM auth),
    # as infra/services.json's does, and the script says how to call it
    routes = _client("apigatewayv2", moto_url).get_routes(ApiId=apis[0]["ApiId"])["Items"]
    assert [r["RouteKey"] for r in routes] == ["POST /predict"]
    assert all(r.get("AuthorizationType") == "AWS_IAM" for r in routes), routes
    assert all("awscurl --service execute-api" in out for out in fronted)
    deleted = _twice(project, env, "deploy.py", "--delete")
    assert "deleted endpoint" in deleted[0] and "there is no endpoint" in deleted[1]


def test_upload_data_twice(cases: dict[str, Case], moto_url: str) -> None:
    """The demo's local CSV goes to <prefix>/input/ (run twice: the same object again)."""
    case = cases["demo"]
    region = case.config.project.region
    env = _env(moto_url) | {"AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    bucket = "moto-upload-data"
    s3 = create_bucket(moto_url, region, bucket)
    _twice(case.project, env | {"SAGEMAKER_BUCKET": bucket}, "pipeline.py", "upload-data")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    prefix = case.config.project.s3_prefix
    assert keys == [f"{prefix}/input/breast_cancer.csv"]
