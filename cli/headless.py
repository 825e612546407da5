"""Run an engine without the TUI, printing its events; Ctrl+C stops it; the exit code.

``run_headless(engine, json_lines=...)`` runs ``engine.run`` in a thread and hands its events
to one sink: JSON lines (``json_lines=True``), plain lines when stdout is not a terminal (CI,
a pipe, a file), else the live view (``cli/live.py``). The sinks themselves are the printer
``run`` shares with ``watch`` (``cli/printer.py``); the tool's own messages and log records
go to stderr, never into the events.

Ctrl+C once asks the engine to stop (its stop event) and waits until it reports Stopped;
Ctrl+C twice leaves at once. The last event printed is always an ``execution`` event with a
final status (one is added if the engine ended without it). The return value is the exit
code of docs/ARCHITECTURE.md: 0 succeeded, 1 failed, 2 bad input (a ``WizardError`` from
the engine), 130 interrupted.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import IO

from cli.live import LiveSink
from cli.printer import Sink, is_terminal, make_printer
from runners.base import Engine, exit_code_for
from runners.events import TERMINAL_EXECUTION_STATUSES, ExecutionEvent
from wizard.errors import WizardError

EXIT_INTERRUPTED = 130


class _Outcome:
    def __init__(self) -> None:
        self.status: str | None = None
        self.error: BaseException | None = None


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
    sink: Sink
    if plain is None:
        plain = not is_terminal(out)
    if json_lines or plain:
        sink = make_printer(json_lines=json_lines, out=out, steps=steps)
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


def _final_status(sink: Sink, outcome: _Outcome, engine: Engine, forced: bool) -> str:
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
