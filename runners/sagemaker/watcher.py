"""Attach to any SageMaker pipeline execution, also of pipelines this tool did not make.

``SageMakerWatcher`` is an ``Engine`` that only follows: ``run`` streams the execution's
events until it ends. Setting ``stop`` asks SageMaker to stop it; ``detach()`` just stops
watching (the execution goes on in AWS, and ``sm-wizard watch ARN`` re-attaches). ``retry``
re-runs a failed execution from its failed steps.

``list_recent_executions`` and ``pick_execution`` serve the picker for ``--pipeline NAME``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

from wizard.errors import WizardError

from ..base import Capabilities, Emit, Engine
from ..events import TERMINAL_EXECUTION_STATUSES, ExecutionEvent
from .aws import AwsError, AwsSession
from .clock import Clock, RequestBudget
from .notices import Notice, NoticeHandler, log_notice
from .poll_settings import PollSettings
from .poller import ENGINE_NAME, Poller
from .selective import SelectiveRun

_EXECUTION_ARN: Final = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"pipeline/(?P<pipeline>[A-Za-z0-9](?:-*[A-Za-z0-9]){0,255})/execution/(?P<id>[A-Za-z0-9]+)$"
)
_PIPELINE_NAME: Final = re.compile(r"^[A-Za-z0-9](?:-*[A-Za-z0-9]){0,255}$")
ACTIVE_EXECUTION_STATUSES: Final = frozenset({"Executing", "Stopping"})


class ExecutionArn(NamedTuple):
    arn: str
    region: str
    account: str
    pipeline: str
    execution_id: str


def parse_execution_arn(text: str) -> ExecutionArn:
    """Check an execution ARN's shape; a ``WizardError`` that shows the expected form if not."""
    arn = text.strip()
    match = _EXECUTION_ARN.match(arn)
    if match is None:
        raise WizardError(
            f"{text!r} is not a pipeline execution ARN. It looks like "
            "arn:aws:sagemaker:us-east-1:123456789012:pipeline/NAME/execution/abc123def456 "
            "(or give the execution ID, or pass --pipeline NAME to pick one of its recent "
            "executions).",
            "Bad execution ARN",
        )
    return ExecutionArn(arn, match["region"], match["account"], match["pipeline"], match["id"])


@dataclass(frozen=True)
class ExecutionSummary:
    """One row of the picker."""

    arn: str
    status: str
    start_time: datetime | None
    display_name: str | None = None
    failure_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_EXECUTION_STATUSES


def check_pipeline_name(pipeline_name: str) -> None:
    """A ``WizardError`` naming the rule when ``pipeline_name`` cannot be a pipeline's name."""
    if not _PIPELINE_NAME.match(pipeline_name):
        raise WizardError(
            f"{pipeline_name!r} is not a SageMaker pipeline name (letters, digits and "
            "hyphens, up to 256 characters).",
            "Bad pipeline name",
        )


def pipeline_not_found(pipeline_name: str, region: str | None, err: AwsError) -> AwsError:
    """SageMaker's not-found answer for a pipeline, in words that say what to check."""
    return AwsError(
        f"There is no pipeline named {pipeline_name!r} in {region}. Check the "
        "name, --region and --profile.",
        "Pipeline not found",
        kind="not-found",
        code=err.code,
    )


def list_recent_executions(
    pipeline_name: str, *, aws: AwsSession, limit: int = 10
) -> list[ExecutionSummary]:
    """The pipeline's most recent executions, newest first."""
    check_pipeline_name(pipeline_name)
    try:
        answer = aws.call(
            "sagemaker",
            "list_pipeline_executions",
            PipelineName=pipeline_name,
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=max(1, min(limit, 100)),
        )
    except AwsError as err:
        if err.kind == "not-found":
            raise pipeline_not_found(pipeline_name, aws.region, err) from err
        raise
    rows = [
        ExecutionSummary(
            arn=item["PipelineExecutionArn"],
            status=item.get("PipelineExecutionStatus", "?"),
            start_time=item.get("StartTime"),
            display_name=item.get("PipelineExecutionDisplayName"),
            failure_reason=_reason(item.get("PipelineExecutionFailureReason")),
        )
        for item in answer.get("PipelineExecutionSummaries", [])
    ]
    rows.sort(key=lambda r: r.start_time.timestamp() if r.start_time else 0.0, reverse=True)
    return rows[:limit]


def _reason(value: Any) -> str | None:
    return value if isinstance(value, str) and value and value != "None" else None


def pick_execution(pipeline_name: str, rows: list[ExecutionSummary]) -> ExecutionSummary:
    """The most recent running execution, else the most recent one."""
    if not rows:
        raise WizardError(
            f"Pipeline {pipeline_name!r} has no executions yet. Start one with "
            "`sm-wizard run FILE --engine sagemaker`.",
            "No executions",
        )
    return next((row for row in rows if row.active), rows[0])


