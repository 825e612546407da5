"""``check_plan``: the invariants every Plan holds, checked once when it is built, so the
exporter, the engines and the TUI can rely on them."""

from __future__ import annotations

from ..catalog import load_catalog
from ..errors import PlanError
from .dag import CONDITION, Plan, ancestors


def check_plan(plan: Plan) -> None:
    """Unique names, known dependencies, topological order (so no cycles), every input
    produced upstream by a step that declares that output, branch steps after the
    condition, known services."""
    position: dict[str, int] = {}
    for index, step in enumerate(plan.steps):
        if step.name in position:
            raise PlanError(f"two steps are named {step.name!r}")
        for dep in step.depends_on:
            if dep not in position:
                if any(s.name == dep for s in plan.steps):
                    raise PlanError(f"{step.name} depends on {dep}, which comes later: a cycle")
                raise PlanError(f"{step.name} depends on unknown step {dep!r}")
        position[step.name] = index
    upstream = ancestors(plan.steps)
    for step in plan.steps:
        for item in step.inputs:
            if item.step is None:
                if not item.uri:
                    raise PlanError(f"{step.name}.{item.name} has no source")
                continue
            if position.get(item.step, len(plan.steps)) >= position[step.name]:
                raise PlanError(f"{step.name}.{item.name} reads {item.step}, not upstream")
            if item.step not in upstream[step.name]:
                raise PlanError(f"{step.name} reads {item.step} without depending on it")
            if item.output not in {o.name for o in plan.step(item.step).outputs}:
                raise PlanError(f"{item.step} has no output {item.output!r}")
    for step in plan.steps:
        if step.branch and CONDITION not in upstream[step.name]:
            raise PlanError(f"{step.name} is in a branch but does not follow {CONDITION}")
    catalog = load_catalog()
    for ids in plan.services.values():
        for service in ids:
            if service not in catalog:
                raise PlanError(f"unknown service {service!r}")
