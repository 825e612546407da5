"""CloudFormation for a Plan: the bootstrap stack and the services around the pipeline.

Pure: a Plan and its config in, templates out (dicts, and their JSON text for ``infra/``).
No boto3; ``runners.sagemaker.bootstrap`` deploys the bootstrap template.

``bootstrap_template`` is what ``sm-wizard bootstrap`` creates and every export writes as
``infra/bootstrap.json``: one S3 bucket (SSE, versioning, public access blocked, TLS-only
policy), the SageMaker execution role scoped to the project's prefix in that bucket and to
the API actions the Plan's step types make, and an EventBridge Scheduler role when the
pipeline has a schedule. ``services_template`` (``infra/services.json``) holds the chosen
services CloudFormation has resources for; it reads the bucket and roles from the bootstrap
stack's exports, so nothing about the account is written in either file.

JSON templates cannot carry comments: where AWS requires ``Resource: "*"`` the statement's
``Sid`` says so, and the role's ``Metadata`` explains why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wizard.config import WizardConfig
from wizard.plan import Plan

BOOTSTRAP_FILE = "infra/bootstrap.json"
SERVICES_FILE = "infra/services.json"

# The API calls SageMaker makes *as the execution role* for each step type of the Plan (the
# pipeline service creates and follows each step's job with the role it was upserted with).
# (actions, resource types in the sagemaker ARN namespace)
STEP_ACTIONS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Processing": (
        ("CreateProcessingJob", "DescribeProcessingJob", "StopProcessingJob"),
        ("processing-job",),
    ),
    "QualityCheck": (  # Model Monitor's analyzer runs as a processing job
        ("CreateProcessingJob", "DescribeProcessingJob", "StopProcessingJob"),
        ("processing-job",),
    ),
    "ClarifyCheck": (  # Clarify runs as a processing job
        ("CreateProcessingJob", "DescribeProcessingJob", "StopProcessingJob"),
        ("processing-job",),
    ),
    "Training": (
        ("CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob"),
        ("training-job",),
    ),
    "Tuning": (
        (
            "CreateHyperParameterTuningJob",
            "DescribeHyperParameterTuningJob",
            "StopHyperParameterTuningJob",
            "ListTrainingJobsForHyperParameterTuningJob",
            "DescribeTrainingJob",
        ),
        ("hyper-parameter-tuning-job", "training-job"),
    ),
    "Transform": (
        ("CreateTransformJob", "DescribeTransformJob", "StopTransformJob"),
        ("transform-job",),
    ),
    "Model": (("CreateModel", "DescribeModel"), ("model",)),
    "Condition": ((), ()),
    "Fail": ((), ()),
}
# RegisterModel is scoped to the Plan's model package group (see _register_statement).
REGISTER_ACTIONS = (
    "AddTags",
    "CreateModelPackage",
    "DescribeModelPackage",
    "UpdateModelPackage",
    "CreateModelPackageGroup",
    "DescribeModelPackageGroup",
)
JOB_KINDS = frozenset({"Processing", "QualityCheck", "ClarifyCheck", "Training", "Tuning"})
JOB_KINDS |= {"Transform"}

ENDPOINT_SERVICES = ("endpoints", "serverless-inference", "multi-model-endpoints")

# Catalog ids whose "around the pipeline" resources services.json creates, per stage.
INFRA_SERVICES: Mapping[str, frozenset[str]] = {
    "data_collection": frozenset({"glue", "kinesis"}),
    "deployment": frozenset({"lambda", "api-gateway"}),
    "monitoring": frozenset({"cloudwatch", "cloudtrail"}),
    "orchestration": frozenset({"eventbridge"}),
}


@dataclass(frozen=True, slots=True)
class Names:
    """Names derived from the config (validated there), used by both templates."""

    project: str
    pipeline: str
    prefix: str
    stack: str
    role: str
    scheduler_role: str
    bucket: str | None
    """The config's bucket, or None: then the template names one from account and region."""
    endpoint: str
    model_package_group: str

    @property
    def input_prefix(self) -> str:
        return f"{self.prefix}/input/"


