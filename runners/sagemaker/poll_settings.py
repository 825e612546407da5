"""The polite poller's knobs: how often it polls, describes jobs and reads logs.

A leaf module so that the poller, the job reader and the engines share one ``PollSettings``
without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PollSettings:
    """Knobs of the polite poller. The defaults keep a 20-step pipeline under 0.5 SageMaker
    requests a second, list views included (log reads have a budget of their own)."""

    min_interval: float = 2.0
    """Seconds between polls right after something changed."""
    max_interval: float = 6.0
    """Longest pause between polls while nothing changes: with ``final_logs_within`` it
    bounds how late the end is reported (two requests a poll, 0.33 req/s at most)."""
    growth: float = 1.5
    """Each quiet poll multiplies the pause by this much."""
    job_min_interval: float = 10.0
    """A running job whose step did not change is described at most this often..."""
    job_max_interval: float = 60.0
    """...and less often while it reports nothing new, down to this."""
    job_describes_per_second: float = 0.1
    """Share of the budget for describing unchanged running jobs, split between them."""
    log_requests_per_second: float = 0.5
    """CloudWatch Logs reads a second (a budget of their own: Logs throttles apart from
    SageMaker), split between the streams the tailer follows."""
    log_burst: float = 10.0
    """Log reads that may go out at once (a step selected late, the end of an execution)."""
    max_requests_per_second: float = 0.45
    burst: float = 10.0
    """Requests that may go out at once after a quiet spell (the end of a fan-out)."""
    reserve: float = 4.0
    """Optional requests (logs, unchanged running jobs) leave this many tokens for status."""
    final_logs_within: float = 3.0
    """Once the execution ended, its last log lines get this long before the final event."""
    backoff_base: float = 4.0
    backoff_max: float = 120.0
    reconnect_max: float = 60.0
    expired_retry: float = 30.0
    """Longest pause between retries while the credentials are expired (from ``min_interval``
    up, doubling: new credentials are picked up at the next successful poll)."""
    give_up_after: float | None = 1800.0
    """Give up (raise) after this long of continuous failure; ``None`` keeps trying forever."""
    page_size: int = 100
