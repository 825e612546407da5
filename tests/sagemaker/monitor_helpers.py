"""Helpers for driving the watch screen (``MonitorApp`` over ``SageMakerWatcher``) in tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from devtools.clock import SimulatedClock


class HeldClock(SimulatedClock):
    """Simulated time that only moves when the test lets it: every sleep waits for a
    ``release`` (or for the poller's own wake-up: detach, stop)."""

    def __init__(self) -> None:
        super().__init__()
        self._go = threading.Semaphore(0)
        self.waiting = threading.Event()

    def sleep(self, seconds: float, wake=None) -> None:
        self.waiting.set()
        while not self._go.acquire(timeout=0.01):
            if wake is not None and wake():
                return
        self.waiting.clear()
        super().sleep(seconds)

    def release(self, sleeps: int = 1) -> None:
        for _ in range(sleeps):
            self._go.release()


async def until(pilot, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``predicate`` holds (an ``AssertionError`` after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await pilot.pause(0.02)
