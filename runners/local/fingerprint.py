"""What decides a step's result, part by part: its fingerprint.

A step's result depends on its kind, the code it runs, its arguments, settings and compute,
the pipeline parameters it reads, and the content of each input. ``step_material`` gathers
these (the step cache's key is a digest of it: ``stepexec.py``); ``fingerprint`` keeps one
short digest per part, recorded in the step's ``step.json``, so a later run can say *which*
part changed (``sm-wizard run FILE --from STEP`` refuses to reuse an output whose code,
settings or inputs are no longer what produced it: ``resume.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wizard.plan.dag import PlanStep, StepInput

from .cache import digest_json, digest_path
from .context import RunContext

CACHE_FORMAT = 1
"""Bumped when what a step produces changes for the same inputs (invalidates the cache)."""

_DIGEST_CHARS = 16
"""Fingerprint parts are cut to this many hex digits (64 bits: enough to tell a change)."""


def step_material(
    context: RunContext, step: PlanStep, input_digest: Callable[[StepInput], str]
) -> dict[str, Any]:
    """Everything that decides what ``step`` produces; ``input_digest`` digests one input's
    content (an upstream output or an external file)."""
    used = {i.parameter for i in step.inputs if i.parameter}
    if step.compute and step.compute.parameter:
        used.add(step.compute.parameter)
    material: dict[str, Any] = {
        "format": CACHE_FORMAT,
        "step": step.name,
        "kind": step.kind,
        "code": {p.name: digest_path(p) for p in context.code_files(step)},
        "arguments": list(step.arguments),
        "settings": step.to_dict()["settings"],
        "compute": step.to_dict()["compute"],
        "parameters": {name: context.parameters[name] for name in sorted(used)},
        "inputs": {i.name: input_digest(i) for i in step.inputs},
    }
    if step.kind == "Tuning":
        material["seed"] = context.tuning_seed
    return material


def fingerprint(material: Mapping[str, Any]) -> dict[str, str]:
    """One short digest per part of ``material``: ``code:<file>``, ``input:<name>``,
    ``arguments``, ``settings``, ``compute``, ``parameters``, ``kind`` (and ``seed``)."""
    parts: dict[str, str] = {}
    for key, value in material.items():
        if key in ("format", "step"):
            continue
        if key in ("code", "inputs"):
            prefix = "code" if key == "code" else "input"
            for name, digest in value.items():
                parts[f"{prefix}:{name}"] = str(digest)[:_DIGEST_CHARS]
        else:
            parts[key] = digest_json(value)[:_DIGEST_CHARS]
    return parts


_PART_WORDS = {
    "kind": "its kind",
    "arguments": "its arguments",
    "settings": "its settings (hyperparameters, algorithm, condition...)",
    "compute": "its compute (instance type, count, runtime limit)",
    "parameters": "the pipeline parameters it reads",
    "seed": "the tuning seed",
}


def changed_parts(before: Mapping[str, str], now: Mapping[str, str], step: PlanStep) -> list[str]:
    """The parts of a step's fingerprint that differ, in words (``[]`` if none)."""
    words: list[str] = []
    for key in sorted(set(before) | set(now)):
        if before.get(key) == now.get(key):
            continue
        if key.startswith("code:"):
            words.append(f"its code ({key.removeprefix('code:')})")
        elif key.startswith("input:"):
            name = key.removeprefix("input:")
            item = next((i for i in step.inputs if i.name == name), None)
            if item is None:
                words.append(f"its inputs (input {name!r} was added or removed)")
            elif item.step is None:
                words.append(f"its input {name!r} (the data it reads changed)")
            else:
                words.append(f"its input {name!r} ({item.step}'s output {item.output!r})")
        else:
            words.append(_PART_WORDS.get(key, key))
    return words
