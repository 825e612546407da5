"""Time for the poller: the clock it waits on, and a request budget.

Everything that waits in ``runners.sagemaker`` waits through a ``Clock``: ``SystemClock`` in
use, and ``devtools.clock.SimulatedClock`` (not installed) in the tests, the benchmark and the
demo, which run a 30-minute execution on simulated time in milliseconds.
``RequestBudget`` is the politeness guarantee: a token bucket that every AWS request the
poller and the log tailer make goes through, so the average rate can never exceed it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

Wake = Callable[[], bool]
"""A predicate that ends a sleep early when it turns true (stop asked, detached)."""


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    def wall(self) -> datetime:
        """The current UTC time (for event timestamps)."""
        ...

    def sleep(self, seconds: float, wake: Wake | None = None) -> None:
        """Wait ``seconds``, or less if ``wake()`` turns true meanwhile."""
        ...


class SystemClock:
    """Real time. Sleeps check ``wake`` a few times a second so Stop and Ctrl+C feel instant."""

    tick = 0.2

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float, wake: Wake | None = None) -> None:
        deadline = time.monotonic() + max(0.0, seconds)
        while True:
            if wake is not None and wake():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(self.tick, remaining))


class RequestBudget:
    """A token bucket: at most ``rate`` requests a second on average, bursts up to ``burst``.

    ``take`` waits (on the clock) until a token is free. ``requests`` counts every request
    taken, which the tests and the benchmark read.
    """

    def __init__(self, clock: Clock, rate: float = 1.0, burst: float = 10.0) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self._clock = clock
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._last = clock.monotonic()
        self._lock = threading.Lock()
        self.requests = 0
        self.waited = 0.0

    def _refill(self) -> None:
        now = self._clock.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def try_take(self, reserve: float = 0.0) -> bool:
        """Take one token only if more than ``reserve`` would be left; never waits.

        For optional requests (logs, describing a job that reported nothing new): under
        pressure they wait for a later round and the status polls keep their pace.
        """
        with self._lock:
            self._refill()
            if self._tokens - 1.0 < reserve:
                return False
            self._tokens -= 1.0
            self.requests += 1
            return True

    def take(self, n: float = 1.0) -> None:
        with self._lock:
            self._refill()
            shortfall = n - self._tokens
        if shortfall > 0:
            wait = shortfall / self.rate
            self.waited += wait
            self._clock.sleep(wait)
        with self._lock:
            self._refill()
            self._tokens -= n
            self.requests += 1
