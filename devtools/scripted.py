"""A scripted SageMaker pipeline execution, for tests, the benchmark and demos.

``ScriptedExecution`` is a pure model: given the seconds since the execution started, it says
what SageMaker would answer — the execution's status, the ``ListPipelineExecutionSteps``
items, each job's ``Describe*Job`` answer and the CloudWatch log lines written so far. Stop
and retry are commands at a time; the model replays them, so every answer is a function of
time alone and describing twice changes nothing (as on AWS).

``devtools.simulated_aws.SimulatedAws`` serves those answers in memory (the benchmark polls a
30-minute execution in well under a second with it); the tests install the same model into
moto (``tests/sagemaker/sagemaker_fake.py``) so boto3 is exercised end to end.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from runners.sagemaker.logs import LOG_GROUPS

EXECUTION_FAILURE: Final = "Step failure: One or multiple steps failed."

# Definition Type → (Metadata key, ARN resource type) for steps that run a job.
_JOB_STEPS: Final = {
    "Training": ("TrainingJob", "training-job"),
    "Processing": ("ProcessingJob", "processing-job"),
    "Transform": ("TransformJob", "transform-job"),
    "Tuning": ("TuningJob", "hyper-parameter-tuning-job"),
    "Model": ("Model", "model"),
    "RegisterModel": ("RegisterModel", "model-package"),
}
_JOB_STATUS: Final = {
    "Starting": "InProgress",
    "Executing": "InProgress",
    "Stopping": "Stopping",
    "Stopped": "Stopped",
    "Failed": "Failed",
    "Succeeded": "Completed",
}


@dataclass(frozen=True)
class ScriptedStep:
    """One step of the script. Times are seconds; ``start`` counts from the execution start."""

    name: str
    kind: str = "Processing"
    start: float = 0.0
    starting: float = 20.0
    executing: float = 60.0
    fail_reason: str | None = None
    fail_attempts: int = 1
    """How many attempts fail (when ``fail_reason`` is set): a retry after that succeeds."""
    cache_hit: bool = False
    logs: tuple[str, ...] = ()
    metrics: tuple[tuple[str, float], ...] = ()
    outcome: str = "True"
    """A Condition step's outcome."""