def names_for(plan: Plan, config: WizardConfig) -> Names:
    project = config.project.name
    return Names(
        project=project,
        pipeline=plan.pipeline_name,
        prefix=config.project.s3_prefix,
        stack=stack_name(config),
        role=f"{project[:44]}-sagemaker-execution",
        scheduler_role=f"{project[:44]}-pipeline-scheduler",
        bucket=_own_bucket(config),
        # deploy.py's endpoint name
        endpoint=f"{plan.pipeline_name}-endpoint",
        model_package_group=config.deployment.model_package_group,
    )


def _generated_bucket_slug(project: str) -> str:
    slug = re.sub(r"[^a-z0-9-]", "-", project.lower())
    return re.sub(r"-{2,}", "-", slug).strip("-")[:28].strip("-") or "sm-wizard"


def _own_bucket(config: WizardConfig) -> str | None:
    """The config's bucket, unless it is the one this template names itself (recorded by an
    earlier bootstrap): then the template keeps naming it the same way, so it never changes."""
    bucket = config.project.bucket
    slug = re.escape(_generated_bucket_slug(config.project.name))
    if not bucket or re.fullmatch(rf"{slug}-\d{{12}}-[a-z]{{2}}(-[a-z]+)+-\d", bucket):
        return None
    return bucket


def stack_name(config: WizardConfig) -> str:
    """The bootstrap stack's name (CloudFormation: letters, digits, hyphens; ≤ 128)."""
    return f"sm-wizard-{config.project.name}"[:128]


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _bucket_name(names: Names) -> Any:
    if names.bucket:
        return names.bucket
    slug = _generated_bucket_slug(names.project)
    # ≤ 28 + 1 + 12 + 1 + 14 (the longest region name) = 56 characters
    return _sub(f"{slug}-${{AWS::AccountId}}-${{AWS::Region}}")


def _arn(service: str, resource: str, *, region: bool = True, account: bool = True) -> Any:
    where = ("${AWS::Region}" if region else "") + ":" + ("${AWS::AccountId}" if account else "")
    return _sub(f"arn:${{AWS::Partition}}:{service}:{where}:{resource}")


def step_kinds(plan: Plan) -> list[str]:
    """The Plan's step types, in first-use order."""
    seen: list[str] = []
    for step in plan.steps:
        if step.kind not in seen:
            seen.append(step.kind)
    return seen


def _s3_read_elsewhere(config: WizardConfig, names: Names) -> list[dict[str, Any]]:
    """Read access to input data that lives outside the project's prefix (an s3:// input)."""
    uri = config.data_collection.input_uri
    if not uri.startswith("s3://"):
        return []
    bucket, _, key = uri[5:].partition("/")
    if names.bucket == bucket and (key + "/").startswith(names.prefix + "/"):
        return []
    objects = f"arn:${{AWS::Partition}}:s3:::{bucket}/{key}"
    resources = [objects, f"{objects.rstrip('/')}/*"] if key else [f"{objects}*"]
    list_prefix = [key, f"{key.rstrip('/')}/*"] if key else ["*"]
    return [
        {
            "Sid": "ReadInputData",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": [_sub(r) for r in resources],
        },
        {
            "Sid": "ListInputData",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": _sub(f"arn:${{AWS::Partition}}:s3:::{bucket}"),
            "Condition": {"StringLike": {"s3:prefix": list_prefix}},
        },
    ]


