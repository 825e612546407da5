"""The polite poller: follows one pipeline execution and reports it as ``RunEvent``s.

Each poll asks ``DescribePipelineExecution`` and ``ListPipelineExecutionSteps`` (all pages),
then describes the job behind a step (training, processing, transform, tuning) only when that
step changed or is still running, and at most every ``job_min_interval`` while it runs. What it
learns becomes events: the execution's status, each step's status with its failure reason,
cache hit and attempt count, the job's secondary-status transitions (as log lines, the way the
SageMaker SDK prints them), its final metrics, and the CloudWatch log lines of the steps
being tailed.

Politeness:
- the interval between polls is short while things change and grows while nothing does;
- every request goes through a ``RequestBudget`` (1 request/s on average by default);
- ``ThrottlingException`` (after botocore's own retries) backs off exponentially;
- a dropped connection says "reconnecting" and resumes when the network returns;
- an expired session says so, re-reads credentials and keeps trying, keeping the screen.

All waiting goes through an injected ``Clock``, so tests and the benchmark run on simulated
time. A ``Notice`` reports what is not a run event (reconnecting, throttled, stop sent).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ..base import Emit
from ..events import (
    TERMINAL_EXECUTION_STATUSES,
    ExecutionEvent,
    LogEvent,
    MetricEvent,
    StepEvent,
)
from .aws import AwsCaller, AwsError
from .clock import Clock, RequestBudget, SystemClock
from .definition import DefinedStep, parse_definition
from .logs import LOG_GROUPS, LogTailer

log = logging.getLogger(__name__)

ENGINE_NAME: Final = "sagemaker"
RUNNING_STEP_STATUSES: Final = frozenset({"Starting", "Executing", "Stopping"})

# Metadata key of a PipelineExecutionStep → the step's definition Type, used when the
# definition cannot be read.
_METADATA_KIND: Final = {
    "TrainingJob": "Training",
    "ProcessingJob": "Processing",
    "TransformJob": "Transform",
    "TuningJob": "Tuning",
    "Model": "Model",
    "RegisterModel": "RegisterModel",
    "Condition": "Condition",
    "Fail": "Fail",
    "Callback": "Callback",
    "Lambda": "Lambda",
    "EMR": "EMR",
    "EMRServerless": "EMRServerless",
    "QualityCheck": "QualityCheck",
    "ClarifyCheck": "ClarifyCheck",
    "AutoMLJob": "AutoML",
    "Endpoint": "Endpoint",
    "EndpointConfig": "EndpointConfig",
    "Athena": "Athena",
    "ForEach": "ForEach",
}


@dataclass(frozen=True, slots=True)
class _JobApi:
    """How to describe one kind of job and read its answer."""

    label: str
    operation: str
    name_param: str
    name_field: str
    status_field: str


_JOB_APIS: Final = {
    "TrainingJob": _JobApi(
        "training", "describe_training_job", "TrainingJobName", "TrainingJobName",
        "TrainingJobStatus",
    ),
    "ProcessingJob": _JobApi(
        "processing", "describe_processing_job", "ProcessingJobName", "ProcessingJobName",
        "ProcessingJobStatus",
    ),
    "TransformJob": _JobApi(
        "transform", "describe_transform_job", "TransformJobName", "TransformJobName",
        "TransformJobStatus",
    ),
    "TuningJob": _JobApi(
        "tuning", "describe_hyper_parameter_tuning_job", "HyperParameterTuningJobName",
        "HyperParameterTuningJobName", "HyperParameterTuningJobStatus",
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell the person watching that is not a run event.

    ``code`` is one of: ``reconnecting``, ``reconnected``, ``throttled``, ``session-expired``,
    ``stop-sent``, ``permission``, ``uploading``, ``info``.
    """

    code: str
    message: str
    level: Literal["info", "warning", "error"] = "info"

    def to_dict(self) -> dict[str, str]:
        return {"type": "notice", "code": self.code, "level": self.level, "message": self.message}


NoticeHandler = Callable[[Notice], None]


