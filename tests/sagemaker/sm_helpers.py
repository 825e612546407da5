"""Helpers shared by the SageMaker engine tests."""

from __future__ import annotations

import json
from typing import Any

from sagemaker_fake import ACCOUNT

from runners.events import RunEvent
from runners.sagemaker.aws import AwsSession
from runners.sagemaker.notices import Notice

ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerPipelineRole"


class Recorder:
    """Collects events and notices, and can act when a given event arrives."""

    def __init__(self) -> None:
        self.events: list[RunEvent] = []
        self.notices: list[Notice] = []
        self.hooks: list[tuple[Any, Any]] = []

    def __call__(self, event: RunEvent) -> None:
        self.events.append(event)
        for predicate, action in list(self.hooks):
            if predicate(event):
                self.hooks.remove((predicate, action))
                action()

    def when(self, predicate: Any, action: Any) -> None:
        self.hooks.append((predicate, action))

    def notice(self, notice: Notice) -> None:
        self.notices.append(notice)

    def of(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type == kind]

    def steps(self, name: str | None = None) -> list[tuple[str, str]]:
        return [(e.step, e.status) for e in self.of("step") if name is None or e.step == name]

    def statuses(self) -> list[str]:
        return [e.status for e in self.of("execution")]

    def lines(self, step: str | None = None) -> list[str]:
        return [e.line for e in self.of("log") if step is None or e.step == step]


def create_pipeline(aws: AwsSession, name: str, steps: list[tuple[str, str]]) -> None:
    definition = json.dumps(
        {
            "Version": "2020-12-01",
            "Steps": [{"Name": n, "Type": k, "Arguments": {}} for n, k in steps],
        }
    )
    aws.client("sagemaker").create_pipeline(
        PipelineName=name, PipelineDefinition=definition, RoleArn=ROLE
    )


def start(aws: AwsSession, name: str) -> str:
    return aws.client("sagemaker").start_pipeline_execution(PipelineName=name)[
        "PipelineExecutionArn"
    ]
