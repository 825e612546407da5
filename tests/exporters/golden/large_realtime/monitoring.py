#!/usr/bin/env python
"""Watch the pipeline and the deployed model: CloudWatch alarms and Model Monitor.

    python monitoring.py                          create or update everything below
    python monitoring.py --alarm-topic-arn ARN    also notify an SNS topic when an alarm fires
    python monitoring.py --delete                 remove it again
    python monitoring.py --alarms-only            the alarms, no Model Monitor schedule

Run it again whenever you like: what exists is updated or left as it is. Model Monitor
watches single-model real-time endpoints that capture data; for a multi-model or
serverless endpoint this says so and exits with status 2 (after setting the alarms).

What it sets up:
* an alarm when an execution of the pipeline fails;
* alarms on the endpoint's latency and server-error rate (run it after deploy.py);
* a Model Monitor schedule that compares the requests the endpoint
  receives with the training data's baseline (recorded by the pipeline with the model
  version) and reports drift.

The region (and, for Model Monitor, role and bucket) come from --region, --role-arn and
--bucket, or from AWS_REGION, SAGEMAKER_ROLE_ARN and SAGEMAKER_BUCKET.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError

# From wizard.toml (see pipeline.py).
PIPELINE_NAME = "churn-at-scale"
S3_PREFIX = "ml/churn"
DEFAULT_REGION = "eu-west-1"
MODEL_PACKAGE_GROUP = "churn-models"
ENDPOINT_NAME = f"{PIPELINE_NAME}-endpoint"  # as deploy.py names it
# Alarm thresholds (monitoring.* in wizard.toml).
LATENCY_ALARM_MS = 1000
ERROR_RATE_ALARM_PERCENT = 5.0
MONITOR_SCHEDULE = "cron(0 * ? * * *)"
MONITOR_NAME = f"{PIPELINE_NAME}-data-quality"


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


def alarms() -> list[dict]:
    """The CloudWatch alarms, as put_metric_alarm arguments."""
    found = [
        {
            "AlarmName": f"{PIPELINE_NAME}-execution-failed",
            "AlarmDescription": "An execution of the pipeline failed",
            "Namespace": "AWS/Sagemaker/ModelBuildingPipeline",
            "MetricName": "ExecutionFailed",
            "Dimensions": [{"Name": "PipelineName", "Value": PIPELINE_NAME}],
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        },
    ]
    variant = [
        {"Name": "EndpointName", "Value": ENDPOINT_NAME},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    found.append(
        {
            "AlarmName": f"{ENDPOINT_NAME}-latency",
            "AlarmDescription": f"Average model latency above {LATENCY_ALARM_MS} ms",
            "Namespace": "AWS/SageMaker",
            "MetricName": "ModelLatency",  # reported in microseconds
            "Dimensions": variant,
            "Statistic": "Average",
            "Period": 60,
            "EvaluationPeriods": 5,
            "DatapointsToAlarm": 3,
            "Threshold": LATENCY_ALARM_MS * 1000,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        }
    )

    def metric(name: str, key: str) -> dict:
        return {
            "Id": key,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/SageMaker", "MetricName": name, "Dimensions": variant},
                "Period": 300,
                "Stat": "Sum",
            },
        }

    found.append(
        {
            "AlarmName": f"{ENDPOINT_NAME}-error-rate",
            "AlarmDescription": f"More than {ERROR_RATE_ALARM_PERCENT}% of requests fail (5xx)",
            "Metrics": [
                metric("Invocation5XXErrors", "errors"),
                metric("Invocations", "requests"),
                {
                    "Id": "rate",
                    "Expression": "100 * errors / MAX([requests, 1])",
                    "Label": "server error rate (%)",
                    "ReturnData": True,
                },
            ],
            "EvaluationPeriods": 1,
            "Threshold": ERROR_RATE_ALARM_PERCENT,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        }
    )
    return found


class CannotMonitor(Exception):
    """Model Monitor cannot watch this endpoint (the message says why and what to do)."""


def baseline_of(sagemaker) -> tuple[dict, dict]:
    """The endpoint's config and the data-quality baseline of the version it serves."""
    config_name = sagemaker.describe_endpoint(EndpointName=ENDPOINT_NAME)["EndpointConfigName"]
    config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
    variant = config["ProductionVariants"][0]
    model = sagemaker.describe_model(ModelName=variant["ModelName"])
    container = model.get("PrimaryContainer") or {}
    if container.get("Mode") == "MultiModel":
        raise CannotMonitor(
            f"{ENDPOINT_NAME} is a multi-model endpoint, and Model Monitor does not support "
            "multi-model endpoints. To watch the data quality of one model, serve it on a "
            "real-time endpoint (python deploy.py --kind endpoints) and run this "
            "again; or run monitoring.py --alarms-only to keep just the CloudWatch alarms"
        )
    if "ServerlessConfig" in variant or not config.get("DataCaptureConfig", {}).get(
        "EnableCapture"
    ):
        raise CannotMonitor(
            f"{ENDPOINT_NAME} captures no requests (serverless endpoints cannot), so Model "
            "Monitor has nothing to compare. Serve the model on a real-time endpoint with "
            "deploy.py and run this again, or run monitoring.py --alarms-only"
        )
    package_arn = container.get("ModelPackageName")
    if not package_arn:
        raise CannotMonitor(f"{ENDPOINT_NAME} does not serve a registered model version")
    metrics = sagemaker.describe_model_package(ModelPackageName=package_arn).get("ModelMetrics")
    baseline = (metrics or {}).get("ModelDataQuality")
    if not baseline:
        raise CannotMonitor(f"{package_arn} was registered without a data-quality baseline")
    return config, baseline


