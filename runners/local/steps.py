"""One step's execution as the engine and the handlers share it.

``StepState`` is what the engine records about a step (``steps/<Step>/step.json``);
``StepRun`` is what a handler (``handlers.py``, ``model_steps.py``) is given to log, report
metrics, and run jobs; ``StepFailed`` and ``StepStopped`` are how a handler ends a step
other than by returning.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.plan.dag import PlanStep

from ..events import TERMINAL_STEP_STATUSES, LogEvent, MetricEvent
from .jobs import JobResult

if TYPE_CHECKING:
    from .engine import LocalEngine


class StepFailed(Exception):
    """The step failed; ``reason`` says why, in words for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StepStopped(Exception):
    """The step was stopped (the execution's stop event was set)."""


@dataclass
class StepState:
    """What the engine knows about one step in this run (``steps/<Step>/step.json``)."""

    name: str
    kind: str
    status: str = "Pending"
    """Pending, Skipped, or one of SageMaker's step statuses."""
    attempt: int = 0
    cache_hit: bool = False
    cache_key: str | None = None
    cached_from: str | None = None
    reason: str | None = None
    job: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    output_digests: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    outcome: bool | None = None
    """A Condition step's result: True runs the ``if`` branch."""
    details: dict[str, Any] = field(default_factory=dict)
    pids: list[int] = field(default_factory=list)
    """Process ids of the jobs it started (to end them if the engine died meanwhile)."""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepState:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at or time.time()) - self.started_at


def job_name(pipeline: str, step: str, run_id: str, suffix: str = "") -> str:
    """A SageMaker-style job name (at most 63 characters, letters, digits and hyphens)."""
    base = re.sub(r"[^A-Za-z0-9-]+", "-", f"{step}-{run_id}{suffix}")
    prefix = re.sub(r"[^A-Za-z0-9-]+", "-", pipeline)[: max(0, 62 - len(base))]
    return f"{prefix}-{base}".strip("-")[:63] if prefix else base[:63]


class StepRun:
    """One step's execution: what handlers use to log, report and run jobs."""

    def __init__(self, engine: LocalEngine, step: PlanStep, state: StepState) -> None:
        self.engine = engine
        self.step = step
        self.state = state
        self.layout = engine.layout
        self.dir = engine.layout.step_dir(step.name)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._log_lock = threading.Lock()
        self._log_file = engine.layout.step_log(step.name).open("a", encoding="utf-8")
        self._executing = False
        self._stopping = False

    # reporting

    def log(self, line: str) -> None:
        with self._log_lock:
            self._log_file.write(line + "\n")
            self._log_file.flush()
        self.engine._emit(LogEvent(self.step.name, line))

    def metric(self, name: str, value: float) -> None:
        with self.engine._lock:
            self.state.metrics[name] = value
        self.engine._emit(MetricEvent(self.step.name, name, value))

    def executing(self, job: str | None = None) -> None:
        """Emit Executing (once per attempt)."""
        with self.engine._lock:
            if self._executing:
                return
            self._executing = True
            self.state.status = "Executing"
            self.state.job = job
        self.engine._write_step_json(self.state)
        self.engine._emit_step(self.step, "Executing")

    def stopping(self) -> None:
        """Emit Stopping (once)."""
        with self.engine._lock:
            if self._stopping or self.state.status in TERMINAL_STEP_STATUSES:
                return
            self._stopping = True
            self.state.status = "Stopping"
        self.engine._emit_step(self.step, "Stopping")

    def _started(self, pid: int, job: str) -> None:
        with self.engine._lock:
            self.state.pids.append(pid)
        self.executing(job)
        self.engine._write_step_json(self.state)

    def _on_job_stopping(self) -> None:
        # A job also stops when its step cancels it (a tuning trial stopped early); the
        # step itself is Stopping only when the execution is.
        if self.engine._stop.is_set():
            self.stopping()

    def check_stop(self) -> None:
        if self.engine._stop.is_set():
            raise StepStopped

    def close(self) -> None:
        with self._log_lock:
            self._log_file.close()

    # paths

    def output_dir(self, name: str) -> Path:
        return self.layout.output_dir(self.step, name)

    def input_source(self, name: str) -> Path:
        return self.engine.input_source(self.step.input(name))

    def job_name(self, suffix: str = "") -> str:
        return job_name(self.engine.plan.pipeline_name, self.step.name, self.engine.run_id, suffix)

    # jobs

    def run_job(
        self,
        command: list[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        prefix: str = "",
        on_line: Any = None,
        cancel: threading.Event | None = None,
        job: str | None = None,
    ) -> JobResult:
        """Run one job; every line is logged (with ``prefix``) and passed to ``on_line``."""
        compute = self.step.compute
        max_runtime = float(compute.max_runtime_seconds) if compute else None

        def line(stream: str, text: str) -> None:
            self.log(prefix + text)
            if on_line is not None:
                on_line(text)

        assert self.engine._jobs is not None
        return self.engine._jobs.run(
            command,
            env={**os.environ, **env},
            cwd=cwd,
            on_line=line,
            on_start=lambda pid: self._started(pid, job or self.job_name()),
            on_stopping=self._on_job_stopping,
            cancel=cancel,
            max_runtime=max_runtime,
            watch_log=str(self.layout.step_log(self.step.name)),
        )

    def check_job(self, result: JobResult, what: str, failure_file: Path | None = None) -> None:
        """Raise StepStopped/StepFailed unless the job succeeded."""
        if result.stopped:
            raise StepStopped
        if result.ok:
            return
        raise StepFailed(failure_reason(result, what, failure_file, self.step.compute))


def failure_reason(
    result: JobResult, what: str, failure_file: Path | None = None, compute: Any = None
) -> str:
    """A failed job's reason: its failure file, or the last lines of its stderr."""
    if result.timed_out:
        limit = compute.max_runtime_seconds if compute else "?"
        return f"MaxRuntimeExceeded: {what} ran longer than max_runtime_seconds ({limit} s)"
    detail = ""
    if failure_file is not None and failure_file.is_file():
        detail = failure_file.read_text(errors="replace").strip()[:2000]
    if not detail:
        detail = "\n".join(result.stderr_tail)
    head = f"{what} exited with code {result.returncode}"
    return f"{head}:\n{detail}" if detail else head
