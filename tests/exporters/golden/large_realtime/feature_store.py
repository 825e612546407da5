#!/usr/bin/env python
"""Keep the engineered features in SageMaker Feature Store, for other models and teams.

    python feature_store.py                       create the feature group (once) and load
                                                  the features of the newest successful
                                                  execution (or of the one it reused, when
                                                  the step was cached)
    python feature_store.py --features-uri S3URI  load these features instead

The feature group has an online store (low-latency reads by record id) and an offline store
in S3 (for training and Athena). The rows come from the EngineerFeatures step's
'train' output: Parquet, the label first, then the engineered features,
every column named. Each row gets a record id (its position) and the time it was loaded.

The role, bucket and region come from --role-arn, --bucket and --region, or from
SAGEMAKER_ROLE_ARN, SAGEMAKER_BUCKET and AWS_REGION.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import time
from datetime import UTC, datetime

import boto3
from botocore.exceptions import BotoCoreError, ClientError

# From wizard.toml (see pipeline.py).
PIPELINE_NAME = "churn-at-scale"
S3_PREFIX = "ml/churn"
DEFAULT_REGION = "eu-west-1"
MODEL_PACKAGE_GROUP = "churn-models"
FEATURE_GROUP = "churn-features"
FEATURES_STEP = "EngineerFeatures"
FEATURES_OUTPUT = "train"
RECORD_ID = "record_id"
EVENT_TIME = "event_time"


def aws_options() -> argparse.ArgumentParser:
    """--bucket, --role-arn and --region, defaulting to the environment (as pipeline.py)."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--bucket", default=os.environ.get("SAGEMAKER_BUCKET"))
    options.add_argument("--role-arn", default=os.environ.get("SAGEMAKER_ROLE_ARN"))
    env_region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    options.add_argument("--region", default=env_region or DEFAULT_REGION)
    return options


def required(value: str | None, option: str, variable: str) -> str:
    if not value:
        raise SystemExit(f"error: give {option} or set {variable}")
    return value


def newest_successful_execution(sagemaker) -> str:
    """The ARN of the pipeline's newest successful execution."""
    pages = sagemaker.get_paginator("list_pipeline_executions").paginate(
        PipelineName=PIPELINE_NAME, SortBy="CreationTime", SortOrder="Descending"
    )
    for page in pages:
        for execution in page["PipelineExecutionSummaries"]:
            if execution["PipelineExecutionStatus"] == "Succeeded":
                return execution["PipelineExecutionArn"]
    raise SystemExit(f"error: {PIPELINE_NAME} has no successful execution yet")


def find_step(sagemaker, execution_arn: str, step: str) -> dict:
    """The step `step` of an execution, as ListPipelineExecutionSteps reports it."""
    pages = sagemaker.get_paginator("list_pipeline_execution_steps").paginate(
        PipelineExecutionArn=execution_arn
    )
    for page in pages:
        for found in page["PipelineExecutionSteps"]:
            if found["StepName"] == step:
                return found
    raise SystemExit(f"error: the execution {execution_arn} has no step {step}")


def latest_output(session: boto3.Session, step: str, output: str) -> str:
    """Where the newest successful execution's `step` has its output `output` (an S3 URI).

    Read from the execution, not guessed: pipeline.py sends a step's outputs to
    runs/<execution id>/<step>/<output>, but the steps are cached (CacheConfig), and a step
    that was a cache hit does not run, so nothing is written under the new execution's id:
    its outputs are those of the execution it reused (CacheHitResult). The processing job
    that did run says where it uploaded each output (DescribeProcessingJob), which is right
    for a cache hit and for a step that ran, and stays right if pipeline.py's layout changes.
    """
    sagemaker = session.client("sagemaker")
    execution_arn = newest_successful_execution(sagemaker)
    for _ in range(20):  # a cache hit names the execution whose result it reused
        found = find_step(sagemaker, execution_arn, step)
        job_arn = found.get("Metadata", {}).get("ProcessingJob", {}).get("Arn")
        source = found.get("CacheHitResult", {}).get("SourcePipelineExecutionArn")
        if job_arn:
            break
        if not source or source == execution_arn:
            raise SystemExit(f"error: the {step} step of {execution_arn} names no processing job")
        execution_arn = source
    else:
        raise SystemExit(f"error: the cache hits of the {step} step lead nowhere")
    job = sagemaker.describe_processing_job(ProcessingJobName=job_arn.rsplit("/", 1)[-1])
    for item in job.get("ProcessingOutputConfig", {}).get("Outputs", []):
        if item["OutputName"] == output and "S3Output" in item:
            return item["S3Output"]["S3Uri"]
    raise SystemExit(f"error: the {step} step's job {job['ProcessingJobName']} has no '{output}'")


