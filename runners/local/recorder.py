"""What a step may do to its run: the one object the engine shares with its steps.

``RunRecorder`` holds, for one execution, everything several threads touch at once:

* ``emit(event)`` appends a RunEvent to the run's ``events.jsonl`` and hands it to the
  listener, one event at a time; ``emit_step`` emits a step's status with its attempt and job;
* ``write_step_json(state)`` records a step's state (``steps/<Step>/step.json``);
* ``lock`` guards every ``StepState`` (a step's handler threads and the scheduler share them);
  ``step_states()`` copies them under it;
* ``stop`` is the execution's stop event (set: start nothing new, stop what runs);
* ``jobs`` starts jobs within the run's slots (``jobs.py``).

The engine makes one per run and gives it, never itself, to each step (``steps.StepRun``), so
what a step may touch of its run is this list and nothing else.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import IO, Any

from wizard.store import atomic_write_text

from ..base import Emit
from ..events import RunEvent, StepEvent, to_json
from .jobs import JobRunner
from .layout import RunLayout
from .steps import StepState

log = logging.getLogger(__name__)


class RunRecorder:
    """The run's events, step records, lock, stop event and job slots (see the module)."""

    def __init__(self, layout: RunLayout, states: dict[str, StepState]) -> None:
        self.layout = layout
        self.states = states
        """Every step's state, by name; read and change them under ``lock``."""
        self.lock = threading.RLock()
        self.stop = threading.Event()
        self.jobs: JobRunner | None = None
        """Set for each execution (``start``)."""
        self._emit_lock = threading.Lock()
        self._listener: Emit | None = None
        self._events_file: IO[str] | None = None

    # ------------------------------------------------------------------ an execution

    def start(self, listener: Emit, stop: threading.Event, jobs: JobRunner) -> None:
        """Begin an execution: events go to ``listener`` (and, once ``open_events`` is
        called, to ``events.jsonl``); ``stop`` and ``jobs`` are its own."""
        self._listener = listener
        self.stop = stop
        self.jobs = jobs

    def open_events(self) -> None:
        """Append every event from now on to the run's ``events.jsonl``."""
        self._events_file = self.layout.events.open("a", encoding="utf-8")

    def close_events(self) -> None:
        with self._emit_lock:
            if self._events_file is not None:
                self._events_file.close()
            self._events_file = None

    # ------------------------------------------------------------------ what steps use

    def emit(self, event: RunEvent) -> None:
        """Record ``event`` and pass it to the listener (whose errors are logged, not raised:
        a listener's bug must not break the run)."""
        with self._emit_lock:
            if self._events_file is not None:
                self._events_file.write(to_json(event) + "\n")
                self._events_file.flush()
            if self._listener is not None:
                try:
                    self._listener(event)
                except Exception:
                    log.exception("the event listener raised")

    def emit_step(self, name: str, status: str, **fields: Any) -> None:
        """A StepEvent for step ``name`` with its current attempt and job; ``None`` fields
        are left out."""
        state = self.states[name]
        self.emit(
            StepEvent(
                name,
                state.kind,
                status,  # type: ignore[arg-type]
                attempt=state.attempt,
                job=state.job,
                **{k: v for k, v in fields.items() if v is not None},
            )
        )

    def write_step_json(self, state: StepState) -> None:
        """Write ``steps/<Step>/step.json`` (atomically: a reader never sees half of it)."""
        path = self.layout.step_json(state.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock:
            text = json.dumps(state.to_dict(), indent=2)
        atomic_write_text(path, text + "\n")

    def step_states(self) -> dict[str, StepState]:
        """A snapshot of every step's state (copies; safe from any thread)."""
        with self.lock:
            return {n: StepState.from_dict(s.to_dict()) for n, s in self.states.items()}
