"""moto 5.2.5, plus what it lacks for watching pipelines, on a simulated clock.

moto serves CreatePipeline, StartPipelineExecution, S3 and CloudWatch Logs for real, but every
execution is "Succeeded" at once and ListPipelineExecutionSteps, StopPipelineExecution and
RetryPipelineExecution do not exist. ``SageMakerFake.install`` adds them inside moto (so they
work with ``mock_aws`` and with an in-process ``ThreadedMotoServer``), driven by the
package's ``ScriptedExecution`` model on a clock:

- every execution started in moto plays a script (given with ``script_next_execution``, or
  derived from the pipeline definition): its status, steps, the Describe*Job answers of the
  jobs behind the steps and CloudWatch log lines, all as functions of the clock;
- Stop and Retry are commands on the script;
- ``fail(op, code)`` makes moto answer the next requests of ``op`` with an error (through
  botocore's real parsing and retry layer, without running the operation);
- ``outage(start, end)`` makes every request in that clock window fail with
  ``EndpointConnectionError`` before it reaches moto (a dropped network);
- ``SelectiveExecutionConfig`` on StartPipelineExecution (moto ignores it): checked as
  SageMaker documents it (the source is an execution of the same pipeline that Succeeded or
  Failed; 1-50 selected steps, each in the definition), returned by
  DescribePipelineExecution; the execution plays only the selected steps, and
  ListPipelineExecutionSteps lists the others as Succeeded with ``SelectiveExecutionResult``
  (as the SageMaker SDK's integration tests expect of a selective execution).

Every answer the fake makes up is checked against botocore's output shape *and enums*
(moto's serializer drops unknown keys and passes bad enum values through silently).

Relies on moto internals (SageMakerResponse, SageMakerModelBackend, BaseResponse.call_action,
logs_backends): verified against moto 5.2.5 and botocore 1.44.8.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import botocore.handlers
import botocore.session
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.validate import ParamValidator
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.logs.models import logs_backends
from moto.sagemaker import models as sm_models
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import get_pipeline_execution_from_arn

from devtools.execution import ConflictError, ScriptedExecution
from devtools.scripted import ScriptedStep, sequential_steps
from runners.sagemaker.clock import Clock

ACCOUNT = "123456789012"
REGION = "us-east-1"
_SM_MODEL = botocore.session.get_session().get_service_model("sagemaker")


# --------------------------------------------------------------------------- shape checks


def _enum_errors(shape: Any, value: Any, path: str = "") -> list[str]:
    errors: list[str] = []
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                errors += _enum_errors(shape.members[key], item, f"{path}.{key}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            errors += _enum_errors(shape.member, item, f"{path}[{i}]")
    elif shape.type_name == "string" and getattr(shape, "enum", None) and value not in shape.enum:
        errors.append(f"{path.lstrip('.')}={value!r} is not one of {shape.enum}")
    return errors


def check_output(operation: str, response: dict[str, Any]) -> dict[str, Any]:
    """``response`` if it is a valid SageMaker ``operation`` output; else ``AssertionError``."""
    shape = _SM_MODEL.operation_model(operation).output_shape
    report = ParamValidator().validate(response, shape)
    errors = [report.generate_report()] if report.has_errors() else []
    errors += _enum_errors(shape, response)
    unknown = set(response) - set(shape.members)
    if unknown:
        errors.append(f"unknown keys {sorted(unknown)}")
    assert not errors, f"fake {operation} answer is not valid: {'; '.join(errors)}"
    return response


class InjectedError(ServiceException):
    """Defined outside moto so moto serializes it against the called service's error model."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


# --------------------------------------------------------------------------- the fake


@dataclass
class _Run:
    script: ScriptedExecution
    started: float