def read_rows(session: boto3.Session, uri: str) -> list[dict[str, str]]:
    """Every row of every Parquet file under the S3 prefix `uri`, values as text."""
    import pyarrow.parquet as pq

    s3 = session.client("s3")
    bucket, prefix = uri[len("s3://") :].split("/", 1)
    rows: list[dict[str, str]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith(".parquet"):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                table = pq.read_table(io.BytesIO(body))
                rows += [
                    {k: "" if v is None else str(v) for k, v in row.items()}
                    for row in table.to_pylist()
                ]
    if not rows:
        raise SystemExit(f"error: no Parquet rows under {uri}")
    return rows


def feature_name(column: str) -> str:
    """Feature Store names allow letters, digits, '-' and '_' only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", column).strip("_-")[:64] or "feature"


def create_group(session: boto3.Session, columns: list[str], args: argparse.Namespace) -> None:
    sagemaker = session.client("sagemaker")
    try:
        sagemaker.describe_feature_group(FeatureGroupName=FEATURE_GROUP)
        return  # it exists already
    except sagemaker.exceptions.ResourceNotFound:
        pass
    bucket = required(args.bucket, "--bucket", "SAGEMAKER_BUCKET")
    definitions = [{"FeatureName": RECORD_ID, "FeatureType": "String"}]
    definitions.append({"FeatureName": EVENT_TIME, "FeatureType": "String"})
    definitions += [{"FeatureName": feature_name(c), "FeatureType": "Fractional"} for c in columns]
    sagemaker.create_feature_group(
        FeatureGroupName=FEATURE_GROUP,
        RecordIdentifierFeatureName=RECORD_ID,
        EventTimeFeatureName=EVENT_TIME,
        FeatureDefinitions=definitions,
        OnlineStoreConfig={"EnableOnlineStore": True},
        OfflineStoreConfig={
            "S3StorageConfig": {"S3Uri": f"s3://{bucket}/{S3_PREFIX}/feature-store"}
        },
        RoleArn=required(args.role_arn, "--role-arn", "SAGEMAKER_ROLE_ARN"),
        Description=f"Features engineered by the {PIPELINE_NAME} pipeline",
    )
    print(f"creating feature group {FEATURE_GROUP}", end="", flush=True)
    while True:
        status = sagemaker.describe_feature_group(FeatureGroupName=FEATURE_GROUP)
        if status["FeatureGroupStatus"] != "Creating":
            break
        print(".", end="", flush=True)
        time.sleep(10)
    print(f" {status['FeatureGroupStatus']}")
    if status["FeatureGroupStatus"] != "Created":
        raise SystemExit(f"error: {status.get('FailureReason', 'creation failed')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[aws_options()],
    )
    parser.add_argument("--features-uri", help="S3 prefix of the features (Parquet) to load")
    args = parser.parse_args(argv)
    session = boto3.Session(region_name=args.region)
    uri = args.features_uri or latest_output(session, FEATURES_STEP, FEATURES_OUTPUT)
    rows = read_rows(session, uri)
    create_group(session, list(rows[0]), args)
    runtime = session.client("sagemaker-featurestore-runtime")
    loaded_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for number, row in enumerate(rows):
        record = [{"FeatureName": RECORD_ID, "ValueAsString": str(number)}]
        record.append({"FeatureName": EVENT_TIME, "ValueAsString": loaded_at})
        record += [{"FeatureName": feature_name(k), "ValueAsString": v} for k, v in row.items()]
        runtime.put_record(FeatureGroupName=FEATURE_GROUP, Record=record)
    print(f"loaded {len(rows)} records from {uri} into {FEATURE_GROUP}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BotoCoreError, ClientError) as error:  # no credentials, access denied, ...
        sys.exit(f"error: {error}")
