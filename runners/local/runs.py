"""Finding, reading and re-attaching to local runs.

Every run writes ``run.json`` and appends ``events.jsonl`` as it goes (``layout.py``), so a
run can be listed, replayed and followed from another process (a TUI attaching to a
headless run over SSH), and a failed, stopped or interrupted run can be retried:

    engine = open_run(run_dir)
    engine.retry(emit, stop)
"""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.errors import WizardError
from wizard.plan import build_plan
from wizard.store import load_config

from ..base import Capabilities, Emit
from ..events import TERMINAL_EXECUTION_STATUSES, ExecutionEvent, RunEvent, from_dict
from .engine import LocalEngine
from .jobs import pid_alive
from .layout import CACHE_DIR_NAME, RunLayout


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: str
    run_dir: Path
    pipeline: str
    status: str
    """The last recorded status; ``Interrupted`` if the engine's process died mid-run."""
    reason: str | None
    created: str
    started_at: float | None
    ended_at: float | None
    attempt: int
    from_step: str | None = None
    """The step it ran from (``--from STEP``), if it did."""
    reused_from: str | None = None
    """The run whose outputs it reused for the other steps."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "run_dir": str(self.run_dir),
            "pipeline": self.pipeline,
            "status": self.status,
            "reason": self.reason,
            "created": self.created,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "attempt": self.attempt,
            "from_step": self.from_step,
            "reused_from": self.reused_from,
        }


def run_summary(run_dir: Path) -> RunSummary | None:
    path = RunLayout(run_dir).run_json
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    status = info.get("status", "Unknown")
    reason = info.get("reason")
    if status not in TERMINAL_EXECUTION_STATUSES and not pid_alive(info.get("pid")):
        status = "Interrupted"
        reason = (
            f"runner killed: its process ({info.get('pid')}) ended without recording a final "
            "status; its jobs ended with it. Continue with --retry"
        )
    return RunSummary(
        id=info.get("id", Path(run_dir).name),
        run_dir=Path(run_dir),
        pipeline=info.get("pipeline", ""),
        status=status,
        reason=reason,
        created=info.get("created", ""),
        started_at=info.get("started_at"),
        ended_at=info.get("ended_at"),
        attempt=int(info.get("attempt", 1)),
        from_step=info.get("from_step"),
        reused_from=info.get("reused_from"),
    )


def list_runs(run_root: Path) -> list[RunSummary]:
    """Every run under ``run_root``, newest first."""
    run_root = Path(run_root)
    if not run_root.is_dir():
        return []
    found = [
        summary
        for child in run_root.iterdir()
        if child.is_dir() and not child.name.startswith(".")
        if (summary := run_summary(child)) is not None
    ]
    return sorted(found, key=lambda s: s.id, reverse=True)


def read_events(run_dir: Path) -> Iterator[RunEvent]:
    """Replay a run's recorded events (a partial last line is skipped)."""
    path = RunLayout(run_dir).events
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.endswith("\n") and line.strip():
                yield from_dict(json.loads(line))


def follow_run(run_dir: Path, emit: Emit, stop: threading.Event, poll: float = 0.2) -> str:
    """Replay a run's events, then follow new ones as another process writes them, until an
    execution event with a final status (returned), or ``stop`` (returns the run's status
    then). If the writing process died, ends with its status as ``Interrupted`` reports it.
    """
    path = RunLayout(run_dir).events
    position = 0
    pending = ""
    last: str | None = None  # the latest execution status seen
    while not stop.is_set():
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                handle.seek(position)
                chunk = handle.read()
                position = handle.tell()
            pending += chunk
            *lines, pending = pending.split("\n")
            for line in lines:
                if not line.strip():
                    continue
                event = from_dict(json.loads(line))
                emit(event)
                if isinstance(event, ExecutionEvent):
                    last = event.status
        summary = run_summary(run_dir)
        if summary is not None and summary.status == "Interrupted":
            return "Interrupted"
        # Done when the last execution event is final and run.json agrees (a retry of the
        # same run appends a new execution after an earlier final one).
        if last in TERMINAL_EXECUTION_STATUSES and summary and summary.status == last:
            return last
        stop.wait(poll)
    summary = run_summary(run_dir)
    return summary.status if summary else "Unknown"


def open_run(run_dir: Path, *, max_workers: int | None = None) -> LocalEngine:
    """An engine for an existing run (to retry it), rebuilt from the run's own snapshot of
    the config and its recorded settings."""
    layout = RunLayout(Path(run_dir).resolve())
    info = json.loads(layout.run_json.read_text())
    config = load_config(layout.config)
    plan = build_plan(config)
    return LocalEngine(
        plan,
        config,
        Path(info["project_dir"]),
        layout.root,
        max_workers=max_workers or info.get("max_workers"),
        base_dir=Path(info["base_dir"]),
        parameters=info.get("parameters"),
        cache_dir=Path(info.get("cache_dir") or layout.root.parent / CACHE_DIR_NAME),
        registry_dir=Path(info["registry_dir"]) if info.get("registry_dir") else None,
        caching=info.get("caching"),
        config_path=Path(info["config_path"]) if info.get("config_path") else None,
    )


def find_run(run_root: Path, ref: str) -> RunSummary:
    """The run ``ref`` names under ``run_root``: ``latest``, a full id or a unique prefix."""
    runs = list_runs(run_root)
    if not runs:
        raise WizardError(f"no local runs under {run_root}; start one with sm-wizard run FILE")
    if ref == "latest":
        return runs[0]
    matches = [r for r in runs if r.id == ref] or [r for r in runs if r.id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(r.id for r in runs[:5])
    if not matches:
        raise WizardError(f"no run {ref!r} under {run_root}; recent runs: {known}")
    raise WizardError(f"{ref!r} matches {len(matches)} runs; give more of the id ({known})")


class RetriedRun:
    """An Engine whose ``run`` retries an earlier run from the steps that did not succeed
    (what ``sm-wizard run FILE --retry RUN`` drives)."""

    name = "local"
    capabilities = Capabilities(can_retry=True)

    def __init__(self, run_dir: Path, *, max_workers: int | None = None) -> None:
        self.engine = open_run(run_dir, max_workers=max_workers)
        self.run_dir = self.engine.run_dir

    def run(self, emit: Emit, stop: threading.Event) -> str:
        return self.engine.retry(emit, stop)

    def retry(self, emit: Emit, stop: threading.Event) -> str:
        return self.engine.retry(emit, stop)


class AttachedRun:
    """An Engine that follows a run another process is executing (``--attach RUN``): it
    replays what happened so far, then streams new events. Stopping only detaches."""

    name = "local"
    capabilities = Capabilities(can_stop=False)
    """Stopping only stops following: the run belongs to the process that started it."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)

    def run(self, emit: Emit, stop: threading.Event) -> str:
        status = follow_run(self.run_dir, emit, stop)
        if status == "Interrupted":
            reason = (
                "the process running this run ended before it finished; continue it with "
                f"sm-wizard run FILE --retry {shlex.quote(self.run_dir.name)}"
            )
            emit(ExecutionEvent("Failed", engine="local", id=self.run_dir.name, reason=reason))
            return "Failed"
        return status
