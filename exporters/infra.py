"""CloudFormation for a Plan: the bootstrap stack, and the ``infra/`` folder of an export.

Pure: a Plan and its config in, templates out (dicts, and their JSON text for ``infra/``).
No boto3; ``runners.sagemaker.bootstrap`` deploys the bootstrap template.

``bootstrap_template`` is what ``sm-wizard bootstrap`` creates and every export writes as
``infra/bootstrap.json``: one S3 bucket (SSE, versioning, public access blocked, TLS-only
policy), the SageMaker execution role scoped to the project's prefix in that bucket and to
the API actions the Plan's step types make, and an EventBridge Scheduler role when the
pipeline has a schedule. ``services_template`` (``infra/services.json``) holds the chosen
services CloudFormation has resources for; it reads the bucket and roles from the bootstrap
stack's exports, so nothing about the account is written in either file. It is built by
``exporters.cfn_services``; the helpers both use live in ``exporters.cfn``.

JSON templates cannot carry comments: where AWS requires ``Resource: "*"`` the statement's
``Sid`` says so, and the role's ``Metadata`` explains why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from wizard.config import WizardConfig
from wizard.plan.dag import Plan

from .cfn import (
    Names,
    arn,
    bucket_name,
    names_for,
    output,
    pipeline_arn,
    sub,
    template_text,
    trust_policy,
)
from .cfn_role import WILDCARD_REASONS, helper_statements, image_pull_statement
from .cfn_services import services_template

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
            "Resource": [sub(r) for r in resources],
        },
        {
            "Sid": "ListInputData",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": sub(f"arn:${{AWS::Partition}}:s3:::{bucket}"),
            "Condition": {"StringLike": {"s3:prefix": list_prefix}},
        },
    ]


def execution_role_statements(plan: Plan, config: WizardConfig) -> list[dict[str, Any]]:
    """The execution role's policy: what the Plan's step types need, scoped to the project."""
    names = names_for(plan, config)
    bucket_arn = {"Fn::GetAtt": ["Bucket", "Arn"]}
    # The project's prefix only: pipeline.py's session puts what the SDK uploads (the step
    # scripts, training code and drivers) under <prefix>/code/ as well.
    prefixes = [names.prefix]
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
                "Resource": [arn("sagemaker", f"{r}/*") for r in resources],
            }
        )
    if by_resource:
        job_resources = sorted({r for rs in by_resource for r in rs})
        statements.append(
            {
                "Sid": "TagStepJobs",  # the pipeline tags every job it starts
                "Effect": "Allow",
                "Action": ["sagemaker:AddTags", "sagemaker:ListTags"],
                "Resource": [arn("sagemaker", f"{r}/*") for r in job_resources],
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
                    arn("sagemaker", f"model-package-group/{group}"),
                    arn("sagemaker", f"model-package/{group}/*"),
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
                "Resource": arn("iam", f"role/{names.role}", region=False),
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            },
            # AWS's own repositories of the images used, in the project's region
            image_pull_statement(plan, config),
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
                    arn("logs", "log-group:/aws/sagemaker/*"),
                    arn("logs", "log-group:/aws/sagemaker/*:log-stream:*"),
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
    return statements + helper_statements(plan, names)


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
                "BucketName": bucket_name(names),
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
                "AssumeRolePolicyDocument": trust_policy("sagemaker.amazonaws.com"),
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
        "BucketName": output(
            {"Ref": "Bucket"}, "S3 bucket for code, data and outputs", "BucketName"
        ),
        "RoleArn": output(
            {"Fn::GetAtt": ["ExecutionRole", "Arn"]}, "IAM role SageMaker assumes", "RoleArn"
        ),
    }
    if config.orchestration.schedule:
        resources["SchedulerRole"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": names.scheduler_role,
                "Description": f"EventBridge Scheduler starts the {names.pipeline} pipeline",
                "AssumeRolePolicyDocument": trust_policy(
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
                                    "Resource": pipeline_arn(names),
                                }
                            ],
                        },
                    }
                ],
            },
        }
        outputs["SchedulerRoleArn"] = output(
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


# --------------------------------------------------------------------------- files


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
