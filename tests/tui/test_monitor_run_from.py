"""The monitor's "run from here" (R) with scripted engines: offered only where the engine can
and once the execution ended; Cancel changes nothing; a refusal from the new engine is shown
(the real engines are driven in tests/local/test_local_from.py and
tests/sagemaker/test_sm_selective.py)."""

from __future__ import annotations

import threading
import time

import pytest

from runners.base import Capabilities
from runners.events import ExecutionEvent, StepEvent
from tui.monitor.app import MonitorApp
from tui.screens.modals import ConfirmModal
from wizard.errors import WizardError

pytestmark = pytest.mark.anyio

STEPS = [("Prepare", "Processing"), ("Train", "Training"), ("Evaluate", "Processing")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Refusing:
    """The engine ``from_step`` returns: it refuses in ``run``, as a local run whose reused
    step changed does (in the worker, not on the UI thread)."""

    name = "local"
    capabilities = Capabilities(can_run_from=True)

    def run(self, emit, stop: threading.Event) -> str:
        raise WizardError("Train's inputs changed since run r1: its code (train.py)")


class Ended:
    """An execution that has ended; ``from_step`` records what it was asked."""

    name = "local"

    def __init__(self, can_run_from: bool = True) -> None:
        self.capabilities = Capabilities(can_run_from=can_run_from)
        self.asked: list[str] = []

    def run(self, emit, stop: threading.Event) -> str:
        emit(ExecutionEvent("Executing", engine="local", id="r1"))
        for name, kind in STEPS:
            emit(StepEvent(name, kind, "Starting"))
            emit(StepEvent(name, kind, "Succeeded"))
        emit(ExecutionEvent("Succeeded", engine="local", id="r1"))
        return "Succeeded"

    def from_step(self, step: str):
        self.asked.append(step)
        return Refusing()


async def until(pilot, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await pilot.pause(0.02)


async def test_run_from_is_offered_once_ended_and_a_refusal_is_shown():
    engine = Ended()
    app = MonitorApp(engine, None, "demo")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.monitor
        await until(pilot, lambda: screen._snapshot.execution.finished and not screen.busy)
        screen._follow = False
        screen._select_row("Train")
        await pilot.pause()
        assert screen.check_action("run_from", ()) is True
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")  # Cancel: nothing starts
        await until(pilot, lambda: not isinstance(app.screen, ConfirmModal))
        assert engine.asked == [] and screen.engine is engine
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(screen.engine, Refusing))
        await until(pilot, lambda: screen._snapshot.execution.finished and not screen.busy)
        assert engine.asked == ["Train"]
        execution = screen._snapshot.execution
        assert execution.status == "Failed" and "Train's inputs changed" in execution.reason
        await app.workers.wait_for_complete()


async def test_run_from_is_hidden_where_the_engine_cannot():
    app = MonitorApp(Ended(can_run_from=False), None, "demo")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.monitor
        await until(pilot, lambda: screen._snapshot.execution.finished and not screen.busy)
        assert screen.check_action("run_from", ()) is False
        await pilot.press("R")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
