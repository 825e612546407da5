"""Benchmark of the polite poller and the log tailer, on simulated time.

    python bench/bench_poller.py

1. Requests: a scripted 20-step, 30-minute execution (steps one after another, and all 20 at
   once) is followed by the polite poller, tailing every running step's logs as headless
   ``watch`` does, and by a naive monitor that asks everything every 2 s: the execution,
   the steps, every step's job and every job's log stream. Printed: requests, requests per
   second, the ratio polite/naive, and how late the poller saw each step change.
2. Memory: 1,000,000 log lines stream through the tailer; tracemalloc's peak is compared with
   the peak for 10,000 lines. Bounded buffers keep the ratio near 1.

Everything runs in memory on a ``SimulatedClock`` (``SimulatedAws`` answers from the same
``ScriptedExecution`` model the moto-based tests use), so the numbers are request counts and
ratios measured in the same run, not wall-clock times.
"""

from __future__ import annotations

import sys
import threading
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# devtools/ (the simulation) is not installed: import it from the repository root
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.clock import SimulatedClock
from devtools.execution import ScriptedExecution
from devtools.scripted import ScriptedStep, sequential_steps
from devtools.simulated_aws import SimulatedAws
from runners.events import RunEvent
from runners.sagemaker.clock import RequestBudget
from runners.sagemaker.logs import LOG_GROUPS, LogTailer
from runners.sagemaker.poller import Poller

STEPS = 20
DURATION = 1800.0  # seconds: the scripted execution lasts 30 minutes
NAIVE_INTERVAL = 2.0
LOG_LINES_PER_STEP = 40


def twenty_steps(parallel: bool = False) -> list[ScriptedStep]:
    """20 steps filling 30 minutes: one after another, or all at once (a fan-out)."""
    specs = [(f"Step{i:02d}", "Training" if i % 2 else "Processing") for i in range(STEPS)]
    if parallel:
        return [
            ScriptedStep(
                name,
                kind,
                start=i * 3.0,
                starting=120.0,
                executing=DURATION - 120.0 - i * 3.0,
                logs=tuple(f"{name} line {n}" for n in range(LOG_LINES_PER_STEP)),
            )
            for i, (name, kind) in enumerate(specs)
        ]
    per_step = DURATION / STEPS  # 90 s: 20 starting, 65 executing, 5 between steps
    return sequential_steps(
        specs,
        starting=20.0,
        executing=per_step - 25.0,
        gap=5.0,
        logs_per_step=LOG_LINES_PER_STEP,
    )


@dataclass
class RequestReport:
    requests: int
    seconds: float
    step_events: int
    log_lines: int
    max_lag: float = 0.0
    mean_lag: float = 0.0
    final_lag: float = 0.0
    sagemaker_requests: int = 0
    """Of ``requests``, those to the SageMaker API (its account-wide rate is what a watcher
    must spare; CloudWatch Logs and metrics are throttled separately)."""

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def sagemaker_per_second(self) -> float:
        return self.sagemaker_requests / self.seconds


def _transition_times(script: ScriptedExecution) -> dict[tuple[str, str], float]:
    """When each step really changed status: (step, status) → seconds."""
    times: dict[tuple[str, str], float] = {}
    for _key, _job, attempt in script.jobs():
        name = attempt.step.name
        times[(name, "Starting")] = attempt.start
        times[(name, "Executing")] = attempt.starting_end
        times[(name, "Succeeded")] = attempt.end
    return times


class _WithListViews:
    """The browse views stay open beside the monitor: the executions list refreshes every
    ``every`` seconds through the same request budget as the watched execution."""

    def __init__(self, aws: SimulatedAws, clock: SimulatedClock, budget: RequestBudget) -> None:
        self.aws, self.clock, self.budget = aws, clock, budget
        self.every = 15.0
        self.last = -1e9

    def refresh(self) -> None:
        self.aws.refresh()

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        if self.clock.monotonic() - self.last >= self.every:
            self.last = self.clock.monotonic()
            self.budget.take()
            self.aws.requests["list_pipeline_executions"] += 1
        return self.aws.call(service, operation, **params)


