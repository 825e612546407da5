"""Steps SageMaker has not started yet: reported as ``Pending``, then ``Skipped``.

``ListPipelineExecutionSteps`` lists only the steps that started. The execution's definition
names them all, so the poller reports the rest from the first poll: ``Pending`` once, and
``Skipped`` once it is clear they will not run — they sit on the branch a Condition did not
take, depend (directly or through others) on such a step, or the execution succeeded without
them; the event's reason says which of these, so a step off any branch is never called a
"branch not taken". Dependencies are walked in order with ``graphlib``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from graphlib import CycleError, TopologicalSorter
from typing import Any

from ..base import Emit
from ..events import StepEvent
from .definition import DefinedStep


def branches_not_taken(raw_steps: Iterable[dict[str, Any]]) -> set[tuple[str, str]]:
    """(Condition step, ``"if"``/``"else"``) of every branch a succeeded Condition ruled out."""
    not_taken: set[tuple[str, str]] = set()
    for raw in raw_steps:
        outcome = ((raw.get("Metadata") or {}).get("Condition") or {}).get("Outcome")
        if outcome in ("True", "False") and raw.get("StepStatus") == "Succeeded":
            not_taken.add((str(raw.get("StepName")), "else" if outcome == "True" else "if"))
    return not_taken


def dependency_order(definition: list[DefinedStep]) -> list[DefinedStep]:
    """The definition's steps, each after every step it depends on.

    A definition with a dependency cycle (SageMaker refuses those) keeps its own order.
    """
    by_name = {step.name: step for step in definition}
    graph = TopologicalSorter({step.name: step.depends_on for step in definition})
    try:
        order = list(graph.static_order())
    except CycleError:
        return list(definition)
    return [by_name[name] for name in order if name in by_name]


def will_not_run(definition: list[DefinedStep], not_taken: set[tuple[str, str]]) -> dict[str, str]:
    """Steps on a branch not taken, or after a step that will not run → why, in words."""
    skipped: dict[str, str] = {}
    for step in dependency_order(definition):
        if (step.condition, step.branch) in not_taken:
            outcome = "True" if step.branch == "else" else "False"
            skipped[step.name] = f"branch not taken: {step.condition} was {outcome}"
            continue
        after = next((dep for dep in step.depends_on if dep in skipped), None)
        if after is not None:
            skipped[step.name] = f"after {after}, which did not run"
    return skipped


SUCCEEDED_WITHOUT = "not run: the execution succeeded without it"
"""Why a step a succeeded execution never ran is Skipped when no condition explains it."""


class UnstartedSteps:
    """Reports the definition's unstarted steps, each word (Pending, Skipped) once."""

    def __init__(self, emit: Emit, now: Callable[[], str]) -> None:
        self._emit = emit
        self._now = now  # the events' ISO timestamp
        self.reported: dict[str, str] = {}
        """step → the word last reported for it ("Pending" or "Skipped")."""

    def report(
        self,
        definition: list[DefinedStep],
        raw_steps: list[dict[str, Any]],
        status: str,
    ) -> bool:
        """Emit what changed for the steps not in ``raw_steps``; returns whether anything did.

        ``status`` is the execution's.
        """
        if not definition:
            return False
        started = {raw.get("StepName") for raw in raw_steps}
        skipped_names = will_not_run(definition, branches_not_taken(raw_steps))
        changed = False
        for step in definition:  # events in definition order, as the pipeline lists them
            if step.name in started:
                continue
            why = skipped_names.get(step.name)
            if why is None and status == "Succeeded":
                why = SUCCEEDED_WITHOUT
            word = "Skipped" if why else "Pending"
            if self.reported.get(step.name) == word or (
                word == "Pending" and step.name in self.reported
            ):
                continue
            self.reported[step.name] = word
            changed = True
            self._emit(
                StepEvent(
                    step=step.name,
                    kind=step.kind,
                    status=word,  # type: ignore[arg-type]
                    reason=why,
                    time=self._now(),
                )
            )
        return changed
