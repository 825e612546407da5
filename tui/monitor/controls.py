"""The run monitor's controls: stop, retry, run from here and quit, each asked first, and
what the answers do.

A mixin of ``MonitorScreen`` (``tui/monitor/screen.py``), kept apart because it is about the
engine, not the view: what may be asked depends on ``engine.capabilities`` (a remote execution
is detached from, not stopped, when the monitor quits; retry only where the engine can; "run
from here" where it can run from a step: a new execution or run that runs the selected step
and what follows it, reusing the others' results, which the monitor then follows). Each
question runs in a ``confirm`` worker that waits for the one yes/no modal
(``push_screen_wait``), so a flow reads top to bottom.
"""

from __future__ import annotations

import shlex
import threading
from typing import Any

from textual import work
from textual.widgets import Log

from runners.base import definition_of
from runners.sagemaker.definition import downstream_steps
from tui.messages import RunFeed
from tui.screens.modals import ConfirmModal
from wizard.errors import WizardError


class RunControls:
    """Stop, retry, run from here, quit. The screen provides the state these read and the
    calls they make (``start``, ``release_engine``, ``_close``, ``_refresh_chrome``)."""

    engine: Any
    app: Any
    plan: Any
    feed: RunFeed
    _snapshot: Any
    _rings: dict[str, Any]
    _series: dict[Any, Any]
    _selected: str | None
    _stop: threading.Event
    _busy: bool
    _stop_requested: bool
    _quit_when_done: bool
    _follow: bool

    def _can_stop(self) -> bool:
        return self._busy and not self._stop_requested

    def _can_retry(self) -> bool:
        return (
            not self._busy
            and self._snapshot.execution.status in ("Failed", "Stopped")
            and self.engine.capabilities.can_retry
        )

    async def _confirm(self, question: str, detail: str, yes: str, no: str) -> bool:
        """Ask (from a ``confirm`` worker) and wait for the answer."""
        return bool(await self.app.push_screen_wait(ConfirmModal(question, detail, yes, no)))

    @work(group="confirm")
    async def action_stop(self) -> None:
        if not self._can_stop():
            return
        if self.engine.capabilities.remote:
            question = "Stop this execution on SageMaker?"
            detail = "Running jobs are stopped; the execution ends as Stopped."
        else:
            question = "Stop the run?"
            detail = "Running steps end as Stopped; outputs and logs stay in the run folder."
        if await self._confirm(question, detail, yes="Stop", no="Keep running"):
            self.request_stop()

    def request_stop(self) -> None:
        """Ask the engine to stop (no question asked)."""
        if not self._busy:
            return
        self._stop_requested = True
        self._stop.set()
        self._refresh_chrome()
        self.refresh_bindings()

    @work(group="confirm")
    async def action_retry(self) -> None:
        """``r``: asks first, like stop; the elapsed time goes on from the first start."""
        if not self._can_retry():
            return
        if self.engine.capabilities.remote:
            question = "Retry this execution on SageMaker?"
            detail = "RetryPipelineExecution re-runs the failed steps; steps that succeeded stay."
        else:
            question = "Retry the run?"
            detail = "The failed and stopped steps run again; steps that succeeded are kept."
        if not await self._confirm(question, detail, yes="Retry", no="Cancel"):
            return
        if not self._can_retry():
            return
        self._follow = True
        self.start("retry")
        self.refresh_bindings()

    def _can_run_from(self) -> bool:
        return (
            not self._busy
            and self._selected is not None
            and self._snapshot.execution.status in ("Failed", "Stopped", "Succeeded")
            and self.engine.capabilities.can_run_from
        )

    def _after(self, step: str) -> list[str]:
        """The steps downstream of ``step`` (from the plan, or the execution's definition)."""
        if self.plan is not None:
            return [n for n in self.plan.names if n in self.plan.downstream(step)]
        defined = definition_of(self.engine)
        return [name for name in downstream_steps(defined, step) if name != step]

    @work(group="confirm")
    async def action_run_from(self) -> None:
        """``R`` on a step of an ended execution: run it and what follows it again, reusing
        the other steps' results (asks first); the monitor then follows the new one."""
        step = self._selected
        if not self._can_run_from() or step is None:
            return
        after = self._after(step)
        runs = step + (f" and the {len(after)} steps after it" if len(after) > 1 else "")
        runs = f"{step} and {after[0]}" if len(after) == 1 else runs
        if self.engine.capabilities.remote:
            question = f"Start a selective execution from {step} on SageMaker?"
            detail = (
                f"It runs {runs}; the other steps' results are reused from this execution, "
                "with its parameters. The screen follows the new execution."
            )
        else:
            question = f"Run again from {step}?"
            detail = (
                f"A new run runs {runs}; the other steps' outputs are reused from this run "
                "(refused if their code, settings or data changed since). This run's folder "
                "stays as it is."
            )
        if not await self._confirm(question, detail, yes="Run from here", no="Cancel"):
            return
        if not self._can_run_from():
            return
        try:
            successor = self.engine.from_step(step)
        except WizardError as err:
            self.notify(err.message, title="Cannot run from here", severity="error")  # type: ignore[attr-defined]
            return
        self._follow_new(successor)

    def _follow_new(self, engine: Any) -> None:
        """Show and drive ``engine`` (a new execution) instead of the ended one."""
        self.engine = engine
        steps = [(s.name, s.kind) for s in self.plan.steps] if self.plan is not None else None
        self.feed = RunFeed(steps)
        self._snapshot = self.feed.snapshot()
        self._rings.clear()
        self._series.clear()
        self.query_one("#log", Log).clear()  # type: ignore[attr-defined]
        self._selected = None  # the new run's first step is shown afresh
        self._follow = True
        self.start("run")
        self.refresh_bindings()

    def action_quit_monitor(self) -> None:
        if not self._busy:
            self._close(detached=False)
            return
        if self._quit_when_done:  # asked twice while stopping: leave now
            self._close(detached=False)
            return
        self._ask_before_quitting()

    @work(group="confirm")
    async def _ask_before_quitting(self) -> None:
        if self.engine.capabilities.remote:
            arn = self._snapshot.execution.id or getattr(self.engine, "execution_arn", None)
            detail = "It keeps running on SageMaker: quitting only stops watching."
            if arn:
                detail += f"\nWatch it again with:\n  sm-wizard watch {shlex.quote(arn)}"
            if await self._confirm("Detach from this execution?", detail, yes="Detach", no="Stay"):
                self.release_engine()
                self._close(detached=True)
        elif await self._confirm(
            "Stop the run and quit?",
            "This run lives in this process: quitting stops it first (running steps "
            "end as Stopped; outputs and logs stay in the run folder).",
            yes="Stop and quit",
            no="Keep running",
        ):
            self._quit_when_done = True
            self.request_stop()
