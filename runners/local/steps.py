"""One step's record, and how a step ends other than by succeeding.

``StepState`` is what the engine records about a step (``steps/<Step>/step.json``);
``StepFailed`` and ``StepStopped`` are how a handler ends a step other than by returning;
``failure_reason`` words a failed job's end. What a handler is given to do its work is
``steprun.StepRun``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .jobs import JobResult


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
    fingerprint: dict[str, str] = field(default_factory=dict)
    """One short digest per part of what decides its result (``fingerprint.py``)."""
    reused_from: str | None = None
    """The run whose result this step took without running (``--from STEP``)."""

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
