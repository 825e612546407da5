"""Run an engine without the TUI: JSON lines, a live progress view, or plain lines.

``run_headless(engine, json_lines=...)`` runs ``engine.run`` in a thread and reports its events:

- ``json_lines=True``: one event per line on stdout (``to_json``), flushed as it happens, in
  the order the engine emitted them; the tool's own messages go to stderr.
- otherwise, on a terminal: a live rich view (one row per step: status, duration, cache hit,
  attempt, last log line), refreshed a few times a second, and a summary at the end (the
  failure reason in full, the final metrics).
- otherwise (stdout is a file or a pipe, e.g. CI): plain lines, one per status change, metric
  and log line.

Ctrl+C once asks the engine to stop (its stop event) and waits until it reports Stopped;
Ctrl+C twice leaves at once. The last event printed is always an ``execution`` event with a
final status (one is added if the engine ended without it). The return value is DESIGN.md's
exit code: 0 succeeded, 1 failed, 2 bad input (a ``WizardError`` from the engine), 130
interrupted.
"""

from __future__ import annotations

import logging
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

from runners.base import Engine, exit_code_for
from runners.events import (
    TERMINAL_EXECUTION_STATUSES,
    ExecutionEvent,
    LogEvent,
    MetricEvent,
    RunEvent,
    StepEvent,
    to_json,
)
from runners.run_state import (
    STATUS_GLYPHS,
    STATUS_STYLES,
    RunState,
    clip_line,
    format_duration,
    status_label,
)
from wizard.errors import WizardError

EXIT_INTERRUPTED = 130
REFRESH_PER_SECOND = 4


class _Outcome:
    def __init__(self) -> None:
        self.status: str | None = None
        self.error: BaseException | None = None


def _clock(iso: str) -> str:
    """``HH:MM:SS`` (local time) of an event time."""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return iso


# --------------------------------------------------------------------------- sinks


class _Sink(ABC):
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


class JsonLinesSink(_Sink):
    def __init__(self, out: IO[str]) -> None:
        super().__init__()
        self.out = out

    def write(self, event: RunEvent) -> None:
        self.out.write(to_json(event) + "\n")
        self.out.flush()