class SageMakerWatcher:
    """An ``Engine`` (and ``Retryable``) that follows an existing execution.

    ``tail_logs``: tail the logs of every running step (headless) until ``select_logs``
    narrows it to the step a view shows. ``settings`` tunes the poller; ``clock`` is for
    simulated time; ``aws`` may be given to share one session (its region wins).
    """

    name = ENGINE_NAME
    capabilities = Capabilities(
        remote=True, can_retry=True, can_detach=True, can_select_logs=True, can_run_from=True
    )

    def __init__(
        self,
        execution_arn: str,
        *,
        region: str | None = None,
        profile: str | None = None,
        aws: AwsSession | None = None,
        clock: Clock | None = None,
        settings: PollSettings | None = None,
        budget: RequestBudget | None = None,
        tail_logs: bool = True,
        on_notice: NoticeHandler | None = None,
    ) -> None:
        parsed = parse_execution_arn(execution_arn)
        if region and region != parsed.region:
            raise WizardError(
                f"The execution is in {parsed.region}, but --region says {region}. Leave "
                "--region out (the ARN names the region) or correct it.",
                "Region mismatch",
            )
        self.execution_arn = parsed.arn
        self.pipeline_name = parsed.pipeline
        self.aws = aws or AwsSession(region=parsed.region, profile=profile)
        self.on_notice = on_notice
        self._detach = threading.Event()
        self.poller = Poller(
            self.aws,
            parsed.arn,
            self._emit_event,
            clock=clock,
            settings=settings,
            budget=budget,
            on_notice=self._notice,
            tail_logs=tail_logs,
        )
        self._emit: Emit | None = None
        self._following = threading.Lock()
        """Held while ``run``/``retry`` follows the execution (the poller reads the logs)."""

    # ----------------------------------------------------------------- Engine

    def run(self, emit: Emit, stop: threading.Event) -> str:
        """Follow the execution to its end; returns its final status (or the last seen if
        ``detach()`` was called)."""
        self._emit = emit
        with self._following:
            return self.poller.follow(stop=stop, detach=self._detach)

    def retry(self, emit: Emit, stop: threading.Event) -> str:
        """``RetryPipelineExecution``, then follow it again."""
        self._emit = emit
        if self.poller.status is None:
            self.poller.poll_once()
        if self.poller.status not in ("Failed", "Stopped"):
            raise WizardError(
                f"Only a failed or stopped execution can be retried; this one is "
                f"{self.poller.status}.",
                "Cannot retry",
            )
        try:
            self.aws.call(
                "sagemaker", "retry_pipeline_execution", PipelineExecutionArn=self.execution_arn
            )
        except AwsError as err:
            if err.kind == "conflict":
                raise AwsError(
                    f"SageMaker will not retry this execution: {err.message}",
                    "Cannot retry",
                    kind="conflict",
                    code=err.code,
                ) from err
            raise
        self._notice(Notice("info", "Retrying the failed steps.", "info"))
        self._detach.clear()
        with self._following:
            return self.poller.follow(stop=stop, detach=self._detach)

    # ----------------------------------------------------------------- extras

    def detach(self) -> None:
        """Stop watching without stopping the execution."""
        self._detach.set()

    def from_step(self, step: str) -> Engine:
        """A selective execution from ``step`` that reuses this execution's results and
        parameters, followed by a watcher like this one (``selective.py``)."""
        return SelectiveRun(
            step,
            aws=self.aws,
            pipeline=self.pipeline_name,
            source_arn=self.execution_arn,
            follow=self.successor,
            on_notice=self.on_notice,
        )

    def successor(self, execution_arn: str) -> SageMakerWatcher:
        """A watcher like this one (same session, clock, settings) for another execution."""
        poller = self.poller
        return SageMakerWatcher(
            execution_arn,
            aws=self.aws,
            clock=poller.clock,
            settings=poller.settings,
            budget=poller.budget,
            tail_logs=poller.tail_logs,
            on_notice=self.on_notice,
        )

    def select_logs(self, steps: Collection[str] | None) -> None:
        """Tail only these steps' logs (``None``: every running step). After the execution
        ended, a step selected now has its logs read in the background (it may never have
        been tailed: only the selected step is)."""
        self.poller.select_logs(steps)
        if steps and self.poller.status in TERMINAL_EXECUTION_STATUSES and self._emit:
            wanted = list(steps)
            threading.Thread(
                target=self._read_ended, args=(wanted,), name="sm-logs-after-end", daemon=True
            ).start()

    def _read_ended(self, steps: list[str]) -> None:
        with self._following:  # one reader at a time, and never while a poll runs
            try:
                self.poller.read_ended(steps)
            except AwsError as err:
                self._notice(Notice("info", f"Logs not read: {err.message}", "warning"))

    def recent_lines(self, step: str) -> list[str]:
        """The last log lines read for ``step`` (bounded), for a view that selects it late."""
        return self.poller.tailer.recent(step)

    @property
    def status(self) -> str | None:
        return self.poller.status

    @property
    def definition(self) -> list[Any]:
        """The execution's steps as its definition states them (``DefinedStep``: kind,
        dependencies, condition branch); empty until the first poll read it."""
        return list(self.poller.definition)

    @property
    def parameters(self) -> tuple[tuple[str, str], ...] | None:
        """The execution's parameters as (name, value); ``None`` until the first poll."""
        return self.poller.parameters

    @property
    def execution_times(self) -> tuple[Any, Any]:
        """(``CreationTime``, ``LastModifiedTime``) as SageMaker says them (datetimes, or
        ``None`` before the first poll): when it started and, once finished, ended."""
        return self.poller.created, self.poller.modified

    def step_resource(self, step: str) -> Any:
        """What ``step`` ran: a ``console.StepResource`` (ARN, console URL), or ``None``."""
        return self.poller.step_resource(step)

    def _emit_event(self, event: Any) -> None:
        if self._emit is not None:
            self._emit(event)

    def _notice(self, notice: Notice) -> None:
        if self.on_notice is not None:
            self.on_notice(notice)
        else:
            log_notice(notice)


def stopped_before_start(emit: Emit, arn: str | None = None) -> str:
    """Report a run that was stopped before anything started in AWS."""
    emit(
        ExecutionEvent(status="Stopped", engine=ENGINE_NAME, id=arn, reason="Stopped before start")
    )
    return "Stopped"
