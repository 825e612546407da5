"""Run from a step: reuse an earlier run's outputs for the steps before it.

``sm-wizard run FILE --from STEP`` runs STEP and every step downstream of it; every other
step takes its result from an earlier run (SageMaker's selective execution; Metaflow's
``resume``). This module decides what that means for a Plan and checks it:

* ``selection(plan, step)``: STEP and its downstream steps (what runs again), or a
  ``WizardError`` listing the pipeline's steps when STEP is not one of them;
* ``find_sources(run_root, plan, selected)``: the earlier runs in which every step the
  selection reads from succeeded (a succeeded run always qualifies), newest first, or a
  ``WizardError`` saying why each recent run does not;
* ``check_unchanged(...)``: refuses when a step that would be reused is no longer what
  produced its outputs (its code, settings, parameters or data changed), naming the step
  and what changed; ``choose_reuse`` takes the newest candidate that passes (else the
  newest one's refusal);
* ``apply_reuse(...)``: the engine's first act in such a run: the reused steps' outputs are
  linked into the new run, their records copied, and each is reported ``Succeeded`` with
  ``reused_from`` (the steps neither run nor reused are reported ``Skipped``, with why).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wizard.errors import WizardError
from wizard.plan.dag import Plan, PlanStep, StepInput

from ..events import LogEvent, MetricEvent, StepEvent
from .cache import digest_path
from .context import RunContext
from .fingerprint import changed_parts, fingerprint, step_material
from .jobs import link_tree, pid_alive
from .layout import RunLayout
from .recorder import RunRecorder
from .steps import StepFailed, StepState

LIVE_STATUSES = frozenset({"Executing", "Stopping"})
MAX_SOURCES = 10
"""How many earlier runs ``--from`` tries, newest first, for one whose outputs still fit."""


@dataclass(frozen=True)
class Reuse:
    """What a ``--from STEP`` run runs again and what it takes from an earlier run."""

    step: str
    """The step it runs from."""
    selected: frozenset[str]
    """``step`` and every step downstream of it: these run."""
    source_dir: Path | None = None
    """The earlier run whose outputs are reused (``None``: nothing to reuse)."""
    reused: Mapping[str, StepState] = field(default_factory=dict)
    """The earlier run's records of the steps taken from it (all Succeeded)."""
    skipped: Mapping[str, str] = field(default_factory=dict)
    """Steps neither run nor reused, with the reason (they did not succeed there)."""

    @property
    def source_id(self) -> str | None:
        return self.source_dir.name if self.source_dir else None


def selection(plan: Plan, step: str) -> frozenset[str]:
    """``step`` and every step downstream of it; a ``WizardError`` naming the pipeline's
    steps when ``step`` is not one of them."""
    if not plan.has(step):
        names = list(plan.names)
        close = difflib.get_close_matches(step, names, n=1) or [
            n for n in names if n.lower() == step.lower()
        ]
        hint = f" Did you mean {close[0]}?" if close else ""
        raise WizardError(
            f"the pipeline {plan.pipeline_name} has no step {step!r}.{hint} Its steps: "
            f"{', '.join(names)}",
            "Unknown step",
        )
    return frozenset({step} | plan.downstream(step))


def needed(plan: Plan, selected: Iterable[str]) -> set[str]:
    """The steps outside ``selected`` whose outputs the selected steps read (transitively)."""
    chosen = set(selected)
    upstream: set[str] = set()
    for name in chosen:
        upstream |= plan.upstream(name)
    return upstream - chosen


