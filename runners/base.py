"""One interface for every engine: start, stream events, stop, retry.

An engine runs (or attaches to) one pipeline execution and reports everything it sees as
``RunEvent``s through ``emit``. It never knows who listens: the TUI monitor wraps events in
Textual messages, the headless CLI prints lines or JSON. ``run`` blocks until the execution
reaches a terminal status (or ``stop`` is set and stopping has finished), so callers run it in
a worker thread. ``emit`` may be called from any thread; it must not block for long.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from .events import RunEvent

Emit = Callable[[RunEvent], None]


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do beyond ``run``, so screens ask instead of testing its name.

    Each ``can_*`` flag promises the method of the same name: ``can_retry`` -> ``retry``,
    ``can_detach`` -> ``detach``, ``can_select_logs`` -> ``select_logs``,
    ``can_run_from`` -> ``from_step``.
    """

    remote: bool = False
    """The execution lives elsewhere (SageMaker): leaving the screen need not stop it."""
    can_stop: bool = True
    """Setting ``run``'s ``stop`` event stops the execution (not only the watching)."""
    can_retry: bool = False
    """``retry(emit, stop)`` re-runs the failed steps of the execution."""
    can_detach: bool = False
    """``detach()`` stops following without stopping the execution."""
    can_select_logs: bool = False
    """``select_logs(steps)`` narrows which steps' logs are read (remote log tailing)."""
    can_run_from: bool = False
    """``from_step(step)`` returns an Engine for a new execution that runs ``step`` and the
    steps downstream of it, reusing this execution's results for the others (SageMaker's
    selective execution; a local run from a step). Its ``run`` starts it."""


@runtime_checkable
class Engine(Protocol):
    name: str
    """``local`` or ``sagemaker``: the ``engine`` field of execution events."""
    capabilities: Capabilities
    """What else it can do; screens read this, never the engine's name or type."""

    def run(self, emit: Emit, stop: threading.Event) -> str:
        """Run or follow the execution to its end; return its final status.

        Setting ``stop`` asks the engine to stop the execution (Stopping, then Stopped).
        The last event emitted is always an ``ExecutionEvent`` with a terminal status.
        """
        ...


@runtime_checkable
class RunsFrom(Protocol):
    def from_step(self, step: str) -> Engine:
        """An engine for a new execution from ``step`` (nothing starts until its ``run``)."""
        ...


@runtime_checkable
class Retryable(Protocol):
    def retry(self, emit: Emit, stop: threading.Event) -> str:
        """Re-run the last execution from its failed steps (successful steps are kept)."""
        ...


@runtime_checkable
class Defined(Protocol):
    """An engine that follows an execution it did not plan (``sm-wizard watch``, a selective
    execution): screens with no Plan draw the graph and a step's details from this."""

    @property
    def definition(self) -> list[Any]:
        """The execution's steps as its own definition states them
        (``runners.sagemaker.definition.DefinedStep``); empty until it has been read."""
        ...


def definition_of(engine: object) -> list[Any]:
    """``engine.definition`` for an engine that has one, else no steps."""
    return list(engine.definition) if isinstance(engine, Defined) else []


def exit_code_for(status: str) -> int:
    """The exit codes of docs/ARCHITECTURE.md for a finished execution."""
    return {"Succeeded": 0, "Failed": 1, "Stopped": 130}.get(status, 1)
