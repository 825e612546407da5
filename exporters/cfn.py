"""CloudFormation building blocks shared by ``infra/bootstrap.json`` and ``infra/services.json``.

A leaf of ``exporters``: the names both templates derive from the config (stack, roles,
bucket, endpoint), the intrinsic functions and ARNs they write (``Fn::Sub`` with the
partition, region and account left to CloudFormation, so no account is ever written in a
file), trust policies, outputs, and a template's canonical JSON text. ``exporters.infra``
(the bootstrap stack) and ``exporters.cfn_services`` (the services stack) both build on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wizard.config import WizardConfig
from wizard.plan.dag import Plan


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


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def bucket_name(names: Names) -> Any:
    if names.bucket:
        return names.bucket
    slug = _generated_bucket_slug(names.project)
    # ≤ 28 + 1 + 12 + 1 + 14 (the longest region name) = 56 characters
    return sub(f"{slug}-${{AWS::AccountId}}-${{AWS::Region}}")


def arn(service: str, resource: str, *, region: bool = True, account: bool = True) -> Any:
    where = ("${AWS::Region}" if region else "") + ":" + ("${AWS::AccountId}" if account else "")
    return sub(f"arn:${{AWS::Partition}}:{service}:{where}:{resource}")


def pipeline_arn(names: Names) -> Any:
    # SageMaker writes pipeline ARNs in lower case
    return arn("sagemaker", f"pipeline/{names.pipeline.lower()}")


def trust_policy(service: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def output(value: Any, description: str, export: str | None = None) -> dict[str, Any]:
    """An output; ``export`` names it for other stacks as ``<stack name>-<export>``."""
    out: dict[str, Any] = {"Description": description, "Value": value}
    if export:
        out["Export"] = {"Name": sub("${AWS::StackName}-" + export)}
    return out


def template_text(template: Mapping[str, Any]) -> str:
    """A template's canonical JSON text (the same template always gives the same bytes)."""
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"