def _read_state(layout: RunLayout, name: str) -> StepState | None:
    try:
        return StepState.from_dict(json.loads(layout.step_json(name).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _outputs_present(layout: RunLayout, step: PlanStep) -> bool:
    return all(layout.output_dir(step, o.name).exists() for o in step.outputs)


def why_not(run_dir: Path, plan: Plan, wanted: Iterable[str]) -> str | None:
    """Why the run in ``run_dir`` cannot lend the outputs of ``wanted`` (``None``: it can)."""
    layout = RunLayout(run_dir)
    for name in sorted(wanted, key=plan.names.index):
        state = _read_state(layout, name)
        if state is None:
            return f"it has no record of {name}"
        if state.status != "Succeeded":
            return f"{name} did not succeed there ({state.status})"
        if not state.fingerprint:
            return f"it was made by an older sm-wizard that did not record what {name} read"
        if not _outputs_present(layout, plan.step(name)):
            return f"{name}'s outputs are no longer in its folder"
    return None


def _run_info(run_dir: Path) -> dict[str, object] | None:
    try:
        info = json.loads(RunLayout(run_dir).run_json.read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def find_sources(
    run_root: Path, plan: Plan, selected: frozenset[str], step: str, limit: int = MAX_SOURCES
) -> list[Path]:
    """The runs under ``run_root`` of this pipeline in which every step the selection reads
    from succeeded, newest first (at most ``limit``); ``[]`` when the selection reads from no
    step. A ``WizardError`` saying why each recent run does not qualify when none does."""
    wanted = needed(plan, selected)
    if not wanted:
        return []
    root = Path(run_root)
    runs = (
        sorted(
            (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.name,
            reverse=True,
        )
        if root.is_dir()
        else []
    )
    refused: list[str] = []
    found: list[Path] = []
    for run_dir in runs:
        info = _run_info(run_dir)
        if info is None or info.get("pipeline") != plan.pipeline_name:
            continue
        if info.get("status") in LIVE_STATUSES and pid_alive(info.get("pid")):  # type: ignore[arg-type]
            refused.append(f"{run_dir.name}: still running")
            continue
        reason = why_not(run_dir, plan, wanted)
        if reason is None:
            found.append(run_dir)
            if len(found) == limit:
                break
        else:
            refused.append(f"{run_dir.name}: {reason}")
    if found:
        return found
    listed = ", ".join(sorted(wanted, key=plan.names.index))
    if not refused:
        raise WizardError(
            f"--from {step} reuses the outputs of {listed} from an earlier run, and there is "
            f"no earlier local run of {plan.pipeline_name} under {root}; run the whole "
            "pipeline once first (sm-wizard run FILE)",
            "No earlier run",
        )
    shown = "; ".join(refused[:5]) + ("; ..." if len(refused) > 5 else "")
    raise WizardError(
        f"--from {step} reuses the outputs of {listed}, and no earlier run has them all "
        f"({shown}); run the whole pipeline (or --retry the failed run) first",
        "No earlier run",
    )


def plan_reuse(plan: Plan, step: str, selected: frozenset[str], source: Path | None) -> Reuse:
    """What a run from ``step`` takes from ``source``: every step outside the selection that
    succeeded there; the others are skipped. A ``WizardError`` if ``source`` lacks a step
    the selection reads from, or if its condition did not take the branch ``step`` is on."""
    wanted = needed(plan, selected)
    if source is None:
        reason = f"not run: --from {step} runs only {step} and the steps after it"
        return Reuse(step, selected, skipped={n: reason for n in plan.names if n not in selected})
    problem = why_not(source, plan, wanted)
    if problem is not None:
        raise WizardError(
            f"run {source.name} cannot lend the outputs --from {step} needs: {problem}",
            "Cannot reuse run",
        )
    layout = RunLayout(source)
    reused: dict[str, StepState] = {}
    skipped: dict[str, str] = {}
    for other in plan.steps:
        if other.name in selected:
            continue
        state = _read_state(layout, other.name)
        if (
            state is not None
            and state.status == "Succeeded"
            and state.fingerprint
            and _outputs_present(layout, other)
        ):
            reused[other.name] = state
        else:
            status = state.status if state is not None else "not run"
            skipped[other.name] = (
                f"not run: it did not succeed in run {source.name} ({status}), and --from "
                f"{step} runs only {step} and the steps after it"
            )
    _check_branch(plan, plan.step(step), reused, source.name)
    return Reuse(step, selected, source, reused, skipped)


def _check_branch(plan: Plan, step: PlanStep, reused: Mapping[str, StepState], run: str) -> None:
    if step.branch is None:
        return
    for name in plan.upstream(step.name):
        condition = reused.get(name)
        if condition is None or condition.kind != "Condition" or condition.outcome is None:
            continue
        if condition.outcome != (step.branch == "if"):
            raise WizardError(
                f"{step.name} is on the {step.branch!r} branch of {name}, which run {run} did "
                f"not take; run from {name} to judge the condition again (--from {name})",
                "Branch not taken",
            )


def choose_reuse(
    context: RunContext, step: str, selected: frozenset[str], sources: list[Path]
) -> Reuse:
    """The reuse from the newest of ``sources`` whose outputs still fit (its condition took
    ``step``'s branch, and no reused step changed since); with no sources, a run that reuses
    nothing. Raises the newest source's refusal when none fits."""
    if not sources:
        return plan_reuse(context.plan, step, selected, None)
    first: WizardError | None = None
    external: dict[str, str] = {}
    for source in sources:
        try:
            reuse = plan_reuse(context.plan, step, selected, source)
            check_unchanged(context, reuse, external)
        except WizardError as err:
            first = first or err
            continue
        return reuse
    assert first is not None
    raise first


def check_unchanged(
    context: RunContext, reuse: Reuse, external: dict[str, str] | None = None
) -> None:
    """A ``WizardError`` naming the first reused step whose code, settings, parameters or
    data are no longer what produced its outputs (and what changed)."""
    digests = {name: dict(state.output_digests) for name, state in reuse.reused.items()}

    known = {} if external is None else external  # external inputs' digests, by path

    def input_digest(item: StepInput) -> str:
        if item.step is None:
            path = context.external_source(item)
            if str(path) not in known:
                known[str(path)] = digest_path(path)
            return known[str(path)]
        return digests.get(item.step, {}).get(item.output or "", "missing")

    for step in context.plan.steps:
        state = reuse.reused.get(step.name)
        if state is None:
            continue
        try:
            now = fingerprint(step_material(context, step, input_digest))
        except (StepFailed, OSError) as exc:  # a missing or unreadable data file, in words
            reason = exc.reason if isinstance(exc, StepFailed) else str(exc)
            raise WizardError(
                f"cannot check {step.name} against run {reuse.source_id}: {reason}",
                "Cannot reuse run",
            ) from exc
        words = changed_parts(state.fingerprint, now, step)
        if words:
            raise WizardError(
                f"{step.name}'s inputs changed since run {reuse.source_id}: "
                f"{'; '.join(words)}. Its outputs there no longer fit: run from "
                f"{step.name} (--from {step.name}) or the whole pipeline",
                "Config changed",
            )


def apply_reuse(
    reuse: Reuse,
    plan: Plan,
    layout: RunLayout,
    recorder: RunRecorder,
) -> None:
    """Take the reused steps' outputs and records into this run and report them; report the
    steps that neither run nor are reused as Skipped."""
    assert reuse.source_dir is not None or not reuse.reused
    for step in plan.steps:
        state = recorder.states[step.name]
        if step.name in reuse.reused:
            assert reuse.source_dir is not None
            source = RunLayout(reuse.source_dir)
            for output in step.outputs:
                link_tree(
                    source.output_dir(step, output.name), layout.output_dir(step, output.name)
                )
            earlier = reuse.reused[step.name]
            with recorder.lock:
                for name, value in earlier.to_dict().items():
                    if name not in ("name", "kind", "pids", "cache_hit", "cache_key", "job"):
                        setattr(state, name, value)
                state.status = "Succeeded"
                state.reused_from = reuse.source_id
            recorder.write_step_json(state)
            line = (
                f"reused from run {reuse.source_id}: its outputs are linked into this run; "
                f"the step does not run again (--from {reuse.step})"
            )
            _log(layout, recorder, step.name, line)
            recorder.emit(LogEvent(step.name, line))
            for metric, value in earlier.metrics.items():
                recorder.emit(MetricEvent(step.name, metric, value))
            recorder.emit(
                StepEvent(
                    step.name,
                    step.kind,
                    "Succeeded",
                    reason=f"reused from run {reuse.source_id}",
                    attempt=state.attempt or None,
                    reused_from=reuse.source_id,
                )
            )
        elif step.name in reuse.skipped:
            with recorder.lock:
                state.status = "Skipped"
                state.reason = reuse.skipped[step.name]
            recorder.write_step_json(state)
            recorder.emit(
                StepEvent(step.name, step.kind, "Skipped", reason=state.reason)  # type: ignore[arg-type]
            )


def _log(layout: RunLayout, recorder: RunRecorder, step: str, line: str) -> None:
    path = layout.step_log(step)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError as exc:
        recorder.write_failed(exc, path)
