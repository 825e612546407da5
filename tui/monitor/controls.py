"""The run monitor's controls: stop, retry and quit, each asked first, and what the answers do.

A mixin of ``MonitorScreen`` (``tui/monitor/screen.py``), kept apart because it is about the
engine, not the view: what may be asked depends on ``engine.capabilities`` (a remote execution
is detached from, not stopped, when the monitor quits; retry only where the engine can). Each
question runs in a ``confirm`` worker that waits for the one yes/no modal
(``push_screen_wait``), so a flow reads top to bottom.
"""

from __future__ import annotations

import shlex
import threading
from typing import Any

from textual import work

from tui.screens.modals import ConfirmModal


class RunControls:
    """Stop, retry, quit. The screen provides the state these read and the calls they make
    (``start``, ``release_engine``, ``_close``, ``_refresh_chrome``)."""

    engine: Any
    app: Any
    _snapshot: Any
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
