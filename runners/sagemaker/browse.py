"""What ``sm-wizard watch`` with no argument lists: the account's pipelines and their executions.

Any pipeline in the account and region, not only the ones this tool made. Every request goes
through one ``RequestBudget`` (0.5 requests/s on average by default), shared by the list views
and the execution being watched, so browsing stays polite however fast the person moves.

``ListPipelineExecutions`` has no end time; a finished execution is described once
(``DescribePipelineExecution``: its LastModifiedTime is when it ended) and remembered, since a
finished execution never changes. Running ones show the time since they started.

An execution's parameters (``ListPipelineParametersForExecution``) never change either: each
is read once, row by row after the list shows (``parameters``), and remembered. ``find``
looks for executions by ID, or part of one, across the account's recently run pipelines.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from ..events import TERMINAL_EXECUTION_STATUSES
from .aws import AwsCaller
from .clock import Clock, RequestBudget, SystemClock
from .find import find_executions
from .parameters import Parameters, read_parameters

PAGE: Final = 50


@dataclass(frozen=True, slots=True)
class PipelineRow:
    name: str
    created: datetime | None
    modified: datetime | None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ExecutionRow:
    arn: str
    status: str
    started: datetime | None
    ended: datetime | None = None
    display_name: str | None = None
    reason: str | None = None
    pipeline: str = ""
    parameters: Parameters | None = None
    """``None`` until read (``AccountBrowser.parameters``)."""

    @property
    def execution_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    def duration(self, now: datetime | None = None) -> float | None:
        if self.started is None:
            return None
        end = self.ended
        if end is None:
            if self.status in TERMINAL_EXECUTION_STATUSES:
                return None  # not described yet
            end = now or datetime.now(UTC)
        return max(0.0, (end - self.started).total_seconds())


def _reason(value: Any) -> str | None:
    return value if isinstance(value, str) and value and value != "None" else None


class AccountBrowser:
    """Lists pipelines and executions through a shared, polite request budget."""

    def __init__(
        self,
        aws: AwsCaller,
        *,
        clock: Clock | None = None,
        budget: RequestBudget | None = None,
        requests_per_second: float = 0.5,
    ) -> None:
        self.aws = aws
        self.clock = clock or SystemClock()
        self.budget = budget or RequestBudget(self.clock, requests_per_second, burst=10)
        self._ended: dict[str, datetime | None] = {}
        self._parameters: dict[str, Parameters] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        self.budget.take()
        with self._lock:
            self.requests += 1
        return self.aws.call("sagemaker", operation, **params)

    def _sagemaker(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """``_call`` with the service named, as ``AwsSession.call`` takes it."""
        assert service == "sagemaker"
        return self._call(operation, **params)

    def pipelines(self, limit: int = 200) -> list[PipelineRow]:
        """The account's pipelines, most recently changed first (up to ``limit``)."""
        rows: list[PipelineRow] = []
        params: dict[str, Any] = {
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": PAGE,
        }
        while len(rows) < limit:
            page = self._call("list_pipelines", **params)
            for item in page.get("PipelineSummaries", []):
                rows.append(
                    PipelineRow(
                        name=item.get("PipelineName", "?"),
                        created=item.get("CreationTime"),
                        modified=item.get("LastModifiedTime") or item.get("LastExecutionTime"),
                        description=item.get("PipelineDescription") or None,
                    )
                )
            token = page.get("NextToken")
            if not token or token == params.get("NextToken"):
                break
            params["NextToken"] = token
        epoch = datetime.min.replace(tzinfo=UTC)
        rows.sort(key=lambda r: r.modified or r.created or epoch, reverse=True)
        return rows[:limit]

    def executions(
        self, pipeline: str, *, limit: int = PAGE, describe_finished: int = 10
    ) -> list[ExecutionRow]:
        """The pipeline's newest executions; the first ``describe_finished`` finished ones
        not seen before are described once for their end time."""
        page = self._call(
            "list_pipeline_executions",
            PipelineName=pipeline,
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=max(1, min(limit, 100)),
        )
        rows: list[ExecutionRow] = []
        described = 0
        for item in page.get("PipelineExecutionSummaries", []):
            arn = item["PipelineExecutionArn"]
            status = item.get("PipelineExecutionStatus", "?")
            ended = self._ended.get(arn)
            terminal = status in TERMINAL_EXECUTION_STATUSES or status == "CompletedWithFailures"
            if terminal and arn not in self._ended and described < describe_finished:
                described += 1
                answer = self._call("describe_pipeline_execution", PipelineExecutionArn=arn)
                ended = answer.get("LastModifiedTime")
                self._ended[arn] = ended
            rows.append(
                ExecutionRow(
                    arn=arn,
                    status="Failed" if status == "CompletedWithFailures" else status,
                    started=item.get("StartTime"),
                    ended=ended if terminal else None,
                    display_name=item.get("PipelineExecutionDisplayName"),
                    reason=_reason(item.get("PipelineExecutionFailureReason")),
                    pipeline=pipeline,
                    parameters=self._parameters.get(arn),
                )
            )
        epoch = datetime.min.replace(tzinfo=UTC)
        rows.sort(key=lambda r: r.started or epoch, reverse=True)
        return rows

    def known_parameters(self, arn: str) -> Parameters | None:
        """The execution's parameters if already read (no request)."""
        return self._parameters.get(arn)

    def parameters(self, arn: str) -> Parameters:
        """The execution's parameters: read once (one request per page), then remembered."""
        known = self._parameters.get(arn)
        if known is None:
            known = self._parameters[arn] = read_parameters(self._sagemaker, arn)
        return known

    def find(self, text: str, pipeline: str | None = None) -> list[ExecutionRow]:
        """Executions whose ID contains ``text`` (case-insensitive), newest first: of
        ``pipeline``, or of the account's most recently run pipelines."""
        search = find_executions(self._sagemaker, text, pipeline=pipeline)
        rows = [
            ExecutionRow(
                arn=found.arn,
                status="Failed" if found.status == "CompletedWithFailures" else found.status,
                started=found.started,
                ended=self._ended.get(found.arn),
                display_name=found.display_name,
                pipeline=found.pipeline,
                parameters=self._parameters.get(found.arn),
            )
            for found in search.matches
        ]
        epoch = datetime.min.replace(tzinfo=UTC)
        rows.sort(key=lambda r: r.started or epoch, reverse=True)
        return rows
