"""What a step may do to its run: the one object the engine shares with its steps.

``RunRecorder`` holds, for one execution, everything several threads touch at once:

* ``emit(event)`` appends a RunEvent to the run's ``events.jsonl`` and hands it to the
  listener, one event at a time; ``emit_step`` emits a step's status with its attempt and job;
* ``write_step_json(state)`` records a step's state (``steps/<Step>/step.json``);
* ``write_failed(exc, path)`` notes that the engine could not write in the run folder (or
  the registry): a full disk. Nothing the engine writes raises into a thread; from then on
  the steps that end fail with ``write_error`` as their reason and nothing new starts;
* ``lock`` guards every ``StepState`` (a step's handler threads and the scheduler share them);
  ``step_states()`` copies them under it;
* ``stop`` is the execution's stop event (set: start nothing new, stop what runs);
* ``jobs`` starts jobs within the run's slots (``jobs.py``).

The engine makes one per run and gives it, never itself, to each step (``steps.StepRun``), so
what a step may touch of its run is this list and nothing else.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import threading
from pathlib import Path
from typing import IO, Any

from wizard.store import atomic_write_text

from ..base import Emit
from ..events import RunEvent, StepEvent, to_json
from .jobs import JobRunner
from .layout import RunLayout
from .steps import StepState

log = logging.getLogger(__name__)


def write_failure_reason(exc: OSError, what: str) -> str:
    """A failed write in words: ``the disk is full: cannot write PATH (No space left...)``."""
    detail = f"{what} ({exc.strerror or exc})"
    if exc.errno == errno.ENOSPC:
        return f"the disk is full: {detail}"
    if exc.errno == errno.EDQUOT:
        return f"the disk quota is exceeded: {detail}"
    return detail


def rewrite_record(path: Path, text: str) -> OSError | None:
    """Write a small record (step.json, run.json) atomically; when that fails (no room for
    the temporary copy), rewrite the file in place: truncating it frees its blocks, which
    a record of about the same size fits in again. Returns the atomic write's error (None if
    it worked); raises when the file could not be written at all."""
    try:
        atomic_write_text(path, text)
        return None
    except OSError as exc:
        if not path.is_file():
            raise
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return exc


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
        self.write_error: str | None = None
        """Why the engine could not write (the first failure of this execution), or None."""
        self.write_failure = threading.Event()
        """Set with ``write_error``: the jobs running are cancelled."""

    # ------------------------------------------------------------------ an execution

    def start(self, listener: Emit, stop: threading.Event, jobs: JobRunner) -> None:
        """Begin an execution: events go to ``listener`` (and, once ``open_events`` is
        called, to ``events.jsonl``); ``stop`` and ``jobs`` are its own."""
        self._listener = listener
        self.stop = stop
        self.jobs = jobs
        self.write_error = None
        self.write_failure = threading.Event()

    def write_failed(self, exc: OSError, path: Path | str) -> str:
        """Note that writing ``path`` failed; returns the execution's write error (the first
        one noted), in words."""
        with self._emit_lock:
            if self.write_error is None:
                where = Path(path)
                root = self.layout.root
                shown = where.relative_to(root) if where.is_relative_to(root) else where
                self.write_error = write_failure_reason(exc, f"cannot write {shown}")
                log.info("%s", self.write_error)
            self.write_failure.set()
            return self.write_error

    def open_events(self) -> None:
        """Append every event from now on to the run's ``events.jsonl``."""
        self._events_file = self.layout.events.open("a", encoding="utf-8")

    def close_events(self) -> None:
        with self._emit_lock:
            if self._events_file is not None:
                with contextlib.suppress(OSError):
                    self._events_file.close()
            self._events_file = None

    # ------------------------------------------------------------------ what steps use

    def emit(self, event: RunEvent) -> None:
        """Record ``event`` and pass it to the listener (whose errors are logged, not raised:
        a listener's bug must not break the run)."""
        failed: OSError | None = None
        with self._emit_lock:
            if self._events_file is not None:
                try:
                    self._events_file.write(to_json(event) + "\n")
                    self._events_file.flush()
                except OSError as exc:  # the disk is full: stop writing the file, go on
                    failed = exc
                    with contextlib.suppress(OSError):
                        self._events_file.close()
                    self._events_file = None
            if self._listener is not None:
                try:
                    self._listener(event)
                except Exception:
                    log.exception("the event listener raised")
        if failed is not None:
            self.write_failed(failed, self.layout.events)

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

    def write_step_json(self, state: StepState) -> bool:
        """Write ``steps/<Step>/step.json`` (atomically: a reader never sees half of it; in
        place when the disk has no room for a copy). A failure is noted (``write_failed``),
        not raised; returns whether the record is on disk."""
        path = self.layout.step_json(state.name)
        with self.lock:
            text = json.dumps(state.to_dict(), indent=2)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            error = rewrite_record(path, text + "\n")
        except OSError as exc:
            self.write_failed(exc, path)
            return False
        if error is not None:
            self.write_failed(error, path)
        return True

    def step_states(self) -> dict[str, StepState]:
        """A snapshot of every step's state (copies; safe from any thread)."""
        with self.lock:
            return {n: StepState.from_dict(s.to_dict()) for n, s in self.states.items()}
