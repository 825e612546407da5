"""A scripted SageMaker pipeline execution played over time, for tests, the benchmark and demos.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from runners.sagemaker.logs import LOG_GROUPS

from .job_answers import JobSite, job_answer, tuning_summaries
from .scripted import Attempt, ScriptedStep

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
        document: dict[str, Any] | None = None,
        parameters: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.steps = list(steps)
        self.document = document
        """The definition JSON's document, when the script plays a given pipeline."""
        self.parameters = tuple(parameters)
        """What ``ListPipelineParametersForExecution`` says: (name, value) pairs."""
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
        """The pipeline definition JSON: the given document, else one whose steps match the
        script (each on its own, no edges)."""
        if self.document is not None:
            return json.dumps(self.document)
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

    @property
    def site(self) -> JobSite:
        """What the job answers name besides the attempt (read now: the fields may change)."""
        return JobSite(self.region, self.account, self.pipeline_name, self.started, self.stop_delay)

    def tuning_trials(self, name: str, t: float) -> list[dict[str, Any]] | None:
        """``ListTrainingJobsForHyperParameterTuningJob``'s summaries at ``t`` (``None``: not
        ours)."""
        attempt = self._find_job("TuningJob", name, t)
        return None if attempt is None else tuning_summaries(self.site, attempt, t)

    def describe_job(self, key: str, name: str, t: float) -> dict[str, Any] | None:
        """The ``Describe*Job`` answer for a scripted job at ``t`` (``None``: not ours)."""
        attempt = self._find_job(key, name, t)
        return None if attempt is None else job_answer(self.site, key, name, attempt, t)

    def log_streams(self) -> Iterable[tuple[str, str, Attempt]]:
        """(log group, stream name, attempt) of every job that writes logs."""
        for key, job, attempt in self.jobs():
            group = LOG_GROUPS.get(key)
            if group is None:
                continue
            host = "i-0123456789abcdef0" if key == "TransformJob" else "algo-1-1700000000"
            # a tuning job's lines: its first trial's (a training job named after it)
            name = f"{job}-001" if key == "TuningJob" else job
            yield group, f"{name}/{host}", attempt

    def log_events(self, attempt: Attempt, t: float) -> list[dict[str, Any]]:
        """CloudWatch events (``timestamp`` in ms, ``message``) written by ``t``."""
        return [
            {"timestamp": int(self._wall(when).timestamp() * 1000), "message": line}
            for when, line in attempt.log_lines(t)
        ]
