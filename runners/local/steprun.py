"""What a step's handler (``handlers.py``, ``model_steps.py``) is given: ``StepRun``.

A handler reads its run through ``run.context`` (``context.RunContext``: the plan, config,
project, parameters, where inputs are) and acts on it only through ``StepRun``'s methods,
which go through ``run.recorder`` (``recorder.RunRecorder``): log a line, report a metric,
say it is executing, run a job and judge its end, check whether the run is stopping.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from wizard.plan.dag import PlanStep

from ..events import TERMINAL_STEP_STATUSES, LogEvent, MetricEvent
from .context import RunContext
from .jobs import JobResult
from .recorder import RunRecorder
from .steps import StepFailed, StepState, StepStopped, failure_reason, job_name


class AnyEvent:
    """Set when any of its events is (what ``JobRunner.run`` polls as ``cancel``)."""

    def __init__(self, *events: threading.Event | None) -> None:
        self.events = [e for e in events if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


class StepRun:
    """One step's execution: what handlers use to log, report and run jobs."""

    def __init__(
        self, context: RunContext, recorder: RunRecorder, step: PlanStep, state: StepState
    ) -> None:
        self.context = context
        self.recorder = recorder
        self.step = step
        self.state = state
        self.layout = context.layout
        self.dir = context.layout.step_dir(step.name)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._log_lock = threading.Lock()
        self._log_file = context.layout.step_log(step.name).open("a", encoding="utf-8")
        self._log_failed = False
        self._executing = False
        self._stopping = False

    # reporting

    def log(self, line: str) -> None:
        """Write ``line`` to the step's log and emit it. A full disk is noted (the step then
        fails with that reason), never raised: this runs in the threads reading a job's
        output, which must keep reading it."""
        failed: OSError | None = None
        with self._log_lock:
            if not self._log_failed:
                try:
                    self._log_file.write(line + "\n")
                    self._log_file.flush()
                except OSError as exc:
                    self._log_failed, failed = True, exc
        if failed is not None:
            self.recorder.write_failed(failed, self.layout.step_log(self.step.name))
        self.recorder.emit(LogEvent(self.step.name, line))

    def metric(self, name: str, value: float) -> None:
        with self.recorder.lock:
            self.state.metrics[name] = value
        self.recorder.emit(MetricEvent(self.step.name, name, value))

    def executing(self, job: str | None = None) -> None:
        """Emit Executing (once per attempt)."""
        with self.recorder.lock:
            if self._executing:
                return
            self._executing = True
            self.state.status = "Executing"
            self.state.job = job
        self.recorder.write_step_json(self.state)
        self.recorder.emit_step(self.step.name, "Executing")

    def stopping(self) -> None:
        """Emit Stopping (once)."""
        with self.recorder.lock:
            if self._stopping or self.state.status in TERMINAL_STEP_STATUSES:
                return
            self._stopping = True
            self.state.status = "Stopping"
        self.recorder.emit_step(self.step.name, "Stopping")

    def _started(self, pid: int, job: str) -> None:
        with self.recorder.lock:
            self.state.pids.append(pid)
        self.executing(job)
        self.recorder.write_step_json(self.state)

    def _on_job_stopping(self) -> None:
        # A job also stops when its step cancels it (a tuning trial stopped early); the
        # step itself is Stopping only when the execution is.
        if self.run_stopping():
            self.stopping()

    def run_stopping(self) -> bool:
        """True once the execution has been asked to stop: start nothing new."""
        return self.recorder.stop.is_set()

    def check_stop(self) -> None:
        if self.run_stopping():
            raise StepStopped

    def check_writes(self) -> None:
        """Raise StepFailed once the engine could not write (a full disk)."""
        if self.recorder.write_error is not None:
            raise StepFailed(self.recorder.write_error)

    def close(self) -> None:
        with self._log_lock, contextlib.suppress(OSError):
            self._log_file.close()

    # paths

    def output_dir(self, name: str) -> Path:
        return self.layout.output_dir(self.step, name)

    def input_source(self, name: str) -> Path:
        return self.context.input_source(self.step.input(name))

    def job_name(self, suffix: str = "") -> str:
        return job_name(
            self.context.plan.pipeline_name, self.step.name, self.context.run_id, suffix
        )

    # jobs

    def run_job(
        self,
        command: list[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        prefix: str = "",
        on_line: Callable[[str], None] | None = None,
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

        assert self.recorder.jobs is not None
        either = AnyEvent(cancel, self.recorder.write_failure)  # a full disk ends the job too
        return self.recorder.jobs.run(
            command,
            env={**os.environ, **env},
            cwd=cwd,
            on_line=line,
            on_start=lambda pid: self._started(pid, job or self.job_name()),
            on_stopping=self._on_job_stopping,
            cancel=either,
            max_runtime=max_runtime,
            watch_log=str(self.layout.step_log(self.step.name)),
        )

    def check_job(self, result: JobResult, what: str, failure_file: Path | None = None) -> None:
        """Raise StepStopped/StepFailed unless the job succeeded."""
        self.check_writes()
        if result.stopped:
            raise StepStopped
        if result.ok:
            return
        raise StepFailed(failure_reason(result, what, failure_file, self.step.compute))