def polite(parallel: bool = False, list_views: bool = True) -> RequestReport:
    clock = SimulatedClock()
    aws = SimulatedAws(clock)
    script = ScriptedExecution(twenty_steps(parallel))
    arn = aws.add(script)
    truth = _transition_times(script)
    lags: list[float] = []
    counts = {"step": 0, "log": 0}

    def emit(event: RunEvent) -> None:
        if event.type == "step" and event.status in ("Pending", "Skipped"):
            return  # the naive monitor has no idea of steps not started: compare like with like
        counts[event.type] = counts.get(event.type, 0) + 1
        if event.type == "step" and (event.step, event.status) in truth:
            lags.append(clock.monotonic() - truth[(event.step, event.status)])

    poller = Poller(aws, arn, emit, clock=clock)
    if list_views:
        poller = Poller(
            _WithListViews(aws, clock, poller.budget), arn, emit, clock=clock, budget=poller.budget
        )
    status = poller.follow(threading.Event())
    assert status == "Succeeded", status
    return RequestReport(
        aws.total_requests,
        clock.monotonic(),
        counts["step"],
        counts["log"],
        max(lags),
        sum(lags) / len(lags),
        clock.monotonic() - script.finished_at(),
        sagemaker_requests=aws.sagemaker_requests,
    )


RUNNING = frozenset({"Starting", "Executing", "Stopping"})


def naive(parallel: bool = False) -> RequestReport:
    """Every 2 s: the execution, all steps, and the job and log streams of each running step
    (a fair baseline: it does not re-read finished steps)."""
    clock = SimulatedClock()
    aws = SimulatedAws(clock)
    arn = aws.add(ScriptedExecution(twenty_steps(parallel)))
    tokens: dict[tuple[str, str], str | None] = {}
    step_events = log_lines = 0
    seen: dict[str, str] = {}
    while True:
        status = aws.call("sagemaker", "describe_pipeline_execution", PipelineExecutionArn=arn)[
            "PipelineExecutionStatus"
        ]
        steps = aws.call(
            "sagemaker", "list_pipeline_execution_steps", PipelineExecutionArn=arn, MaxResults=100
        )["PipelineExecutionSteps"]
        for step in steps:
            if seen.get(step["StepName"]) != step["StepStatus"]:
                seen[step["StepName"]] = step["StepStatus"]
                step_events += 1
            if step["StepStatus"] not in RUNNING:  # only running steps (issue 9 item 5)
                continue
            for key, ref in step["Metadata"].items():
                operation = {
                    "TrainingJob": ("describe_training_job", "TrainingJobName"),
                    "ProcessingJob": ("describe_processing_job", "ProcessingJobName"),
                }.get(key)
                if operation is None:
                    continue
                job = aws.call(
                    "sagemaker", operation[0], **{operation[1]: ref["Arn"].split("/")[-1]}
                )
                name = job.get("TrainingJobName") or job.get("ProcessingJobName")
                group = LOG_GROUPS[key]
                streams = aws.call(
                    "logs",
                    "describe_log_streams",
                    logGroupName=group,
                    logStreamNamePrefix=f"{name}/",
                )["logStreams"]
                for stream in streams:
                    where = (group, stream["logStreamName"])
                    params: dict[str, Any] = {"logGroupName": group, "startFromHead": True}
                    if tokens.get(where):
                        params["nextToken"] = tokens[where]
                    page = aws.call(
                        "logs", "get_log_events", logStreamName=stream["logStreamName"], **params
                    )
                    log_lines += len(page["events"])
                    tokens[where] = page["nextForwardToken"]
        if status in ("Succeeded", "Failed", "Stopped"):
            break
        clock.sleep(NAIVE_INTERVAL)
    return RequestReport(
        aws.total_requests,
        clock.monotonic(),
        step_events,
        log_lines,
        sagemaker_requests=aws.sagemaker_requests,
    )