@dataclass
class SageMakerFake:
    clock: Clock
    account: str = ACCOUNT
    region: str = REGION
    stop_delay: float = 15.0
    runs: dict[str, _Run] = field(default_factory=dict)
    pending: dict[str, list[list[ScriptedStep]]] = field(default_factory=dict)
    faults: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    outages: list[tuple[float, float]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    selective: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Execution ARN → the SelectiveExecutionConfig it was started with."""
    _pushed: dict[tuple[str, str], int] = field(default_factory=dict)
    _next_selective: dict[str, Any] | None = None

    # ----------------------------------------------------------------- scripting

    def script_next_execution(self, pipeline_name: str, steps: list[ScriptedStep]) -> None:
        """The next StartPipelineExecution of ``pipeline_name`` plays ``steps``."""
        self.pending.setdefault(pipeline_name, []).append(steps)

    def fail(
        self, operation: str, code: str, message: str = "injected by the fake", times: int = 1
    ) -> None:
        """The next ``times`` requests of ``operation`` (e.g. "DescribePipelineExecution",
        "GetLogEvents", "CreatePipeline") fail with ``code`` inside moto."""
        self.faults.setdefault(operation, []).extend([(code, message)] * times)

    def outage(self, start: float, end: float) -> None:
        """Every request made while ``start <= clock < end`` fails: no network."""
        self.outages.append((start, end))

    def script(self, arn: str) -> ScriptedExecution:
        return self.runs[arn].script

    def elapsed(self, arn: str) -> float:
        return self.clock.monotonic() - self.runs[arn].started

    # ----------------------------------------------------------------- moto state

    @property
    def _backend(self) -> SageMakerModelBackend:
        return sm_models.sagemaker_backends[self.account][self.region]

    def _on_start(self, pipeline_name: str, arn: str) -> None:
        queued = self.pending.get(pipeline_name)
        selective, self._next_selective = self._next_selective, None
        if selective is not None:
            self.selective[arn] = selective
        if queued:
            steps = queued.pop(0)
        else:  # no script given: run the definition's steps one after another
            definition = self._backend.pipelines[pipeline_name].pipeline_definition
            specs = _definition_steps(definition)
            if selective is not None:
                chosen = {s["StepName"] for s in selective["SelectedSteps"]}
                specs = [(name, kind) for name, kind in _all_steps(definition) if name in chosen]
            steps = sequential_steps(specs)
        self.runs[arn] = _Run(
            ScriptedExecution(
                steps,
                pipeline_name=pipeline_name,
                execution_id=arn.rsplit("/", 1)[-1],
                region=self.region,
                account=self.account,
                stop_delay=self.stop_delay,
                # CloudWatch (and moto) refuse events older than 14 days: real wall time.
                started=dt.datetime.now(dt.UTC),
            ),
            self.clock.monotonic(),
        )
        self.sync()

    def sync(self) -> None:
        """Bring moto's execution statuses and log streams up to the clock."""
        now = self.clock.monotonic()
        for arn, run in self.runs.items():
            t = now - run.started
            try:
                execution = get_pipeline_execution_from_arn(self._backend.pipelines, arn)
            except ValidationError:
                continue  # moto was reset
            status, reason = run.script.status_at(t)
            execution.pipeline_execution_status = status
            execution.pipeline_execution_failure_reason = reason
            for group, stream, attempt in run.script.log_streams():
                events = run.script.log_events(attempt, t)
                pushed = self._pushed.get((group, stream), 0)
                if len(events) > pushed:
                    self._put_logs(group, stream, events[pushed:])
                    self._pushed[(group, stream)] = len(events)

    def _put_logs(self, group: str, stream: str, events: list[dict[str, Any]]) -> None:
        logs = logs_backends[self.account][self.region]
        if group not in logs.groups:
            logs.create_log_group(group, {})
        if stream not in logs.groups[group].streams:
            logs.create_log_stream(group, stream)
        for start in range(0, len(events), 10_000):
            logs.put_log_events(group, stream, events[start : start + 10_000])

    def _now(self, arn: str) -> float:
        return self.clock.monotonic() - self.runs[arn].started

    # ----------------------------------------------------------------- install

    def check_selective(self, pipeline_name: str, config: dict[str, Any]) -> None:
        """Refuse a SelectiveExecutionConfig as SageMaker documents it would be refused."""
        source = config.get("SourcePipelineExecutionArn") or ""
        selected = [s.get("StepName") for s in config.get("SelectedSteps") or []]
        if not 1 <= len(selected) <= 50:
            raise InjectedError(
                "ValidationException", "SelectedSteps must hold between 1 and 50 steps"
            )
        definition = self._backend.pipelines[pipeline_name].pipeline_definition
        known = {name for name, _ in _all_steps(definition)}
        unknown = [name for name in selected if name not in known]
        if unknown:
            raise InjectedError(
                "ValidationException", f"Steps {unknown} are not in pipeline {pipeline_name}"
            )
        if source:
            if f":pipeline/{pipeline_name}/execution/" not in source:
                raise InjectedError(
                    "ValidationException",
                    f"Source execution {source} is not an execution of pipeline {pipeline_name}",
                )
            execution = get_pipeline_execution_from_arn(self._backend.pipelines, source)
            status = execution.pipeline_execution_status
            if source in self.runs:
                status, _ = self.script(source).status_at(self._now(source))
            if status not in ("Succeeded", "Failed"):
                raise InjectedError(
                    "ValidationException",
                    f"Source execution {source} is {status}; it must be Succeeded or Failed",
                )

    def install(self, monkeypatch: pytest.MonkeyPatch) -> SageMakerFake:
        fake = self
        original_start = SageMakerModelBackend.start_pipeline_execution
        original_call = BaseResponse.call_action

        def start_pipeline_execution(backend: Any, pipeline_name: str, *a: Any, **kw: Any) -> Any:
            result = original_start(backend, pipeline_name, *a, **kw)
            fake._on_start(pipeline_name, result["PipelineExecutionArn"])
            return result

        def call_action(response: BaseResponse) -> Any:
            action = response._get_action()
            fake.requests.append(action)
            queued = fake.faults.get(action)
            if queued:
                code, message = queued.pop(0)
                with warnings.catch_warnings():  # moto warns about unmodeled codes
                    warnings.simplefilter("ignore")
                    return response.serialized(ActionResult(InjectedError(code, message)))
            fake.sync()
            return original_call(response)

        def before_send(request: Any, **kwargs: Any) -> None:
            now = fake.clock.monotonic()
            if any(start <= now < end for start, end in fake.outages):
                raise EndpointConnectionError(endpoint_url=request.url)

        monkeypatch.setattr(
            SageMakerModelBackend, "start_pipeline_execution", start_pipeline_execution
        )
        monkeypatch.setattr(BaseResponse, "call_action", call_action)
        # First in line, before moto's own before-send handler: moto never sees the request.
        monkeypatch.setattr(
            botocore.handlers,
            "BUILTIN_HANDLERS",
            [("before-send", before_send), *botocore.handlers.BUILTIN_HANDLERS],
        )
        for name, method in _response_methods(fake).items():
            monkeypatch.setattr(SageMakerResponse, name, method, raising=False)
        return self


def _definition_steps(definition: str) -> list[tuple[str, str]]:
    import json

    try:
        steps = json.loads(definition).get("Steps", [])
    except (TypeError, ValueError):
        return []
    return [(s["Name"], s.get("Type", "Processing")) for s in steps]


def _all_steps(definition: str) -> list[tuple[str, str]]:
    """Every step of a definition, those in a Condition's branches included."""
    from runners.sagemaker.definition import parse_definition

    return [(step.name, step.kind) for step in parse_definition(definition)]


def _response_methods(fake: SageMakerFake) -> dict[str, Callable[[SageMakerResponse], Any]]:
    """SageMakerResponse methods: the missing operations, and scripted answers for jobs."""

    def list_pipeline_execution_steps(self: SageMakerResponse) -> ActionResult:
        arn = self._get_param("PipelineExecutionArn")
        get_pipeline_execution_from_arn(self.sagemaker_backend.pipelines, arn)  # unknown: 400
        steps = fake.script(arn).steps_at(fake._now(arn)) if arn in fake.runs else []
        selective = fake.selective.get(arn)
        if selective is not None and arn in fake.runs:  # the steps not selected: reused
            definition = self.sagemaker_backend.pipelines[arn.split("/")[-3]].pipeline_definition
            chosen = {s["StepName"] for s in selective["SelectedSteps"]}
            started = fake.script(arn).started
            for name, _ in reversed(_all_steps(definition)):
                if name not in chosen:
                    steps.append(
                        {
                            "StepName": name,
                            "StepStatus": "Succeeded",
                            "StartTime": started,
                            "EndTime": started,
                            "AttemptCount": 1,
                            "SelectiveExecutionResult": {
                                "SourcePipelineExecutionArn": selective[
                                    "SourcePipelineExecutionArn"
                                ]
                            },
                        }
                    )
        if (self._get_param("SortOrder") or "Descending") == "Ascending":
            steps.reverse()
        max_results = int(self._get_param("MaxResults") or 100)
        if not 1 <= max_results <= 100:
            raise ValidationError(
                f"Value '{max_results}' at 'maxResults' failed to satisfy constraint: Member "
                "must have value between 1 and 100"
            )
        start = int(self._get_param("NextToken") or 0)
        answer: dict[str, Any] = {"PipelineExecutionSteps": steps[start : start + max_results]}
        if start + max_results < len(steps):
            answer["NextToken"] = str(start + max_results)
        return ActionResult(check_output("ListPipelineExecutionSteps", answer))

    def _command(self: SageMakerResponse, command: str) -> ActionResult:
        arn = self._get_param("PipelineExecutionArn")
        get_pipeline_execution_from_arn(self.sagemaker_backend.pipelines, arn)
        try:
            getattr(fake.script(arn), command)(fake._now(arn))
        except ConflictError as err:
            raise InjectedError("ConflictException", str(err)) from err
        fake.sync()
        return ActionResult({"PipelineExecutionArn": arn})

    def stop_pipeline_execution(self: SageMakerResponse) -> ActionResult:
        return _command(self, "stop")

    def retry_pipeline_execution(self: SageMakerResponse) -> ActionResult:
        return _command(self, "retry")

    def describe_pipeline_execution(self: SageMakerResponse) -> ActionResult:
        arn = self._get_param("PipelineExecutionArn")
        answer = self.sagemaker_backend.describe_pipeline_execution(arn)
        if arn in fake.runs:
            script, t = fake.script(arn), fake._now(arn)
            status, reason = script.status_at(t)
            answer["PipelineExecutionStatus"] = status
            answer["FailureReason"] = reason or ""
            answer["CreationTime"] = script.started
            answer["LastModifiedTime"] = script.started + dt.timedelta(
                seconds=min(t, script.finished_at())
            )
        if arn in fake.selective:
            answer["SelectiveExecutionConfig"] = fake.selective[arn]
        return ActionResult(answer)

    original_start = SageMakerResponse.start_pipeline_execution

    def start_pipeline_execution(self: SageMakerResponse) -> Any:
        config = self._get_param("SelectiveExecutionConfig")
        if config:
            fake.check_selective(self._get_param("PipelineName"), config)
        fake._next_selective = config or None
        try:
            return original_start(self)
        finally:
            fake._next_selective = None

    def job_method(operation: str, key: str, param: str) -> Callable[[SageMakerResponse], Any]:
        original = getattr(SageMakerResponse, _snake(operation))

        def describe(self: SageMakerResponse) -> Any:
            name = self._get_param(param)
            for arn, run in fake.runs.items():
                answer = run.script.describe_job(key, name, fake._now(arn))
                if answer is not None:
                    return ActionResult(check_output(operation, answer))
            return original(self)

        return describe

    def list_training_jobs_for_hyper_parameter_tuning_job(self: SageMakerResponse) -> Any:
        name = self._get_param("HyperParameterTuningJobName")
        for arn, run in fake.runs.items():
            trials = run.script.tuning_trials(name, fake._now(arn))
            if trials is not None:
                return ActionResult(
                    check_output(
                        "ListTrainingJobsForHyperParameterTuningJob",
                        {"TrainingJobSummaries": trials},
                    )
                )
        raise InjectedError("ResourceNotFound", f"Amazon SageMaker can't find {name}")

    return {
        "list_training_jobs_for_hyper_parameter_tuning_job": (
            list_training_jobs_for_hyper_parameter_tuning_job
        ),
        "list_pipeline_execution_steps": list_pipeline_execution_steps,
        "stop_pipeline_execution": stop_pipeline_execution,
        "retry_pipeline_execution": retry_pipeline_execution,
        "describe_pipeline_execution": describe_pipeline_execution,
        "start_pipeline_execution": start_pipeline_execution,
        "describe_training_job": job_method(
            "DescribeTrainingJob", "TrainingJob", "TrainingJobName"
        ),
        "describe_processing_job": job_method(
            "DescribeProcessingJob", "ProcessingJob", "ProcessingJobName"
        ),
        "describe_transform_job": job_method(
            "DescribeTransformJob", "TransformJob", "TransformJobName"
        ),
        "describe_hyper_parameter_tuning_job": job_method(
            "DescribeHyperParameterTuningJob", "TuningJob", "HyperParameterTuningJobName"
        ),
    }


def _snake(operation: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
