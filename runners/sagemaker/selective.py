"""Run a pipeline again from a step on SageMaker: a selective execution.

``StartPipelineExecution`` with ``SelectiveExecutionConfig`` runs only the selected steps and
copies the others' results from a source execution (one that Succeeded or Failed; SageMaker
checks the selected steps' inputs exist there). Running *from* a step selects it and every
step downstream of it, as read from the pipeline's definition (``DependsOn``, property
references, and a Condition's branch steps), so every path between two selected steps is
selected, as SageMaker requires.

* ``from_step_selection(definition, step)``: the selected steps, or a ``WizardError``
  listing the pipeline's steps;
* ``latest_succeeded(aws, pipeline)``: the source ``sm-wizard run --from`` uses;
* ``SelectiveRun``: an Engine ("run from here" in the watch screen) that starts the
  selective execution from a given source execution with that execution's parameters, then
  follows the new execution (a ``SageMakerWatcher`` made by ``follow``).

In the new execution, ListPipelineExecutionSteps lists the steps not run with
``SelectiveExecutionResult.SourcePipelineExecutionArn`` (the poller reports them Succeeded
with ``reused_from``).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any

from wizard.errors import WizardError

from ..base import Capabilities, Emit, Engine
from ..events import ExecutionEvent
from .aws import AwsError, AwsSession
from .definition import DefinedStep, downstream_steps, parse_definition
from .notices import Notice, NoticeHandler, log_notice
from .poller import ENGINE_NAME

MAX_SELECTED_STEPS = 50
"""SageMaker's limit on ``SelectedSteps``."""

Follow = Callable[[str], Any]
"""``execution_arn -> SageMakerWatcher`` (what follows the new execution)."""


