"""Tail the CloudWatch logs of a step's job and turn each line into a ``LogEvent``.

SageMaker writes a job's logs to ``/aws/sagemaker/{TrainingJobs,ProcessingJobs,TransformJobs}``
in streams named ``<job-name>/<host>...`` (one or more per instance). The tailer finds the
streams by that prefix and reads each with ``GetLogEvents(startFromHead=True)`` and the
forward token: when the same token comes back, the stream has no more lines for now.

Only the steps it is asked to follow are tailed (the selected step in the TUI, every running
step headless). Each target is polled on its own adaptive interval: soon after it yielded
lines, less often while it is quiet. A finished job is read to its end once, then dropped.
Memory stays flat however long the logs: lines are emitted as they are read and only the
last ``buffer_lines`` of each step are kept (for a view that selects a step later).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final

from ..base import Emit
from ..events import LogEvent
from .aws import AwsCaller, AwsError
from .clock import Clock, RequestBudget, SystemClock

log = logging.getLogger(__name__)

LOG_GROUPS: Final = {
    "TrainingJob": "/aws/sagemaker/TrainingJobs",
    "ProcessingJob": "/aws/sagemaker/ProcessingJobs",
    "TransformJob": "/aws/sagemaker/TransformJobs",
    "TuningJob": "/aws/sagemaker/TrainingJobs",
}
"""Metadata key of a pipeline step's job → the log group its job writes to (a tuning job's
trials are training jobs)."""


def stream_prefix(key: str, job: str) -> str:
    """The start of the names of ``job``'s log streams: ``<job>/<host>``, and for a tuning
    job its trials' streams, ``<job>-<trial>-<id>/<host>``."""
    return f"{job}-" if key == "TuningJob" else f"{job}/"


