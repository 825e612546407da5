"""The ``[project]`` table (names, region, role, bucket) and the ``[profile]`` answers that
drive the recommendations."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from .base import Section
from .fields import (
    S3_KEY_RE,
    BucketName,
    ProjectName,
    Region,
    RoleArn,
    SafeText,
    reject_control,
)


class ProjectConfig(Section):
    name: ProjectName
    description: SafeText = ""
    region: Region = "us-east-1"
    role_arn: RoleArn = Field(
        default="", description="IAM role SageMaker assumes; needed only to run on AWS"
    )
    bucket: BucketName = Field(default="", description="S3 bucket for code, data and outputs")
    scheduler_role_arn: RoleArn | None = Field(
        default=None,
        description="IAM role EventBridge Scheduler assumes to start the pipeline "
        "(recorded by sm-wizard bootstrap)",
    )
    s3_prefix: str = Field(default="sm-wizard", max_length=200)

    @field_validator("s3_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        reject_control(value, "the S3 prefix")
        if " " in value:
            raise ValueError(
                "the prefix has a space; S3 prefixes here use letters, digits and - _ . / "
                f"(e.g. {value.strip().replace(' ', '-')!r})"
            )
        if not S3_KEY_RE.fullmatch(value):
            raise ValueError(
                "the prefix has characters S3 keys should not hold; use letters, digits and "
                "- _ . / (e.g. 'projects/churn')"
            )
        if value.startswith("/") or value.endswith("/"):
            raise ValueError(f"drop the leading or trailing '/': write {value.strip('/')!r}")
        return value


class Profile(Section):
    """The answers that drive recommendations (a contract: docs/ARCHITECTURE.md)."""

    data_source: Literal["s3", "local_files", "database", "streaming", "third_party"] = "s3"
    data_format: Literal["csv", "parquet", "json", "images", "text"] = "csv"
    data_size_gb: float = Field(default=1.0, ge=0, le=1_000_000)
    problem_type: Literal["binary_classification", "multiclass_classification", "regression"] = (
        "binary_classification"
    )
    experience: Literal["newcomer", "practitioner", "expert"] = "newcomer"
    prefer_low_code: bool = False
    prediction_mode: Literal["realtime", "batch", "both"] = "batch"
    traffic: Literal["steady", "spiky", "intermittent"] = "steady"
    models_count: int = Field(default=1, ge=1, le=10_000)
    explainability_required: bool = False
    retraining: Literal["manual", "scheduled", "on_new_data"] = "manual"
    share_features: bool = False

    @field_validator("data_size_gb")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("give the approximate data size in GB as a number, e.g. 2.5")
        return value