def from_step_selection(definition: list[DefinedStep], step: str, pipeline: str) -> list[str]:
    """``step`` and every step downstream of it, in the definition's order."""
    names = [s.name for s in definition]
    if step not in names:
        close = difflib.get_close_matches(step, names, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise WizardError(
            f"the pipeline {pipeline} has no step {step!r}.{hint} Its steps: {', '.join(names)}",
            "Unknown step",
        )
    selected = downstream_steps(definition, step)
    if len(selected) > MAX_SELECTED_STEPS:
        raise WizardError(
            f"running from {step} selects {len(selected)} steps; SageMaker's selective "
            f"execution takes at most {MAX_SELECTED_STEPS}: run from a later step",
            "Too many steps",
        )
    return selected


def selective_config(source_arn: str, steps: Collection[str]) -> dict[str, Any]:
    return {
        "SourcePipelineExecutionArn": source_arn,
        "SelectedSteps": [{"StepName": name} for name in steps],
    }


def latest_succeeded(aws: AwsSession, pipeline: str) -> str:
    """The ARN of the pipeline's most recent Succeeded execution."""
    params: dict[str, Any] = {
        "PipelineName": pipeline,
        "SortBy": "CreationTime",
        "SortOrder": "Descending",
        "MaxResults": 100,
    }
    seen = 0
    try:
        while True:
            page = aws.call("sagemaker", "list_pipeline_executions", **params)
            rows = page.get("PipelineExecutionSummaries", [])
            rows.sort(key=lambda r: _stamp(r.get("StartTime")), reverse=True)
            seen += len(rows)
            for row in rows:
                if row.get("PipelineExecutionStatus") == "Succeeded":
                    return str(row["PipelineExecutionArn"])
            token = page.get("NextToken")
            if not token or token == params.get("NextToken") or seen >= 500:
                break
            params["NextToken"] = token
    except AwsError as err:
        if err.kind == "not-found":
            raise WizardError(
                f"there is no pipeline {pipeline!r} in {aws.region} yet, so nothing to run "
                "from: run the whole pipeline first (sm-wizard run FILE --engine sagemaker)",
                "No earlier execution",
            ) from err
        raise
    raise WizardError(
        f"pipeline {pipeline} has no succeeded execution to reuse results from"
        + (f" (of its {seen} latest)" if seen else "")
        + "; run the whole pipeline first, or pick a failed execution that reached the step "
        "in sm-wizard watch and use 'run from here'",
        "No earlier execution",
    )


def _stamp(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else 0.0


def start_selective(
    aws: AwsSession,
    pipeline: str,
    source_arn: str,
    steps: Collection[str],
    parameters: list[dict[str, str]] | None = None,
) -> str:
    """Start the selective execution; returns its ARN."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    request: dict[str, Any] = {
        "PipelineName": pipeline,
        "PipelineExecutionDisplayName": f"sm-wizard-from-{stamp}",
        "PipelineExecutionDescription": (
            f"Started by sm-wizard from step {next(iter(steps))}, reusing "
            f"{source_arn.rsplit('/', 1)[-1]}"
        )[:3072],
        "SelectiveExecutionConfig": selective_config(source_arn, steps),
    }
    if parameters:
        request["PipelineParameters"] = parameters
    answer = aws.call("sagemaker", "start_pipeline_execution", **request)
    return str(answer["PipelineExecutionArn"])


class SelectiveRun:
    """An Engine: a selective execution of ``pipeline`` from ``step`` reusing ``source_arn``
    (with its parameters), started by ``run``, then followed like ``sm-wizard watch``."""

    name = ENGINE_NAME
    capabilities = Capabilities(
        remote=True, can_retry=True, can_detach=True, can_select_logs=True, can_run_from=True
    )

    def __init__(
        self,
        step: str,
        *,
        aws: AwsSession,
        pipeline: str,
        source_arn: str,
        follow: Follow,
        on_notice: NoticeHandler | None = None,
    ) -> None:
        self.step = step
        self.aws = aws
        self.pipeline_name = pipeline
        self.source_arn = source_arn
        self._follow = follow
        self.on_notice = on_notice
        self.execution_arn: str | None = None
        self.selected: list[str] = []
        self.watcher: Any = None
        self._selection: Collection[str] | None = None
        self._selection_set = False
        self._detached = threading.Event()

    def run(self, emit: Emit, stop: threading.Event) -> str:
        try:
            answer = self.aws.call(
                "sagemaker", "describe_pipeline", PipelineName=self.pipeline_name
            )
            definition = parse_definition(answer.get("PipelineDefinition"))
            if not definition:
                raise WizardError(
                    f"the definition of pipeline {self.pipeline_name} could not be read, so "
                    f"the steps after {self.step} are unknown",
                    "Cannot run from",
                )
            self.selected = from_step_selection(definition, self.step, self.pipeline_name)
            listed = self.aws.call(
                "sagemaker",
                "list_pipeline_parameters_for_execution",
                PipelineExecutionArn=self.source_arn,
            )
            parameters = [
                {"Name": p["Name"], "Value": p["Value"]}
                for p in listed.get("PipelineParameters", [])
            ]
            if stop.is_set() or self._detached.is_set():
                emit(ExecutionEvent("Stopped", engine=ENGINE_NAME, reason="Stopped before start"))
                return "Stopped"
            self.execution_arn = start_selective(
                self.aws, self.pipeline_name, self.source_arn, self.selected, parameters
            )
        except WizardError as err:
            emit(ExecutionEvent("Failed", engine=ENGINE_NAME, reason=err.message))
            raise
        self._notice(
            f"Started {self.execution_arn}: {', '.join(self.selected)} run; the other steps' "
            f"results are reused from {self.source_arn}"
        )
        self.watcher = self._follow(self.execution_arn)
        if self._selection_set:
            self.watcher.select_logs(self._selection)
        if self._detached.is_set():
            self.watcher.detach()
        return str(self.watcher.run(emit, stop))

    def _notice(self, message: str) -> None:
        (self.on_notice or log_notice)(Notice("info", message, "info"))

    def retry(self, emit: Emit, stop: threading.Event) -> str:
        if self.watcher is None:
            raise WizardError("The selective execution has not started yet.", "Cannot retry")
        return str(self.watcher.retry(emit, stop))

    def detach(self) -> None:
        self._detached.set()
        if self.watcher is not None:
            self.watcher.detach()

    def select_logs(self, steps: Collection[str] | None) -> None:
        self._selection, self._selection_set = steps, True
        if self.watcher is not None:
            self.watcher.select_logs(steps)

    def from_step(self, step: str) -> Engine:
        if self.watcher is None:
            raise WizardError("The selective execution has not started yet.", "Cannot run from")
        return self.watcher.from_step(step)  # type: ignore[no-any-return]

    @property
    def status(self) -> str | None:
        return self.watcher.status if self.watcher is not None else None

    @property
    def definition(self) -> list[Any]:
        return list(self.watcher.definition) if self.watcher is not None else []

    def recent_lines(self, step: str) -> list[str]:
        return list(self.watcher.recent_lines(step)) if self.watcher is not None else []
