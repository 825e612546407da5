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
- every request goes through a ``RequestBudget`` (SageMaker's and, apart, CloudWatch Logs');
- ``ThrottlingException`` (after botocore's own retries) backs off exponentially;
- a dropped connection says "reconnecting" and resumes when the network returns;
- an expired session says so, re-reads credentials and keeps trying soon, keeping the screen;
- the end is reported at most ``max_interval`` + ``final_logs_within`` seconds late.

All waiting goes through an injected ``Clock``, so tests and the benchmark run on simulated
time. A ``Notice`` reports what is not a run event (reconnecting, throttled, stop sent).

This module holds the poll loop and the per-step bookkeeping; the job behind a step is read by
``jobs.JobReader``, the steps not started yet are reported by ``unstarted.UnstartedSteps``,
the knobs are ``poll_settings.PollSettings`` and notices live in ``notices``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from ..base import Emit
from ..events import TERMINAL_EXECUTION_STATUSES, ExecutionEvent, LogEvent, MetricEvent, StepEvent
from .aws import AwsCaller, AwsError
from .clock import Clock, RequestBudget, SystemClock
from .console import StepResource, console_url, resource_of
from .definition import DefinedStep, kind_from_metadata, parse_definition
from .jobs import RUNNING_STEP_STATUSES, JobNews, JobReader, TrackedJob, job_of, worth_describing
from .log_reads import LogReads
from .logs import LogTailer
from .notices import Notice, NoticeHandler, log_notice
from .parameters import Parameters, read_parameters
from .poll_settings import PollSettings
from .unstarted import UnstartedSteps

ENGINE_NAME: Final = "sagemaker"


@dataclass
class _Step:
    """What the poller knows of one step (``log_reads.StepView`` reads it)."""

    name: str
    kind: str
    ran_while_watched: bool = False
    status: str | None = None
    attempt: int | None = None
    cache_hit: bool | None = None
    reason: str | None = None
    job: TrackedJob | None = None
    resource: tuple[str, str] | None = None
    """(Metadata key, ARN) of what the step ran (``console.resource_of``)."""
    reported: tuple[Any, ...] | None = None


def _iso(moment: Any) -> str:
    """A datetime from boto3 as the events' UTC time text; ``""`` for anything else."""
    if not isinstance(moment, datetime):
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _execution_status(raw: str, reason: str | None) -> tuple[str, str | None]:
    """SageMaker's execution status in the event vocabulary (CompletedWithFailures → Failed)."""
    if raw == "CompletedWithFailures":
        return "Failed", reason or "Completed with failures: some steps failed."
    return raw, reason or None


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
        # CloudWatch Logs throttles apart: in SageMaker's budget, status polls starved log reads
        self.log_budget = RequestBudget(
            self.clock, self.settings.log_requests_per_second, self.settings.log_burst
        )
        self.tailer = LogTailer(
            aws,
            emit,
            clock=self.clock,
            budget=self.log_budget,
            requests_per_second=self.settings.log_requests_per_second,
            on_denied=lambda err: self._notice(
                Notice("permission", f"Logs hidden: {err.message}", "warning")
            ),
        )
        self.jobs = JobReader(
            aws,
            clock=self.clock,
            budget=self.budget,
            settings=self.settings,
            on_notice=self._notice,
        )
        self.tail_logs = tail_logs
        self.log_reads = LogReads(self.tailer, self.settings, self.clock, self._notice, self._rng)
        self._selection: frozenset[str] | None = None
        self._selection_changed = threading.Event()
        self._steps: dict[str, _Step] = {}
        self._kinds: dict[str, str] | None = None
        self.definition: list[DefinedStep] = []
        """Every step of the execution's definition (empty until read, or if unreadable)."""
        self.parameters: Parameters | None = None
        """The execution's parameters (``None`` until read; empty if it has none or they
        cannot be read)."""
        self._unstarted = UnstartedSteps(emit, self._now_iso)
        self._running_jobs = 0
        self.status: str | None = None
        self.reason: str | None = None
        self.created: Any = None
        """When SageMaker created the execution (``CreationTime``), once described."""
        self.modified: Any = None
        """``LastModifiedTime``: when a finished execution ended."""
        self._reported_execution: tuple[str, str | None] | None = None
        self._contacted = False
        self.polls = 0

    # ----------------------------------------------------------------- public API

    def select_logs(self, steps: Collection[str] | None) -> None:
        """Tail only these steps' logs (the TUI's selected step); ``None``: every running step."""
        self._selection = None if steps is None else frozenset(steps)
        self._selection_changed.set()

    def read_ended(self, steps: Collection[str]) -> None:
        """After the end (``follow`` returned): read these steps' logs to their end."""
        self.log_reads.read_ended(self._steps.values(), steps)

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
                elif err.kind in ("expired", "credentials"):  # refreshed any time: retry soon
                    reconnect = min(reconnect * 2, s.expired_retry)
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
                        f"{err.message} Watching pauses and retries (every "
                        f"{self.settings.expired_retry:.0f} s at most); the execution keeps "
                        "running.",
                        "error",
                    )
                )
            self.aws.refresh()
            return min(reconnect, self.settings.expired_retry)
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
        self.created = desc.get("CreationTime") or self.created
        self.modified = desc.get("LastModifiedTime") or self.modified
        status, reason = _execution_status(
            desc.get("PipelineExecutionStatus", "Executing"), desc.get("FailureReason")
        )
        if self._kinds is None:
            self._kinds = self._load_kinds()
        if self.parameters is None:
            self.parameters = self._load_parameters()
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
            if raw.get("StepStatus") in RUNNING_STEP_STATUSES and job_of(raw.get("Metadata") or {})
        )
        for raw in raw_steps:
            changed = self._update_step(raw) or changed
        changed = self._unstarted.report(self.definition, raw_steps, status) or changed
        # log lines never delay status: a failed log read backs the tailer off, not the poll
        if self.tail_logs:
            self.log_reads.tail_safely(self._steps.values(), self._selection, terminal)
        if execution_changed and terminal:
            self._report_execution()  # the last event of a run: after every step and log line
        return changed

    def _report_execution(self) -> None:
        assert self.status is not None
        first = self._reported_execution is None
        self._reported_execution = (self.status, self.reason)
        if first and self.status in TERMINAL_EXECUTION_STATUSES:
            created, ended = _iso(self.created), self._execution_time()
            if "" < created < ended:  # seen only after it ended: say when it ran first
                self._emit(
                    ExecutionEvent(
                        status="Executing", engine=ENGINE_NAME, id=self.arn, time=created
                    )
                )
        reason = self.reason if self.status != "Succeeded" else None
        if self.status == "Failed":
            reason = self._failure_summary(reason)
        self._emit(
            ExecutionEvent(
                status=self.status,  # type: ignore[arg-type]
                engine=ENGINE_NAME,
                id=self.arn,
                reason=reason,
                time=self._execution_time(),
            )
        )

    def _execution_time(self) -> str:
        """When the reported status began, as SageMaker says it (CreationTime; once finished,
        LastModifiedTime), so an execution watched late shows its real times."""
        terminal = self.status in TERMINAL_EXECUTION_STATUSES
        moment = self.modified if terminal else self.created
        if terminal and (self.created is None or _iso(moment) <= _iso(self.created)):
            moment = None  # not moved since creation: not an end time
        return _iso(moment) or self._now_iso()

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

    def _load_parameters(self) -> Parameters:
        try:
            return read_parameters(self._call, self.arn)
        except AwsError as err:
            if err.retryable:
                raise
            return ()  # not allowed or not there: the screen says none were read

    def step_resource(self, name: str) -> StepResource | None:
        """What step ``name`` ran (its ARN and console page), once the step list named it."""
        step = self._steps.get(name)
        if step is None or step.resource is None:
            return None
        key, arn = step.resource
        job = step.job
        return StepResource(
            name, key, arn, console_url(arn, job.name if job else None), job.reason if job else None
        )

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
            step.kind = kind_from_metadata(metadata)

        previous_status = step.status
        step.status = raw.get("StepStatus") or step.status
        step.attempt = raw.get("AttemptCount", step.attempt)
        step.cache_hit = True if raw.get("CacheHitResult") else None
        reused = (raw.get("SelectiveExecutionResult") or {}).get("SourcePipelineExecutionArn")
        step.reason = raw.get("FailureReason") or (metadata.get("Fail") or {}).get("ErrorMessage")
        running = step.status in RUNNING_STEP_STATUSES
        step.ran_while_watched = step.ran_while_watched or running
        step.resource = resource_of(metadata) or step.resource
        job_ref = job_of(metadata)
        if job_ref is not None and (
            step.job is None or step.job.name.lower() != job_ref[1].lower()
        ):
            step.job = TrackedJob(*job_ref)  # a first job, or a new one for a retried step

        status_changed = step.status != previous_status
        if status_changed:
            self.tailer.poke(step.name)
        news: JobNews | None = None
        job = step.job
        if job is not None and self.jobs.readable(job):
            every = max(job.interval, self._running_jobs / self.settings.job_describes_per_second)
            due = job.described_at is None or self.clock.monotonic() - job.described_at >= every
            ended_unread = not running and not job.final_seen
            if (status_changed or ended_unread) and worth_describing(step.status, job):
                news = self.jobs.describe(job, step.status)
            elif running and due and self.budget.try_take(self.settings.reserve):
                news = self.jobs.describe(job, step.status, paid=True)

        reason = step.reason or (job.reason if job is not None else None)
        if step.status == "Succeeded":
            # a selective execution's step not selected: its result comes from the source
            reason = f"reused from execution {reused.rsplit('/', 1)[-1]}" if reused else None
        state = (step.status, step.attempt, step.cache_hit, reason, job.name if job else None)
        step_changed = state != step.reported
        now = self._now_iso()
        # when the step started or ended, as SageMaker says it (a step seen late keeps its
        # real times); when it is stopping, or the list has no time, the time it was seen
        began = raw.get("StartTime") if step.status in ("Starting", "Executing") else None
        ended = raw.get("EndTime") if step.status in ("Succeeded", "Failed", "Stopped") else None
        if step_changed and step.status is not None:
            started = _iso(raw.get("StartTime"))
            if ended is not None and step.reported is None and "" < started < _iso(ended):
                # first seen already ended: say when it ran, so its time is its own (a cache
                # hit never ran: its start is its end)
                self._emit(
                    StepEvent(
                        step=step.name,
                        kind=step.kind,
                        status="Executing",
                        cache_hit=step.cache_hit,
                        attempt=step.attempt,
                        job=job.name if job else None,
                        time=started,
                    )
                )
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
                    reused_from=reused or None,
                    time=_iso(began or ended) or now,
                )
            )
        if news is None:
            return step_changed
        for line in news.lines:
            self._emit(LogEvent(step=step.name, line=line, time=now))
        for metric, value in news.metrics:
            self._emit(MetricEvent(step=step.name, name=metric, value=value, time=now))
        return step_changed or news.changed