class PlainLinesSink(_Sink):
    """One line per event, for logs and pipes (no cursor movement, no colour)."""

    def __init__(self, out: IO[str], steps: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.out = out
        self.state = RunState(steps)
        width = max((len(name) for name, _ in steps or []), default=16)
        self.width = max(width, 12)

    def write(self, event: RunEvent) -> None:
        self.state.apply(event)
        self.out.write(self.format(event) + "\n")
        self.out.flush()

    def format(self, event: RunEvent) -> str:
        when = _clock(event.time)
        if isinstance(event, ExecutionEvent):
            extras = ", ".join(x for x in (event.engine, event.id) if x)
            line = f"{when}  execution  {event.status}"
            if extras:
                line += f" ({extras})"
            if event.status in TERMINAL_EXECUTION_STATUSES:
                took = format_duration(self.state.execution().duration())
                if took:
                    line += f" after {took}"
            if event.reason:
                line += f": {_one_line(event.reason)}"
            return line
        if isinstance(event, StepEvent):
            step = self.state.step(event.step)
            line = f"{when}  {event.step:<{self.width}}  {event.status}"
            facts = []
            if event.status in ("Succeeded", "Failed", "Stopped") and step is not None:
                took = format_duration(step.duration())
                if took:
                    facts.append(took)
            if event.cache_hit:
                facts.append("cache hit")
            if event.attempt and event.attempt > 1:
                facts.append(f"attempt {event.attempt}")
            if event.job and event.status in ("Starting", "Executing"):
                facts.append(f"job {event.job}")
            if facts:
                line += f" ({', '.join(facts)})"
            if event.reason:
                line += f": {_one_line(event.reason)}" + _indented(event.reason)
            return line
        if isinstance(event, MetricEvent):
            return f"{when}  {event.step:<{self.width}}  metric {event.name} = {event.value:g}"
        assert isinstance(event, LogEvent)
        return f"{when}  {event.step:<{self.width}}  | {clip_line(event.line)}"


def _one_line(text: str) -> str:
    """A multi-line reason (the last lines of a stderr) on one line: its last line, which
    is where Python puts the error."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _indented(text: str) -> str:
    """The lines of a multi-line reason, indented under the line that names it."""
    lines = text.strip().splitlines()
    if len(lines) <= 1:
        return ""
    return "".join(f"\n    {line}" for line in lines)


class LiveSink(_Sink):
    """A rich live table on a terminal, then a summary."""

    def __init__(
        self, console: Any, steps: list[tuple[str, str]] | None = None, title: str = ""
    ) -> None:
        super().__init__()
        self.console = console
        self.state = RunState(steps)
        self.title = title
        self.live: Any = None
        self.stopping = False

    def write(self, event: RunEvent) -> None:
        self.state.apply(event)

    def start(self) -> None:
        from rich.live import Live

        self.live = Live(
            get_renderable=self.render,
            console=self.console,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=False,
            redirect_stderr=True,
            redirect_stdout=True,
        )
        self.live.start()

    def close(self) -> None:
        if self.live is not None:
            self.live.refresh()  # the final picture (render takes the lock itself)
            self.live.stop()
            if not self.console.is_terminal:
                self.console.line()
            self.live = None
        self.summary()

    def say(self, message: str) -> None:
        if self.live is not None:
            self.live.console.print(message, style="magenta", markup=False, highlight=False)
        else:
            super().say(message)

    def render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        with self.lock:
            execution = self.state.execution()
            steps = self.state.steps()
        over = execution.finished
        header = Text()
        header.append(self.title or "pipeline", style="bold")
        if execution.engine:
            header.append(f" · {execution.engine}")
        status = execution.status or "Starting"
        header.append(" · ")
        header.append(
            f"{STATUS_GLYPHS.get(status, '?')} {status}", style=STATUS_STYLES.get(status, "")
        )
        took = format_duration(execution.duration())
        if took:
            header.append(f" · {took}")
        done = sum(1 for s in steps if s.finished)
        if steps:
            header.append(f" · {done}/{len(steps)} steps")
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold", expand=True)
        name_width = max((len(s.name) for s in steps), default=4)
        table.add_column("", width=1, no_wrap=True)
        table.add_column("Step", no_wrap=True, min_width=min(name_width, 24))
        table.add_column("Status", no_wrap=True, min_width=9)
        table.add_column("Time", justify="right", no_wrap=True, min_width=5)
        table.add_column("Cache", no_wrap=True, min_width=5)
        table.add_column("Last line", no_wrap=True, overflow="ellipsis", ratio=1, min_width=8)
        for step in steps:
            shown = step.display_status(over)
            style = STATUS_STYLES.get(shown, "")
            last = step.reason if step.status == "Failed" and step.reason else step.last_line
            table.add_row(
                Text(STATUS_GLYPHS.get(shown, "?"), style=style),
                Text(step.name, style="dim" if shown in ("Pending", "NotRun") else ""),
                Text(status_label(shown), style=style),
                format_duration(step.duration()),
                "hit" if step.cache_hit else "",
                Text(_one_line(last) if last else "", style="dim"),
            )
        hint = Text(
            "stopping…" if self.stopping and not over else ("" if over else "Ctrl+C to stop"),
            style="dim",
        )
        return Group(header, table, hint) if hint.plain else Group(header, table)

    def summary(self) -> None:
        from rich.text import Text

        execution = self.state.execution()
        status = execution.status or "Failed"
        line = Text(
            f"{STATUS_GLYPHS.get(status, '?')} {status}", style=STATUS_STYLES.get(status, "")
        )
        took = format_duration(execution.duration())
        if took:
            line.append(f" in {took}")
        if execution.id:
            line.append(f"  ({execution.id})", style="dim")
        self.console.print(line)
        for step in self.state.steps():
            if step.status == "Failed" and step.reason:
                self.console.print(Text(f"{step.name} failed:", style="bold red"))
                self.console.print(Text(step.reason.rstrip()), highlight=False)
        if execution.reason and not any(s.status == "Failed" for s in self.state.steps()):
            self.console.print(Text(execution.reason), highlight=False)
        metrics = self.state.metrics()
        if metrics:
            self.console.print(Text("metrics", style="bold"))
            for point in metrics:
                self.console.print(f"  {point.step} {point.name} = {point.value:g}", markup=False)


# --------------------------------------------------------------------------- running


def run_headless(
    engine: Engine,
    *,
    json_lines: bool,
    plain: bool | None = None,
    steps: list[tuple[str, str]] | None = None,
    title: str = "",
    out: IO[str] | None = None,
    poll_interval: float = 0.1,
    on_started: Callable[[threading.Event], None] | None = None,
) -> int:
    """Run ``engine`` to its end, printing its events; return the exit code.

    ``plain``: force plain lines (``True``) or the live view (``False``); by default plain
    lines unless stdout is a terminal. ``steps``: the Plan's ``(name, kind)`` pairs, so the
    views list steps before they start. ``on_started`` receives the stop event (tests use it
    to simulate Ctrl+C).
    """
    out = out or sys.stdout
    sink: _Sink
    if json_lines:
        sink = JsonLinesSink(out)
    else:
        if plain is None:
            plain = not _is_terminal(out)
        if plain:
            sink = PlainLinesSink(out, steps)
        else:
            from rich.console import Console

            sink = LiveSink(Console(file=out), steps, title)
    undo_logging = _log_to_stderr()

    stop = threading.Event()
    outcome = _Outcome()

    done = threading.Event()

    def work() -> None:
        try:
            outcome.status = engine.run(sink.emit, stop)
        except BaseException as exc:  # handed to the main thread
            outcome.error = exc
        finally:
            done.set()

    thread = threading.Thread(target=work, name="sm-wizard-run", daemon=True)
    interrupted = False
    forced = False
    sink.start()
    try:
        while True:
            try:
                if not thread.is_alive() and thread.ident is None:
                    thread.start()
                    if on_started is not None:
                        on_started(stop)
                # Not thread.join(): on Python 3.11 a Ctrl+C inside join() can mark a thread
                # that is still running as stopped (cpython gh-90882).
                if done.wait(poll_interval):
                    break
                sink.tick()
            except KeyboardInterrupt:
                if interrupted:
                    forced = True
                    break
                interrupted = True
                stop.set()
                if isinstance(sink, LiveSink):
                    sink.stopping = True
                sink.say(
                    "Stopping: asked the engine to stop the running steps "
                    "(Ctrl+C again to leave without waiting)…"
                )
    finally:
        if forced:
            sink.say("Left without waiting for the engine to stop.")
        status = _final_status(sink, outcome, engine, forced)
        sink.close()
        undo_logging()

    if isinstance(outcome.error, WizardError):
        print(f"error: {outcome.error.message}", file=sys.stderr, flush=True)
        return outcome.error.exit_code
    if outcome.error is not None and not forced:
        error = outcome.error
        print(f"error: the engine failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if (interrupted or forced) and status != "Succeeded":
        return EXIT_INTERRUPTED
    return exit_code_for(status)


def _final_status(sink: _Sink, outcome: _Outcome, engine: Engine, forced: bool) -> str:
    """Make sure the last event printed is a terminal execution event; return its status.

    Holds the sink's lock throughout and closes the sink, so a straggling engine thread
    cannot print after the final line."""
    with sink.lock:
        last, last_execution = sink.last, sink.last_execution
        if isinstance(last, ExecutionEvent) and last.status in TERMINAL_EXECUTION_STATUSES:
            sink.closed = True
            return last.status
        run_id = last_execution.id if last_execution else None
        if forced:
            status, reason = "Stopped", "interrupted before the engine finished stopping"
        elif outcome.error is not None:
            error = outcome.error
            status = "Failed"
            reason = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
        elif last_execution is not None and last_execution.status in TERMINAL_EXECUTION_STATUSES:
            # the engine said its final word, then kept talking: repeat the final word last
            status, reason = last_execution.status, last_execution.reason
        else:
            status = outcome.status if outcome.status in TERMINAL_EXECUTION_STATUSES else "Failed"
            reason = None if status == outcome.status else "the engine ended without a final status"
        event = ExecutionEvent(
            status, engine=getattr(engine, "name", None), id=run_id, reason=reason
        )  # type: ignore[arg-type]
        sink.emit_locked(event)
        sink.closed = True
        return status


def _is_terminal(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (never to stdout)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


def _log_to_stderr() -> Callable[[], None]:
    """The tool's own log messages (engines use ``logging``) go to stderr, never stdout.
    Returns the function that undoes it."""
    root = logging.getLogger()
    handler = _StderrHandler()
    handler.setLevel(logging.WARNING)
    root.addHandler(handler)
    previous = root.level
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)

    def undo() -> None:
        root.removeHandler(handler)
        root.setLevel(previous)

    return undo
