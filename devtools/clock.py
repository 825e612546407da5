"""Simulated time for the tests, the benchmark and the demo.

``SimulatedClock`` satisfies ``runners.sagemaker.clock.Clock`` but moves only when somebody
sleeps on it, so a poller follows a 30-minute scripted execution in milliseconds and every
number it reports is a function of the script alone.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from runners.sagemaker.clock import Wake


class SimulatedClock:
    """Time that moves only when somebody sleeps (or calls ``advance``).

    A sleep whose ``wake`` is already true returns at once without moving time, which is
    how a test sets ``stop`` from inside ``emit`` and sees the poller react on the spot.
    Thread-safe, so an in-process moto server can read it while a poller sleeps on it.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._now = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return self._now

    def wall(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float, wake: Wake | None = None) -> None:
        if wake is not None and wake():
            return
        self.advance(seconds)
        self.sleeps.append(seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)
