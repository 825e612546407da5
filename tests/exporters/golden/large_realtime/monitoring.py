#!/usr/bin/env python
"""Watch the pipeline and the deployed model: CloudWatch alarms and Model Monitor.

    python monitoring.py                          create or update everything below
    python monitoring.py --alarm-topic-arn ARN    also notify an SNS topic when an alarm fires
    python monitoring.py --delete                 remove it again

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


def create_monitor(session: boto3.Session, args: argparse.Namespace) -> None:
    """A data-quality schedule on the endpoint, against the deployed version's baseline."""
    from sagemaker.core import image_uris  # only needed here

    sagemaker = session.client("sagemaker")
    config_name = sagemaker.describe_endpoint(EndpointName=ENDPOINT_NAME)["EndpointConfigName"]
    config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    package_arn = model["PrimaryContainer"].get("ModelPackageName")
    if not package_arn:
        raise SystemExit("error: the endpoint does not serve a registered model version")
    metrics = sagemaker.describe_model_package(ModelPackageName=package_arn)["ModelMetrics"]
    baseline = metrics["ModelDataQuality"]
    bucket = required(args.bucket, "--bucket", "SAGEMAKER_BUCKET")
    sagemaker.create_data_quality_job_definition(
        JobDefinitionName=MONITOR_NAME,
        DataQualityBaselineConfig={
            "ConstraintsResource": {"S3Uri": baseline["Constraints"]["S3Uri"]},
            "StatisticsResource": {"S3Uri": baseline["Statistics"]["S3Uri"]},
        },
        DataQualityAppSpecification={
            "ImageUri": image_uris.retrieve(framework="model-monitor", region=args.region)
        },
        DataQualityJobInput={
            "EndpointInput": {
                "EndpointName": ENDPOINT_NAME,
                "LocalPath": "/opt/ml/processing/input/endpoint",
            }
        },
        DataQualityJobOutputConfig={
            "MonitoringOutputs": [
                {
                    "S3Output": {
                        "S3Uri": f"s3://{bucket}/{S3_PREFIX}/monitoring/data-quality",
                        "LocalPath": "/opt/ml/processing/output",
                    }
                }
            ]
        },
        JobResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 20,
            }
        },
        RoleArn=required(args.role_arn, "--role-arn", "SAGEMAKER_ROLE_ARN"),
        StoppingCondition={"MaxRuntimeInSeconds": 1800},
    )
    sagemaker.create_monitoring_schedule(
        MonitoringScheduleName=MONITOR_NAME,
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": MONITOR_SCHEDULE},
            "MonitoringJobDefinitionName": MONITOR_NAME,
            "MonitoringType": "DataQuality",
        },
    )
    print(f"Model Monitor schedule {MONITOR_NAME}: {MONITOR_SCHEDULE}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[aws_options()],
    )
    parser.add_argument("--alarm-topic-arn", help="SNS topic to notify when an alarm fires")
    parser.add_argument("--delete", action="store_true", help="remove the alarms and schedule")
    args = parser.parse_args(argv)
    session = boto3.Session(region_name=args.region)
    cloudwatch = session.client("cloudwatch")
    names = [alarm["AlarmName"] for alarm in alarms()]
    if args.delete:
        cloudwatch.delete_alarms(AlarmNames=names)
        sagemaker = session.client("sagemaker")
        try:
            sagemaker.delete_monitoring_schedule(MonitoringScheduleName=MONITOR_NAME)
            sagemaker.delete_data_quality_job_definition(JobDefinitionName=MONITOR_NAME)
        except sagemaker.exceptions.ResourceNotFound:
            pass
        print(f"deleted {', '.join(names)}")
        return 0
    for alarm in alarms():
        if args.alarm_topic_arn:
            alarm["AlarmActions"] = [args.alarm_topic_arn]
        cloudwatch.put_metric_alarm(**alarm)
        print(f"alarm {alarm['AlarmName']}")
    create_monitor(session, args)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BotoCoreError, ClientError) as error:  # no credentials, access denied, ...
        sys.exit(f"error: {error}")