def log_notice(notice: Notice) -> None:
    """The default notice handler: the ``sm_wizard`` logger (stderr, never stdout)."""
    level = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
    log.log(level[notice.level], "%s", notice.message)


@dataclass(frozen=True)
class PollSettings:
    """Knobs of the polite poller. The defaults keep a 20-step pipeline under 0.5 req/s, list views included."""

    min_interval: float = 2.0
    """Seconds between polls right after something changed."""
    max_interval: float = 15.0
    """Longest pause between polls while nothing changes."""
    growth: float = 1.5
    """Each quiet poll multiplies the pause by this much."""
    job_min_interval: float = 10.0
    """A running job whose step did not change is described at most this often..."""
    job_max_interval: float = 60.0
    """...and less often while it reports nothing new, down to this."""
    job_describes_per_second: float = 0.1
    """Share of the budget for describing unchanged running jobs, split between them."""
    log_requests_per_second: float = 0.2
    """Share of the budget for the log tailer, split between the streams it follows."""
    max_requests_per_second: float = 0.45
    burst: float = 10.0
    """Requests that may go out at once after a quiet spell (the end of a fan-out)."""
    reserve: float = 4.0
    """Optional requests (logs, unchanged running jobs) leave this many tokens for status."""
    backoff_base: float = 4.0
    backoff_max: float = 120.0
    reconnect_max: float = 60.0
    expired_retry: float = 30.0
    give_up_after: float | None = 1800.0
    """Give up (raise) after this long of continuous failure; ``None`` keeps trying forever."""
    page_size: int = 100


@dataclass
class _Job:
    key: str  # Metadata key: TrainingJob, ProcessingJob, ...
    name: str
    status: str | None = None
    secondary: str | None = None
    reason: str | None = None
    transitions_seen: int = 0
    counters: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    described_at: float | None = None
    interval: float = 0.0
    final_seen: bool = False
    trials_seen: set[str] = field(default_factory=set)
    best: float | None = None
    curve_last: dict[str, Any] = field(default_factory=dict)

    @property
    def api(self) -> _JobApi:
        return _JOB_APIS[self.key]


@dataclass(frozen=True, slots=True)
class _JobNews:
    changed: bool
    lines: list[str]
    metrics: list[tuple[str, float]]


@dataclass
class _Step:
    name: str
    kind: str
    ran_while_watched: bool = False
    status: str | None = None
    attempt: int | None = None
    cache_hit: bool | None = None
    reason: str | None = None
    job: _Job | None = None
    reported: tuple[Any, ...] | None = None


def _execution_status(raw: str, reason: str | None) -> tuple[str, str | None]:
    """SageMaker's execution status in the event vocabulary (CompletedWithFailures → Failed)."""
    if raw == "CompletedWithFailures":
        return "Failed", reason or "Completed with failures: some steps failed."
    return raw, reason or None


def _job_of(metadata: dict[str, Any]) -> tuple[str, str] | None:
    """(Metadata key, job name) of the job behind a step, if it has one we can describe."""
    for key in _JOB_APIS:
        arn = (metadata.get(key) or {}).get("Arn")
        if arn:
            return key, arn.split("/", 1)[-1]
    for check in ("QualityCheck", "ClarifyCheck"):  # check steps run a processing job
        arn = (metadata.get(check) or {}).get("CheckJobArn")
        if arn:
            return "ProcessingJob", arn.split("/", 1)[-1]
    return None