# --------------------------------------------------------------------------- memory


class _EndlessLog:
    """A logs service whose one stream holds ``lines`` lines, made up page by page."""

    def __init__(self, lines: int, page: int = 10_000) -> None:
        self.lines = lines
        self.page = page

    def refresh(self) -> None:
        pass

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        if operation == "describe_log_streams":
            return {"logStreams": [{"logStreamName": "job/algo-1-1700000000"}]}
        start = int(params.get("nextToken", "f/0")[2:])
        end = min(self.lines, start + self.page)
        events = [
            {
                "timestamp": 1_767_225_600_000 + i,
                "message": f"[{i}]#011train-logloss:0.{i % 1000:03d} some more text",
            }
            for i in range(start, end)
        ]
        return {"events": events, "nextForwardToken": f"f/{end}"}


def tail_peak(lines: int) -> tuple[int, int]:
    """(lines seen, tracemalloc peak in bytes) while ``lines`` lines stream through."""
    clock = SimulatedClock()
    seen = 0

    def emit(event: RunEvent) -> None:
        nonlocal seen
        seen += 1

    tailer = LogTailer(
        _EndlessLog(lines),  # type: ignore[arg-type]
        emit,
        clock=clock,
        budget=RequestBudget(clock, rate=1e9, burst=1e9),
        max_pages_per_poll=10,
    )
    tracemalloc.start()
    try:
        tailer.follow("Train", "/aws/sagemaker/TrainingJobs", "job", running=False)
        tailer.drain()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seen, peak


@dataclass
class MemoryReport:
    small_lines: int
    small_peak: int
    large_lines: int
    large_peak: int

    @property
    def ratio(self) -> float:
        return self.large_peak / self.small_peak


def memory(small: int = 10_000, large: int = 1_000_000) -> MemoryReport:
    small_seen, small_peak = tail_peak(small)
    large_seen, large_peak = tail_peak(large)
    return MemoryReport(small_seen, small_peak, large_seen, large_peak)


# --------------------------------------------------------------------------- report


def report_lines(
    label: str, polite_report: RequestReport, naive_report: RequestReport
) -> Iterator[str]:
    """The printed lines for one shape of pipeline (the test prints them too)."""
    ratio = polite_report.requests / naive_report.requests
    yield f"{label}:"
    yield (
        f"  polite poller (executions list open too): {polite_report.requests:6d} requests over "
        f"{polite_report.seconds:6.0f} s = {polite_report.per_second:.3f} req/s "
        f"({polite_report.step_events} step events, {polite_report.log_lines} log lines); "
        f"SageMaker API {polite_report.sagemaker_per_second:.3f} req/s"
    )
    yield (
        f"  naive 2 s poll: {naive_report.requests:6d} requests over "
        f"{naive_report.seconds:6.0f} s = {naive_report.per_second:.3f} req/s "
        f"({naive_report.step_events} step changes, {naive_report.log_lines} log lines)"
    )
    yield f"  ratio polite/naive: {ratio:.3f}  (naive makes {1 / ratio:.1f}x the requests)"
    yield (
        f"  polite lag behind each step change: mean {polite_report.mean_lag:.1f} s, "
        f"max {polite_report.max_lag:.1f} s; final status after "
        f"{polite_report.final_lag:.1f} s"
    )


def main() -> None:
    for label, parallel in (("20 steps one after another", False), ("20 steps at once", True)):
        for line in report_lines(label, polite(parallel), naive(parallel)):
            print(line)
    report = memory()
    print("log tailer memory (tracemalloc peak):")
    print(f"  {report.small_lines:>9,} lines: {report.small_peak / 1024:8.0f} KiB")
    print(f"  {report.large_lines:>9,} lines: {report.large_peak / 1024:8.0f} KiB")
    print(f"  ratio 1M/10k: {report.ratio:.2f}  (flat: bounded buffers)")


if __name__ == "__main__":
    main()
