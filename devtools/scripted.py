"""The script of a simulated SageMaker pipeline execution: its steps and their attempts.

A ``ScriptedStep`` says when a step starts, how long it starts and executes, whether (and how
often) it fails, what it logs and which metrics it ends with; ``sequential_steps`` writes a
script of steps that run one after another. An ``Attempt`` is one run of a step in an
execution, placed in time. ``devtools.execution.ScriptedExecution`` plays a script.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ScriptedStep:
    """One step of the script. Times are seconds; ``start`` counts from the execution start."""

    name: str
    kind: str = "Processing"
    start: float = 0.0
    starting: float = 20.0
    executing: float = 60.0
    fail_reason: str | None = None
    fail_attempts: int = 1
    """How many attempts fail (when ``fail_reason`` is set): a retry after that succeeds."""
    cache_hit: bool = False
    logs: tuple[str, ...] = ()
    metrics: tuple[tuple[str, float], ...] = ()
    outcome: str = "True"
    """A Condition step's outcome."""


def sequential_steps(
    specs: Iterable[tuple[str, str]],
    *,
    starting: float = 20.0,
    executing: float = 60.0,
    gap: float = 5.0,
    logs_per_step: int = 0,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[ScriptedStep]:
    """Steps that run one after another. ``overrides`` maps a step name to field values."""
    steps: list[ScriptedStep] = []
    t = 0.0
    for name, kind in specs:
        fields: dict[str, Any] = {
            "starting": starting,
            "executing": executing,
            "logs": tuple(f"{name}: line {i + 1}" for i in range(logs_per_step)),
        }
        fields.update((overrides or {}).get(name, {}))
        step = ScriptedStep(name=name, kind=kind, start=t, **fields)
        steps.append(step)
        t += 0 if step.cache_hit else step.starting + step.executing
        t += gap
    return steps


@dataclass
class Attempt:
    """One attempt at a scripted step: when it starts and ends, and whether it fails."""

    step: ScriptedStep
    number: int
    start: float
    fails: bool
    job: str | None
    stopped_at: float | None = None

    @property
    def starting_end(self) -> float:
        return self.start + (0.0 if self.step.cache_hit else self.step.starting)

    @property
    def end(self) -> float:
        return self.starting_end + (0.0 if self.step.cache_hit else self.step.executing)

    def status(self, t: float, stop_delay: float) -> str:
        if self.stopped_at is not None and t >= self.stopped_at:
            return "Stopped" if t >= self.stopped_at + stop_delay else "Stopping"
        if t < self.starting_end:
            return "Starting"
        if t < self.end:
            return "Executing"
        return "Failed" if self.fails else "Succeeded"

    def ended_at(self, stop_delay: float) -> float:
        if self.stopped_at is not None:
            return self.stopped_at + stop_delay
        return self.end

    def log_lines(self, t: float) -> list[tuple[float, str]]:
        """(time, line) of every line written by ``t``."""
        lines = list(self.step.logs)
        if self.fails and self.step.fail_reason:
            lines.append(f"ERROR: {self.step.fail_reason}")
        if not lines:
            return []
        span = self.step.executing
        limit = min(t, self.stopped_at if self.stopped_at is not None else t)
        timed = [
            (self.starting_end + span * (i + 1) / (len(lines) + 1), line)
            for i, line in enumerate(lines)
        ]
        return [(when, line) for when, line in timed if when <= limit]