def job_definition(baseline: dict, args: argparse.Namespace) -> dict:
    """CreateDataQualityJobDefinition's arguments, except the name."""
    from sagemaker.core import image_uris  # only needed here

    bucket = required(args.bucket, "--bucket", "SAGEMAKER_BUCKET")
    return {
        "DataQualityBaselineConfig": {
            "ConstraintsResource": {"S3Uri": baseline["Constraints"]["S3Uri"]},
            "StatisticsResource": {"S3Uri": baseline["Statistics"]["S3Uri"]},
        },
        "DataQualityAppSpecification": {
            "ImageUri": image_uris.retrieve(framework="model-monitor", region=args.region)
        },
        "DataQualityJobInput": {
            "EndpointInput": {
                "EndpointName": ENDPOINT_NAME,
                "LocalPath": "/opt/ml/processing/input/endpoint",
            }
        },
        "DataQualityJobOutputConfig": {
            "MonitoringOutputs": [
                {
                    "S3Output": {
                        "S3Uri": f"s3://{bucket}/{S3_PREFIX}/monitoring/data-quality",
                        "LocalPath": "/opt/ml/processing/output",
                    }
                }
            ]
        },
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 20,
            }
        },
        "RoleArn": required(args.role_arn, "--role-arn", "SAGEMAKER_ROLE_ARN"),
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
    }


def current_schedule(sagemaker) -> dict | None:
    try:
        return sagemaker.describe_monitoring_schedule(MonitoringScheduleName=MONITOR_NAME)
    except sagemaker.exceptions.ResourceNotFound:
        return None


def delete_job_definitions(sagemaker, keep: str | None = None) -> None:
    """This project's data-quality job definitions, except `keep`."""
    pages = sagemaker.get_paginator("list_data_quality_job_definitions").paginate(
        NameContains=MONITOR_NAME
    )
    for page in pages:
        for item in page["JobDefinitionSummaries"]:
            name = item["MonitoringJobDefinitionName"]
            if name == keep or not name.startswith(f"{MONITOR_NAME}-"):
                continue
            try:
                sagemaker.delete_data_quality_job_definition(JobDefinitionName=name)
                print(f"deleted the job definition {name}")
            except sagemaker.exceptions.ResourceInUse:
                print(f"the job definition {name} is still in use; delete it later")


def create_monitor(session: boto3.Session, args: argparse.Namespace) -> None:
    """A data-quality schedule on the endpoint, against the deployed version's baseline.

    Run it again at will: a job definition cannot be changed, so each is named after a hash
    of its settings (same settings, same name: nothing to do); the schedule is created once
    and then updated to the new definition, and the definitions it no longer uses go."""
    sagemaker = session.client("sagemaker")
    _, baseline = baseline_of(sagemaker)
    definition = job_definition(baseline, args)
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:8]
    name = f"{MONITOR_NAME}-{digest}"
    try:
        sagemaker.describe_data_quality_job_definition(JobDefinitionName=name)
    except sagemaker.exceptions.ResourceNotFound:
        sagemaker.create_data_quality_job_definition(JobDefinitionName=name, **definition)
        print(f"job definition {name}")
    wanted = {
        "ScheduleConfig": {"ScheduleExpression": MONITOR_SCHEDULE},
        "MonitoringJobDefinitionName": name,
        "MonitoringType": "DataQuality",
    }
    schedule = current_schedule(sagemaker)
    if schedule is None:
        sagemaker.create_monitoring_schedule(
            MonitoringScheduleName=MONITOR_NAME, MonitoringScheduleConfig=wanted
        )
        print(f"Model Monitor schedule {MONITOR_NAME}: {MONITOR_SCHEDULE}")
    else:
        config = schedule["MonitoringScheduleConfig"]
        if {key: config.get(key) for key in wanted} == wanted:
            print(f"Model Monitor schedule {MONITOR_NAME}: unchanged ({MONITOR_SCHEDULE})")
        else:
            sagemaker.update_monitoring_schedule(
                MonitoringScheduleName=MONITOR_NAME, MonitoringScheduleConfig=wanted
            )
            print(f"Model Monitor schedule {MONITOR_NAME}: updated ({MONITOR_SCHEDULE})")
    delete_job_definitions(sagemaker, keep=name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[aws_options()],
    )
    parser.add_argument("--alarm-topic-arn", help="SNS topic to notify when an alarm fires")
    parser.add_argument("--delete", action="store_true", help="remove the alarms and schedule")
    parser.add_argument(
        "--alarms-only",
        action="store_true",
        help="set the alarms but no Model Monitor schedule (e.g. for a multi-model endpoint)",
    )
    args = parser.parse_args(argv)
    session = boto3.Session(region_name=args.region)
    cloudwatch = session.client("cloudwatch")
    names = [alarm["AlarmName"] for alarm in alarms()]
    if args.delete:
        cloudwatch.delete_alarms(AlarmNames=names)
        sagemaker = session.client("sagemaker")
        if current_schedule(sagemaker) is not None:
            sagemaker.delete_monitoring_schedule(MonitoringScheduleName=MONITOR_NAME)
        delete_job_definitions(sagemaker)
        print(f"deleted {', '.join(names)}")
        return 0
    for alarm in alarms():
        if args.alarm_topic_arn:
            alarm["AlarmActions"] = [args.alarm_topic_arn]
        cloudwatch.put_metric_alarm(**alarm)
        print(f"alarm {alarm['AlarmName']}")
    if args.alarms_only:
        print("Model Monitor: left out (--alarms-only)")
        return 0
    try:
        create_monitor(session, args)
    except CannotMonitor as reason:
        print(f"error: Model Monitor: {reason}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BotoCoreError, ClientError) as error:  # no credentials, access denied, ...
        sys.exit(f"error: {error}")