@lru_cache(maxsize=256)
def _iso_seconds(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_ms(timestamp_ms: int | None) -> str:
    """An event's CloudWatch timestamp (ms) as the events' ISO form, to the second."""
    if timestamp_ms is None:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _iso_seconds(timestamp_ms // 1000)


@dataclass
class _Stream:
    name: str
    token: str | None = None
    at_end: bool = False


@dataclass
class _Target:
    step: str
    group: str
    job: str
    running: bool
    prefix: str = ""
    """Stream names start with this (``stream_prefix``)."""
    trials: bool = False
    """A tuning job: streams come with each trial, so look for new ones every read."""
    streams: dict[str, _Stream] = field(default_factory=dict)
    next_due: float = 0.0
    interval: float = 0.0
    last_scan: float | None = None


class _OutOfBudget(Exception):
    """No spare request budget this round: the rest waits for the next poll."""


class LogTailer:
    """Follows the log streams of some steps' jobs; call ``poll`` from the polling loop."""

    def __init__(
        self,
        aws: AwsCaller,
        emit: Emit,
        *,
        clock: Clock | None = None,
        budget: RequestBudget | None = None,
        buffer_lines: int = 1000,
        page_limit: int | None = None,
        max_pages_per_poll: int = 3,
        max_requests_per_poll: int | None = 6,
        active_interval: float = 5.0,
        max_interval: float = 30.0,
        rescan_interval: float = 300.0,
        reserve: float = 0.0,
        requests_per_second: float | None = None,
        on_denied: Callable[[AwsError], None] | None = None,
    ) -> None:
        self._aws = aws
        self._emit = emit
        self._clock = clock or SystemClock()
        self._budget = budget
        self._buffer_lines = buffer_lines
        self._page_limit = page_limit
        self._max_pages = max_pages_per_poll
        self._max_requests = max_requests_per_poll
        self._active_interval = active_interval
        self._max_interval = max_interval
        self._rescan_interval = rescan_interval
        self._reserve = reserve
        self._rate = requests_per_second
        self._forced = False
        self._on_denied = on_denied
        self._targets: dict[str, _Target] = {}
        self._recent: dict[str, deque[str]] = {}
        self._paused: dict[str, _Target] = {}
        self._done: set[tuple[str, str]] = set()
        self.disabled = False
        self.lines_emitted = 0
        self._requests_this_poll = 0
        self._until: float | None = None

    # ----------------------------------------------------------------- what to follow

    def follow(
        self, step: str, group: str, job: str, *, running: bool = True, key: str = ""
    ) -> None:
        """Tail ``job``'s streams in ``group`` for ``step``; a finished job is read to its end.
        ``key``: the job's metadata key (``TuningJob`` follows its trials' streams).

        Following a step again after ``pause`` resumes where it stopped; a job already read
        to its end is not read again.
        """
        if (step, job) in self._done:
            return
        target = self._targets.get(step)
        if target is None or target.job != job:
            paused = self._paused.pop(step, None)
            if paused is not None and paused.job == job:
                target = paused
                target.next_due = self._clock.monotonic()
            else:
                target = _Target(
                    step,
                    group,
                    job,
                    running,
                    interval=self._active_interval,
                    prefix=stream_prefix(key, job),
                    trials=key == "TuningJob",
                )
            self._targets[step] = target
        if target.running and not running:
            self.finish(step)

    def finish(self, step: str) -> None:
        """The step's job ended: read its streams to the end, then drop it."""
        target = self._targets.get(step)
        if target is not None and target.running:
            target.running = False
            if not target.streams:
                target.last_scan = None  # maybe the job wrote its first lines at the very end
            target.next_due = self._clock.monotonic()
            for stream in target.streams.values():
                stream.at_end = False

    def poke(self, step: str) -> None:
        """Something happened to ``step`` (it started executing, say): read it soon again."""
        target = self._targets.get(step)
        if target is not None:
            target.interval = self._active_interval
            target.next_due = min(target.next_due, self._clock.monotonic())

    def pause(self, step: str) -> None:
        """Stop reading ``step`` for now, keeping its place in each stream."""
        target = self._targets.pop(step, None)
        if target is not None:
            self._paused[step] = target

    @property
    def following(self) -> frozenset[str]:
        return frozenset(self._targets)

    def recent(self, step: str) -> list[str]:
        """The last lines read for ``step`` (at most ``buffer_lines``)."""
        return list(self._recent.get(step, ()))

    # ----------------------------------------------------------------- reading

    def poll(self, *, force: bool = False, ahead: float = 0.0) -> int:
        """Read whatever is due (``force``: everything); returns how many lines were emitted.

        ``ahead``: also read what falls due within that many seconds (the time to the next
        call), so a target is never left waiting a whole poll interval for a few seconds.

        At most ``max_requests_per_poll`` requests go out per call unless forced, the most
        overdue targets first, so logs never crowd out the status polls.
        """
        if self.disabled:
            return 0
        emitted = 0
        self._requests_this_poll = 0
        self._forced = force
        now = self._clock.monotonic()
        due = sorted(
            (t for t in self._targets.values() if force or t.next_due <= now + ahead),
            key=lambda t: t.next_due,
        )
        for target in due:
            if (
                not force
                and self._max_requests is not None
                and self._requests_this_poll >= self._max_requests
            ):
                break
            try:
                lines, more = self._read_target(target)
            except _OutOfBudget:
                break
            except AwsError as err:
                if err.kind != "access-denied":
                    raise
                self.disabled = True
                self._targets.clear()
                if self._on_denied is not None:
                    self._on_denied(err)
                return emitted
            emitted += lines
            if not target.running and not more and all(s.at_end for s in target.streams.values()):
                del self._targets[target.step]  # a finished job, read to its end
                self._done.add((target.step, target.job))
                continue
            if more:
                target.interval = 0.0
            elif lines:
                target.interval = self._active_interval
            else:
                target.interval = min(
                    self._max_interval, max(self._active_interval, target.interval * 2)
                )
            wait = target.interval
            if not more and self._rate:  # many streams share the tailer's part of the budget
                wait = max(wait, len(self._targets) / self._rate)
            target.next_due = self._clock.monotonic() + wait
        return emitted

    def drain(self, max_rounds: int = 10_000, *, until: float | None = None) -> int:
        """Read every followed step's streams to their end (at the end of an execution).

        ``until``: a clock time after which no further request goes out (the execution's
        final event must not wait on slow or throttled log reads); what is left stays in
        ``following``.
        """
        for target in self._targets.values():
            if target.running:
                self.finish(target.step)
        emitted = 0
        self._until = until
        try:
            for _ in range(max_rounds):
                if not self._targets or self.disabled or self._past_deadline():
                    break
                emitted += self.poll(force=True)
        finally:
            self._until = None
        return emitted

    def _past_deadline(self) -> bool:
        return self._until is not None and self._clock.monotonic() >= self._until

    def _call(self, operation: str, **params: object) -> dict:
        if self._past_deadline():
            raise _OutOfBudget
        if self._budget is not None:
            if self._forced and self._until is None:
                self._budget.take()
            elif self._forced:  # a wait for a token may not pass the deadline
                if not self._budget.try_take() and not self._wait_for_token():
                    raise _OutOfBudget
            elif not self._budget.try_take(self._reserve):
                raise _OutOfBudget

        self._requests_this_poll += 1
        return self._aws.call("logs", operation, **params)

    def _wait_for_token(self) -> bool:
        """Wait (on the clock, not past the deadline) for a token of the log budget."""
        assert self._budget is not None and self._until is not None
        while self._clock.monotonic() < self._until:
            self._clock.sleep(min(1.0 / self._budget.rate, self._until - self._clock.monotonic()))
            if self._budget.try_take():
                return True
        return False

    def _scan(self, target: _Target) -> None:
        params: dict[str, object] = {
            "logGroupName": target.group,
            "logStreamNamePrefix": target.prefix or f"{target.job}/",
        }
        while True:
            try:
                page = self._call("describe_log_streams", **params)
            except AwsError as err:
                if err.kind == "not-found":  # the group appears with the first log line
                    break
                raise
            for item in page.get("logStreams", []):
                name = item["logStreamName"]
                if name not in target.streams:
                    target.streams[name] = _Stream(name)
            token = page.get("nextToken")
            if not token or token == params.get("nextToken"):
                break
            params["nextToken"] = token
        target.last_scan = self._clock.monotonic()

    def _read_target(self, target: _Target) -> tuple[int, bool]:
        """Returns (lines emitted, whether pages are left over for the next poll)."""
        now = self._clock.monotonic()
        if (
            target.last_scan is None
            or not target.streams
            or (target.running and now - target.last_scan >= self._rescan_interval)
            or target.trials
        ):
            self._scan(target)
        emitted = 0
        more = False
        for stream in target.streams.values():
            if stream.at_end and not target.running:
                continue
            count, stream_more = self._read_stream(target, stream)
            emitted += count
            more = more or stream_more
        return emitted, more

    def _read_stream(self, target: _Target, stream: _Stream) -> tuple[int, bool]:
        emitted = 0
        buffer = self._recent.setdefault(target.step, deque(maxlen=self._buffer_lines))
        for _ in range(self._max_pages):
            params: dict[str, object] = {
                "logGroupName": target.group,
                "logStreamName": stream.name,
                "startFromHead": True,
            }
            if stream.token is not None:
                params["nextToken"] = stream.token
            if self._page_limit is not None:
                params["limit"] = self._page_limit
            try:
                page = self._call("get_log_events", **params)
            except AwsError as err:
                if err.kind == "not-found":
                    stream.at_end = True
                    return emitted, False
                raise
            events = page.get("events", [])
            for event in events:
                time = _iso_ms(event.get("timestamp"))
                for line in event.get("message", "").splitlines() or [""]:
                    self._emit(LogEvent(step=target.step, line=line, time=time))
                    buffer.append(line)
                    emitted += 1
            token = page.get("nextForwardToken")
            got_events = bool(events)
            del page, events  # one page in memory at a time, however long the log
            same = token is None or token == stream.token
            stream.token = token or stream.token
            if same or not got_events:
                stream.at_end = True
                break
            stream.at_end = False
        else:
            self.lines_emitted += emitted
            return emitted, True  # page budget used up; more may be waiting
        self.lines_emitted += emitted
        return emitted, False
