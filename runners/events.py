"""The run-event vocabulary shared by every engine (local, SageMaker) and every view.

Events are frozen dataclasses; a runner never knows who listens. ``to_json`` gives the
one-object-per-line format that ``sm-wizard run|watch --json`` prints (see docs/ARCHITECTURE.md,
"Run events"). Status words are SageMaker's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

StepStatus = Literal["Starting", "Executing", "Stopping", "Stopped", "Failed", "Succeeded"]
ExecutionStatus = Literal["Executing", "Stopping", "Stopped", "Failed", "Succeeded"]

STEP_STATUSES: tuple[str, ...] = (
    "Starting",
    "Executing",
    "Stopping",
    "Stopped",
    "Failed",
    "Succeeded",
)
EXECUTION_STATUSES: tuple[str, ...] = ("Executing", "Stopping", "Stopped", "Failed", "Succeeded")
TERMINAL_EXECUTION_STATUSES: frozenset[str] = frozenset({"Stopped", "Failed", "Succeeded"})
TERMINAL_STEP_STATUSES: frozenset[str] = frozenset({"Stopped", "Failed", "Succeeded"})


def utc_now() -> str:
    """ISO-8601 UTC timestamp with a trailing ``Z``, second precision."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True, slots=True)
class ExecutionEvent:
    """The execution as a whole changed status. The last event of a run is always one."""

    status: ExecutionStatus
    engine: str | None = None
    id: str | None = None
    reason: str | None = None
    time: str = field(default_factory=utc_now)
    type: Literal["execution"] = "execution"

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "type": self.type,
                "status": self.status,
                "time": self.time,
                "engine": self.engine,
                "id": self.id,
                "reason": self.reason,
            }
        )


@dataclass(frozen=True, slots=True)
class StepEvent:
    """A step changed status (or its details, e.g. attempts, changed)."""

    step: str
    kind: str
    status: StepStatus
    reason: str | None = None
    cache_hit: bool | None = None
    attempt: int | None = None
    job: str | None = None
    reused_from: str | None = None
    """The run (local run id or execution ARN) whose result this step took without running:
    ``--from STEP`` and SageMaker's selective execution."""
    time: str = field(default_factory=utc_now)
    type: Literal["step"] = "step"

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "type": self.type,
                "step": self.step,
                "kind": self.kind,
                "status": self.status,
                "reason": self.reason,
                "cache_hit": self.cache_hit,
                "attempt": self.attempt,
                "job": self.job,
                "reused_from": self.reused_from,
                "time": self.time,
            }
        )


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One line a step's job wrote (stdout or stderr), without its newline."""

    step: str
    line: str
    time: str = field(default_factory=utc_now)
    type: Literal["log"] = "log"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "step": self.step, "line": self.line, "time": self.time}


@dataclass(frozen=True, slots=True)
class MetricEvent:
    """A numeric metric a step reported (training logs, evaluation report)."""

    step: str
    name: str
    value: float
    time: str = field(default_factory=utc_now)
    type: Literal["metric"] = "metric"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "step": self.step,
            "name": self.name,
            "value": self.value,
            "time": self.time,
        }


RunEvent = ExecutionEvent | StepEvent | LogEvent | MetricEvent


def to_json(event: RunEvent) -> str:
    """One compact JSON line (no trailing newline)."""
    return json.dumps(event.to_dict(), separators=(", ", ": "), ensure_ascii=False)


def capped_log(event: RunEvent, limit: int) -> RunEvent:
    """``event`` with a log line longer than ``limit`` cut, and a marker saying how many
    characters went: a job that prints 10 MB without a newline must not reach a ``--json``
    reader as one 10 MB event (the plain lines cut near the same length)."""
    if not isinstance(event, LogEvent) or len(event.line) <= limit:
        return event
    cut = len(event.line) - limit
    return replace(event, line=f"{event.line[:limit]}… [{cut:,} more characters cut]")


def from_dict(data: dict[str, Any]) -> RunEvent:
    """Parse a dict produced by ``to_dict`` (or a JSON line) back into an event."""
    kind = data.get("type")
    fields = {k: v for k, v in data.items() if k != "type"}
    if kind == "execution":
        return ExecutionEvent(**fields)
    if kind == "step":
        return StepEvent(**fields)
    if kind == "log":
        return LogEvent(**fields)
    if kind == "metric":
        return MetricEvent(**fields)
    raise ValueError(f"unknown event type {kind!r}")
