"""The Plan: a validated config turned into the pipeline's DAG of named steps.

This is the one place that decides the pipeline's shape. The exporter renders it, both
engines run it, the TUI draws it and the cost estimate prices it; none of them re-derives
which steps exist from the config.

Step data flow uses SageMaker's container conventions. A Processing step's inputs and
outputs have container paths under ``/opt/ml/processing``; a Training/Tuning step's inputs
are channels (``train``, ``validation``) and its output is ``model`` (``model.tar.gz``).
An input names either an upstream ``(step, output)`` or an external ``uri``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from .algorithms import ALGORITHMS, metric_definitions, objective_direction
from .catalog import load_catalog
from .config import WizardConfig, selected_services
from .errors import PlanError

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


def _frozen(data: dict[str, Any]) -> Mapping[str, Any]:
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

    def downstream(self, name: str) -> set[str]:
        """Every step that (transitively) depends on ``name``."""
        found: set[str] = set()
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for step in self.steps:
                if current in step.depends_on and step.name not in found:
                    found.add(step.name)
                    frontier.append(step.name)
        return found

    def upstream(self, name: str) -> set[str]:
        """Every step ``name`` (transitively) depends on."""
        return _ancestors(self.step(name), {s.name: s for s in self.steps})

    def levels(self) -> list[list[str]]:
        """Steps grouped by depth: each level depends only on earlier levels."""
        depth: dict[str, int] = {}
        for step in self.steps:  # steps are topologically ordered
            depth[step.name] = 1 + max((depth[d] for d in step.depends_on), default=-1)
        grouped: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for step in self.steps:
            grouped[depth[step.name]].append(step.name)
        return grouped

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline_name,
            "parameters": [_slots(p) for p in self.parameters],
            "services": {stage: list(ids) for stage, ids in self.services.items()},
            "steps": [s.to_dict() for s in self.steps],
            "condition": _plain(self.condition),
        }


# --------------------------------------------------------------------------- building


def _proc_in(name: str, *, step: str | None = None, output: str | None = None, **kw: Any):
    return StepInput(name, step=step, output=output, path=f"{PROCESSING_ROOT}/input/{name}", **kw)


def _proc_out(name: str, description: str) -> StepOutput:
    return StepOutput(name, description, path=f"{PROCESSING_ROOT}/output/{name}")


def build_plan(config: WizardConfig) -> Plan:
    """The DAG for a validated config. Raises ``PlanError`` if the result is malformed."""
    services = selected_services(config)
    prep, feats, train_cfg = config.data_preparation, config.feature_engineering, config.training
    evaluation, deploy = config.evaluation, config.deployment
    problem = config.profile.problem_type
    algorithm = ALGORITHMS[train_cfg.algorithm]
    steps: list[PlanStep] = []

    parameters = [
        PipelineParameter(
            "InputDataUrl", "String", config.data_collection.input_uri, "the raw data to train on"
        ),
        PipelineParameter(
            "ProcessingInstanceType", "String", prep.instance_type, "instance for data preparation"
        ),
        PipelineParameter(
            "TrainingInstanceType", "String", train_cfg.instance_type, "instance for training"
        ),
        PipelineParameter(
            "ModelApprovalStatus",
            "String",
            deploy.approval_status,
            "registry status of a new model version",
        ),
        PipelineParameter(
            "MetricThreshold",
            "Float",
            evaluation.threshold,
            f"{'highest' if evaluation.metric in ('rmse', 'mae') else 'lowest'} test "
            f"{evaluation.metric} at which the model is registered",
        ),
    ]

    engine = prep.engine
    steps.append(
        PlanStep(
            name=PREPARE,
            kind="Processing",
            stage="data_preparation",
            description="Clean the raw data and split it into train, validation and test sets"
            + (" with Spark" if engine == "spark" else " with scikit-learn"),
            inputs=(
                _proc_in("raw", uri=config.data_collection.input_uri, parameter="InputDataUrl"),
            ),
            outputs=(
                _proc_out("train", "training rows, with header"),
                _proc_out("validation", "validation rows, with header"),
                _proc_out("test", "held-out test rows, with header"),
            ),
            compute=Compute(
                "processing",
                prep.instance_type,
                prep.instance_count,
                prep.max_runtime_seconds,
                parameter="ProcessingInstanceType",
            ),
            script="prepare_spark.py" if engine == "spark" else "prepare.py",
            arguments=_prepare_arguments(config),
            settings=_frozen({"engine": engine, "framework": engine}),
            cacheable=True,
            retryable=True,
        )
    )

    steps.append(
        PlanStep(
            name=FEATURES,
            kind="Processing",
            stage="feature_engineering",
            description="Learn scaling and encoding on the training set, apply them to all three",
            inputs=tuple(_proc_in(split, step=PREPARE, output=split) for split in _SPLITS),
            outputs=(
                _proc_out("train", "model-ready training rows: label first, no header"),
                _proc_out("validation", "model-ready validation rows: label first, no header"),
                _proc_out("test", "model-ready test rows: label first, no header"),
                _proc_out("baseline", "training features with header, for data-quality checks"),
                _proc_out("transformer", "the fitted transformations (features.joblib)"),
            ),
            depends_on=(PREPARE,),
            compute=Compute("processing", feats.instance_type, 1, feats.max_runtime_seconds),
            script="features.py",
            arguments=_feature_arguments(config),
            settings=_frozen(
                {
                    "scaling": feats.scaling,
                    "categorical_encoding": feats.categorical_encoding,
                    "feature_store": "feature-store" in services["feature_engineering"],
                    "feature_group_name": feats.feature_group_name,
                }
            ),
            cacheable=True,
            retryable=True,
        )
    )

    wants_quality = "model-monitor" in services["evaluation"] or (
        "model-monitor" in services["monitoring"]
    )
    if wants_quality:
        steps.append(
            PlanStep(
                name=QUALITY,
                kind="QualityCheck",
                stage="evaluation",
                description="Record statistics and constraints of the training data (the "
                "baseline Model Monitor compares live traffic with)",
                inputs=(StepInput("baseline", step=FEATURES, output="baseline"),),
                outputs=(
                    StepOutput("statistics", "statistics.json"),
                    StepOutput("constraints", "constraints.json"),
                ),
                depends_on=(FEATURES,),
                compute=Compute("processing", evaluation.instance_type, 1, 3600),
                settings=_frozen({"check_type": "DATA_QUALITY", "dataset_format": "csv"}),
                cacheable=True,
            )
        )
    if "clarify" in services["evaluation"]:
        steps.append(
            PlanStep(
                name=BIAS,
                kind="ClarifyCheck",
                stage="evaluation",
                description=f"Measure pre-training bias of the label across "
                f"'{evaluation.bias_facet}' groups",
                # the raw (cleaned) columns: after feature engineering the facet column
                # may be scaled or one-hot encoded beyond recognition
                inputs=(StepInput("dataset", step=PREPARE, output="train"),),
                outputs=(StepOutput("analysis", "analysis.json bias report"),),
                depends_on=(PREPARE,),
                compute=Compute("processing", evaluation.instance_type, 1, 3600),
                settings=_frozen(
                    {
                        "check_type": "DATA_BIAS",
                        "facet": evaluation.bias_facet,
                        "label": config.data_collection.target_column,
                        "methods": ["CI", "DPL"],
                    }
                ),
                cacheable=True,
            )
        )

    channels = (
        StepInput("train", step=FEATURES, output="train"),
        StepInput("validation", step=FEATURES, output="validation"),
    )
    training_compute = Compute(
        "training",
        train_cfg.instance_type,
        train_cfg.instance_count,
        train_cfg.max_runtime_seconds,
        spot=train_cfg.use_spot,
        max_wait_seconds=train_cfg.max_wait_seconds or None,
        parameter="TrainingInstanceType",
    )
    hyperparameters = config.effective_hyperparameters()
    if not algorithm.built_in:
        # code/train.py serves several algorithms and problem types: it is told which, the
        # same way on AWS and locally (guessing from the labels fails for integer targets)
        hyperparameters |= {"algorithm": algorithm.id, "problem_type": problem}
    training_settings: dict[str, Any] = {
        "algorithm": algorithm.id,
        "built_in": algorithm.built_in,
        "hyperparameters": hyperparameters,
        "metric_definitions": metric_definitions(algorithm.id, problem),
        "checkpoint_s3_uri": train_cfg.checkpoint_s3_uri,
    }
    if config.tuning.enabled:
        tuning = config.tuning
        model_step = TUNE
        steps.append(
            PlanStep(
                name=TUNE,
                kind="Tuning",
                stage="tuning",
                description=f"Try up to {tuning.max_jobs} hyperparameter settings "
                f"({tuning.strategy}) and keep the best by {tuning.objective_metric}",
                inputs=channels,
                outputs=(StepOutput("model", "model.tar.gz of the best training job"),),
                depends_on=(FEATURES,),
                compute=training_compute,
                script=algorithm.script,
                settings=_frozen(
                    training_settings
                    | {
                        "strategy": tuning.strategy,
                        "objective_metric": tuning.objective_metric,
                        "objective_type": objective_direction(tuning.objective_metric),
                        "max_jobs": tuning.max_jobs,
                        "max_parallel_jobs": tuning.max_parallel_jobs,
                        "early_stopping": tuning.early_stopping,
                        "ranges": [r.model_dump(mode="json") for r in tuning.ranges],
                    }
                ),
                cacheable=True,
                retryable=True,
            )
        )
    else:
        model_step = TRAIN
        steps.append(
            PlanStep(
                name=TRAIN,
                kind="Training",
                stage="training",
                description=f"Train {algorithm.title}",
                inputs=channels,
                outputs=(StepOutput("model", "model.tar.gz"),),
                depends_on=(FEATURES,),
                compute=training_compute,
                script=algorithm.script,
                settings=_frozen(training_settings),
                cacheable=True,
                retryable=True,
            )
        )

    steps.append(
        PlanStep(
            name=EVALUATE,
            kind="Processing",
            stage="evaluation",
            description=f"Score the model on the test set and write {EVALUATION_FILE}",
            inputs=(
                _proc_in("model", step=model_step, output="model"),
                _proc_in("test", step=FEATURES, output="test"),
            ),
            outputs=(_proc_out("evaluation", f"{EVALUATION_FILE} with the model's metrics"),),
            depends_on=(FEATURES, model_step),
            compute=Compute("processing", evaluation.instance_type, 1, 3600),
            script="evaluate.py",
            arguments=("--problem-type", problem, "--algorithm", algorithm.id),
            settings=_frozen(
                {"property_file": EVALUATION_PROPERTY_FILE, "report": EVALUATION_FILE}
            ),
            cacheable=True,
            retryable=True,
        )
    )

    lower_is_better = evaluation.metric in ("rmse", "mae")
    json_path = f"{_metric_group(problem)}.{evaluation.metric}.value"
    condition = {
        "property_file": EVALUATION_PROPERTY_FILE,
        "json_path": json_path,
        "operator": "LessThanOrEqualTo" if lower_is_better else "GreaterThanOrEqualTo",
        "symbol": "<=" if lower_is_better else ">=",
        "metric": evaluation.metric,
        "threshold_parameter": "MetricThreshold",
        "threshold": evaluation.threshold,
    }
    checks = tuple(s.name for s in steps if s.kind in ("QualityCheck", "ClarifyCheck"))
    steps.append(
        PlanStep(
            name=CONDITION,
            kind="Condition",
            stage="evaluation",
            description=f"Register the model only if test {evaluation.metric} "
            f"{condition['symbol']} the threshold",
            inputs=(StepInput("evaluation", step=EVALUATE, output="evaluation"),),
            depends_on=(EVALUATE, *checks),
            settings=_frozen(condition),
        )
    )

    steps.append(
        PlanStep(
            name=REGISTER,
            kind="RegisterModel",
            stage="deployment",
            description=f"Add a version to the '{deploy.model_package_group}' model group",
            inputs=(
                StepInput("model", step=model_step, output="model"),
                StepInput("evaluation", step=EVALUATE, output="evaluation"),
            ),
            outputs=(StepOutput("model_package", "the model package version ARN"),),
            depends_on=(CONDITION,),
            branch="if",
            settings=_frozen(
                {
                    "model_package_group": deploy.model_package_group,
                    "approval_status_parameter": "ModelApprovalStatus",
                    "approval_status": deploy.approval_status,
                    "inference_instances": [deploy.endpoint_instance_type],
                    "transform_instances": [deploy.batch_instance_type],
                    "content_type": "text/csv",
                }
            ),
        )
    )
    wants_batch = "batch-transform" in services["deployment"]
    if wants_batch:
        steps.append(
            PlanStep(
                name=CREATE_MODEL,
                kind="Model",
                stage="deployment",
                description="Create a SageMaker model from the artifact, for batch transform",
                inputs=(StepInput("model", step=model_step, output="model"),),
                outputs=(StepOutput("model_name", "the SageMaker model's name"),),
                depends_on=(CONDITION,),
                branch="if",
                settings=_frozen({"algorithm": algorithm.id, "built_in": algorithm.built_in}),
                retryable=True,
            )
        )
        steps.append(
            PlanStep(
                name=TRANSFORM,
                kind="Transform",
                stage="deployment",
                description="Score the test set in one batch job (batch predictions)",
                inputs=(
                    StepInput("model", step=CREATE_MODEL, output="model_name"),
                    StepInput("data", step=FEATURES, output="test"),
                ),
                outputs=(StepOutput("predictions", "one prediction per input line (.out)"),),
                depends_on=(CREATE_MODEL, FEATURES),
                compute=Compute(
                    "transform", deploy.batch_instance_type, deploy.batch_instance_count, 3600
                ),
                branch="if",
                settings=_frozen(
                    {"content_type": "text/csv", "split_type": "Line", "input_filter": "$[1:]"}
                ),
                cacheable=True,
                retryable=True,
            )
        )
    steps.append(
        PlanStep(
            name=FAIL,
            kind="Fail",
            stage="evaluation",
            description=f"Stop with a reason: {evaluation.metric} did not reach the threshold",
            depends_on=(CONDITION,),
            branch="else",
            settings=_frozen(
                {"message": f"Model {evaluation.metric} is not {condition['symbol']} the threshold"}
            ),
        )
    )

    plan = Plan(
        pipeline_name=config.project.name,
        steps=tuple(steps),
        parameters=tuple(parameters),
        services=MappingProxyType({k: tuple(v) for k, v in services.items()}),
        scripts=tuple(dict.fromkeys(s.script for s in steps if s.script is not None)),
        problem_type=problem,
        condition=_frozen(condition),
    )
    check_plan(plan)
    return plan


_SPLITS = ("train", "validation", "test")


def _metric_group(problem_type: str) -> str:
    """The top-level key of evaluation.json, as SageMaker's model-quality reports use."""
    return {
        "binary_classification": "binary_classification_metrics",
        "multiclass_classification": "multiclass_classification_metrics",
        "regression": "regression_metrics",
    }[problem_type]


