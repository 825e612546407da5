#!/usr/bin/env python
"""Watch the pipeline: CloudWatch alarms.

    python monitoring.py                          create or update everything below
    python monitoring.py --alarm-topic-arn ARN    also notify an SNS topic when an alarm fires
    python monitoring.py --delete                 remove it again

What it sets up:
* an alarm when an execution of the pipeline fails;

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
PIPELINE_NAME = "breast-cancer-demo"
S3_PREFIX = "sm-wizard/breast-cancer-demo"
DEFAULT_REGION = "us-east-1"
MODEL_PACKAGE_GROUP = "breast-cancer-models"


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
    return found


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
        print(f"deleted {', '.join(names)}")
        return 0
    for alarm in alarms():
        if args.alarm_topic_arn:
            alarm["AlarmActions"] = [args.alarm_topic_arn]
        cloudwatch.put_metric_alarm(**alarm)
        print(f"alarm {alarm['AlarmName']}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BotoCoreError, ClientError) as error:  # no credentials, access denied, ...
        sys.exit(f"error: {error}")
