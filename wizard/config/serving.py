"""The serving stages' tables: ``[deployment]``, ``[monitoring]`` and ``[orchestration]``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import FieldError, StageSection
from .fields import (
    HostingInstance,
    InstanceCount,
    IsoDuration,
    ModelPackageGroupName,
    Schedule,
    TransformInstance,
)


class DeploymentConfig(StageSection):
    STAGE = "deployment"
    model_package_group: ModelPackageGroupName = "models"
    approval_status: Literal["PendingManualApproval", "Approved", "Rejected"] = (
        "PendingManualApproval"
    )
    endpoint_instance_type: HostingInstance = "ml.m5.large"
    endpoint_instance_count: InstanceCount = 1
    serverless_memory_mb: Literal[1024, 2048, 3072, 4096, 5120, 6144] = 2048
    serverless_max_concurrency: int = Field(default=5, ge=1, le=200)
    batch_instance_type: TransformInstance = "ml.m5.large"
    batch_instance_count: InstanceCount = 1

    @model_validator(mode="after")
    def _combos(self) -> DeploymentConfig:
        if "serverless-inference" in self.services and "multi-model-endpoints" in self.services:
            raise FieldError(
                "services",
                "serverless endpoints cannot host several models; choose serverless-inference "
                "or multi-model-endpoints",
            )
        if "api-gateway" in self.services and not (
            {"endpoints", "serverless-inference", "multi-model-endpoints"} & set(self.services)
        ):
            raise FieldError(
                "services", "API Gateway needs an endpoint behind it; add endpoints too"
            )
        return self


class MonitoringConfig(StageSection):
    STAGE = "monitoring"
    schedule: Schedule = "cron(0 * ? * * *)"
    data_capture_percent: int = Field(default=100, ge=1, le=100)
    latency_alarm_ms: int = Field(default=1000, ge=1, le=600_000)
    error_rate_alarm_percent: float = Field(default=5.0, gt=0, le=100)

    @field_validator("schedule")
    @classmethod
    def _monitor_schedule(cls, value: str) -> str:
        if value.startswith("rate("):
            raise ValueError(
                "Model Monitor schedules are hourly or daily cron expressions, e.g. "
                "cron(0 * ? * * *) hourly or cron(0 0 ? * * *) daily"
            )
        return value


class OrchestrationConfig(StageSection):
    STAGE = "orchestration"
    schedule: Schedule = ""
    cache_steps: bool = True
    cache_expire_after: IsoDuration = "P30D"
    retry_max_attempts: int = Field(default=3, ge=1, le=20)