class Poller:
    """Follows one execution. ``follow`` blocks until it ends (or ``detach`` is set)."""

    def __init__(
        self,
        aws: AwsCaller,
        execution_arn: str,
        emit: Emit,
        *,
        clock: Clock | None = None,
        settings: PollSettings | None = None,
        budget: RequestBudget | None = None,
        on_notice: NoticeHandler | None = None,
        tail_logs: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        self.aws = aws
        self.arn = execution_arn
        self._emit = emit
        self.clock = clock or SystemClock()
        self.settings = settings or PollSettings()
        self.budget = budget or RequestBudget(
            self.clock, self.settings.max_requests_per_second, self.settings.burst
        )
        self._notice = on_notice or log_notice
        self._rng = rng or random.Random()
        self.tailer = LogTailer(
            aws,
            emit,
            clock=self.clock,
            budget=self.budget,
            reserve=self.settings.reserve,
            requests_per_second=self.settings.log_requests_per_second,
            on_denied=lambda err: self._notice(
                Notice("permission", f"Logs hidden: {err.message}", "warning")
            ),
        )
        self.tail_logs = tail_logs
        self._selection: frozenset[str] | None = None
        self._selection_changed = threading.Event()
        self._steps: dict[str, _Step] = {}
        self._kinds: dict[str, str] | None = None
        self.definition: list[DefinedStep] = []
        """Every step of the execution's definition (empty until read, or if unreadable)."""
        self._placeholders: dict[str, str] = {}  # step → "Pending" / "Skipped" reported
        self._logs_resume_at = 0.0
        self._logs_backoff = 0.0
        self._denied_ops: set[str] = set()
        self._running_jobs = 0
        self.status: str | None = None
        self.reason: str | None = None
        self._reported_execution: tuple[str, str | None] | None = None
        self._contacted = False
        self.polls = 0

    # ----------------------------------------------------------------- public API

    def select_logs(self, steps: Collection[str] | None) -> None:
        """Tail only these steps' logs (the TUI's selected step); ``None``: every running step."""
        self._selection = None if steps is None else frozenset(steps)
        self._selection_changed.set()

    def follow(
        self,
        stop: threading.Event | None = None,
        detach: threading.Event | None = None,
    ) -> str:
        """Poll until the execution is terminal (returns its status) or ``detach`` is set.

        Setting ``stop`` sends ``StopPipelineExecution`` once and follows it to Stopped.
        """
        s = self.settings
        interval = s.min_interval
        stop_tried = stop_sent = False
        failing_since: float | None = None
        failure_kind: str | None = None
        backoff = s.backoff_base
        reconnect = s.min_interval

        def wake() -> bool:
            """Cut a sleep short: detached, Stop just pressed, or another step selected."""
            return bool(
                (detach is not None and detach.is_set())
                or (stop is not None and stop.is_set() and not stop_tried)
                or self._selection_changed.is_set()
            )

        while True:
            if detach is not None and detach.is_set():
                return self.status or "Executing"
            if stop is not None and stop.is_set() and not stop_sent:
                stop_tried = True  # a failed attempt is retried each round, without waking
                stop_sent = self._send_stop()
                interval = s.min_interval
            self._selection_changed.clear()
            try:
                changed = self.poll_once()
            except AwsError as err:
                now = self.clock.monotonic()
                failing_since = now if failing_since is None else failing_since
                delay = self._failure_delay(err, failure_kind, backoff, reconnect)
                if err.kind == "throttled":
                    backoff = min(backoff * 2, s.backoff_max)
                elif err.kind == "connection":
                    reconnect = min(reconnect * 2, s.reconnect_max)
                failure_kind = err.kind
                if s.give_up_after is not None and now - failing_since >= s.give_up_after:
                    raise
                self.clock.sleep(delay, wake)
                continue
            if failure_kind is not None:
                self._notice(Notice("reconnected", "Connected again; watching resumes.", "info"))
            failing_since, failure_kind = None, None
            backoff, reconnect = s.backoff_base, s.min_interval
            if self.status in TERMINAL_EXECUTION_STATUSES:
                return self.status
            interval = s.min_interval if changed else min(interval * s.growth, s.max_interval)
            self.clock.sleep(interval, wake)

    def _failure_delay(
        self, err: AwsError, previous: str | None, backoff: float, reconnect: float
    ) -> float:
        """Decide how long to wait after a failed poll, telling the person once per outage.

        Raises ``err`` again when waiting cannot help.
        """
        first_time = previous != err.kind
        if err.kind == "throttled":
            if first_time:
                self._notice(Notice("throttled", "AWS is throttling; polling slower.", "warning"))
            return backoff * self._rng.uniform(0.8, 1.2)
        if not self._contacted:
            raise err  # the very first contact failed: say why now rather than wait
        if err.kind == "connection":
            if first_time:
                self._notice(
                    Notice(
                        "reconnecting",
                        f"Connection lost; reconnecting… ({err.message}) The execution keeps "
                        "running in AWS.",
                        "warning",
                    )
                )
            return reconnect
        if err.kind in ("expired", "credentials"):
            if first_time:
                self._notice(
                    Notice(
                        "session-expired",
                        f"{err.message} Watching pauses and retries every "
                        f"{self.settings.expired_retry:.0f} s; the execution keeps running.",
                        "error",
                    )
                )
            self.aws.refresh()
            return self.settings.expired_retry
        raise err

    def _send_stop(self) -> bool:
        if self.status in TERMINAL_EXECUTION_STATUSES:
            return True
        try:
            self._call("sagemaker", "stop_pipeline_execution", PipelineExecutionArn=self.arn)
        except AwsError as err:
            if err.kind == "conflict":  # already stopping or finished
                return True
            if err.retryable or err.kind == "expired":
                return False  # try again on the next round
            self._notice(Notice("stop-sent", f"Could not stop: {err.message}", "error"))
            return True
        self._notice(Notice("stop-sent", "Stop requested; waiting for SageMaker to stop.", "info"))
        return True

    # ----------------------------------------------------------------- one poll

    def _call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        self.budget.take()
        return self.aws.call(service, operation, **params)

    def _now_iso(self) -> str:
        return self.clock.wall().strftime("%Y-%m-%dT%H:%M:%SZ")

    def poll_once(self) -> bool:
        """One round of requests; emits what changed and returns whether anything did."""
        desc = self._call("sagemaker", "describe_pipeline_execution", PipelineExecutionArn=self.arn)
        self._contacted = True
        self.polls += 1
        status, reason = _execution_status(
            desc.get("PipelineExecutionStatus", "Executing"), desc.get("FailureReason")
        )
        if self._kinds is None:
            self._kinds = self._load_kinds()
        raw_steps = sorted(self._list_steps(), key=lambda s: str(s.get("StartTime") or ""))

        terminal = status in TERMINAL_EXECUTION_STATUSES
        execution_changed = (status, reason) != self._reported_execution
        self.status, self.reason = status, reason
        if execution_changed and not terminal:
            self._report_execution()

        changed = execution_changed
        self._running_jobs = sum(
            1
            for raw in raw_steps
            if raw.get("StepStatus") in RUNNING_STEP_STATUSES and _job_of(raw.get("Metadata") or {})
        )
        for raw in raw_steps:
            changed = self._update_step(raw) or changed
        changed = self._report_unstarted(raw_steps, status) or changed
        # log lines never delay status: a failed log read backs the tailer off, not the poll
        self._tail_safely(terminal)
        if execution_changed and terminal:
            self._report_execution()  # the last event of a run: after every step and log line
        return changed

    def _report_execution(self) -> None:
        assert self.status is not None
        self._reported_execution = (self.status, self.reason)
        reason = self.reason if self.status != "Succeeded" else None
        if self.status == "Failed":
            reason = self._failure_summary(reason)
        self._emit(
            ExecutionEvent(
                status=self.status,  # type: ignore[arg-type]
                engine=ENGINE_NAME,
                id=self.arn,
                reason=reason,
                time=self._now_iso(),
            )
        )

    def _failure_summary(self, reason: str | None) -> str | None:
        """Name the failed steps when SageMaker only says "Step failure: ..."."""
        failed = [s for s in self._steps.values() if s.status == "Failed"]
        if not failed or (reason and not reason.startswith("Step failure")):
            return reason
        parts = []
        for step in failed:
            why = step.reason or (step.job.reason if step.job else None)
            parts.append(f"{step.name} failed" + (f": {why}" if why else ""))
        return "; ".join(parts)

    def _load_kinds(self) -> dict[str, str]:
        try:
            answer = self._call(
                "sagemaker",
                "describe_pipeline_definition_for_execution",
                PipelineExecutionArn=self.arn,
            )
        except AwsError as err:
            if err.retryable:
                raise
            return {}  # fall back to the step metadata
        self.definition = parse_definition(answer.get("PipelineDefinition"))
        return {step.name: step.kind for step in self.definition}

    def _report_unstarted(self, raw_steps: list[dict[str, Any]], status: str) -> bool:
        """Steps of the definition SageMaker has not started: ``Pending`` once, and
        ``Skipped`` once it is clear they will not run (a branch not taken, or a succeeded
        execution that never ran them)."""
        if not self.definition:
            return False
        started = {raw.get("StepName") for raw in raw_steps}
        not_taken: set[tuple[str, str]] = set()
        for raw in raw_steps:
            outcome = ((raw.get("Metadata") or {}).get("Condition") or {}).get("Outcome")
            if outcome in ("True", "False") and raw.get("StepStatus") == "Succeeded":
                not_taken.add((str(raw.get("StepName")), "else" if outcome == "True" else "if"))
        skipped_names: set[str] = set()
        for step in self.definition:  # in definition order: a branch's children come later
            # on the branch not taken, or after a step that will not run: it will not run
            if (step.condition, step.branch) in not_taken or any(
                dep in skipped_names for dep in step.depends_on
            ):
                skipped_names.add(step.name)
        changed = False
        for step in self.definition:
            if step.name in started:
                continue
            skipped = step.name in skipped_names or status == "Succeeded"
            word = "Skipped" if skipped else "Pending"
            if self._placeholders.get(step.name) == word or (
                word == "Pending" and step.name in self._placeholders
            ):
                continue
            self._placeholders[step.name] = word
            changed = True
            self._emit(
                StepEvent(
                    step=step.name,
                    kind=step.kind,
                    status=word,  # type: ignore[arg-type]
                    reason="branch not taken" if skipped else None,
                    time=self._now_iso(),
                )
            )
        return changed

    def _list_steps(self) -> list[dict[str, Any]]:
        """Every ``PipelineExecutionSteps`` item, all pages."""
        params: dict[str, Any] = {
            "PipelineExecutionArn": self.arn,
            "MaxResults": self.settings.page_size,
            "SortOrder": "Ascending",
        }
        steps: list[dict[str, Any]] = []
        while True:
            page = self._call("sagemaker", "list_pipeline_execution_steps", **params)
            steps.extend(page.get("PipelineExecutionSteps", []))
            token = page.get("NextToken")
            if not token or token == params.get("NextToken"):
                return steps
            params["NextToken"] = token

    def _update_step(self, raw: dict[str, Any]) -> bool:
        name = raw.get("StepName") or "?"
        metadata = raw.get("Metadata") or {}
        step = self._steps.get(name)
        if step is None:
            step = self._steps[name] = _Step(name, (self._kinds or {}).get(name, "Step"))
            step.ran_while_watched = self.polls > 1
        if step.kind == "Step":
            step.kind = next((v for k, v in _METADATA_KIND.items() if k in metadata), "Step")

        previous_status = step.status
        step.status = raw.get("StepStatus") or step.status
        step.attempt = raw.get("AttemptCount", step.attempt)
        step.cache_hit = True if raw.get("CacheHitResult") else None
        step.reason = raw.get("FailureReason") or (metadata.get("Fail") or {}).get("ErrorMessage")
        running = step.status in RUNNING_STEP_STATUSES
        step.ran_while_watched = step.ran_while_watched or running
        job_ref = _job_of(metadata)
        if job_ref is not None and (
            step.job is None or step.job.name.lower() != job_ref[1].lower()
        ):
            step.job = _Job(*job_ref)  # a first job, or a new one for a retried step

        status_changed = step.status != previous_status
        if status_changed:
            self.tailer.poke(step.name)
        news: _JobNews | None = None
        job = step.job
        if job is not None and job.api.operation not in self._denied_ops:
            every = max(job.interval, self._running_jobs / self.settings.job_describes_per_second)
            due = job.described_at is None or self.clock.monotonic() - job.described_at >= every
            ended_unread = not running and not job.final_seen
            if (status_changed or ended_unread) and self._worth_describing(step, job):
                news = self._describe_job(step, job)
            elif running and due and self.budget.try_take(self.settings.reserve):
                news = self._describe_job(step, job, paid=True)

        reason = step.reason or (job.reason if job is not None else None)
        if step.status == "Succeeded":
            reason = None
        state = (step.status, step.attempt, step.cache_hit, reason, job.name if job else None)
        step_changed = state != step.reported
        now = self._now_iso()
        if step_changed and step.status is not None:
            step.reported = state
            self._emit(
                StepEvent(
                    step=step.name,
                    kind=step.kind,
                    status=step.status,  # type: ignore[arg-type]
                    reason=reason,
                    cache_hit=step.cache_hit,
                    attempt=step.attempt,
                    job=job.name if job else None,
                    time=now,
                )
            )
        if news is None:
            return step_changed
        for line in news.lines:
            self._emit(LogEvent(step=step.name, line=line, time=now))
        for metric, value in news.metrics:
            self._emit(MetricEvent(step=step.name, name=metric, value=value, time=now))
        return step_changed or news.changed

    # ----------------------------------------------------------------- jobs

    @staticmethod
    def _worth_describing(step: _Step, job: _Job) -> bool:
        """Whether a step that changed (or ended) needs its job described.

        A starting or running job: yes (its real name, for the logs, and its progress). An
        ended one only for what the step list lacks: final metrics (training, tuning) or why
        it failed or stopped. A processing job that succeeded has nothing more to say.
        """
        if step.status in RUNNING_STEP_STATUSES:
            return True
        if job.final_seen:
            return False
        if step.status in ("Failed", "Stopped"):
            return True
        if job.key in ("TrainingJob", "TuningJob"):
            return True
        job.final_seen = True
        return False

    def _describe_job(self, step: _Step, job: _Job, *, paid: bool = False) -> _JobNews | None:
        """Describe the job; returns what is new about it (``None`` if it cannot be read).

        ``paid``: the request's budget token was already taken.
        """
        api = job.api
        try:
            params = {api.name_param: job.name}
            if paid:
                answer = self.aws.call("sagemaker", api.operation, **params)
            else:
                answer = self._call("sagemaker", api.operation, **params)
        except AwsError as err:
            if err.kind == "access-denied":
                self._denied_ops.add(api.operation)
                self._notice(Notice("permission", f"Job details hidden: {err.message}", "warning"))
                return None
            if err.kind == "not-found":  # not visible yet; try again next time
                return None
            raise
        job.described_at = self.clock.monotonic()
        job.name = answer.get(api.name_field) or job.name  # the real case of the name
        before = (job.status, job.secondary, job.reason, job.counters)
        job.status = answer.get(api.status_field)
        job.secondary = answer.get("SecondaryStatus")
        job.reason = answer.get("FailureReason") or answer.get("ExitMessage") or None
        if step.status not in RUNNING_STEP_STATUSES:
            job.final_seen = True
        lines = list(self._job_lines(job, answer))
        metrics = [
            (name, value)
            for name, value in self._job_metrics(answer)
            if job.metrics.get(name) != value
        ]
        job.metrics.update(metrics)
        if job.key == "TuningJob":
            trial_lines, trial_metrics = self._tuning_trials(job, answer)
            lines += trial_lines
            metrics += trial_metrics
        elif job.key == "TrainingJob":
            metrics += self._training_curves(job, answer)
        changed = before != (job.status, job.secondary, job.reason, job.counters)
        changed = changed or bool(lines) or bool(metrics)
        s = self.settings
        job.interval = s.job_min_interval if changed else min(s.job_max_interval, job.interval * 2)
        return _JobNews(changed, lines, metrics)

    def _job_lines(self, job: _Job, answer: dict[str, Any]) -> Iterable[str]:
        """Secondary-status transitions and tuning progress, as the SDK prints them."""
        label = job.api.label
        transitions = answer.get("SecondaryStatusTransitions") or []
        for item in transitions[job.transitions_seen :]:
            message = item.get("StatusMessage")
            yield f"[{label} job] {item.get('Status')}" + (f" - {message}" if message else "")
        job.transitions_seen = max(job.transitions_seen, len(transitions))
        counters = answer.get("TrainingJobStatusCounters")
        if counters is not None:
            failed = counters.get("RetryableError", 0) + counters.get("NonRetryableError", 0)
            text = (
                f"{counters.get('Completed', 0)} completed, "
                f"{counters.get('InProgress', 0)} in progress, {failed} failed, "
                f"{counters.get('Stopped', 0)} stopped"
            )
            if text != job.counters:
                job.counters = text
                yield f"[{label} job] training jobs: {text}"

    def _optional_call(self, service: str, operation: str, **params: Any) -> dict[str, Any] | None:
        """A request for extra detail (curves, trials): only with budget to spare, and never
        an error: ``None`` when it cannot be made or answered."""
        if operation in self._denied_ops or not self.budget.try_take(self.settings.reserve):
            return None
        try:
            return self.aws.call(service, operation, **params)
        except AwsError as err:
            if err.kind == "access-denied":
                self._denied_ops.add(operation)
                self._notice(Notice("permission", f"Some metrics hidden: {err.message}", "warning"))
            return None

    def _tuning_trials(
        self, job: _Job, answer: dict[str, Any]
    ) -> tuple[list[str], list[tuple[str, float]]]:
        """The tuning job's finished trials (``ListTrainingJobsForHyperParameterTuningJob``):
        each trial's objective and the best so far, as metric points and log lines."""
        config = answer.get("HyperParameterTuningJobConfig") or {}
        objective = config.get("HyperParameterTuningJobObjective") or {}
        name = objective.get("MetricName") or "objective"
        maximize = objective.get("Type", "Maximize") != "Minimize"
        page = self._optional_call(
            "sagemaker",
            "list_training_jobs_for_hyper_parameter_tuning_job",
            HyperParameterTuningJobName=job.name,
            SortBy="CreationTime",
            SortOrder="Ascending",
            MaxResults=100,
        )
        lines: list[str] = []
        metrics: list[tuple[str, float]] = []
        for trial in (page or {}).get("TrainingJobSummaries", []):
            final = trial.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
            trial_name = trial.get("TrainingJobName", "?")
            if "Value" not in final or trial_name in job.trials_seen:
                continue
            job.trials_seen.add(trial_name)
            value = float(final["Value"])
            better = job.best is None or (value > job.best if maximize else value < job.best)
            job.best = value if better else job.best
            assert job.best is not None
            metrics += [(f"{name} · trial", value), (f"{name} · best so far", job.best)]
            lines.append(
                f"[tuning job] trial {len(job.trials_seen)} {trial_name}: {name} = {value:g}"
                f" (best so far {job.best:g})"
            )
        return lines, metrics

    def _training_curves(self, job: _Job, answer: dict[str, Any]) -> list[tuple[str, float]]:
        """The training job's metrics over time: the CloudWatch metrics SageMaker publishes
        to ``/aws/sagemaker/TrainingJobs`` from the job's metric definitions."""
        from datetime import UTC, datetime, timedelta

        definitions = (answer.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or []
        names = [d["Name"] for d in definitions if isinstance(d, dict) and d.get("Name")][:10]
        start = answer.get("TrainingStartTime") or answer.get("CreationTime")
        if not names or not isinstance(start, datetime):
            return []
        end = answer.get("TrainingEndTime")
        if isinstance(end, datetime):
            end += timedelta(minutes=5)
        else:  # running: up to a while ahead (CloudWatch accepts a future end)
            end = max(datetime.now(UTC), start) + timedelta(hours=1)
        queries = [
            {
                "Id": f"m{i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "/aws/sagemaker/TrainingJobs",
                        "MetricName": metric,
                        "Dimensions": [{"Name": "Host", "Value": f"{job.name}/algo-1"}],
                    },
                    "Period": 60,
                    "Stat": "Average",
                },
                "ReturnData": True,
            }
            for i, metric in enumerate(names)
        ]
        data = self._optional_call(
            "cloudwatch",
            "get_metric_data",
            MetricDataQueries=queries,
            StartTime=start - timedelta(minutes=1),
            EndTime=end,
            ScanBy="TimestampAscending",
        )
        points: list[tuple[str, float]] = []
        for result in (data or {}).get("MetricDataResults", []):
            try:
                metric = names[int(str(result.get("Id", ""))[1:])]
            except (ValueError, IndexError):
                continue
            last = job.curve_last.get(metric)
            for stamp, value in sorted(
                zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
            ):
                if last is None or stamp > last:
                    points.append((metric, float(value)))
                    last = stamp
            job.curve_last[metric] = last
        return points

    @staticmethod
    def _job_metrics(answer: dict[str, Any]) -> Iterable[tuple[str, float]]:
        for item in answer.get("FinalMetricDataList") or []:
            if "MetricName" in item and "Value" in item:
                yield item["MetricName"], float(item["Value"])
        best = (answer.get("BestTrainingJob") or {}).get(
            "FinalHyperParameterTuningJobObjectiveMetric"
        )
        if best and "MetricName" in best and "Value" in best:
            yield best["MetricName"], float(best["Value"])

    # ----------------------------------------------------------------- logs

    def _tail_safely(self, terminal: bool) -> None:
        """Tail logs, but never let a log read hold up step status or the final event.

        Throttled, dropped or expired log reads pause the tailer alone, with its own
        back-off; at the end of an execution the last lines get a few more tries, then the
        final event goes out regardless (with a notice saying what could not be read).
        """
        s = self.settings
        attempts = 4 if terminal else 1
        for attempt in range(attempts):
            now = self.clock.monotonic()
            if not terminal and now < self._logs_resume_at:
                return
            try:
                self._tail(terminal)
            except AwsError as err:
                if not (err.retryable or err.kind in ("expired", "credentials")):
                    self.tailer.disabled = True
                    self._notice(Notice("permission", f"Logs stop here: {err.message}", "warning"))
                    return
                first = self._logs_backoff == 0.0
                self._logs_backoff = min(max(self._logs_backoff * 2, s.backoff_base), s.backoff_max)
                self._logs_resume_at = now + self._logs_backoff
                if first:
                    self._notice(
                        Notice(
                            "throttled" if err.kind == "throttled" else "reconnecting",
                            "Log reads are failing for now "
                            f"({err.title.lower()}); step status keeps coming and the "
                            "logs catch up when they can.",
                            "warning",
                        )
                    )
                if attempt + 1 < attempts:
                    self.clock.sleep(self._logs_backoff * self._rng.uniform(0.8, 1.2))
                    continue
                if terminal:
                    self._notice(
                        Notice(
                            "info",
                            "The execution ended before all its log lines could be read; "
                            "they stay in CloudWatch Logs.",
                            "warning",
                        )
                    )
                return
            else:
                if self._logs_backoff:
                    self._logs_backoff = 0.0
                    self._notice(Notice("reconnected", "Log reads work again.", "info"))
                return

    def _tail(self, terminal: bool) -> None:
        """Keep the tailer following the right steps, then let it read what is due.

        With no selection (headless) every step that ran while we watched is tailed; steps
        already finished when we attached are not (select them to read their logs).
        """
        if not self.tail_logs:
            return
        selection = self._selection
        for step in self._steps.values():
            job = step.job
            group = LOG_GROUPS.get(job.key) if job else None
            if job is None or group is None or job.described_at is None:
                continue
            running = step.status in RUNNING_STEP_STATUSES and not terminal
            wanted = step.ran_while_watched if selection is None else step.name in selection
            if wanted:
                self.tailer.follow(step.name, group, job.name, running=running)
            elif step.name in self.tailer.following:
                self.tailer.pause(step.name)
        if terminal:
            self.tailer.drain()
        else:
            self.tailer.poll()
