"""CloudFormation for the services around the pipeline: ``infra/services.json``.

Pure, like ``exporters.infra``, and built from ``exporters.cfn``'s helpers: the chosen
services CloudFormation has resources for (Glue database and crawler, Kinesis stream with a
Firehose delivery to the input prefix, the EventBridge Scheduler schedule, a CloudTrail trail;
the endpoint's alarms, dashboard and Lambda + HTTP API front come from
``exporters.cfn_endpoint``). The bucket and the scheduler role
come from the bootstrap stack's exports (``Fn::ImportValue``), never from the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from wizard.config import WizardConfig
from wizard.plan.dag import Plan

from .cfn import Names, arn, names_for, output, pipeline_arn, sub, trust_policy
from .cfn_endpoint import endpoint_alarms, predict_front

ENDPOINT_SERVICES = ("endpoints", "serverless-inference", "multi-model-endpoints")
"""The catalog ids of the deployment choices that give an endpoint (``deploy.py``)."""

# Catalog ids whose "around the pipeline" resources services.json creates, per stage.
INFRA_SERVICES: Mapping[str, frozenset[str]] = {
    "data_collection": frozenset({"glue", "kinesis"}),
    "deployment": frozenset({"lambda", "api-gateway"}),
    "monitoring": frozenset({"cloudwatch", "cloudtrail"}),
    "orchestration": frozenset({"eventbridge"}),
}


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
    return {"Fn::ImportValue": sub(f"${{BootstrapStack}}-{name}")}


def services_template(plan: Plan, config: WizardConfig) -> dict[str, Any] | None:
    """The chosen services CloudFormation has resources for, or None when there are none."""
    names = names_for(plan, config)
    services = infra_services(plan, config)
    if not services:
        return None
    bucket = _import("BucketName")
    bucket_arn = {"Fn::Join": ["", [sub("arn:${AWS::Partition}:s3:::"), bucket]]}
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
                    "Arn": pipeline_arn(names),
                    "RoleArn": _import("SchedulerRoleArn"),
                    "SageMakerPipelineParameters": {"PipelineParameterList": []},
                },
            },
        }
    if "cloudwatch" in services:
        resources |= endpoint_alarms(names, config)
    if "cloudtrail" in services:
        resources |= _trail(names)
    if "lambda" in services or "api-gateway" in services:
        resources |= predict_front(names, api="api-gateway" in services)
    outputs: dict[str, Any] = {}
    if "api-gateway" in services:
        outputs["PredictUrl"] = output(
            sub("https://${PredictApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/predict"),
            "POST CSV lines here for predictions",
        )
    if "glue" in services:
        outputs["GlueDatabase"] = output({"Ref": "GlueDatabase"}, "Glue database")
    if "kinesis" in services:
        outputs["StreamName"] = output({"Ref": "InputStream"}, "Kinesis stream")
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"sm-wizard: the services around the {names.pipeline} pipeline "
        f"({', '.join(services)})",
    }
    # Declared only when something imports the bootstrap stack's exports (Glue, Kinesis, the
    # schedule): an unused parameter is a cfn-lint warning (W2001) that fails the project's CI.
    if "${BootstrapStack}" in json.dumps(resources):
        template["Parameters"] = {
            "BootstrapStack": {
                "Type": "String",
                "Default": names.stack,
                "Description": "the stack `sm-wizard bootstrap` created (its exports are used)",
            }
        }
    template["Resources"] = resources
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
                "AssumeRolePolicyDocument": trust_policy("glue.amazonaws.com"),
                "ManagedPolicyArns": [
                    sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSGlueServiceRole")
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
                "AssumeRolePolicyDocument": trust_policy(
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


def _trail(names: Names) -> dict[str, Any]:
    trail_name = f"{names.project}-sagemaker"[:128]
    trail_arn = arn("cloudtrail", f"trail/{trail_name}")
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
                                "Fn::Join": ["", [logs, sub("/AWSLogs/${AWS::AccountId}/*")]]
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
