"""What a run looks like right now, folded from its ``RunEvent``s: pure, no Textual, no rich.

Both views of a run read this: the TUI monitor (through ``tui/messages.py``) and the headless
progress lines (``cli/printer.py``). ``RunState.apply`` takes events in the order an engine
emitted them; ``steps()`` and ``execution()`` return immutable snapshots, safe to hand to
another thread. Nothing here keeps log lines beyond the last one per step: the views keep
their own bounded buffers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from runners.events import (
    TERMINAL_EXECUTION_STATUSES,
    TERMINAL_STEP_STATUSES,
    ExecutionEvent,
    LogEvent,
    MetricEvent,
    RunEvent,
    StepEvent,
)

MAX_LINE_CHARS = 2000
"""Longer log lines are cut to this (with an ellipsis) before any view keeps them."""

NOT_RUN = "NotRun"
"""Display status of a step that never started in an execution that has ended."""

PENDING = "Pending"
"""A step known from the definition that has not started (``step`` events may say so)."""
SKIPPED = "Skipped"
"""A step on a branch not taken: it will not run (``step`` events may say so)."""

_CLOUDWATCH_TAB = re.compile(r"#011")
"""CloudWatch (and SageMaker's log agent) write a tab as the syslog escape ``#011``."""


def parse_time(value: str | None) -> datetime | None:
    """An event ``time`` (ISO 8601, ``Z`` suffix) as an aware datetime; ``None`` if unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def seconds_between(
    start: str | None, end: str | None, now: datetime | None = None
) -> float | None:
    """Seconds from ``start`` to ``end`` (or to ``now`` while running); ``None`` if not started."""
    begun = parse_time(start)
    if begun is None:
        return None
    finished = parse_time(end) if end else (now or datetime.now(UTC))
    if finished is None:
        return None
    return max(0.0, (finished - begun).total_seconds())


def format_duration(seconds: float | None) -> str:
    """``m:ss`` below an hour, ``h:mm:ss`` above; empty when unknown."""
    if seconds is None:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


_TERMINAL_CODES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor movement
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[@-_]?"  # other escapes
    r"|[\x00-\x08\x0b-\x1f\x7f]"  # other control characters
)


def clip_line(line: str) -> str:
    """One log line as a view shows it: no trailing newline, no terminal control codes (a
    job's output must not move the cursor or retitle the terminal), tabs as spaces, at most
    ``MAX_LINE_CHARS``."""
    line = line.rstrip("\r\n")
    if "#011" in line:
        line = _CLOUDWATCH_TAB.sub("\t", line)
    if not line.isprintable():
        line = _TERMINAL_CODES.sub("", line.replace("\r", "")).expandtabs(4)
    if len(line) > MAX_LINE_CHARS:
        return line[: MAX_LINE_CHARS - 1] + "…"
    return line


@dataclass(frozen=True, slots=True)
class StepState:
    name: str
    kind: str = ""
    status: str | None = None
    """SageMaker's step status, or ``None`` while the step has not started."""
    started: str | None = None
    ended: str | None = None
    reason: str | None = None
    cache_hit: bool | None = None
    attempt: int | None = None
    job: str | None = None
    last_line: str | None = None
    lines: int = 0
    """How many log lines the step has written (all of them, not only the kept ones)."""

    @property
    def finished(self) -> bool:
        """Done: it ended, or it will never run (a branch not taken)."""
        return self.status in TERMINAL_STEP_STATUSES or self.status == SKIPPED

    def duration(self, now: datetime | None = None) -> float | None:
        return seconds_between(self.started, self.ended, now)

    def display_status(self, execution_over: bool) -> str:
        """The word a view shows: the status, ``Pending``, or ``NotRun`` once the run ended."""
        if self.status is not None:
            return self.status
        return NOT_RUN if execution_over else "Pending"


@dataclass(frozen=True, slots=True)
class ExecutionState:
    status: str | None = None
    engine: str | None = None
    id: str | None = None
    reason: str | None = None
    started: str | None = None
    ended: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_EXECUTION_STATUSES

    def duration(self, now: datetime | None = None) -> float | None:
        return seconds_between(self.started, self.ended, now)


@dataclass(frozen=True, slots=True)
class MetricPoint:
    step: str
    name: str
    value: float
    time: str


class RunState:
    """Folds events into step and execution state. Not thread-safe: callers hold a lock."""

    def __init__(self, steps: list[tuple[str, str]] | None = None) -> None:
        """``steps``: the Plan's ``(name, kind)`` pairs, shown as Pending before they start.

        Steps the events name that the plan does not (a pipeline this tool did not make)
        are appended in the order they first appear.
        """
        self._steps: dict[str, StepState] = {
            name: StepState(name=name, kind=kind) for name, kind in (steps or [])
        }
        self._execution = ExecutionState()
        self._line_counts: dict[str, int] = {}
        self._last_lines: dict[str, str] = {}
        self._metrics: dict[tuple[str, str], MetricPoint] = {}
        self.version = 0
        """Bumped on every change of a snapshot (logs count as a change: ``last_line``)."""

    # ------------------------------------------------------------------ folding
    def apply(self, event: RunEvent) -> None:
        if isinstance(event, LogEvent):
            # the hot path (a million lines): no copies, just a count and the last line
            if event.step not in self._steps:
                self._step(event.step)
            self._line_counts[event.step] = self._line_counts.get(event.step, 0) + 1
            self._last_lines[event.step] = event.line
        elif isinstance(event, StepEvent):
            self._apply_step(event)
        elif isinstance(event, ExecutionEvent):
            self._apply_execution(event)
        elif isinstance(event, MetricEvent):
            self._metrics[(event.step, event.name)] = MetricPoint(
                event.step, event.name, float(event.value), event.time
            )
        else:  # pragma: no cover - the union is closed
            return
        self.version += 1

    def _step(self, name: str) -> StepState:
        step = self._steps.get(name)
        if step is None:
            step = self._steps[name] = StepState(name=name)
        return step

    def _apply_step(self, event: StepEvent) -> None:
        step = self._step(event.step)
        if event.status in (PENDING, SKIPPED):  # known, not started: no clock starts
            if step.status is None or step.status in (PENDING, SKIPPED):
                status = None if event.status == PENDING else SKIPPED
                self._steps[event.step] = replace(
                    step, kind=event.kind or step.kind, status=status, reason=event.reason
                )
            return
        running = event.status not in TERMINAL_STEP_STATUSES and event.status != "Stopping"
        if running and (step.finished or step.started is None):
            # first start, or a retry: a fresh attempt
            step = replace(step, started=event.time, ended=None, reason=None)
        repeated = step.finished and step.status == event.status
        if event.status in TERMINAL_STEP_STATUSES and not repeated:
            # (an engine may restate a kept step on retry: its times stay those of its run)
            step = replace(step, ended=event.time, started=step.started or event.time)
        self._steps[event.step] = replace(
            step,
            kind=event.kind or step.kind,
            status=event.status,
            reason=event.reason if event.reason is not None else step.reason,
            cache_hit=event.cache_hit if event.cache_hit is not None else step.cache_hit,
            attempt=event.attempt if event.attempt is not None else step.attempt,
            job=event.job if event.job is not None else step.job,
        )

    def _apply_execution(self, event: ExecutionEvent) -> None:
        current = self._execution
        terminal = event.status in TERMINAL_EXECUTION_STATUSES
        if not terminal and current.started is None:
            current = replace(current, started=event.time, ended=None, reason=None)
        elif not terminal and current.finished:
            # a retry of a finished execution: it goes on; its elapsed time never resets
            current = replace(current, ended=None, reason=None)
        if terminal:
            current = replace(current, ended=event.time, started=current.started or event.time)
        self._execution = replace(
            current,
            status=event.status,
            engine=event.engine or current.engine,
            id=event.id or current.id,
            reason=event.reason if terminal or event.reason else current.reason,
        )

    # ------------------------------------------------------------------ reading
    def _with_lines(self, step: StepState) -> StepState:
        count = self._line_counts.get(step.name, 0)
        if not count:
            return step
        return replace(step, lines=count, last_line=clip_line(self._last_lines[step.name]))

    def steps(self) -> tuple[StepState, ...]:
        return tuple(self._with_lines(step) for step in self._steps.values())

    def step(self, name: str) -> StepState | None:
        step = self._steps.get(name)
        return None if step is None else self._with_lines(step)

    def execution(self) -> ExecutionState:
        return self._execution

    def metrics(self) -> tuple[MetricPoint, ...]:
        """The latest value of every ``(step, metric)``."""
        return tuple(self._metrics.values())

    def counts(self) -> tuple[int, int]:
        """``(finished steps, all steps)``."""
        steps = self._steps.values()
        return sum(1 for s in steps if s.finished), len(self._steps)


# --------------------------------------------------------------------------- how to show a status
# Shared by the monitor and the headless view. A glyph always says the status without colour
# (NO_COLOR, monochrome terminals); the style is a Rich style of the 16 ANSI colours.

STATUS_GLYPHS: dict[str, str] = {
    "Pending": "○",
    SKIPPED: "↷",
    "Starting": "◌",
    "Executing": "●",
    "Stopping": "◐",
    "Stopped": "■",
    "Failed": "✗",
    "Succeeded": "✓",
    NOT_RUN: "–",
}

STATUS_STYLES: dict[str, str] = {
    "Pending": "dim",
    SKIPPED: "dim",
    "Starting": "cyan",
    "Executing": "bold yellow",
    "Stopping": "magenta",
    "Stopped": "magenta",
    "Failed": "bold red",
    "Succeeded": "green",
    NOT_RUN: "dim",
}

STATUS_LABELS: dict[str, str] = {NOT_RUN: "not run", SKIPPED: "skipped", PENDING: "waiting"}
"""Words shown instead of a status name (only ``NotRun`` differs)."""


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)
