"""Run events as Textual messages, batched so a busy run cannot flood a slow terminal.

An engine calls ``RunFeed.emit`` from its own threads, as often as it likes. The feed folds
every event into a ``RunState`` and queues log lines and metric points, under a lock. The
monitor drains the feed on a timer (every ~100 ms) and posts what came in as messages:

- ``StepsUpdated``: a complete snapshot of the execution and its steps. Snapshots define
  ``can_replace``: when the UI is behind, only the newest is drawn.
- ``LogLinesReceived``: the new lines, per step. Never replaced, never coalesced: no line may be
  dropped. Memory stays bounded anyway: per step the feed keeps at most ``ring_lines`` pending
  lines, exactly as many as the monitor's per-step ring buffer holds, so a line pushed out of
  the feed's queue is one that would have been pushed out of the view's ring at the same time
  (the view ends up identical); the full log stays in the engine's run folder or CloudWatch.
- ``MetricsReceived``: new metric points, in order (for the chart).
- ``RunFinished``: the engine's ``run``/``retry`` returned (or raised).

Draining on the UI's own timer throttles redraws (one batch per tick, nothing when idle), which
is what keeps an SSH link from flickering, and gives back-pressure for free: the feed only hands
over a batch when the UI asks for one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping

from textual.message import Message

from runners.events import LogEvent, MetricEvent, RunEvent
from runners.run_state import (
    ExecutionState,
    MetricPoint,
    RunState,
    StepState,
    clip_line,
)

RING_LINES = 2000
"""Log lines kept per step, in the feed's queue and in the monitor's buffers alike."""

MAX_PENDING_METRICS = 5000
"""Metric points kept between two drains (a chart shows far fewer)."""


class StepsUpdated(Message):
    """The execution and its steps changed: the whole picture, newest wins."""

    def __init__(
        self,
        execution: ExecutionState,
        steps: tuple[StepState, ...],
        metrics: tuple[MetricPoint, ...] = (),
    ) -> None:
        super().__init__()
        self.execution = execution
        self.steps = steps
        self.metrics = metrics
        """The latest value of every (step, metric)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StepsUpdated)


class LogLinesReceived(Message):
    """New log lines, per step, in the order each step wrote them. Never replaced."""

    def __init__(
        self, lines: Mapping[str, tuple[str, ...]], skipped: Mapping[str, int] | None = None
    ) -> None:
        super().__init__()
        self.lines = lines
        self.skipped = dict(skipped or {})
        """Per step, lines that left the bounded queue before the UI drew them (they would
        have left the view's ring buffer of the same size anyway)."""


class MetricsReceived(Message):
    """New metric points, in the order they were reported. Never replaced."""

    def __init__(self, points: tuple[MetricPoint, ...]) -> None:
        super().__init__()
        self.points = points


class RunFinished(Message):
    """The engine returned a final status (or failed with ``error``)."""

    def __init__(self, status: str, error: str | None = None) -> None:
        super().__init__()
        self.status = status
        self.error = error


class RunFeed:
    """Thread-safe sink for an engine's events; drained by the UI into messages."""

    def __init__(
        self,
        steps: list[tuple[str, str]] | None = None,
        *,
        ring_lines: int = RING_LINES,
        max_metrics: int = MAX_PENDING_METRICS,
    ) -> None:
        self._lock = threading.Lock()
        self._state = RunState(steps)
        self._drawn_version = -1
        self._ring_lines = ring_lines
        self._logs: dict[str, deque[str]] = {}
        self._skipped: dict[str, int] = {}
        self._metrics: deque[MetricPoint] = deque(maxlen=max_metrics)
        self.events = 0
        """Events received so far (all kinds)."""

    def emit(self, event: RunEvent) -> None:
        """The engine's ``emit``: callable from any thread, never blocks for long."""
        with self._lock:
            self.events += 1
            self._state.apply(event)
            if isinstance(event, LogEvent):
                queue = self._logs.get(event.step)
                if queue is None:
                    queue = self._logs[event.step] = deque(maxlen=self._ring_lines)
                if len(queue) == self._ring_lines:
                    self._skipped[event.step] = self._skipped.get(event.step, 0) + 1
                queue.append(clip_line(event.line))
            elif isinstance(event, MetricEvent):
                self._metrics.append(
                    MetricPoint(event.step, event.name, float(event.value), event.time)
                )

    def snapshot(self) -> StepsUpdated:
        with self._lock:
            return StepsUpdated(self._state.execution(), self._state.steps(), self._state.metrics())

    def pending_lines(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._logs.values())

    def drain(self) -> list[Message]:
        """Everything new since the last drain, as messages (empty when nothing changed)."""
        with self._lock:
            changed = self._state.version != self._drawn_version
            self._drawn_version = self._state.version
            snapshot = (
                StepsUpdated(self._state.execution(), self._state.steps(), self._state.metrics())
                if changed
                else None
            )
            logs, self._logs = self._logs, {}
            skipped, self._skipped = self._skipped, {}
            metrics = tuple(self._metrics)
            self._metrics.clear()
        messages: list[Message] = []
        if logs:
            messages.append(LogLinesReceived({step: tuple(q) for step, q in logs.items()}, skipped))
        if metrics:
            messages.append(MetricsReceived(metrics))
        if snapshot is not None:
            messages.append(snapshot)
        return messages
