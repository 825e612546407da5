"""The execution role's statements beyond the pipeline's step jobs: which AWS images it may
pull, and what the services it is handed to do with it.

The role is handed to more than the pipeline: the check steps read the latest approved
baseline of the model package group, ``feature_store.py`` gives it to the feature group
(Feature Store writes the offline store with it), ``autopilot.py`` to the AutoML job (which
starts its own processing, training, tuning and transform jobs with it), ``deploy.py`` to
the endpoint's model and ``monitoring.py`` to Model Monitor's schedule (their images and
data under the project's prefix). Each statement is added only when the export has the
step type or script that needs it. Pure: no boto3.

AWS's pages behind each statement:
- Feature Store: the managed policy AmazonSageMakerFeatureStoreAccess
  (docs.aws.amazon.com/sagemaker/latest/dg/security-iam-awsmanpol-feature-store.html),
  scoped here to the project's prefix and this account's catalog.
- Check steps: QualityCheckStep/ClarifyCheckStep with ``model_package_group_name`` fetch
  the baseline "from the latest approved model" of the group (the SDK's docstring).
- Images: the SDK's image-URI configuration, as ``wizard/data/regions.toml`` holds it.
"""

from __future__ import annotations

from typing import Any

from wizard.config import WizardConfig
from wizard.plan.dag import Plan
from wizard.regions import image_repository_arn, images_for_plan, load_region_table

from .cfn import Names, arn, sub

# The AWS images each helper script's service runs in, besides the Plan's own.
# Autopilot's candidates run in AWS's scikit-learn and XGBoost images (and its own
# containers, which the SDK's configuration does not list: see autopilot_statements).
SCRIPT_IMAGES: dict[str, tuple[str, ...]] = {
    "model-monitor": ("model-monitor",),
    "autopilot": ("sklearn", "xgboost"),
}
CHECK_KINDS = frozenset({"QualityCheck", "ClarifyCheck"})
FEATURE_STORE_DATABASE = "sagemaker_featurestore"
# The jobs an AutoML job starts with the role it is given (Autopilot's "HPO" and
# "ENSEMBLING" modes: data processing, candidate training, tuning, and batch inference for
# its reports).
AUTOPILOT_ACTIONS: dict[str, tuple[str, ...]] = {
    "processing-job": ("CreateProcessingJob", "DescribeProcessingJob", "StopProcessingJob"),
    "training-job": ("CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob"),
    "hyper-parameter-tuning-job": (
        "CreateHyperParameterTuningJob",
        "DescribeHyperParameterTuningJob",
        "StopHyperParameterTuningJob",
        "ListTrainingJobsForHyperParameterTuningJob",
    ),
    "transform-job": ("CreateTransformJob", "DescribeTransformJob", "StopTransformJob"),
}


def chosen_services(plan: Plan) -> set[str]:
    return {service for ids in plan.services.values() for service in ids}


def images_needed(plan: Plan) -> list[str]:
    """Every AWS image (``IMAGE_SPECS`` key) a job or endpoint run as the role uses."""
    needed = images_for_plan(plan)
    chosen = chosen_services(plan)
    for service, images in SCRIPT_IMAGES.items():
        if service in chosen:
            needed += [image for image in images if image not in needed]
    return needed


def image_pull_statement(plan: Plan, config: WizardConfig) -> dict[str, Any]:
    """ECR pulls from AWS's own repositories of the images used, in the project's region
    only: each account is the one the SDK's configuration names for that region."""
    region = config.project.region
    return {
        "Sid": "PullSageMakerImages",
        "Effect": "Allow",
        "Action": [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ],
        "Resource": [
            sub(image_repository_arn(image, region))
            for image in images_needed(plan)
            # validation refuses a region without the Plan's images; not a traceback here
            if region in load_region_table().accounts.get(image, {})
        ],
    }


def check_step_statements(plan: Plan, names: Names) -> list[dict[str, Any]]:
    """QualityCheck and ClarifyCheck read the latest approved version's baseline."""
    if not CHECK_KINDS & {step.kind for step in plan.steps}:
        return []
    group = names.model_package_group
    return [
        {
            "Sid": "FindTheLatestApprovedBaseline",
            "Effect": "Allow",
            "Action": ["sagemaker:ListModelPackages"],
            "Resource": "*",
        },
        {
            "Sid": "ReadTheLatestApprovedBaseline",
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup"],
            "Resource": [
                arn("sagemaker", f"model-package-group/{group}"),
                arn("sagemaker", f"model-package/{group}/*"),
            ],
        },
    ]


def feature_store_statements(plan: Plan, names: Names) -> list[dict[str, Any]]:
    """Feature Store writes the offline store (S3, with an ACL) and keeps its Glue table up
    to date with the feature group's role: AmazonSageMakerFeatureStoreAccess, scoped to
    the project's ``feature-store`` prefix and this account's catalog."""
    if "feature-store" not in chosen_services(plan):
        return []
    bucket_arn = {"Fn::GetAtt": ["Bucket", "Arn"]}
    offline = {"Fn::Join": ["", [bucket_arn, f"/{names.prefix}/feature-store/*"]]}
    return [
        {
            "Sid": "FeatureStoreOfflineStoreObjects",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject"],
            "Resource": offline,
        },
        {
            "Sid": "FeatureStoreOfflineStoreBucketAcl",
            "Effect": "Allow",
            "Action": ["s3:GetBucketAcl"],
            "Resource": bucket_arn,
        },
        {
            "Sid": "FeatureStoreGlueTables",
            "Effect": "Allow",
            "Action": ["glue:GetTable", "glue:UpdateTable"],
            "Resource": [
                arn("glue", "catalog"),
                arn("glue", f"database/{FEATURE_STORE_DATABASE}"),
                arn("glue", f"table/{FEATURE_STORE_DATABASE}/*"),
            ],
        },
    ]


def autopilot_statements(plan: Plan) -> list[dict[str, Any]]:
    """The AutoML job starts its processing, training, tuning and transform jobs as the
    role (they are tagged like the pipeline's)."""
    if "autopilot" not in chosen_services(plan):
        return []
    resources = sorted(AUTOPILOT_ACTIONS)
    return [
        {
            "Sid": "AutopilotJobs",
            "Effect": "Allow",
            "Action": sorted({f"sagemaker:{a}" for r in resources for a in AUTOPILOT_ACTIONS[r]}),
            "Resource": [arn("sagemaker", f"{r}/*") for r in resources],
        },
        {
            "Sid": "TagAutopilotJobs",
            "Effect": "Allow",
            "Action": ["sagemaker:AddTags", "sagemaker:ListTags"],
            "Resource": [arn("sagemaker", f"{r}/*") for r in resources],
        },
    ]


def helper_statements(plan: Plan, names: Names) -> list[dict[str, Any]]:
    """What the role needs beyond the step jobs, for the check steps and helper scripts."""
    return (
        check_step_statements(plan, names)
        + feature_store_statements(plan, names)
        + autopilot_statements(plan)
    )


WILDCARD_REASONS = {
    "EcrTokenHasNoResourceLevelPermissions": "ecr:GetAuthorizationToken supports no resource "
    "ARN (AWS requires Resource '*')",
    "MetricsHaveNoResourceLevelPermissions": "cloudwatch:PutMetricData supports no resource "
    "ARN; the statement is limited to SageMaker's metric namespaces instead",
    "FindTheLatestApprovedBaseline": "the check steps list the model package group's "
    "versions to find the latest approved baseline; ListModelPackages is a List action "
    "granted on '*' (it reads names and statuses only)",
}
