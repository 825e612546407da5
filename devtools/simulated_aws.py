"""SageMaker and CloudWatch Logs in memory: scripted executions served on a clock.

``SimulatedAws`` answers the calls the poller, the log tailer and the engine's follow phase make
through the same ``call(service, operation, **params)`` interface as ``AwsSession``, from
``devtools.execution.ScriptedExecution`` models, and counts the requests (the benchmark's
measure). Errors are ``AwsError``s as the real session raises them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from runners.sagemaker.aws import AwsError
from runners.sagemaker.clock import Clock

from .execution import ConflictError, ScriptedExecution
from .scripted import Attempt


@dataclass
class SimulatedAws:
    """Serves ``ScriptedExecution``s the way ``AwsSession.call`` would, and counts requests.

    Only the calls the poller, the tailer and the engine's follow phase make are served.
    """

    clock: Clock
    executions: dict[str, tuple[ScriptedExecution, float]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    by_service: Counter[str] = field(default_factory=Counter)

    def add(self, execution: ScriptedExecution) -> str:
        """Start ``execution`` now; returns its ARN."""
        self.executions[execution.arn] = (execution, self.clock.monotonic())
        return execution.arn

    def refresh(self) -> None:
        """Nothing to re-read: credentials are not simulated."""

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def sagemaker_requests(self) -> int:
        """Calls to the SageMaker API only: the account-wide rate the poller must spare
        (CloudWatch Logs and metrics are throttled separately)."""
        return self.by_service["sagemaker"]

    def _find(self, arn: str) -> tuple[ScriptedExecution, float]:
        if arn not in self.executions:
            raise AwsError(f"Not found: {arn}", kind="not-found", code="ValidationException")
        execution, started = self.executions[arn]
        return execution, self.clock.monotonic() - started

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        self.requests[operation] += 1
        self.by_service[service] += 1
        handler = getattr(self, f"_{operation}", None)
        if handler is None:
            raise NotImplementedError(f"SimulatedAws does not serve {service}.{operation}")
        return handler(**params)

    # sagemaker ---------------------------------------------------------

    def _describe_pipeline_execution(self, PipelineExecutionArn: str) -> dict[str, Any]:
        execution, t = self._find(PipelineExecutionArn)
        status, reason = execution.status_at(t)
        answer: dict[str, Any] = {
            "PipelineExecutionArn": PipelineExecutionArn,
            "PipelineExecutionStatus": status,
            "CreationTime": execution.started,
            "LastModifiedTime": execution.started + timedelta(seconds=min(t, self._end(execution))),
        }
        if reason:
            answer["FailureReason"] = reason
        return answer

    @staticmethod
    def _end(execution: ScriptedExecution) -> float:
        return execution.finished_at()

    def _list_pipeline_parameters_for_execution(
        self, PipelineExecutionArn: str, **_: Any
    ) -> dict[str, Any]:
        execution, _t = self._find(PipelineExecutionArn)
        return {"PipelineParameters": [{"Name": n, "Value": v} for n, v in execution.parameters]}

    def _list_pipelines(self, **_: Any) -> dict[str, Any]:
        newest: dict[str, ScriptedExecution] = {}
        for execution, _started in self.executions.values():
            newest[execution.pipeline_name] = execution
        return {
            "PipelineSummaries": [
                {
                    "PipelineName": name,
                    "CreationTime": execution.started - timedelta(days=7),
                    "LastExecutionTime": execution.started,
                }
                for name, execution in newest.items()
            ]
        }

    def _list_pipeline_executions(self, PipelineName: str, **_: Any) -> dict[str, Any]:
        summaries = []
        for arn, (execution, started) in self.executions.items():
            if execution.pipeline_name != PipelineName:
                continue
            status, reason = execution.status_at(self.clock.monotonic() - started)
            summary = {
                "PipelineExecutionArn": arn,
                "PipelineExecutionStatus": status,
                "StartTime": execution.started,
                "PipelineExecutionDisplayName": f"execution-{execution.execution_id[:6]}",
            }
            if reason:
                summary["PipelineExecutionFailureReason"] = reason
            summaries.append(summary)
        summaries.sort(key=lambda item: item["StartTime"], reverse=True)
        return {"PipelineExecutionSummaries": summaries}

    def _describe_pipeline_definition_for_execution(
        self, PipelineExecutionArn: str
    ) -> dict[str, Any]:
        execution, _ = self._find(PipelineExecutionArn)
        return {"PipelineDefinition": execution.definition()}

    def _list_pipeline_execution_steps(
        self,
        PipelineExecutionArn: str,
        MaxResults: int = 100,
        NextToken: str | None = None,
        SortOrder: str = "Descending",
    ) -> dict[str, Any]:
        execution, t = self._find(PipelineExecutionArn)
        steps = execution.steps_at(t)
        if SortOrder == "Ascending":
            steps.reverse()
        start = int(NextToken or 0)
        answer: dict[str, Any] = {"PipelineExecutionSteps": steps[start : start + MaxResults]}
        if start + MaxResults < len(steps):
            answer["NextToken"] = str(start + MaxResults)
        return answer

    def _describe_job(self, key: str, name: str) -> dict[str, Any]:
        for execution, started in self.executions.values():
            answer = execution.describe_job(key, name, self.clock.monotonic() - started)
            if answer is not None:
                return answer
        raise AwsError(f"Not found: {name}", kind="not-found", code="ValidationException")

    def _list_training_jobs_for_hyper_parameter_tuning_job(
        self, HyperParameterTuningJobName: str, **_: Any
    ) -> dict[str, Any]:
        for execution, started in self.executions.values():
            trials = execution.tuning_trials(
                HyperParameterTuningJobName, self.clock.monotonic() - started
            )
            if trials is not None:
                return {"TrainingJobSummaries": trials}
        raise AwsError(f"Not found: {HyperParameterTuningJobName}", kind="not-found")

    def _describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:
        return self._describe_job("TrainingJob", TrainingJobName)

    def _describe_processing_job(self, ProcessingJobName: str) -> dict[str, Any]:
        return self._describe_job("ProcessingJob", ProcessingJobName)

    def _describe_transform_job(self, TransformJobName: str) -> dict[str, Any]:
        return self._describe_job("TransformJob", TransformJobName)

    def _describe_hyper_parameter_tuning_job(
        self, HyperParameterTuningJobName: str
    ) -> dict[str, Any]:
        return self._describe_job("TuningJob", HyperParameterTuningJobName)

    def _stop_pipeline_execution(self, PipelineExecutionArn: str) -> dict[str, Any]:
        execution, t = self._find(PipelineExecutionArn)
        try:
            execution.stop(t)
        except ConflictError as err:
            raise AwsError(str(err), kind="conflict", code="ConflictException") from err
        return {"PipelineExecutionArn": PipelineExecutionArn}

    def _retry_pipeline_execution(self, PipelineExecutionArn: str) -> dict[str, Any]:
        execution, t = self._find(PipelineExecutionArn)
        try:
            execution.retry(t)
        except ConflictError as err:
            raise AwsError(str(err), kind="conflict", code="ConflictException") from err
        return {"PipelineExecutionArn": PipelineExecutionArn}

    # cloudwatch metrics ----------------------------------------------------

    def _get_metric_data(self, **_: Any) -> dict[str, Any]:
        """No curves are simulated: the final metrics come with the job's answer."""
        return {"MetricDataResults": []}

    # logs ----------------------------------------------------------------

    def _streams(self, group: str) -> Iterable[tuple[str, ScriptedExecution, Attempt, float]]:
        now = self.clock.monotonic()
        for execution, started in self.executions.values():
            t = now - started
            for stream_group, stream, attempt in execution.log_streams():
                if stream_group == group and attempt.log_lines(t):
                    yield stream, execution, attempt, t

    def _describe_log_streams(
        self, logGroupName: str, logStreamNamePrefix: str = "", nextToken: str | None = None
    ) -> dict[str, Any]:
        names = [s for s, *_ in self._streams(logGroupName) if s.startswith(logStreamNamePrefix)]
        return {"logStreams": [{"logStreamName": n} for n in sorted(names)]}

    def _get_log_events(
        self,
        logGroupName: str,
        logStreamName: str,
        startFromHead: bool = True,
        nextToken: str | None = None,
        limit: int = 10_000,
    ) -> dict[str, Any]:
        for stream, execution, attempt, t in self._streams(logGroupName):
            if stream == logStreamName:
                events = execution.log_events(attempt, t)
                break
        else:
            raise AwsError("log stream not found", kind="not-found")
        start = int(nextToken[2:]) if nextToken else 0
        page = events[start : start + limit]
        return {"events": page, "nextForwardToken": f"f/{start + len(page)}"}
