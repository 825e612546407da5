"""Which steps' CloudWatch logs the poller reads each round, and what a failed read does.

The poller keeps the steps; ``LogReads`` decides which of them the ``LogTailer`` follows
(the selected ones in a view, every step that ran while watched headless, a step that just
ended until it is read to its end) and keeps log-read failures away from the status polls:
throttled, dropped or expired log reads back off on their own, and at the end of an
execution the last lines get ``PollSettings.final_logs_within`` seconds, no more, so the
final event is never late because of logs.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from typing import Protocol

from .aws import AwsError
from .clock import Clock
from .jobs import RUNNING_STEP_STATUSES, TrackedJob
from .logs import LOG_GROUPS, LogTailer
from .notices import Notice, NoticeHandler
from .poll_settings import PollSettings


class StepView(Protocol):
    """What log reading needs to know of a step (the poller's bookkeeping has it)."""

    name: str
    status: str | None
    ran_while_watched: bool
    job: TrackedJob | None


class LogReads:
    """Drives a ``LogTailer`` from the poll loop."""

    def __init__(
        self,
        tailer: LogTailer,
        settings: PollSettings,
        clock: Clock,
        notice: NoticeHandler,
        rng: random.Random,
    ) -> None:
        self.tailer = tailer
        self.settings = settings
        self.clock = clock
        self._notice = notice
        self._rng = rng
        self._backoff = 0.0
        self._resume_at = 0.0

    def read_ended(self, steps: Iterable[StepView], names: Collection[str]) -> None:
        """After the end: read the named steps' logs to their end."""
        for step in steps:
            group = LOG_GROUPS.get(step.job.key) if step.job else None
            if step.name in names and step.job is not None and group is not None:
                self.tailer.follow(step.name, group, step.job.name, running=False, key=step.job.key)
        self.tailer.drain()

    def tail_safely(
        self, steps: Iterable[StepView], selection: Collection[str] | None, terminal: bool
    ) -> None:
        """Tail logs, but never let a log read hold up step status or the final event.

        Throttled, dropped or expired log reads pause the tailer alone, with its own
        back-off; at the end of an execution the last lines get ``final_logs_within`` seconds
        (retries included), then the final event goes out regardless (with a notice saying
        what could not be read).
        """
        s = self.settings
        end_by = self.clock.monotonic() + s.final_logs_within if terminal else None
        while True:
            now = self.clock.monotonic()
            if not terminal and now < self._resume_at:
                return
            if end_by is not None and now >= end_by:
                break
            try:
                self._tail(list(steps), selection, end_by)
            except AwsError as err:
                if not (err.retryable or err.kind in ("expired", "credentials")):
                    self.tailer.disabled = True
                    self._notice(Notice("permission", f"Logs stop here: {err.message}", "warning"))
                    return
                first = self._backoff == 0.0
                self._backoff = min(max(self._backoff * 2, s.backoff_base), s.backoff_max)
                self._resume_at = now + self._backoff
                if first:
                    self._notice(
                        Notice(
                            "throttled" if err.kind == "throttled" else "reconnecting",
                            "Log reads are failing for now "
                            f"({err.title.lower()}); step status keeps coming and the "
                            "logs catch up when they can.",
                            "warning",
                        )
                    )
                if end_by is not None:
                    wait = self._backoff * self._rng.uniform(0.8, 1.2)
                    self.clock.sleep(min(wait, max(0.0, end_by - self.clock.monotonic())))
                    continue
            else:
                if self._backoff:
                    self._backoff = 0.0
                    self._notice(Notice("reconnected", "Log reads work again.", "info"))
            break
        if terminal and self.tailer.following and not self.tailer.disabled:
            self._notice(
                Notice(
                    "info",
                    "The execution ended before all its log lines could be read; "
                    "they stay in CloudWatch Logs.",
                    "warning",
                )
            )

    def _tail(
        self, steps: list[StepView], selection: Collection[str] | None, end_by: float | None
    ) -> None:
        """Keep the tailer following the right steps, then let it read what is due.

        With no selection (headless) every step that ran while we watched is tailed; steps
        already finished when we attached are not (select them to read their logs).
        """
        terminal = end_by is not None
        for step in steps:
            job = step.job
            group = LOG_GROUPS.get(job.key) if job else None
            if job is None or group is None or job.described_at is None:
                continue
            running = step.status in RUNNING_STEP_STATUSES and not terminal
            wanted = step.ran_while_watched if selection is None else step.name in selection
            if not wanted and not running and step.name in self.tailer.following:
                wanted = True  # it just ended: read it to its end (the view moved on)
            if wanted:
                self.tailer.follow(step.name, group, job.name, running=running, key=job.key)
            elif step.name in self.tailer.following:
                self.tailer.pause(step.name)
        if end_by is not None:
            self.tailer.drain(until=end_by)
        else:
            self.tailer.poll(ahead=self.settings.min_interval)
