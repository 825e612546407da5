"""The Plan's model: the steps of the pipeline's DAG, their inputs, outputs and compute, and
the graph queries (upstream, downstream, levels) answered with the standard library's
``graphlib``.

Step data flow uses SageMaker's container conventions. A Processing step's inputs and
outputs have container paths under ``/opt/ml/processing``; a Training/Tuning step's inputs
are channels (``train``, ``validation``) and its output is ``model`` (``model.tar.gz``).
An input names either an upstream ``(step, output)`` or an external ``uri``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from types import MappingProxyType
from typing import Any, Literal

StepKind = Literal[
    "Processing",
    "Training",
    "Tuning",
    "Condition",
    "RegisterModel",
    "Model",
    "Transform",
    "QualityCheck",
    "ClarifyCheck",
    "Fail",
]
Branch = Literal["if", "else"]

PROCESSING_ROOT = "/opt/ml/processing"

# Step names: fixed, so tests, the local engine's run folders and the monitor can rely on them.
PREPARE = "PrepareData"
FEATURES = "EngineerFeatures"
QUALITY = "DataQualityBaseline"
BIAS = "DataBiasCheck"
TRAIN = "Train"
TUNE = "Tune"
EVALUATE = "Evaluate"
CONDITION = "CheckMetric"
REGISTER = "RegisterModel"
CREATE_MODEL = "CreateModel"
TRANSFORM = "BatchTransform"
FAIL = "MetricBelowThreshold"

EVALUATION_PROPERTY_FILE = "EvaluationReport"
EVALUATION_FILE = "evaluation.json"


@dataclass(frozen=True, slots=True)
class Compute:
    job: Literal["processing", "training", "transform"]
    instance_type: str
    instance_count: int = 1
    max_runtime_seconds: int = 3600
    spot: bool = False
    max_wait_seconds: int | None = None
    parameter: str | None = None
    """Pipeline parameter that overrides ``instance_type`` per run, if any."""


@dataclass(frozen=True, slots=True)
class StepInput:
    name: str
    """Input or channel name (``raw``, ``train``, ``model``...)."""
    step: str | None = None
    output: str | None = None
    uri: str | None = None
    """External data (an S3 URI or local path); ``parameter`` may override it per run."""
    parameter: str | None = None
    path: str | None = None
    """Container path for Processing inputs, e.g. ``/opt/ml/processing/input/raw``."""

    @property
    def source(self) -> str:
        return f"{self.step}.{self.output}" if self.step else (self.uri or "")


@dataclass(frozen=True, slots=True)
class StepOutput:
    name: str
    description: str
    path: str | None = None
    """Container path for Processing outputs, e.g. ``/opt/ml/processing/output/train``."""


@dataclass(frozen=True, slots=True)
class PipelineParameter:
    name: str
    type: Literal["String", "Integer", "Float"]
    default: str | int | float
    description: str


@dataclass(frozen=True, slots=True)
class PlanStep:
    name: str
    kind: StepKind
    stage: str
    description: str
    inputs: tuple[StepInput, ...] = ()
    outputs: tuple[StepOutput, ...] = ()
    depends_on: tuple[str, ...] = ()
    """Every upstream step, data and explicit dependencies alike (the DAG's edges)."""
    compute: Compute | None = None
    script: str | None = None
    """The script in the export's ``code/`` folder this step runs, if any."""
    arguments: tuple[str, ...] = ()
    branch: Branch | None = None
    """For steps inside the condition: run when it is true (``if``) or false (``else``)."""
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Kind-specific details (hyperparameters, ranges, condition, registry...)."""
    cacheable: bool = False
    retryable: bool = False

    def input(self, name: str) -> StepInput:
        return next(i for i in self.inputs if i.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "stage": self.stage,
            "description": self.description,
            "inputs": [
                {k: v for k, v in _slots(i).items() if v is not None} | {"source": i.source}
                for i in self.inputs
            ],
            "outputs": [
                {k: v for k, v in _slots(o).items() if v is not None} for o in self.outputs
            ],
            "depends_on": list(self.depends_on),
            "compute": None if self.compute is None else _slots(self.compute),
            "script": self.script,
            "arguments": list(self.arguments),
            "branch": self.branch,
            "settings": _plain(self.settings),
            "cacheable": self.cacheable,
            "retryable": self.retryable,
        }


def _slots(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def frozen(data: dict[str, Any]) -> Mapping[str, Any]:
    """Read-only settings: a Plan is shared by the exporter, both engines and the TUI."""
    return MappingProxyType(data)


@dataclass(frozen=True, slots=True)
class Plan:
    pipeline_name: str
    steps: tuple[PlanStep, ...]
    parameters: tuple[PipelineParameter, ...]
    services: Mapping[str, tuple[str, ...]]
    """Catalog ids chosen per stage, in stage order."""
    scripts: tuple[str, ...]
    """Every ``code/`` script the pipeline's steps run."""
    problem_type: str
    condition: Mapping[str, Any]

    def __iter__(self) -> Iterator[PlanStep]:
        return iter(self.steps)

    def step(self, name: str) -> PlanStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)

    def has(self, name: str) -> bool:
        return name in self.names

    def graph(self) -> dict[str, tuple[str, ...]]:
        """Each step's direct dependencies, as ``graphlib.TopologicalSorter`` takes them."""
        return {s.name: s.depends_on for s in self.steps}

    def downstream(self, name: str) -> set[str]:
        """Every step that (transitively) depends on ``name``."""
        return {step for step, up in ancestors(self.steps).items() if name in up}

    def upstream(self, name: str) -> set[str]:
        """Every step ``name`` (transitively) depends on."""
        return ancestors(self.steps)[name]

    def levels(self) -> list[list[str]]:
        """Steps grouped by depth: each level depends only on earlier levels (within a level,
        in plan order)."""
        position = {name: index for index, name in enumerate(self.names)}
        sorter = TopologicalSorter(self.graph())
        sorter.prepare()
        grouped: list[list[str]] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready(), key=position.__getitem__)
            grouped.append(ready)
            sorter.done(*ready)
        return grouped

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline_name,
            "parameters": [_slots(p) for p in self.parameters],
            "services": {stage: list(ids) for stage, ids in self.services.items()},
            "steps": [s.to_dict() for s in self.steps],
            "condition": _plain(self.condition),
        }


def ancestors(steps: Iterable[PlanStep]) -> dict[str, set[str]]:
    """Every step's transitive dependencies, by step name: folded along ``graphlib``'s
    topological order, so each step's set is built from its dependencies' finished sets.
    A dependency that names no step counts as a step with no dependencies of its own."""
    depends_on = {step.name: step.depends_on for step in steps}
    found: dict[str, set[str]] = {}
    for name in TopologicalSorter(depends_on).static_order():
        direct = depends_on.get(name, ())
        found[name] = set(direct).union(*(found[d] for d in direct))
    return {name: found[name] for name in depends_on}


def processing_input(
    name: str, *, step: str | None = None, output: str | None = None, **kw: Any
) -> StepInput:
    """A Processing step's input, mounted at ``/opt/ml/processing/input/<name>``."""
    return StepInput(name, step=step, output=output, path=f"{PROCESSING_ROOT}/input/{name}", **kw)


def processing_output(name: str, description: str) -> StepOutput:
    """A Processing step's output, written from ``/opt/ml/processing/output/<name>``."""
    return StepOutput(name, description, path=f"{PROCESSING_ROOT}/output/{name}")
