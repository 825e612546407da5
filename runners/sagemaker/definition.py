"""The shape of a pipeline as its execution's definition states it: steps, kinds, edges.

``DescribePipelineDefinitionForExecution`` returns the definition JSON the execution runs.
``parse_definition`` reads from it every step (also those nested in a Condition's
``IfSteps``/``ElseSteps``), its ``Type``, what it depends on (``DependsOn`` and the
``{"Get": "Steps.X...."}`` property references in its arguments) and, for steps inside a
Condition, which branch they are on. The poller uses it to report the whole pipeline from the
first poll (``Pending``) and the branches not taken (``Skipped``). When the definition cannot
be read, ``kind_from_metadata`` tells a step's kind from its ``ListPipelineExecutionSteps``
metadata instead. ``definition_levels`` groups the steps by depth for the graph the watch
screen and the browser draw of any pipeline (the Plan's ``levels()`` for one this tool did
not plan).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Any, Final

_STEP_REFERENCE: Final = re.compile(r"^Steps\.([A-Za-z0-9_-]+)")

# Metadata key of a PipelineExecutionStep → the step's definition Type, used when the
# definition cannot be read.
_METADATA_KIND: Final = {
    "TrainingJob": "Training",
    "ProcessingJob": "Processing",
    "TransformJob": "Transform",
    "TuningJob": "Tuning",
    "Model": "Model",
    "RegisterModel": "RegisterModel",
    "Condition": "Condition",
    "Fail": "Fail",
    "Callback": "Callback",
    "Lambda": "Lambda",
    "EMR": "EMR",
    "EMRServerless": "EMRServerless",
    "QualityCheck": "QualityCheck",
    "ClarifyCheck": "ClarifyCheck",
    "AutoMLJob": "AutoML",
    "Endpoint": "Endpoint",
    "EndpointConfig": "EndpointConfig",
    "Athena": "Athena",
    "ForEach": "ForEach",
}


@dataclass(frozen=True, slots=True)
class DefinedStep:
    name: str
    kind: str
    depends_on: tuple[str, ...] = ()
    condition: str | None = None
    """The Condition step this step is a branch of (``None`` at the top level)."""
    branch: str | None = None
    """``"if"`` or ``"else"`` when ``condition`` is set."""


def kind_from_metadata(metadata: dict[str, Any]) -> str:
    """A started step's definition Type, told from its metadata (``"Step"`` if unknown)."""
    return next((kind for key, kind in _METADATA_KIND.items() if key in metadata), "Step")


def _references(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        get = node.get("Get")
        if isinstance(get, str):
            match = _STEP_REFERENCE.match(get)
            if match:
                found.add(match.group(1))
        for value in node.values():
            _references(value, found)
    elif isinstance(node, list):
        for value in node:
            _references(value, found)


def parse_definition(text: str | None) -> list[DefinedStep]:
    """Every step of a definition JSON in the order it lists them; ``[]`` if unreadable."""
    try:
        document = json.loads(text or "")
    except (TypeError, ValueError):
        return []
    if not isinstance(document, dict) or not isinstance(document.get("Steps"), list):
        return []
    steps: list[DefinedStep] = []
    seen: set[str] = set()

    def walk(items: list[Any], condition: str | None, branch: str | None) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            name, kind = item.get("Name"), item.get("Type")
            if not isinstance(name, str) or not isinstance(kind, str) or name in seen:
                continue
            seen.add(name)
            found: set[str] = set()
            _references(item.get("Arguments"), found)
            if kind == "Condition":  # the conditions reference steps; the branches do not count
                found = set()
                _references((item.get("Arguments") or {}).get("Conditions"), found)
            depends = item.get("DependsOn") or []
            deps = [d for d in depends if isinstance(d, str)]
            deps += sorted(found - set(deps) - {name})
            steps.append(DefinedStep(name, kind, tuple(deps), condition, branch))
            if kind == "Condition":
                arguments = item.get("Arguments") or {}
                walk(arguments.get("IfSteps") or [], name, "if")
                walk(arguments.get("ElseSteps") or [], name, "else")

    walk(document["Steps"], None, None)
    # a step inside a branch runs after its condition
    return [
        s
        if s.condition is None or s.condition in s.depends_on
        else DefinedStep(s.name, s.kind, (s.condition, *s.depends_on), s.condition, s.branch)
        for s in steps
    ]


def downstream_steps(steps: list[DefinedStep], step: str) -> list[str]:
    """``step`` and every step that depends on it, directly or not (through ``DependsOn``,
    property references or a condition's branches), in the definition's order."""
    parents = {s.name: set(s.depends_on) | ({s.condition} if s.condition else set()) for s in steps}
    chosen = {step}
    grew = True
    while grew:
        grew = False
        for name, ups in parents.items():
            if name not in chosen and ups & chosen:
                chosen.add(name)
                grew = True
    return [s.name for s in steps if s.name in chosen]


def definition_levels(steps: list[DefinedStep]) -> list[list[str]]:
    """The steps grouped by depth: each level depends only on earlier ones, within a level in
    the definition's order. A dependency on a step the definition lacks is left out; a
    definition with a cycle (SageMaker refuses those) gets one step per level, in its order."""
    names = {step.name for step in steps}
    position = {step.name: index for index, step in enumerate(steps)}
    graph = {step.name: tuple(d for d in step.depends_on if d in names) for step in steps}
    sorter = TopologicalSorter(graph)
    try:
        sorter.prepare()
    except CycleError:
        return [[step.name] for step in steps]
    levels: list[list[str]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        levels.append(ready)
        sorter.done(*ready)
    return levels
