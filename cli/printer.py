"""The one printer of run events, shared by ``run`` and ``watch`` (``--headless``, ``--json``).

A *sink* takes events from an engine's (or a watcher's) threads and shows them:

- ``JsonLinesSink``: one event per line (``to_json``), flushed as it happens, in the order
  they came: the run-event contract of docs/ARCHITECTURE.md, for scripts. A log line is cut
  at ``MAX_LINE_CHARS`` like the plain lines, with a marker saying how much was cut.
- ``PlainLinesSink``: one readable line per status change, metric and log line, for logs,
  pipes and slow links (no cursor movement; the status in colour only on a terminal).

The live view of ``run --headless`` on a terminal is a sink too (``cli/live.py``). A sink
never prints after the final ``execution`` event it was given the word to close on
(``closed``), so a straggling thread cannot add a line after the run's last word.
"""

from __future__ import annotations

import sys
import threading
from abc import ABC, abstractmethod
from datetime import datetime
from typing import IO

import click

from runners.events import (
    TERMINAL_EXECUTION_STATUSES,
    ExecutionEvent,
    LogEvent,
    MetricEvent,
    RunEvent,
    StepEvent,
    capped_log,
    to_json,
)
from runners.run_state import MAX_LINE_CHARS, RunState, clip_line, format_duration

#: Terminal colours of the statuses in plain lines (click's names; no colour off a terminal).
STATUS_COLOURS: dict[str, str] = {
    "Starting": "cyan",
    "Executing": "blue",
    "Stopping": "yellow",
    "Stopped": "yellow",
    "Failed": "red",
    "Succeeded": "green",
}


class Sink(ABC):
    """Where events go. ``emit`` is called from the engine's threads, under ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: RunEvent | None = None
        self.last_execution: ExecutionEvent | None = None
        self.closed = False
        """Set after the final execution event: nothing may be printed after it."""

    def emit(self, event: RunEvent) -> None:
        with self.lock:
            self.emit_locked(event)

    def emit_locked(self, event: RunEvent) -> None:
        if self.closed:
            return
        self.last = event
        if isinstance(event, ExecutionEvent):
            self.last_execution = event
        self.write(event)

    @abstractmethod
    def write(self, event: RunEvent) -> None:
        """Show one event (called under the lock, never after the final one)."""

    def start(self) -> None:  # noqa: B027 - an optional hook
        pass

    def tick(self) -> None:  # noqa: B027 - an optional hook
        pass

    def close(self) -> None:  # noqa: B027 - an optional hook
        pass

    def say(self, message: str) -> None:
        """A message of the tool itself (stderr)."""
        print(message, file=sys.stderr, flush=True)


class JsonLinesSink(Sink):
    """One event per line, as the run-event contract spells it, flushed at once."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__()
        self.out = out

    def write(self, event: RunEvent) -> None:
        self.out.write(to_json(capped_log(event, MAX_LINE_CHARS)) + "\n")
        self.out.flush()


class PlainLinesSink(Sink):
    """One line per event, for logs, pipes and slow links (no cursor movement).

    ``steps``: the Plan's ``(name, kind)`` pairs when known, to size the columns.
    ``show_logs``: print the steps' log lines (``watch --no-logs`` leaves them out).
    ``colour``: the status in colour; by default only when ``out`` is a terminal.
    """

    def __init__(
        self,
        out: IO[str],
        steps: list[tuple[str, str]] | None = None,
        *,
        show_logs: bool = True,
        colour: bool | None = None,
    ) -> None:
        super().__init__()
        self.out = out
        self.state = RunState(steps)
        self.show_logs = show_logs
        self.colour = is_terminal(out) if colour is None else colour
        self.width = max(max((len(name) for name, _ in steps or []), default=16), 12)
        self.kind_width = max((len(kind) for _, kind in steps or []), default=13)

    def write(self, event: RunEvent) -> None:
        self.state.apply(event)
        if isinstance(event, LogEvent) and not self.show_logs:
            return
        self.out.write(self.format(event) + "\n")
        self.out.flush()

    def status(self, status: str) -> str:
        if not self.colour:
            return status
        return click.style(status, fg=STATUS_COLOURS.get(status), bold=status == "Failed")

    def format(self, event: RunEvent) -> str:
        when = clock(event.time)
        if isinstance(event, ExecutionEvent):
            line = f"{when}  execution  {self.status(event.status)}"
            extras = ", ".join(x for x in (event.engine, event.id) if x)
            if extras:
                line += f" ({extras})"
            if event.status in TERMINAL_EXECUTION_STATUSES:
                took = format_duration(self.state.execution().duration())
                if took:
                    line += f" after {took}"
            if event.reason:
                line += f": {one_line(event.reason)}"
            return line
        if isinstance(event, StepEvent):
            return f"{when}  {self.format_step(event)}"
        if isinstance(event, MetricEvent):
            return f"{when}  {event.step:<{self.width}}  metric {event.name} = {event.value:g}"
        assert isinstance(event, LogEvent)
        return f"{when}  {event.step} | {clip_line(event.line)}"

    def format_step(self, event: StepEvent) -> str:
        """``name  kind  status (facts): reason`` and the reason's other lines under it."""
        step = self.state.step(event.step)
        line = (
            f"{event.step:<{self.width}}  {event.kind:<{self.kind_width}}  "
            f"{self.status(event.status)}"
        )
        facts = []
        if event.status in ("Succeeded", "Failed", "Stopped") and step is not None:
            took = format_duration(step.duration())
            if took:
                facts.append(took)
        if event.cache_hit:
            facts.append("cache hit")
        if event.attempt and event.attempt > 1:
            facts.append(f"attempt {event.attempt}")
        if event.job and event.status in ("Starting", "Executing", "Failed"):
            facts.append(f"job {event.job}")
        if facts:
            line += f" ({', '.join(facts)})"
        if event.reason:
            line += f": {one_line(event.reason)}" + indented(event.reason)
        return line


def make_printer(
    *,
    json_lines: bool,
    out: IO[str],
    steps: list[tuple[str, str]] | None = None,
    show_logs: bool = True,
) -> Sink:
    """JSON lines or plain lines on ``out`` (``show_logs`` is for plain lines: JSON keeps
    every event the engine sends)."""
    if json_lines:
        return JsonLinesSink(out)
    return PlainLinesSink(out, steps, show_logs=show_logs)


def clock(iso: str) -> str:
    """``HH:MM:SS`` (local time) of an event time."""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return iso


def one_line(text: str) -> str:
    """A multi-line reason (the last lines of a stderr) on one line: its last line, which
    is where Python puts the error."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def indented(text: str) -> str:
    """The lines of a multi-line reason, indented under the line that names it."""
    lines = text.strip().splitlines()
    if len(lines) <= 1:
        return ""
    return "".join(f"\n    {line}" for line in lines)


def is_terminal(out: IO[str]) -> bool:
    """Whether ``out`` is a terminal (a replaced or closed stream is not)."""
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False