def _prepare_arguments(config: WizardConfig) -> tuple[str, ...]:
    prep = config.data_preparation
    args = [
        "--target-column",
        config.data_collection.target_column,
        "--missing-values",
        prep.missing_values,
        "--train-ratio",
        repr(prep.train_ratio),
        "--validation-ratio",
        repr(prep.validation_ratio),
        "--test-ratio",
        repr(prep.test_ratio),
        "--random-seed",
        str(prep.random_seed),
        "--problem-type",
        config.profile.problem_type,
    ]
    if not config.data_collection.has_header:
        args.append("--no-header")
    if prep.drop_duplicates:
        args.append("--drop-duplicates")
    for column in prep.drop_columns:
        args += ["--drop-column", column]
    return tuple(args)


def _feature_arguments(config: WizardConfig) -> tuple[str, ...]:
    feats = config.feature_engineering
    return (
        "--target-column",
        config.data_collection.target_column,
        "--scaling",
        feats.scaling,
        "--categorical-encoding",
        feats.categorical_encoding,
        "--max-categories",
        str(feats.max_categories),
        "--problem-type",
        config.profile.problem_type,
    )


def check_plan(plan: Plan) -> None:
    """Unique names, known dependencies, topological order (so no cycles), every input
    produced upstream by a step that declares that output."""
    seen: dict[str, PlanStep] = {}
    for step in plan.steps:
        if step.name in seen:
            raise PlanError(f"two steps are named {step.name!r}")
        for dep in step.depends_on:
            if dep not in seen:
                if any(s.name == dep for s in plan.steps):
                    raise PlanError(f"{step.name} depends on {dep}, which comes later: a cycle")
                raise PlanError(f"{step.name} depends on unknown step {dep!r}")
        for item in step.inputs:
            if item.step is None:
                if not item.uri:
                    raise PlanError(f"{step.name}.{item.name} has no source")
                continue
            producer = seen.get(item.step)
            if producer is None:
                raise PlanError(f"{step.name}.{item.name} reads {item.step}, not upstream")
            if item.step not in _ancestors(step, seen):
                raise PlanError(f"{step.name} reads {item.step} without depending on it")
            if item.output not in {o.name for o in producer.outputs}:
                raise PlanError(f"{item.step} has no output {item.output!r}")
        seen[step.name] = step
    for step in plan.steps:
        if step.branch and CONDITION not in _ancestors(step, seen):
            raise PlanError(f"{step.name} is in a branch but does not follow {CONDITION}")
    catalog = load_catalog()
    for ids in plan.services.values():
        for service in ids:
            if service not in catalog:
                raise PlanError(f"unknown service {service!r}")


def _ancestors(step: PlanStep, seen: Mapping[str, PlanStep]) -> set[str]:
    found: set[str] = set()
    frontier = list(step.depends_on)
    while frontier:
        name = frontier.pop()
        if name not in found:
            found.add(name)
            frontier.extend(seen[name].depends_on)
    return found
