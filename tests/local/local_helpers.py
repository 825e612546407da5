"""Helpers shared by the local engine tests (imported as a top-level module, like the
SageMaker tests' ``sm_helpers``)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from runners.events import RunEvent, StepEvent
from runners.local import LocalEngine, local_engine_for
from wizard.store import write_document
from wizard.templates import template_document, write_template_data


@dataclass
class Workspace:
    folder: Path
    config: Path
    run_root: Path
    registry: Path

    def engine(self, config: Path | None = None, **kwargs) -> LocalEngine:
        """An engine for this workspace's config (or ``config``), sharing its run folder
        (and so its cache) and its registry."""
        kwargs.setdefault("run_root", self.run_root)
        kwargs.setdefault("registry_dir", self.registry)
        kwargs.setdefault("max_workers", 2)
        return local_engine_for(config or self.config, **kwargs)


class Recorder:
    """A thread-safe emit that keeps every event."""

    def __init__(self) -> None:
        self.events: list[RunEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: RunEvent) -> None:
        with self._lock:
            self.events.append(event)

    def steps(self, name: str) -> list[str]:
        return [e.status for e in self.events if isinstance(e, StepEvent) and e.step == name]

    def step_event(self, name: str, status: str) -> StepEvent:
        return next(
            e
            for e in self.events
            if isinstance(e, StepEvent) and e.step == name and e.status == status
        )

    def started(self) -> set[str]:
        return {e.step for e in self.events if isinstance(e, StepEvent)}


@dataclass
class Finished:
    engine: LocalEngine
    status: str
    recorder: Recorder


def run_engine(engine: LocalEngine, stop: threading.Event | None = None) -> Finished:
    recorder = Recorder()
    status = engine.run(recorder, stop or threading.Event())
    return Finished(engine, status, recorder)


def make_workspace(folder: Path, template: str = "demo") -> Workspace:
    config = folder / "wizard.toml"
    write_document(config, template_document(template))
    write_template_data(template, config)
    return Workspace(folder, config, folder / "runs", folder / "registry")


def wait_until(condition, timeout: float, what: str):
    """Poll ``condition`` until it is true (returning its value), failing after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is ``pgid`` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry))
    return found


@contextlib.contextmanager
def trainer_dies() -> Iterator[None]:
    """Inside: exports give the project a train.py that dies at once, as a job does when
    its machine goes away (a failure no check can see before the run)."""
    import pytest

    import exporters.render

    real = exporters.render.render_project

    def dying(plan, config):
        files = real(plan, config)
        files["code/train.py"] = 'raise SystemExit("injected: the machine went away")\n'
        return files

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exporters.render, "render_project", dying)
        yield
