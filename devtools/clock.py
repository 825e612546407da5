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


class StoppingClock(SimulatedClock):
    """Simulated time that runs freely up to ``until`` seconds, then stands still: a sleep
    past it waits (in real time) until its ``wake`` says go (the poller's detach, a step
    selected); one without a ``wake`` (a request budget's) returns at once. For pictures of
    an execution at a chosen moment (``scripts/screenshots.py``).
    """

    def __init__(self, until: float, start: datetime | None = None) -> None:
        super().__init__(start)
        self.until = until

    def sleep(self, seconds: float, wake: Wake | None = None) -> None:
        import time

        if wake is not None and wake():
            return
        if self.monotonic() + seconds <= self.until:
            super().sleep(seconds, wake)
            return
        self.advance(self.until - self.monotonic())
        while wake is not None and not wake():
            time.sleep(0.02)


class FastClock:
    """Real time sped up ``speed`` times: threads really wait on it (so a UI and a poller
    interleave as they would live), but a minute of script takes ``60 / speed`` seconds.

    Used to measure latencies on the watch screen: every number it gives is in script
    seconds (divide by ``speed`` for the wall-clock seconds the test took).
    """

    def __init__(self, speed: float = 10.0, start: datetime | None = None) -> None:
        import time

        self._time = time
        self.speed = speed
        self._start = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._origin = time.monotonic()

    def monotonic(self) -> float:
        return (self._time.monotonic() - self._origin) * self.speed

    def wall(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float, wake: Wake | None = None) -> None:
        deadline = self.monotonic() + max(0.0, seconds)
        while True:
            if wake is not None and wake():
                return
            remaining = deadline - self.monotonic()
            if remaining <= 0:
                return
            self._time.sleep(min(0.02, remaining / self.speed))