def execution_role_statements(plan: Plan, config: WizardConfig) -> list[dict[str, Any]]:
    """The execution role's policy: what the Plan's step types need, scoped to the project."""
    names = names_for(plan, config)
    bucket_arn = {"Fn::GetAtt": ["Bucket", "Arn"]}
    # The project's prefix, and s3://BUCKET/<pipeline>/, where the SDK uploads the step
    # scripts when `python pipeline.py upsert` builds the definition (no --code-s3-prefix).
    prefixes = [names.prefix]
    if not f"{names.pipeline}/".startswith(f"{names.prefix}/"):
        prefixes.append(names.pipeline)
    prefix_objects = [{"Fn::Join": ["", [bucket_arn, f"/{p}/*"]]} for p in prefixes]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ProjectObjects",
            "Effect": "Allow",
            "Action": [
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            "Resource": prefix_objects,
        },
        {
            "Sid": "ListProjectPrefix",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": bucket_arn,
            "Condition": {
                "StringLike": {"s3:prefix": [x for p in prefixes for x in (p, f"{p}/*")]}
            },
        },
        {
            "Sid": "BucketLocation",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation"],
            "Resource": bucket_arn,
        },
        *_s3_read_elsewhere(config, names),
    ]
    kinds = step_kinds(plan)
    by_resource: dict[tuple[str, ...], set[str]] = {}
    for kind in kinds:
        actions, resources = STEP_ACTIONS.get(kind, ((), ()))
        if actions:
            by_resource.setdefault(resources, set()).update(actions)
    for resources, actions in sorted(by_resource.items()):
        statements.append(
            {
                "Sid": "Steps" + "".join(r.title().replace("-", "") for r in resources),
                "Effect": "Allow",
                "Action": sorted(f"sagemaker:{a}" for a in actions),
                "Resource": [_arn("sagemaker", f"{r}/*") for r in resources],
            }
        )
    if by_resource:
        job_resources = sorted({r for rs in by_resource for r in rs})
        statements.append(
            {
                "Sid": "TagStepJobs",  # the pipeline tags every job it starts
                "Effect": "Allow",
                "Action": ["sagemaker:AddTags", "sagemaker:ListTags"],
                "Resource": [_arn("sagemaker", f"{r}/*") for r in job_resources],
            }
        )
    if "RegisterModel" in kinds:
        group = names.model_package_group
        statements.append(
            {
                "Sid": "RegisterModelVersions",
                "Effect": "Allow",
                "Action": sorted(f"sagemaker:{a}" for a in REGISTER_ACTIONS),
                "Resource": [
                    _arn("sagemaker", f"model-package-group/{group}"),
                    _arn("sagemaker", f"model-package/{group}/*"),
                ],
            }
        )
    if JOB_KINDS & set(kinds):
        statements += [
            {
                # The jobs pass this role to themselves (and to models they create).
                "Sid": "PassThisRoleToSageMaker",
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": _arn("iam", f"role/{names.role}", region=False),
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            },
            {
                # SageMaker's prebuilt images (sklearn, xgboost, model monitor, clarify) live
                # in AWS-owned accounts that differ by region: the account is a wildcard.
                "Sid": "PullSageMakerImages",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                "Resource": _sub("arn:${AWS::Partition}:ecr:${AWS::Region}:*:repository/*"),
            },
            {
                "Sid": "EcrTokenHasNoResourceLevelPermissions",
                "Effect": "Allow",
                "Action": ["ecr:GetAuthorizationToken"],
                "Resource": "*",
            },
            {
                "Sid": "JobLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                ],
                "Resource": [
                    _arn("logs", "log-group:/aws/sagemaker/*"),
                    _arn("logs", "log-group:/aws/sagemaker/*:log-stream:*"),
                ],
            },
            {
                "Sid": "MetricsHaveNoResourceLevelPermissions",
                "Effect": "Allow",
                "Action": ["cloudwatch:PutMetricData"],
                "Resource": "*",
                "Condition": {
                    "StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"]}
                },
            },
        ]
    return statements


WILDCARD_REASONS = {
    "EcrTokenHasNoResourceLevelPermissions": "ecr:GetAuthorizationToken supports no resource "
    "ARN (AWS requires Resource '*')",
    "MetricsHaveNoResourceLevelPermissions": "cloudwatch:PutMetricData supports no resource "
    "ARN; the statement is limited to SageMaker's metric namespaces instead",
}


