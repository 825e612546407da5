"""The local engine: runs a Plan on this machine, step by step, as SageMaker would.

Scheduling: a step starts when every step it depends on has succeeded (and, inside the
condition's branches, when the condition chose its branch). Independent steps run at the
same time in their own threads; the jobs they start share one slot per core
(``max_workers``), so the machine is busy but not oversubscribed. A failed step lets the
steps already running finish and starts nothing new; the execution then ends Failed.
Setting the ``stop`` event terminates running jobs (Stopping, then Stopped), starts nothing
new and ends the execution Stopped; every output and log stays in the run folder, and
``retry`` re-runs what did not succeed, keeping the rest.

Every status change, log line and metric is emitted as a RunEvent (docs/ARCHITECTURE.md)
through the ``emit`` callable, serialized by a lock, and appended to the run's
``events.jsonl`` (``recorder.py``). See ``layout.py`` for the run folder, ``stepexec.py``
for one step's execution and caching, and ``handlers.py`` for what each step kind does.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.config import WizardConfig
from wizard.errors import WizardError
from wizard.plan.dag import Plan, PlanStep
from wizard.store import atomic_write_text, config_to_document, dumps

from ..base import Capabilities, Emit, Engine
from ..events import ExecutionEvent, ExecutionStatus, StepEvent, utc_now
from .cache import StepCache, parse_iso_duration
from .context import RunContext, resolve_parameters
from .forkclient import fork_jobs_by_default, script_imports, shared_server
from .jobs import BASE_ENV, JobRunner, end_orphan, pid_alive
from .layout import CACHE_DIR_NAME, RunLayout
from .recorder import RunRecorder, rewrite_record
from .registry import LocalModelRegistry
from .resume import Reuse, apply_reuse
from .stepexec import StepExecutor
from .steps import StepState

log = logging.getLogger(__name__)


class LocalEngine:
    """Runs the Plan's steps as local jobs. Implements ``Engine`` and ``Retryable``.

    ``project_dir`` holds the exported project whose ``code/`` scripts run; ``run_dir`` is
    this run's folder (see ``layout.py``). ``base_dir`` resolves relative data paths (the
    config file's folder). ``parameters`` overrides pipeline parameters (``MetricThreshold``,
    ``InputDataUrl``, ``ModelApprovalStatus``...). ``caching`` defaults to the config's
    ``orchestration.cache_steps``. ``fork_jobs``: start each ``python SCRIPT`` job by forking
    a warm interpreter (``forkserver.py``, shared by the process's runs: see
    ``forkclient.shared_server``; default: ``forkclient.fork_jobs_by_default``).
    ``reuse``: this run runs from a step, taking the other steps' outputs from an earlier
    run (``resume.py``; ``project.local_engine_for(..., from_step=)`` makes it).
    ``run_from``: makes the engine of a new run from a step, reusing this run's outputs
    (``from_step``; given by ``local_engine_for``).
    """

    name = "local"

    def __init__(
        self,
        plan: Plan,
        config: WizardConfig,
        project_dir: Path,
        run_dir: Path,
        *,
        max_workers: int | None = None,
        base_dir: Path | None = None,
        parameters: Mapping[str, Any] | None = None,
        cache_dir: Path | None = None,
        registry_dir: Path | None = None,
        caching: bool | None = None,
        config_path: Path | None = None,
        stop_grace_seconds: float = 10.0,
        tuning_seed: int = 0,
        python: str | None = None,
        fork_jobs: bool | None = None,
        reuse: Reuse | None = None,
        run_from: Callable[[str], Engine] | None = None,
    ) -> None:
        self.capabilities = Capabilities(can_retry=True, can_run_from=run_from is not None)
        self.reuse = reuse
        self._run_from = run_from
        self.plan = plan
        self.config = config
        self.project_dir = Path(project_dir).resolve()
        self.layout = RunLayout(Path(run_dir).resolve())
        self.run_id = self.layout.root.name
        self.max_workers = max(1, max_workers or os.cpu_count() or 1)
        self.base_dir = Path(base_dir).resolve() if base_dir else Path.cwd()
        self.parameters = resolve_parameters(plan, parameters)
        self.config_path = Path(config_path).resolve() if config_path else None
        orchestration = config.orchestration
        enabled = orchestration.cache_steps if caching is None else caching
        self.cache_dir = Path(cache_dir) if cache_dir else self.layout.root.parent / CACHE_DIR_NAME
        self.cache = StepCache(
            self.cache_dir,
            plan.pipeline_name,
            enabled=enabled,
            expire_after=parse_iso_duration(orchestration.cache_expire_after),
        )
        self.registry = LocalModelRegistry(registry_dir)
        self.stop_grace_seconds = stop_grace_seconds
        self.tuning_seed = tuning_seed
        self.python = python or sys.executable
        if fork_jobs is None:
            fork_jobs = fork_jobs_by_default()
        self.fork_jobs = fork_jobs
        self._recorder = RunRecorder(
            self.layout, {s.name: StepState(s.name, s.kind) for s in plan.steps}
        )
        self._states = self._recorder.states
        self._lock = self._recorder.lock
        self._executor: StepExecutor | None = None
        self._done: queue.Queue[str] = queue.Queue()
        self._jobs: JobRunner | None = None
        self._stop = threading.Event()
        self._attempt = 0
        self._created = utc_now()
        self._running = False
        self._finished = threading.Event()
        self._finished.set()  # nothing is executing yet
        self.stop_reason: str | None = None
        """Why the run was stopped (``stopped: SIGTERM``); the Stopped event's reason."""

    # ------------------------------------------------------------------ public API

    @property
    def run_dir(self) -> Path:
        return self.layout.root

    def step_states(self) -> dict[str, StepState]:
        """A snapshot of every step's state (copies; safe from any thread)."""
        return self._recorder.step_states()

    def context(self) -> RunContext:
        """What the steps of an execution read of it: the engine's settings as they are now
        (an execution takes them as it starts)."""
        return RunContext(
            plan=self.plan,
            config=self.config,
            project_dir=self.project_dir,
            layout=self.layout,
            base_dir=self.base_dir,
            parameters=self.parameters,
            registry=self.registry,
            python=self.python,
            max_workers=self.max_workers,
            tuning_seed=self.tuning_seed,
        )

    def run(self, emit: Emit, stop: threading.Event) -> str:
        """Run the pipeline to its end; returns Succeeded, Failed or Stopped."""
        if self.layout.run_json.exists():
            raise WizardError(
                f"{self.run_dir} already holds a run; retry it or start a new run folder",
                "Run folder in use",
            )
        return self._execute(emit, stop, retry=False)

    def from_step(self, step: str) -> Engine:
        """An engine for a new run from ``step`` that reuses this run's outputs for the
        other steps (nothing happens until its ``run``)."""
        if self._run_from is None:
            raise WizardError("this run cannot be run again from a step", "Cannot run from")
        return self._run_from(step)

    def request_stop(self, reason: str) -> None:
        """Stop the executing run (as setting its ``stop`` event does), recording ``reason``
        as the Stopped event's reason; the first reason given wins."""
        if self.stop_reason is None:
            self.stop_reason = reason
        self._stop.set()

    def shutdown(self, reason: str, timeout: float | None = None) -> bool:
        """Stop the run if it is executing and wait until it has ended (its final event
        written), at most ``timeout`` seconds (default: the stop grace period plus 5 s);
        then kill whatever jobs are left. True if the run had ended by itself or stopped."""
        if self._finished.is_set():
            return True
        self.request_stop(reason)
        if self._finished.wait(self.stop_grace_seconds + 5 if timeout is None else timeout):
            return True
        if self._jobs is not None and self._jobs.kill_all():
            return self._finished.wait(5)
        return False

    def retry(self, emit: Emit, stop: threading.Event) -> str:
        """Re-run the steps that did not succeed last time (failed, stopped, never run);
        steps that succeeded keep their outputs."""
        if not self.layout.run_json.exists():
            raise WizardError(f"{self.run_dir} holds no run to retry", "Nothing to retry")
        run_info = json.loads(self.layout.run_json.read_text())
        pid = run_info.get("pid")
        if self._running or (
            run_info.get("status") in ("Executing", "Stopping")
            and pid != os.getpid()
            and pid_alive(pid)
        ):
            raise WizardError(
                f"run {self.run_id} is still running (process {pid}); stop it first",
                "Run in progress",
            )
        self._attempt = int(run_info.get("attempt", 1))
        self._created = run_info.get("created", self._created)
        with self._lock:
            for name in self._states:
                path = self.layout.step_json(name)
                if path.exists():
                    state = StepState.from_dict(json.loads(path.read_text()))
                    if state.status != "Succeeded":
                        for pid in state.pids:  # jobs an engine that died left running
                            if pid_alive(pid) and end_orphan(pid, self.run_dir):
                                log.info("stopped job %s that step %s had left running", pid, name)
                        state.status = "Pending"
                    self._states[name] = state
        return self._execute(emit, stop, retry=True)

    # ------------------------------------------------------------------ the execution

    def _execute(self, emit: Emit, stop: threading.Event, *, retry: bool) -> str:
        if self._running:
            raise WizardError(f"run {self.run_id} is already executing", "Run in progress")
        self._running = True
        self._finished.clear()
        self._stop = stop
        self._attempt += 1
        context = self.context()
        forks = None
        if self.fork_jobs:
            scripts = {path for step in self.plan.steps for path in context.code_files(step)}
            env = {**os.environ, **BASE_ENV}
            forks = shared_server(self.python, env, script_imports(sorted(scripts)))
        self._jobs = JobRunner(
            self.max_workers, stop, grace_seconds=self.stop_grace_seconds, forks=forks
        )
        self._recorder.start(emit, stop, self._jobs)
        fresh = self.reuse is not None and not retry
        self._executor = StepExecutor(
            context,
            self._recorder,
            self.cache,
            rerun=self.reuse.selected if fresh and self.reuse else frozenset(),
        )
        started = time.time()
        try:
            try:
                self.layout.steps.mkdir(parents=True, exist_ok=True)
                self._write_run_files()
                self._recorder.open_events()
                self._write_run_json("Executing", None, started=started)
            except OSError as exc:  # no room for the run's own files: it fails at once
                self._recorder.write_failed(exc, exc.filename or self.run_dir)
            self._recorder.emit(ExecutionEvent("Executing", engine=self.name, id=self.run_id))
            if fresh and self.reuse is not None:
                apply_reuse(self.reuse, self.plan, self.layout, self._recorder)
            if retry:
                for step in self.plan.steps:
                    state = self._states[step.name]
                    if state.status == "Succeeded":
                        self._recorder.emit(
                            StepEvent(
                                step.name,
                                step.kind,
                                "Succeeded",
                                cache_hit=state.cache_hit or None,
                                attempt=state.attempt,
                                reason=(
                                    f"reused from run {state.reused_from}"
                                    if state.reused_from
                                    else None
                                ),
                                reused_from=state.reused_from,
                            )
                        )
            status: ExecutionStatus
            try:
                status, reason = self._schedule()
            except OSError as exc:  # a write the steps did not catch: a full disk, in words
                self._recorder.write_failed(exc, exc.filename or self.run_dir)
                status, reason = "Failed", self._recorder.write_error
            except Exception as exc:  # the contract: the last event is a final status
                log.exception("the local engine failed")
                status, reason = "Failed", f"internal error in the local engine: {exc!r}"
            self._recorder.emit(
                ExecutionEvent(status, engine=self.name, id=self.run_id, reason=reason)
            )
            try:
                self._write_run_json(status, reason, started=started, ended=time.time())
            except OSError as exc:
                log.warning("could not record the run's end in %s: %s", self.layout.run_json, exc)
            return status
        finally:
            self._recorder.close_events()
            self._running = False
            self._finished.set()

    def _schedule(self) -> tuple[ExecutionStatus, str | None]:
        running: dict[str, threading.Thread] = {}
        failure: tuple[str, str] | None = None
        stopping = False
        while True:
            if self._stop.is_set() and not stopping:
                stopping = True
                self._recorder.emit(ExecutionEvent("Stopping", engine=self.name, id=self.run_id))
            if not stopping and failure is None and self._recorder.write_error is None:
                self._skip_unreachable()
                for step in self._ready(running):
                    thread = threading.Thread(
                        target=self._run_step, args=(step,), name=f"step-{step.name}", daemon=True
                    )
                    running[step.name] = thread
                    thread.start()
            if not running:
                break
            try:
                name = self._done.get(timeout=0.1)
            except queue.Empty:
                continue
            running.pop(name).join()
            state = self._states[name]
            if state.status == "Failed" and failure is None:
                failure = (name, state.reason or "failed")

        statuses = {s.status for s in self._states.values()}
        if failure is not None:
            name, reason = failure
            return "Failed", f"Step {name} failed: {reason}"
        if self._recorder.write_error is not None:  # nothing failed but nothing can go on
            return "Failed", self._recorder.write_error
        if stopping:  # even when the last job finished before it could be stopped
            return "Stopped", self.stop_reason or "stopped on request"
        if not statuses <= {"Succeeded", "Skipped"}:  # should not happen: report it plainly
            waiting = [n for n, s in self._states.items() if s.status == "Pending"]
            return "Failed", f"steps never became ready: {', '.join(waiting)}"
        return "Succeeded", None

    def _ready(self, running: Mapping[str, threading.Thread]) -> list[PlanStep]:
        ready = []
        with self._lock:
            for step in self.plan.steps:
                state = self._states[step.name]
                if state.status != "Pending" or step.name in running:
                    continue
                deps_done = all(self._states[d].status == "Succeeded" for d in step.depends_on)
                if deps_done and (step.branch is None or self._branch_taken(step) is True):
                    ready.append(step)
        return ready

    def _branch_taken(self, step: PlanStep) -> bool | None:
        """For a step in a condition's branch: True if its branch was chosen, None if the
        condition has not been evaluated."""
        conditions = [self._states[s.name] for s in self.plan.steps if s.kind == "Condition"]
        for condition in conditions:
            if condition.outcome is not None and condition.name in self.plan.upstream(step.name):
                return condition.outcome == (step.branch == "if")
        return None

    def _skip_unreachable(self) -> None:
        """Mark steps of the branch not taken (and what follows them) as Skipped."""
        with self._lock:
            for step in self.plan.steps:
                state = self._states[step.name]
                if state.status != "Pending":
                    continue
                skipped_dep = any(self._states[d].status == "Skipped" for d in step.depends_on)
                if skipped_dep or (step.branch is not None and self._branch_taken(step) is False):
                    state.status = "Skipped"
                    self._recorder.write_step_json(state)

    # ------------------------------------------------------------------ one step

    def _run_step(self, step: PlanStep) -> None:
        try:
            assert self._executor is not None
            self._executor.run(step)
        finally:
            self._done.put(step.name)

    # ------------------------------------------------------------------ run files

    def _write_run_files(self) -> None:
        if not self.layout.plan_json.exists():
            atomic_write_text(self.layout.plan_json, json.dumps(self.plan.to_dict(), indent=2))
        if not self.layout.config.exists():
            atomic_write_text(self.layout.config, dumps(config_to_document(self.config)))

    def _write_run_json(
        self, status: str, reason: str | None, *, started: float, ended: float | None = None
    ) -> None:
        info = {
            "id": self.run_id,
            "engine": self.name,
            "pipeline": self.plan.pipeline_name,
            "status": status,
            "reason": reason,
            "attempt": self._attempt,
            "created": self._created,
            "started_at": started,
            "ended_at": ended,
            "updated": utc_now(),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "sm_wizard": __version__,
            "config_path": str(self.config_path) if self.config_path else None,
            "base_dir": str(self.base_dir),
            "project_dir": str(self.project_dir),
            "cache_dir": str(self.cache_dir),
            "registry_dir": str(self.registry.root),
            "caching": self.cache.enabled,
            "max_workers": self.max_workers,
            "parameters": self.parameters,
            "steps": list(self.plan.names),
            "from_step": self.reuse.step if self.reuse else None,
            "reused_from": self.reuse.source_id if self.reuse else None,
        }
        error = rewrite_record(self.layout.run_json, json.dumps(info, indent=2) + "\n")
        if error is not None:  # written in place: note the full disk all the same
            self._recorder.write_failed(error, self.layout.run_json)
