"""One step's execution, from Starting to its final status, and the step cache around it.

``StepExecutor.run(step)`` resets the step's state for a new attempt, reuses a previous
run's outputs when the step's cache key matches (``cache.py``), else runs the step kind's
handler (``handlers.HANDLERS``) with a ``StepRun``, and records how it ended: Succeeded (its
outputs and their digests, and a cache entry), Failed (with a reason), or Stopped. A bug in
a handler still ends its step, Failed, with the traceback in the step's log.

A step's cache key is a digest of everything that decides what it produces: its code, its
arguments and settings, the parameters it uses, and the content of its inputs.
"""

from __future__ import annotations

import json
import time
import traceback

from wizard.plan.dag import PlanStep, StepInput

from ..events import MetricEvent
from .cache import StepCache, digest_json, digest_path
from .context import RunContext
from .fingerprint import CACHE_FORMAT, fingerprint, step_material
from .handlers import HANDLERS
from .jobs import link_tree
from .layout import RunLayout
from .recorder import RunRecorder
from .steprun import StepRun
from .steps import StepFailed, StepState, StepStopped

__all__ = ["CACHE_FORMAT", "StepExecutor"]


class StepExecutor:
    """Runs steps of one run (each in the scheduler's thread for it)."""

    def __init__(
        self,
        context: RunContext,
        recorder: RunRecorder,
        cache: StepCache,
        *,
        rerun: frozenset[str] = frozenset(),
    ) -> None:
        self.context = context
        self.recorder = recorder
        self.cache = cache
        self.rerun = rerun
        """Steps that run even when the cache holds their result (``--from STEP``)."""

    def run(self, step: PlanStep) -> None:
        """Run ``step`` to its end; every way it ends is recorded in its state."""
        recorder = self.recorder
        state = recorder.states[step.name]
        try:
            run = StepRun(self.context, recorder, step, state)
        except OSError as exc:  # cannot even create its folder or log: fail it, visibly
            with recorder.lock:
                state.status, state.reason = "Failed", f"cannot prepare the step: {exc}"
            recorder.emit_step(step.name, "Failed", reason=state.reason)
            return
        try:
            with recorder.lock:
                state.status = "Starting"
                state.attempt += 1
                state.started_at, state.ended_at = time.time(), None
                state.reason = state.job = state.cached_from = None
                state.cache_hit, state.cache_key = False, None
                state.outputs, state.output_digests, state.metrics = {}, {}, {}
                state.outcome, state.details, state.pids = None, {}, []
                state.fingerprint, state.reused_from = {}, None
            recorder.write_step_json(state)
            recorder.emit_step(step.name, "Starting")
            run.check_stop()
            material = step_material(self.context, step, self.input_digest)
            with recorder.lock:
                state.fingerprint = fingerprint(material)
            if step.cacheable and self.cache.enabled:
                state.cache_key = digest_json(material)
                if step.name not in self.rerun and self.reuse_cached(run):
                    return
            HANDLERS[step.kind](run)
            self.finish(run, "Succeeded")
        except StepStopped:
            run.stopping()
            self.finish(run, "Stopped")
        except StepFailed as failed:
            self.finish(run, "Failed", failed.reason)
        except OSError as exc:  # the engine could not write (a full disk): say so in words
            path = exc.filename or self.context.layout.step_dir(step.name)
            self.finish(run, "Failed", recorder.write_failed(exc, path))
        except Exception as exc:  # a bug here must still end the step, with a reason
            for line in traceback.format_exc().splitlines():
                run.log(line)
            self.finish(run, "Failed", f"internal error in the local engine: {exc!r}")
        finally:
            run.close()

    def finish(self, run: StepRun, status: str, reason: str | None = None) -> None:
        """Record the step's end (and, when it succeeded, its outputs and cache entry).

        Once the engine could not write (``recorder.write_error``: a full disk), a step
        that ends otherwise than stopped on request fails with that reason: its log or
        records are incomplete, and the run must not go on."""
        step, state, layout = run.step, run.state, self.context.layout
        recorder = self.recorder
        if status == "Succeeded" and recorder.write_error is None:
            for output in step.outputs:
                path = layout.output_dir(step, output.name)
                state.outputs[output.name] = layout.relative(path)
                if output.name not in state.output_digests:  # a handler may name the content
                    state.output_digests[output.name] = digest_path(path)
            if state.cache_key and not state.cache_hit:
                try:
                    self.cache.store(
                        step.name, state.cache_key, self.context.run_dir, self.context.run_id
                    )
                except OSError as exc:
                    recorder.write_failed(exc, exc.filename or self.cache.root)
        if recorder.write_error is not None and not (status == "Stopped" and run.run_stopping()):
            status, reason = "Failed", recorder.write_error
        with recorder.lock:
            state.status = status
            state.reason = reason
            state.ended_at = time.time()
        recorder.write_step_json(state)
        if recorder.write_error is not None and status == "Succeeded":  # its own record
            with recorder.lock:
                status, reason = "Failed", recorder.write_error
                state.status, state.reason = status, reason
            recorder.write_step_json(state)
        recorder.emit_step(step.name, status, reason=reason, cache_hit=state.cache_hit or None)

    # ------------------------------------------------------------------ caching

    def cache_key(self, step: PlanStep) -> str:
        return digest_json(step_material(self.context, step, self.input_digest))

    def input_digest(self, item: StepInput) -> str:
        if item.step is None:
            return digest_path(self.context.external_source(item))
        state = self.recorder.states[item.step]
        digest = state.output_digests.get(item.output or "")
        if digest is None:
            producer = self.context.plan.step(item.step)
            digest = digest_path(self.context.layout.output_dir(producer, item.output or ""))
        return digest

    def reuse_cached(self, run: StepRun) -> bool:
        """Take a previous run's outputs if its entry for this key is still whole; True if
        the step has thereby succeeded."""
        step, state, layout = run.step, run.state, self.context.layout
        assert state.cache_key is not None
        entry = self.cache.lookup(step.name, state.cache_key)
        if entry is None or entry.run_dir == self.context.run_dir:
            return False
        source = RunLayout(entry.run_dir)
        try:
            previous = StepState.from_dict(json.loads(source.step_json(step.name).read_text()))
        except (OSError, ValueError):
            return False
        if previous.status != "Succeeded" or previous.cache_key != state.cache_key:
            return False
        outputs = {o.name: source.output_dir(step, o.name) for o in step.outputs}
        if not all(path.exists() for path in outputs.values()):
            self.cache.forget(step.name, state.cache_key)
            return False
        for name, path in outputs.items():
            link_tree(path, layout.output_dir(step, name))
        state.cache_hit = True
        state.cached_from = entry.run_id
        state.metrics = dict(previous.metrics)
        state.details = dict(previous.details)
        state.outcome = previous.outcome
        run.log(
            f"cache hit: step unchanged since run {entry.run_id}; reusing its outputs "
            f"(key {state.cache_key[:12]})"
        )
        for metric, value in previous.metrics.items():
            self.recorder.emit(MetricEvent(step.name, metric, value))
        self.finish(run, "Succeeded")
        return True
