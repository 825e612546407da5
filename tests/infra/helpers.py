"""Configs for the infra tests: the demo, and the demo with every service infra/ covers."""

from __future__ import annotations

import copy
from typing import Any

from wizard.templates import template_document


def demo_document() -> dict[str, Any]:
    return copy.deepcopy(template_document("demo"))


def full_document() -> dict[str, Any]:
    """The demo plus Glue, Kinesis, an endpoint behind Lambda + HTTP API, CloudWatch,
    CloudTrail and a weekly EventBridge schedule."""
    doc = demo_document()
    doc["data_collection"]["services"] = ["s3", "glue", "kinesis"]
    doc["deployment"]["services"] = ["model-registry", "endpoints", "lambda", "api-gateway"]
    doc["monitoring"]["services"] = ["cloudwatch", "cloudtrail"]
    doc["orchestration"]["services"] = ["pipelines", "eventbridge"]
    doc["orchestration"]["schedule"] = "cron(0 3 ? * MON *)"
    doc["profile"]["retraining"] = "scheduled"
    return doc