def bootstrap_template(plan: Plan, config: WizardConfig) -> dict[str, Any]:
    """The stack ``sm-wizard bootstrap`` creates."""
    names = names_for(plan, config)
    resources: dict[str, Any] = {
        "Bucket": {
            "Type": "AWS::S3::Bucket",
            # kept when the stack is deleted: `bootstrap --delete --delete-bucket` empties it
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": _bucket_name(names),
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
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "ExpireOldVersions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                        }
                    ]
                },
                "Tags": [{"Key": "sm-wizard:project", "Value": names.project}],
            },
        },
        "BucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "Bucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": ["Bucket", "Arn"]},
                                {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]},
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
        "ExecutionRole": {
            "Type": "AWS::IAM::Role",
            "Metadata": {"sm-wizard": {"wildcard-resources": WILDCARD_REASONS}},
            "Properties": {
                "RoleName": names.role,
                "Description": f"SageMaker execution role of the {names.project} pipeline",
                "AssumeRolePolicyDocument": _trust("sagemaker.amazonaws.com"),
                "Policies": [
                    {
                        "PolicyName": "pipeline-steps",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": execution_role_statements(plan, config),
                        },
                    }
                ],
                "Tags": [{"Key": "sm-wizard:project", "Value": names.project}],
            },
        },
    }
    outputs: dict[str, Any] = {
        "BucketName": _output(
            {"Ref": "Bucket"}, "S3 bucket for code, data and outputs", "BucketName"
        ),
        "RoleArn": _output(
            {"Fn::GetAtt": ["ExecutionRole", "Arn"]}, "IAM role SageMaker assumes", "RoleArn"
        ),
    }
    if config.orchestration.schedule:
        resources["SchedulerRole"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": names.scheduler_role,
                "Description": f"EventBridge Scheduler starts the {names.pipeline} pipeline",
                "AssumeRolePolicyDocument": _trust(
                    "scheduler.amazonaws.com",
                    {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                ),
                "Policies": [
                    {
                        "PolicyName": "start-pipeline",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "StartThePipeline",
                                    "Effect": "Allow",
                                    "Action": ["sagemaker:StartPipelineExecution"],
                                    "Resource": _pipeline_arn(names),
                                }
                            ],
                        },
                    }
                ],
            },
        }
        outputs["SchedulerRoleArn"] = _output(
            {"Fn::GetAtt": ["SchedulerRole", "Arn"]},
            "IAM role EventBridge Scheduler assumes",
            "SchedulerRoleArn",
        )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"sm-wizard bootstrap for {names.project}: bucket and scoped roles",
        "Resources": resources,
        "Outputs": outputs,
    }


def _pipeline_arn(names: Names) -> Any:
    # SageMaker writes pipeline ARNs in lower case
    return _arn("sagemaker", f"pipeline/{names.pipeline.lower()}")


def _trust(service: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _output(value: Any, description: str, export: str | None = None) -> dict[str, Any]:
    """An output; ``export`` names it for other stacks as ``<stack name>-<export>``."""
    out: dict[str, Any] = {"Description": description, "Value": value}
    if export:
        out["Export"] = {"Name": _sub("${AWS::StackName}-" + export)}
    return out


# --------------------------------------------------------------------------- services


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


# --------------------------------------------------------------------------- files


def template_text(template: Mapping[str, Any]) -> str:
    """A template's canonical JSON text (the same template always gives the same bytes)."""
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def infra_files(plan: Plan, config: WizardConfig) -> dict[str, str]:
    """``{relative path: text}`` of the export's ``infra/`` folder."""
    files = {BOOTSTRAP_FILE: template_text(bootstrap_template(plan, config))}
    services = services_template(plan, config)
    if services is not None:
        files[SERVICES_FILE] = template_text(services)
    return files


def actions_of(statements: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every Allow action of a policy's statements, sorted (for reports)."""
    found: set[str] = set()
    for statement in statements:
        if statement.get("Effect") == "Allow":
            action = statement["Action"]
            found.update([action] if isinstance(action, str) else action)
    return sorted(found)