def sequential_steps(
    specs: Iterable[tuple[str, str]],
    *,
    starting: float = 20.0,
    executing: float = 60.0,
    gap: float = 5.0,
    logs_per_step: int = 0,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[ScriptedStep]:
    """Steps that run one after another. ``overrides`` maps a step name to field values."""
    steps: list[ScriptedStep] = []
    t = 0.0
    for name, kind in specs:
        fields: dict[str, Any] = {
            "starting": starting,
            "executing": executing,
            "logs": tuple(f"{name}: line {i + 1}" for i in range(logs_per_step)),
        }
        fields.update((overrides or {}).get(name, {}))
        step = ScriptedStep(name=name, kind=kind, start=t, **fields)
        steps.append(step)
        t += 0 if step.cache_hit else step.starting + step.executing
        t += gap
    return steps


@dataclass
class Attempt:
    """One attempt at a scripted step: when it starts and ends, and whether it fails."""

    step: ScriptedStep
    number: int
    start: float
    fails: bool
    job: str | None
    stopped_at: float | None = None

    @property
    def starting_end(self) -> float:
        return self.start + (0.0 if self.step.cache_hit else self.step.starting)

    @property
    def end(self) -> float:
        return self.starting_end + (0.0 if self.step.cache_hit else self.step.executing)

    def status(self, t: float, stop_delay: float) -> str:
        if self.stopped_at is not None and t >= self.stopped_at:
            return "Stopped" if t >= self.stopped_at + stop_delay else "Stopping"
        if t < self.starting_end:
            return "Starting"
        if t < self.end:
            return "Executing"
        return "Failed" if self.fails else "Succeeded"

    def ended_at(self, stop_delay: float) -> float:
        if self.stopped_at is not None:
            return self.stopped_at + stop_delay
        return self.end

    def log_lines(self, t: float) -> list[tuple[float, str]]:
        """(time, line) of every line written by ``t``."""
        lines = list(self.step.logs)
        if self.fails and self.step.fail_reason:
            lines.append(f"ERROR: {self.step.fail_reason}")
        if not lines:
            return []
        span = self.step.executing
        limit = min(t, self.stopped_at if self.stopped_at is not None else t)
        timed = [
            (self.starting_end + span * (i + 1) / (len(lines) + 1), line)
            for i, line in enumerate(lines)
        ]
        return [(when, line) for when, line in timed if when <= limit]


@dataclass
class _Epoch:
    start: float
    attempts: list[Attempt]
    cancelled: list[Attempt]
    end: float
    status: str
    stop_at: float | None = None


class ConflictError(Exception):
    """A stop or retry that SageMaker would refuse with ConflictException."""


class ScriptedExecution:
    """What SageMaker would say about one execution, as a function of elapsed seconds."""

    def __init__(
        self,
        steps: Sequence[ScriptedStep],
        *,
        pipeline_name: str = "demo",
        execution_id: str = "sim0execution",
        region: str = "us-east-1",
        account: str = "123456789012",
        stop_delay: float = 15.0,
        started: datetime | None = None,
    ) -> None:
        self.steps = list(steps)
        self.pipeline_name = pipeline_name
        self.execution_id = execution_id
        self.region = region
        self.account = account
        self.stop_delay = stop_delay
        self.started = started or datetime(2026, 1, 1, tzinfo=UTC)
        self._commands: list[tuple[float, str]] = []
        self._cache: list[_Epoch] | None = None

    # ----------------------------------------------------------------- identity

    @property
    def arn(self) -> str:
        return (
            f"arn:aws:sagemaker:{self.region}:{self.account}:pipeline/"
            f"{self.pipeline_name}/execution/{self.execution_id}"
        )

    def definition(self) -> str:
        """A pipeline definition JSON whose steps match the script."""
        return json.dumps(
            {
                "Version": "2020-12-01",
                "Parameters": [],
                "Steps": [{"Name": s.name, "Type": s.kind, "Arguments": {}} for s in self.steps],
            }
        )

    def job_name(self, step: ScriptedStep, attempt: int) -> str | None:
        if step.kind not in _JOB_STEPS:
            return None
        suffix = f"{zlib.crc32(f'{step.name}/{attempt}'.encode()):08X}"
        return f"pipelines-{self.execution_id}-{step.name}-{suffix}"[:63]

    def _wall(self, t: float) -> datetime:
        return self.started + timedelta(seconds=t)

    # ----------------------------------------------------------------- commands

    def stop(self, t: float) -> None:
        status, _ = self.status_at(t)
        if status != "Executing":
            raise ConflictError(f"Pipeline execution {self.arn} is in {status} state")
        self._commands.append((t, "stop"))
        self._cache = None

    def retry(self, t: float) -> None:
        status, _ = self.status_at(t)
        if status not in ("Failed", "Stopped"):
            raise ConflictError(
                f"Pipeline execution {self.arn} is in {status} state; only a failed or "
                "stopped execution can be retried"
            )
        self._commands.append((t, "retry"))
        self._cache = None

    # ----------------------------------------------------------------- the schedule

    def _run(self, start: float, schedule: dict[str, tuple[float, int]]) -> _Epoch:
        attempts = []
        for step in self.steps:
            if step.name not in schedule:
                continue
            begin, number = schedule[step.name]
            fails = step.fail_reason is not None and number <= step.fail_attempts
            attempts.append(Attempt(step, number, begin, fails, self.job_name(step, number)))
        fail_time = min((a.end for a in attempts if a.fails), default=float("inf"))
        started = [a for a in attempts if a.start < fail_time]
        cancelled = [a for a in attempts if a.start >= fail_time]
        end = max((a.end for a in started), default=start)
        status = "Failed" if any(a.fails for a in started) else "Succeeded"
        return _Epoch(start, started, cancelled, end, status)

    def _epochs(self) -> list[_Epoch]:
        if self._cache is not None:
            return self._cache
        epochs: list[_Epoch] = []
        epoch = self._run(0.0, {s.name: (s.start, 1) for s in self.steps})
        for t, command in self._commands:
            if command == "stop":
                running = [a for a in epoch.attempts if a.start <= t]
                epoch.cancelled += [a for a in epoch.attempts if a.start > t]
                for attempt in running:
                    if attempt.end > t:
                        attempt.stopped_at = t
                epoch.attempts = running
                epoch.end, epoch.status, epoch.stop_at = t + self.stop_delay, "Stopped", t
            else:  # retry: failed/stopped steps again, then the ones that never ran
                redo = [a for a in epoch.attempts if a.fails or a.stopped_at is not None]
                anchor = min((a.start for a in redo), default=t)
                schedule = {a.step.name: (t, a.number + 1) for a in redo}
                for a in epoch.cancelled:
                    schedule[a.step.name] = (t + max(0.0, a.start - anchor), a.number)
                epochs.append(epoch)
                epoch = self._run(t, schedule)
        epochs.append(epoch)
        self._cache = epochs
        return epochs

    def _attempts_at(self, t: float) -> dict[str, Attempt]:
        latest: dict[str, Attempt] = {}
        for epoch in self._epochs():
            for attempt in epoch.attempts:
                if attempt.start <= t:
                    latest[attempt.step.name] = attempt
        return latest

    # ----------------------------------------------------------------- answers

    def status_at(self, t: float) -> tuple[str, str | None]:
        """(PipelineExecutionStatus, FailureReason) at ``t``."""
        current = self._epochs()[0]
        for epoch in self._epochs():
            if epoch.start <= t:
                current = epoch
        if current.stop_at is not None and t >= current.stop_at:
            return ("Stopped" if t >= current.end else "Stopping"), None
        if t < current.end:
            return "Executing", None
        if current.status == "Failed":
            return "Failed", EXECUTION_FAILURE
        return current.status, None

    def finished_at(self) -> float:
        """When the last scripted epoch ends (before any further command)."""
        return self._epochs()[-1].end

    def steps_at(self, t: float) -> list[dict[str, Any]]:
        """``PipelineExecutionSteps`` items at ``t``, newest first (the API's default)."""
        items = []
        for attempt in self._attempts_at(t).values():
            step = attempt.step
            status = attempt.status(t, self.stop_delay)
            item: dict[str, Any] = {
                "StepName": step.name,
                "StepDisplayName": step.name,
                "StartTime": self._wall(attempt.start),
                "StepStatus": status,
                "AttemptCount": attempt.number,
                "Metadata": self._metadata(attempt, status),
            }
            if status in ("Succeeded", "Failed", "Stopped"):
                item["EndTime"] = self._wall(attempt.ended_at(self.stop_delay))
            if status == "Failed":
                item["FailureReason"] = step.fail_reason
            if step.cache_hit:
                item["CacheHitResult"] = {
                    "SourcePipelineExecutionArn": self.arn.rsplit("/", 1)[0] + "/execution/"
                    "cachedsource1"
                }
            items.append(item)
        items.sort(key=lambda i: (i["StartTime"], i["StepName"]), reverse=True)
        return items

    def _metadata(self, attempt: Attempt, status: str) -> dict[str, Any]:
        step = attempt.step
        if step.kind in _JOB_STEPS:
            key, resource = _JOB_STEPS[step.kind]
            name = (attempt.job or "").lower()
            if step.kind == "RegisterModel":
                name = f"{self.pipeline_name.lower()}-models/{attempt.number}"
            arn = f"arn:aws:sagemaker:{self.region}:{self.account}:{resource}/{name}"
            return {key: {"Arn": arn}}
        if step.kind == "Condition" and status == "Succeeded":
            return {"Condition": {"Outcome": step.outcome}}
        if step.kind == "Fail" and status == "Failed":
            return {"Fail": {"ErrorMessage": step.fail_reason or "Failed"}}
        return {}

    def jobs(self) -> Iterable[tuple[str, str, Attempt]]:
        """(Metadata key, job name, attempt) of every job the script ever runs."""
        for epoch in self._epochs():
            for attempt in epoch.attempts:
                if attempt.job and attempt.step.kind in _JOB_STEPS:
                    yield _JOB_STEPS[attempt.step.kind][0], attempt.job, attempt

    def _find_job(self, key: str, name: str, t: float) -> Attempt | None:
        for job_key, job_name, attempt in self.jobs():
            if job_key == key and job_name.lower() == name.lower() and attempt.start <= t:
                return attempt
        return None

    def tuning_trials(self, name: str, t: float) -> list[dict[str, Any]] | None:
        """``ListTrainingJobsForHyperParameterTuningJob``'s summaries at ``t`` (``None``: not
        ours): the trials done so far, oldest first, the last one at the step's metric."""
        attempt = self._find_job("TuningJob", name, t)
        if attempt is None:
            return None
        total = 4
        span = max(attempt.end - attempt.starting_end, 1e-9)
        done = max(0, min(total, int(total * (t - attempt.starting_end) / span)))
        metric, best = attempt.step.metrics[0] if attempt.step.metrics else ("objective", 0.9)
        values = [best - 0.04, best - 0.01, best - 0.06, best][:done]
        created = self._wall(attempt.start)
        base = f"arn:aws:sagemaker:{self.region}:{self.account}:training-job"
        return [
            {
                "TrainingJobName": f"{(attempt.job or 'tuning')[:55]}-{i + 1:03d}",
                "TrainingJobArn": f"{base}/{(attempt.job or 'tuning').lower()[:55]}-{i + 1:03d}",
                "CreationTime": created,
                "TrainingJobStatus": "Completed",
                "TunedHyperParameters": {"eta": f"0.{i + 1}"},
                "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": metric, "Value": v},
                "ObjectiveStatus": "Succeeded",
            }
            for i, v in enumerate(values)
        ]

    def describe_job(self, key: str, name: str, t: float) -> dict[str, Any] | None:
        """The ``Describe*Job`` answer for a scripted job at ``t`` (``None``: not ours)."""
        attempt = self._find_job(key, name, t)
        if attempt is None:
            return None
        step_status = attempt.status(t, self.stop_delay)
        status = _JOB_STATUS[step_status]
        created = self._wall(attempt.start)
        ended = step_status in ("Succeeded", "Failed", "Stopped")
        role = f"arn:aws:iam::{self.account}:role/SageMakerPipelineRole"
        reason = attempt.step.fail_reason if step_status == "Failed" else None
        arn_base = f"arn:aws:sagemaker:{self.region}:{self.account}"
        if key == "TrainingJob":
            answer: dict[str, Any] = {
                "TrainingJobName": attempt.job,
                "TrainingJobArn": f"{arn_base}:training-job/{name.lower()}",
                "ModelArtifacts": {"S3ModelArtifacts": f"s3://bucket/{attempt.job}/model.tar.gz"},
                "TrainingJobStatus": status,
                "SecondaryStatus": self._secondary(attempt, t)[-1]["Status"],
                "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
                "CreationTime": created,
                "RoleArn": role,
                "SecondaryStatusTransitions": self._secondary(attempt, t),
            }
            if attempt.step.metrics:
                answer["AlgorithmSpecification"] = {
                    "TrainingImage": "xgboost:latest",
                    "TrainingInputMode": "File",
                    "MetricDefinitions": [
                        {"Name": m, "Regex": f"{m}:([0-9.]+)"} for m, _ in attempt.step.metrics
                    ],
                }
            if step_status != "Starting":
                answer["TrainingStartTime"] = self._wall(attempt.starting_end)
            if step_status == "Succeeded" and attempt.step.metrics:
                answer["FinalMetricDataList"] = [
                    {"MetricName": m, "Value": v, "Timestamp": self._wall(attempt.end)}
                    for m, v in attempt.step.metrics
                ]
        elif key == "ProcessingJob":
            answer = {
                "ProcessingJobName": attempt.job,
                "ProcessingJobArn": f"{arn_base}:processing-job/{name.lower()}",
                "ProcessingJobStatus": status,
                "ProcessingResources": {
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.m5.xlarge",
                        "VolumeSizeInGB": 30,
                    }
                },
                "AppSpecification": {"ImageUri": "processing-image:latest"},
                "CreationTime": created,
                "RoleArn": role,
            }
            if step_status == "Failed":
                answer["ExitMessage"] = reason
        elif key == "TransformJob":
            answer = {
                "TransformJobName": attempt.job,
                "TransformJobArn": f"{arn_base}:transform-job/{name.lower()}",
                "TransformJobStatus": status,
                "ModelName": f"{self.pipeline_name}-model",
                "TransformInput": {
                    "DataSource": {
                        "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/in"}
                    }
                },
                "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
                "CreationTime": created,
            }
        elif key == "TuningJob":
            answer = self._tuning(attempt, status, t, created)
        else:
            return None
        if reason:
            answer["FailureReason"] = reason
        if ended:
            end_field = {
                "TrainingJob": "TrainingEndTime",
                "ProcessingJob": "ProcessingEndTime",
                "TransformJob": "TransformEndTime",
                "TuningJob": "HyperParameterTuningEndTime",
            }[key]
            answer[end_field] = self._wall(attempt.ended_at(self.stop_delay))
        return answer

    def _secondary(self, attempt: Attempt, t: float) -> list[dict[str, Any]]:
        """Training secondary-status transitions up to ``t``."""
        plan = [
            (attempt.start, "Starting", "Launching requested ML instances"),
            (
                attempt.start + (attempt.starting_end - attempt.start) / 2,
                "Downloading",
                "Downloading input data",
            ),
            (attempt.starting_end, "Training", "Training image download completed."),
        ]
        if attempt.fails:
            plan.append((attempt.end, "Failed", attempt.step.fail_reason or "Failed"))
        else:
            plan.append((attempt.end - 1, "Uploading", "Uploading generated training model"))
            plan.append((attempt.end, "Completed", "Training job completed"))
        if attempt.stopped_at is not None:
            plan = [p for p in plan if p[0] < attempt.stopped_at]
            plan.append((attempt.stopped_at, "Stopping", "Stopping the training job"))
            plan.append((attempt.stopped_at + self.stop_delay, "Stopped", "Training job stopped"))
        seen = [p for p in plan if p[0] <= t] or plan[:1]
        return [
            {"Status": status, "StartTime": self._wall(when), "StatusMessage": message}
            for when, status, message in seen
        ]

    def _tuning(self, attempt: Attempt, status: str, t: float, created: datetime) -> dict[str, Any]:
        total = 4
        span = max(attempt.end - attempt.starting_end, 1e-9)
        done = max(0, min(total, int(total * (t - attempt.starting_end) / span)))
        answer: dict[str, Any] = {
            "HyperParameterTuningJobName": attempt.job,
            "HyperParameterTuningJobArn": (
                f"arn:aws:sagemaker:{self.region}:{self.account}:hyper-parameter-tuning-job/"
                f"{(attempt.job or '').lower()}"
            ),
            "HyperParameterTuningJobConfig": {
                "Strategy": "Bayesian",
                "ResourceLimits": {"MaxNumberOfTrainingJobs": total, "MaxParallelTrainingJobs": 2},
                **(
                    {
                        "HyperParameterTuningJobObjective": {
                            "Type": "Maximize",
                            "MetricName": attempt.step.metrics[0][0],
                        }
                    }
                    if attempt.step.metrics
                    else {}
                ),
            },
            "HyperParameterTuningJobStatus": status,
            "CreationTime": created,
            "TrainingJobStatusCounters": {
                "Completed": done,
                "InProgress": 0 if status != "InProgress" else min(2, total - done),
                "RetryableError": 0,
                "NonRetryableError": 0,
                "Stopped": 0,
            },
            "ObjectiveStatusCounters": {"Succeeded": done, "Pending": total - done, "Failed": 0},
        }
        if done and attempt.step.metrics:
            metric, value = attempt.step.metrics[0]
            answer["BestTrainingJob"] = {
                "TrainingJobName": f"{attempt.job}-001"[:63],
                "TrainingJobArn": f"arn:aws:sagemaker:{self.region}:{self.account}:training-job/x",
                "CreationTime": created,
                "TrainingJobStatus": "Completed",
                "TunedHyperParameters": {"eta": "0.2"},
                "FinalHyperParameterTuningJobObjectiveMetric": {
                    "MetricName": metric,
                    "Value": value,
                },
            }
        return answer

    def log_streams(self) -> Iterable[tuple[str, str, Attempt]]:
        """(log group, stream name, attempt) of every job that writes logs."""
        for key, job, attempt in self.jobs():
            group = LOG_GROUPS.get(key)
            if group is None:
                continue
            host = "i-0123456789abcdef0" if key == "TransformJob" else "algo-1-1700000000"
            yield group, f"{job}/{host}", attempt

    def log_events(self, attempt: Attempt, t: float) -> list[dict[str, Any]]:
        """CloudWatch events (``timestamp`` in ms, ``message``) written by ``t``."""
        return [
            {"timestamp": int(self._wall(when).timestamp() * 1000), "message": line}
            for when, line in attempt.log_lines(t)
        ]
