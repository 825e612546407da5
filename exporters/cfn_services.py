"""CloudFormation for the services around the pipeline: ``infra/services.json``.

Pure, like ``exporters.infra`` (whose helpers it uses): the chosen services CloudFormation has
resources for (Glue database and crawler, Kinesis stream with a Firehose delivery to the input
prefix, the EventBridge Scheduler schedule, CloudWatch alarms and a dashboard for the
endpoint, a CloudTrail trail, the Lambda + HTTP API front). The bucket and the scheduler role
come from the bootstrap stack's exports (``Fn::ImportValue``), never from the file.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wizard.config import WizardConfig
from wizard.plan.dag import Plan

from .infra import (
    ENDPOINT_SERVICES,
    INFRA_SERVICES,
    Names,
    _arn,
    _output,
    _pipeline_arn,
    _sub,
    _trust,
    names_for,
)


def selected(plan: Plan) -> set[tuple[str, str]]:
    return {(stage, sid) for stage, ids in plan.services.items() for sid in ids}


def infra_services(plan: Plan, config: WizardConfig) -> list[str]:
    """The chosen services ``services.json`` creates (catalog ids, sorted)."""
    chosen = selected(plan)
    ids = {sid for stage, sid in chosen if sid in INFRA_SERVICES.get(stage, ())}
    all_ids = {sid for _, sid in chosen}
    if not config.orchestration.schedule:
        ids.discard("eventbridge")
    if not any(s in all_ids for s in ENDPOINT_SERVICES):
        ids -= {"lambda", "api-gateway"}
        ids.discard("cloudwatch")
    return sorted(ids)


def _import(name: str) -> dict[str, Any]:
    return {"Fn::ImportValue": _sub(f"${{BootstrapStack}}-{name}")}


def services_template(plan: Plan, config: WizardConfig) -> dict[str, Any] | None:
    """The chosen services CloudFormation has resources for, or None when there are none."""
    names = names_for(plan, config)
    services = infra_services(plan, config)
    if not services:
        return None
    bucket = _import("BucketName")
    bucket_arn = {"Fn::Join": ["", [_sub("arn:${AWS::Partition}:s3:::"), bucket]]}
    input_objects = {"Fn::Join": ["", [bucket_arn, f"/{names.input_prefix}*"]]}
    resources: dict[str, Any] = {}
    if "glue" in services:
        resources |= _glue(names, bucket, bucket_arn, input_objects)
    if "kinesis" in services:
        resources |= _kinesis(names, bucket_arn, input_objects)
    if "eventbridge" in services:
        resources["PipelineSchedule"] = {
            "Type": "AWS::Scheduler::Schedule",
            "Properties": {
                "Name": f"{names.pipeline}-schedule"[:64],
                "Description": f"starts the {names.pipeline} pipeline",
                "ScheduleExpression": config.orchestration.schedule,
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": {
                    "Arn": _pipeline_arn(names),
                    "RoleArn": _import("SchedulerRoleArn"),
                    "SageMakerPipelineParameters": {"PipelineParameterList": []},
                },
            },
        }
    if "cloudwatch" in services:
        resources |= _endpoint_alarms(names, config)
    if "cloudtrail" in services:
        resources |= _trail(names)
    if "lambda" in services or "api-gateway" in services:
        resources |= _front(names, api="api-gateway" in services)
    outputs: dict[str, Any] = {}
    if "api-gateway" in services:
        outputs["PredictUrl"] = _output(
            _sub("https://${PredictApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/predict"),
            "POST CSV lines here for predictions",
        )
    if "glue" in services:
        outputs["GlueDatabase"] = _output({"Ref": "GlueDatabase"}, "Glue database")
    if "kinesis" in services:
        outputs["StreamName"] = _output({"Ref": "InputStream"}, "Kinesis stream")
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"sm-wizard: the services around the {names.pipeline} pipeline "
        f"({', '.join(services)})",
        "Parameters": {
            "BootstrapStack": {
                "Type": "String",
                "Default": names.stack,
                "Description": "the stack `sm-wizard bootstrap` created (its exports are used)",
            }
        },
        "Resources": resources,
    }
    if outputs:
        template["Outputs"] = outputs
    return template


def _glue(names: Names, bucket: Any, bucket_arn: Any, input_objects: Any) -> dict[str, Any]:
    database = re.sub(r"[^a-z0-9_]", "_", names.project.lower())[:200]
    return {
        "GlueDatabase": {
            "Type": "AWS::Glue::Database",
            "Properties": {
                "CatalogId": {"Ref": "AWS::AccountId"},
                "DatabaseInput": {
                    "Name": database,
                    "Description": f"tables of the {names.project} input data",
                },
            },
        },
        "CrawlerRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": _trust("glue.amazonaws.com"),
                "ManagedPolicyArns": [
                    _sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSGlueServiceRole")
                ],
                "Policies": [
                    {
                        "PolicyName": "read-input",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": ["s3:GetObject"],
                                    "Resource": input_objects,
                                },
                                {
                                    "Effect": "Allow",
                                    "Action": ["s3:ListBucket"],
                                    "Resource": bucket_arn,
                                    "Condition": {
                                        "StringLike": {"s3:prefix": [f"{names.input_prefix}*"]}
                                    },
                                },
                            ],
                        },
                    }
                ],
            },
        },
        "InputCrawler": {
            "Type": "AWS::Glue::Crawler",
            "Properties": {
                "Role": {"Fn::GetAtt": ["CrawlerRole", "Arn"]},
                "DatabaseName": {"Ref": "GlueDatabase"},
                "Description": "catalogs the files under the pipeline's input prefix",
                "Targets": {
                    "S3Targets": [
                        {"Path": {"Fn::Join": ["", ["s3://", bucket, f"/{names.input_prefix}"]]}}
                    ]
                },
                "SchemaChangePolicy": {
                    "UpdateBehavior": "UPDATE_IN_DATABASE",
                    "DeleteBehavior": "LOG",
                },
            },
        },
    }


def _kinesis(names: Names, bucket_arn: Any, input_objects: Any) -> dict[str, Any]:
    return {
        "InputStream": {
            "Type": "AWS::Kinesis::Stream",
            "Properties": {
                "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
                "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
                "RetentionPeriodHours": 24,
            },
        },
        "DeliveryRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": _trust(
                    "firehose.amazonaws.com",
                    {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}},
                ),
                "Policies": [
                    {
                        "PolicyName": "stream-to-input-prefix",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": [
                                        "kinesis:DescribeStream",
                                        "kinesis:GetRecords",
                                        "kinesis:GetShardIterator",
                                        "kinesis:ListShards",
                                    ],
                                    "Resource": {"Fn::GetAtt": ["InputStream", "Arn"]},
                                },
                                {
                                    "Effect": "Allow",
                                    "Action": [
                                        "s3:AbortMultipartUpload",
                                        "s3:PutObject",
                                    ],
                                    "Resource": [
                                        input_objects,
                                        {
                                            "Fn::Join": [
                                                "",
                                                [bucket_arn, f"/{names.prefix}/stream-errors/*"],
                                            ]
                                        },
                                    ],
                                },
                                {
                                    "Effect": "Allow",
                                    "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                                    "Resource": bucket_arn,
                                },
                            ],
                        },
                    }
                ],
            },
        },
        "InputDelivery": {
            "Type": "AWS::KinesisFirehose::DeliveryStream",
            "Properties": {
                "DeliveryStreamType": "KinesisStreamAsSource",
                "KinesisStreamSourceConfiguration": {
                    "KinesisStreamARN": {"Fn::GetAtt": ["InputStream", "Arn"]},
                    "RoleARN": {"Fn::GetAtt": ["DeliveryRole", "Arn"]},
                },
                "ExtendedS3DestinationConfiguration": {
                    "BucketARN": bucket_arn,
                    "RoleARN": {"Fn::GetAtt": ["DeliveryRole", "Arn"]},
                    "Prefix": names.input_prefix,
                    "ErrorOutputPrefix": f"{names.prefix}/stream-errors/",
                    "BufferingHints": {"IntervalInSeconds": 300, "SizeInMBs": 64},
                    "CompressionFormat": "UNCOMPRESSED",
                },
            },
        },
    }


def _endpoint_alarms(names: Names, config: WizardConfig) -> dict[str, Any]:
    monitoring = config.monitoring
    dimensions = [
        {"Name": "EndpointName", "Value": names.endpoint},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]

    def metric(metric_id: str, name: str, stat: str, visible: bool) -> dict[str, Any]:
        return {
            "Id": metric_id,
            "ReturnData": visible,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/SageMaker",
                    "MetricName": name,
                    "Dimensions": dimensions,
                },
                "Period": 300,
                "Stat": stat,
            },
        }

    widgets = [
        {
            "type": "metric",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": config.project.region,
                "stat": stat,
                "period": 300,
                "metrics": [
                    [
                        "AWS/SageMaker",
                        metric_name,
                        "EndpointName",
                        names.endpoint,
                        "VariantName",
                        "AllTraffic",
                    ]
                    for metric_name in metric_names
                ],
            },
        }
        for title, stat, metric_names in (
            ("Invocations", "Sum", ("Invocations", "Invocation4XXErrors", "Invocation5XXErrors")),
            ("Latency (microseconds)", "p90", ("ModelLatency", "OverheadLatency")),
        )
    ]
    widgets[1]["x"] = 12
    return {
        "LatencyAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": f"{names.endpoint}: p90 model latency above "
                f"{monitoring.latency_alarm_ms} ms",
                "Namespace": "AWS/SageMaker",
                "MetricName": "ModelLatency",
                "Dimensions": dimensions,
                "ExtendedStatistic": "p90",
                "Period": 300,
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2,
                # ModelLatency is in microseconds
                "Threshold": monitoring.latency_alarm_ms * 1000,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
            },
        },
        "ErrorRateAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": f"{names.endpoint}: more than "
                f"{monitoring.error_rate_alarm_percent}% of invocations fail (5XX)",
                "Metrics": [
                    metric("errors", "Invocation5XXErrors", "Sum", False),
                    metric("calls", "Invocations", "Sum", False),
                    {
                        "Id": "rate",
                        "Expression": "IF(calls > 0, 100 * errors / calls, 0)",
                        "Label": "5XX error rate (%)",
                        "ReturnData": True,
                    },
                ],
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2,
                "Threshold": monitoring.error_rate_alarm_percent,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
            },
        },
        "EndpointDashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": names.endpoint[:255],
                "DashboardBody": json.dumps({"widgets": widgets}, sort_keys=True),
            },
        },
    }


def _trail(names: Names) -> dict[str, Any]:
    trail_name = f"{names.project}-sagemaker"[:128]
    trail_arn = _arn("cloudtrail", f"trail/{trail_name}")
    logs = {"Fn::GetAtt": ["TrailBucket", "Arn"]}
    return {
        "TrailBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
            },
        },
        "TrailBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "TrailBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudTrailAclCheck",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudtrail.amazonaws.com"},
                            "Action": "s3:GetBucketAcl",
                            "Resource": logs,
                            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
                        },
                        {
                            "Sid": "CloudTrailWrite",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudtrail.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": {
                                "Fn::Join": ["", [logs, _sub("/AWSLogs/${AWS::AccountId}/*")]]
                            },
                            "Condition": {
                                "StringEquals": {
                                    "s3:x-amz-acl": "bucket-owner-full-control",
                                    "aws:SourceArn": trail_arn,
                                }
                            },
                        },
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [logs, {"Fn::Join": ["", [logs, "/*"]]}],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                },
            },
        },
        "SageMakerTrail": {
            "Type": "AWS::CloudTrail::Trail",
            "DependsOn": "TrailBucketPolicy",
            "Properties": {
                "TrailName": trail_name,
                "S3BucketName": {"Ref": "TrailBucket"},
                "IsLogging": True,
                "IsMultiRegionTrail": False,
                "EnableLogFileValidation": True,
                "IncludeGlobalServiceEvents": True,
                # management events: every SageMaker control-plane call (CreatePipeline,
                # StartPipelineExecution, CreateEndpoint...) lands here with who made it
                "EventSelectors": [{"IncludeManagementEvents": True, "ReadWriteType": "All"}],
            },
        },
    }


def _front(names: Names, *, api: bool) -> dict[str, Any]:
    from .render import LAMBDA_HANDLER, TEMPLATES_DIR

    handler = (TEMPLATES_DIR / "scaffold" / LAMBDA_HANDLER).read_text("utf-8")
    resources: dict[str, Any] = {
        "PredictFunctionRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": _trust("lambda.amazonaws.com"),
                "ManagedPolicyArns": [
                    _sub(
                        "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                        "AWSLambdaBasicExecutionRole"
                    )
                ],
                "Policies": [
                    {
                        "PolicyName": "invoke-endpoint",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": ["sagemaker:InvokeEndpoint"],
                                    "Resource": _arn(
                                        "sagemaker", f"endpoint/{names.endpoint.lower()}"
                                    ),
                                }
                            ],
                        },
                    }
                ],
            },
        },
        "PredictFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Description": f"calls the {names.endpoint} endpoint",
                "Runtime": "python3.12",
                # inline code is saved as index.py
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["PredictFunctionRole", "Arn"]},
                "Timeout": 30,
                "MemorySize": 256,
                "Environment": {"Variables": {"ENDPOINT_NAME": names.endpoint}},
                "Code": {"ZipFile": handler},
            },
        },
    }
    if api:
        resources |= {
            "PredictApi": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {"Name": f"{names.pipeline}-predict", "ProtocolType": "HTTP"},
            },
            "PredictIntegration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "PredictApi"},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {"Fn::GetAtt": ["PredictFunction", "Arn"]},
                    "PayloadFormatVersion": "2.0",
                },
            },
            "PredictRoute": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "PredictApi"},
                    "RouteKey": "POST /predict",
                    # IAM auth: callers sign requests (SigV4); change it to a JWT authorizer
                    # for browser clients
                    "AuthorizationType": "AWS_IAM",
                    "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "PredictIntegration"}]]},
                },
            },
            "PredictStage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {
                    "ApiId": {"Ref": "PredictApi"},
                    "StageName": "$default",
                    "AutoDeploy": True,
                },
            },
            "PredictPermission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Ref": "PredictFunction"},
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": _sub(
                        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                        "${PredictApi}/*/*/predict"
                    ),
                },
            },
        }
    return resources
