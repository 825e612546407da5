"""What a pipeline step ran in AWS, and where to see it in the SageMaker console.

``ListPipelineExecutionSteps`` names the resource behind a step in its ``Metadata``: the
training, processing, transform or tuning job, the model, the model package a RegisterModel
step made, the processing job behind a quality or Clarify check. ``resource_of`` finds its
ARN; ``console_url`` turns an ARN into the console page of that resource, in the ARN's own
region and partition (``aws``, ``aws-cn``, ``aws-us-gov``), or ``None`` for a resource the
console has no page for. ``StepResource`` is what the watch screen shows and copies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

_ARN: Final = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
    r"(?P<account>\d{12})?:(?P<type>[A-Za-z-]+)/(?P<name>.+)$"
)

CONSOLE_DOMAINS: Final = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}

# ARN resource type → the console's route (``sagemaker/home?region=R#/<route>/<name>``).
CONSOLE_ROUTES: Final = {
    "training-job": "jobs",
    "processing-job": "processing-jobs",
    "transform-job": "transform-jobs",
    "hyper-parameter-tuning-job": "hyper-tuning-jobs",
    "model": "models",
    "model-package": "model-packages",
    "endpoint": "endpoints",
    "endpoint-config": "endpointConfig",
    "automl-job": "auto-ml",
}

# Metadata keys that carry ``{"Arn": ...}``, in the order a step's own resource is looked for.
_ARN_KEYS: Final = (
    "TrainingJob",
    "ProcessingJob",
    "TransformJob",
    "TuningJob",
    "Model",
    "RegisterModel",
    "AutoMLJob",
    "Endpoint",
    "EndpointConfig",
    "Lambda",
    "Job",
)


@dataclass(frozen=True, slots=True)
class StepResource:
    """The resource behind one step: its ARN, its console page, and what it says went wrong."""

    step: str
    key: str
    """The Metadata key it came from (``TrainingJob``, ``RegisterModel``, ``QualityCheck``...)."""
    arn: str
    console_url: str | None
    job_reason: str | None = None
    """The job's own ``FailureReason`` (``Describe*Job``), which may say more than the step's."""


def resource_of(metadata: dict[str, Any]) -> tuple[str, str] | None:
    """(Metadata key, ARN) of the resource behind a step, if its metadata names one."""
    for key in _ARN_KEYS:
        arn = (metadata.get(key) or {}).get("Arn")
        if isinstance(arn, str) and arn:
            return key, arn
    for key in ("QualityCheck", "ClarifyCheck"):  # a check step runs a processing job
        arn = (metadata.get(key) or {}).get("CheckJobArn")
        if isinstance(arn, str) and arn:
            return key, arn
    return None


def console_url(arn: str, name: str | None = None) -> str | None:
    """The SageMaker console page of the resource ``arn`` names (``None``: the console has no
    page for it, or ``arn`` is not an ARN). ``name``: the resource's name in its real case
    (ARNs hold it in lower case), used when it matches the ARN's."""
    match = _ARN.match(arn.strip())
    if match is None or match["service"] != "sagemaker":
        return None
    domain = CONSOLE_DOMAINS.get(match["partition"])
    route = CONSOLE_ROUTES.get(match["type"])
    region = match["region"]
    if domain is None or route is None or not region:
        return None
    resource = match["name"]
    if name and name.lower() == resource.lower():
        resource = name
    return (
        f"https://{region}.{domain}/sagemaker/home?region={region}"
        f"#/{route}/{quote(resource, safe='/')}"
    )
