"""Reading a built pipeline definition: its steps and what each waits for, what SageMaker
would refuse (unknown steps or parameters, local paths, objects written as text, cycles), how
it differs from the Plan, which images it runs and from which region, and the scaffold's own
request-shape checks against botocore's SageMaker model.

The definition is read with the functions of the offline harness
(``templates/scaffold/tests/offline.py``) and checked with ``tests/aws_shapes.py``, the files
every export ships, loaded here as modules: both need only the standard library and
botocore, so nothing here imports the SageMaker SDK. ``exporters.verify`` builds the
definition and calls these.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from types import ModuleType
from typing import Any

from wizard.plan.dag import Plan

from .packaged import AWS_SHAPES, OFFLINE_HARNESS


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, located as precisely as the evidence allows."""

    message: str
    step: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = " ".join(
            part for part in (f"step {self.step}" if self.step else "", self.field or "") if part
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class StepInfo:
    """A step as the definition has it."""

    name: str
    type: str
    depends_on: tuple[str, ...]
    """Every step it waits for: explicit DependsOn, data it reads, the condition it is in."""
    branch: str | None = None
    """``if``/``else`` for steps inside a condition."""


# CPython before 3.11.8 keeps the recursion depth of its AST-to-object converter in state
# that every thread shares, so ``ast.parse`` in two threads at once can fail with
# "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905). The shape
# checks parse scripts and may run in threads (the tests verify several projects at once):
# every ``ast.parse`` in a process that runs them holds this lock.
AST_LOCK = threading.Lock()


def check_shapes(project: Path, definition_json: str, plan: Plan | None, role_arn: str) -> Any:
    """The scaffold's own request-shape checks (``tests/aws_shapes.py``, shipped with every
    export) on a built definition: every step against botocore's SageMaker model, the
    CreatePipeline request (with ``role_arn``, the role it was built with), and with a Plan
    the hyperparameters and JsonGet paths."""
    with AST_LOCK:
        return _check_shapes(project, definition_json, plan, role_arn)


def _check_shapes(project: Path, definition_json: str, plan: Plan | None, role_arn: str) -> Any:
    checks = shapes()
    name = plan.pipeline_name if plan is not None else project.name
    report = checks.check_definition(definition_json, name, role_arn)
    if plan is None:
        report.notes.append("no wizard.toml: hyperparameters and JsonGet paths not checked")
        return report
    definition = json.loads(definition_json)
    training = {
        s.name: None if s.settings.get("built_in") else s.script
        for s in plan.steps
        if s.kind in ("Training", "Tuning")
    }
    report.extend(
        checks.check_hyperparameters(definition, checks.accepted_hyperparameters(project, training))
    )
    reports = {}
    for step in plan.steps:
        property_file = step.settings.get("property_file")
        if property_file and step.script and (project / "code" / step.script).is_file():
            reports[property_file] = checks.sample_evaluation_report(
                project / "code" / step.script, plan.problem_type
            )
    report.extend(checks.check_json_gets(definition, reports))
    return report


_IMAGE_KEYS = ("ImageUri", "TrainingImage", "Image")
_ECR_REGION = re.compile(r"\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/")


def image_uris(definition: Mapping[str, Any]) -> Iterator[str]:
    """Every container image the definition's steps name, once each, in order."""
    seen: set[str] = set()

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _IMAGE_KEYS and isinstance(item, str) and item not in seen:
                    seen.add(item)
                    yield item
                else:
                    yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    yield from walk(definition.get("Steps", []))


def region_problems(images: Sequence[str], region: str) -> list[Problem]:
    """An image from another region's registry cannot be pulled by a job in ``region``."""
    problems = []
    for image in images:
        match = _ECR_REGION.search(image)
        if region and match and match.group("region") != region:
            problems.append(
                Problem(
                    f"the image {image} is in {match.group('region')}, but the pipeline runs "
                    f"in {region}; SageMaker jobs pull images from their own region"
                )
            )
    return problems


@cache
def harness() -> ModuleType:
    """The offline harness as a module: its functions that read a definition (no SDK
    import happens until ``build_definition`` is called, which this process never does)."""
    return _load(OFFLINE_HARNESS, "sm_wizard_offline_harness")


@cache
def shapes() -> ModuleType:
    """The scaffold's request-shape checker (botocore only)."""
    return _load(AWS_SHAPES, "sm_wizard_aws_shapes")


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a packaging defect
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is built
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def iter_steps(
    definition: Mapping[str, Any],
) -> Iterator[tuple[dict[str, Any], str | None, str | None]]:
    """Every step of a definition as (step, its condition, branch), nested ones too."""
    return harness().iter_steps(definition)


def parse_definition(definition: Mapping[str, Any] | str) -> tuple[StepInfo, ...]:
    """The steps of a definition and what each waits for."""
    if isinstance(definition, str):
        definition = json.loads(definition)
    graph = harness().step_graph(definition)
    return tuple(
        StepInfo(name, kind, tuple(waits), branch) for name, (kind, waits, branch) in graph.items()
    )


_S3_KEYS = ("S3Uri", "S3OutputPath", "ModelDataUrl", "S3DataInputPath", "S3Output")


def lint_definition(definition: Mapping[str, Any]) -> Iterator[Problem]:
    """What SageMaker would reject when the pipeline is created or run."""
    parameters = {p["Name"] for p in definition.get("Parameters", [])}
    all_steps = list(iter_steps(definition))
    names = [step["Name"] for step, _, _ in all_steps]
    for name in sorted({n for n in names if names.count(n) > 1}):
        yield Problem("two steps have this name; step names must be unique", step=name)
    known = set(names)
    for step, _, _ in all_steps:
        name = step["Name"]
        for ref, path in harness().references(step, "Steps"):
            if ref not in known:
                yield Problem(f"reads step {ref!r}, which the pipeline does not have", name, path)
        for ref, path in harness().references(step, "Parameters"):
            if ref not in parameters:
                yield Problem(f"reads parameter {ref!r}, which is not declared", name, path)
        for dependency in step.get("DependsOn") or []:
            if dependency not in known:
                yield Problem(f"depends on unknown step {dependency!r}", name, "DependsOn")
        for path, value in _plain_strings(step.get("Arguments", {})):
            key = re.split(r"[.\[]", path)[-1] if path else ""
            if any(key.endswith(k) for k in _S3_KEYS) and not value.startswith("s3://"):
                yield Problem(
                    f"{value!r} is not an S3 URI; SageMaker jobs read and write S3 only "
                    "(upload the data and pass s3://...)",
                    name,
                    f"Arguments.{path}",
                )
            if "<sagemaker." in value or "PipelineVariable" in value:
                yield Problem(
                    "holds the text of a Python object instead of its value: a pipeline "
                    "variable was turned into a string",
                    name,
                    f"Arguments.{path}",
                )
    yield from _cycles(parse_definition(definition))


def _plain_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        if "Get" in value or "Std:Join" in value or "Std:JsonGet" in value:
            return
        for key, item in value.items():
            if key not in ("IfSteps", "ElseSteps"):
                yield from _plain_strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _plain_strings(item, f"{path}[{index}]")


def _cycles(steps: Sequence[StepInfo]) -> Iterator[Problem]:
    """A step that waits for itself, through the others (the first cycle found)."""
    graph = {s.name: set(s.depends_on) for s in steps}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        cycle = error.args[1]  # [a, b, ..., a]: each step waits for the one before it
        yield Problem(f"waits for itself through {cycle[0]}: a cycle", step=cycle[1])


def compare_with_plan(steps: Sequence[StepInfo], plan: Plan) -> list[Problem]:
    """Differences between the built definition and the Plan: steps, kinds, and ordering.

    Every dependency the Plan states must be enforced directly by the definition, and the
    definition must not order a step after one the Plan does not put before it.
    """
    problems: list[Problem] = []
    built = {s.name: s for s in steps}
    planned = {s.name: s for s in plan.steps}
    for name in planned.keys() - built.keys():
        problems.append(Problem("is in the plan but not in the definition", step=name))
    for name in built.keys() - planned.keys():
        problems.append(Problem("is in the definition but not in the plan", step=name))
    ancestors = _ancestors({s.name: set(s.depends_on) for s in plan.steps})
    for name in planned.keys() & built.keys():
        step, want = built[name], planned[name]
        if step.type != want.kind:
            problems.append(Problem(f"is a {step.type} step; the plan has {want.kind}", name))
        for dependency in sorted(set(want.depends_on) - set(step.depends_on)):
            problems.append(
                Problem(f"does not wait for {dependency}, as the plan requires", name, "DependsOn")
            )
        for dependency in sorted(set(step.depends_on) - ancestors[name]):
            problems.append(
                Problem(f"waits for {dependency}, which the plan does not put before it", name)
            )
        if step.branch != want.branch:
            problems.append(
                Problem(f"is in branch {step.branch!r}; the plan has {want.branch!r}", name)
            )
    return sorted(problems, key=lambda p: (p.step or "", p.message))


def _ancestors(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """Every step each step comes after, directly or through others (the Plan is acyclic)."""
    result: dict[str, set[str]] = {}
    for name in TopologicalSorter(graph).static_order():
        parents = graph.get(name, set())
        result[name] = set(parents).union(*(result[p] for p in parents))
    return result
