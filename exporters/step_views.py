"""How each step of the Plan is written in ``pipeline.py``: one view (a dict for the
templates) per step, built by the builder of its kind.

A view holds the step's variable and job names, the Python expressions of its inputs (a
parameter, a literal or another step's property), its compute, and what its kind needs
(processor and image, hyperparameters and ranges, condition operands, registry settings).
Each builder returns the steps the view already waits for through data, so that only the
other dependencies are written as ``depends_on``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.algorithms import ALGORITHMS
from wizard.config import WizardConfig
from wizard.plan.dag import Plan, PlanStep, StepInput

from .filters import kebab, py, snake
from .packaged import ExportError

_REF_TEMPLATES = {
    "Processing": "output_of({var}, {output})",
    "Training": "{var}.properties.ModelArtifacts.S3ModelArtifacts",
    "Model": "{var}.properties.ModelName",
}
_CHECK_OUTPUTS = {
    "statistics": "CalculatedBaselineStatistics",
    "constraints": "CalculatedBaselineConstraints",
    "analysis": "CalculatedBaselineConstraints",
}


SHARED_CODE_SCRIPTS = ("prepare.py", "features.py")
"""Step scripts that import modules of code/ (rowfixes.py): their job mounts code/."""


def _source(plan: Plan, item: StepInput, parameters: Mapping[str, str]) -> str:
    """The Python expression that gives an input's S3 location in the generated code."""
    if item.step is None:
        if item.parameter:
            return parameters[item.parameter]
        return py(item.uri)
    producer = plan.step(item.step)
    var = f"step_{snake(producer.name)}"
    if producer.kind == "Tuning":
        return f"{snake(producer.name)}_best_model"  # defined with the tuning step
    if producer.kind in ("QualityCheck", "ClarifyCheck"):
        return f"{var}.properties.{_CHECK_OUTPUTS[item.output or '']}"
    template = _REF_TEMPLATES.get(producer.kind)
    if template is None:
        raise ExportError(f"{item.step} ({producer.kind}) has no output another step can read")
    return template.format(var=var, output=py(item.output))


def step_view(plan: Plan, step: PlanStep, config: WizardConfig) -> dict[str, Any]:
    """The template view of one step (``explicit_depends_on``: what ``depends_on`` lists)."""
    parameters = {p.name: snake(p.name) for p in plan.parameters}
    implied = {i.step for i in step.inputs if i.step}
    if step.branch:
        implied.add(_condition(plan).name)
    view: dict[str, Any] = {
        "name": step.name,
        "kind": step.kind,
        "var": f"step_{snake(step.name)}",
        "obj": snake(step.name),
        "job_name": kebab(step.name),
        "description": step.description,
        "branch": step.branch,
        "cache": step.cacheable,
        "retries": None,
        "image": None,
        "processor": None,
        "sources": {i.name: _source(plan, i, parameters) for i in step.inputs},
    }
    if step.retryable:
        view["retries"] = "job" if step.kind in _JOB_KINDS else "step"
    if step.compute is not None:
        compute = step.compute
        view["instance_type"] = (
            parameters[compute.parameter] if compute.parameter else py(compute.instance_type)
        )
        view["instance_type_default"] = compute.instance_type
        view["instance_count"] = compute.instance_count
        view["max_runtime"] = compute.max_runtime_seconds
    builder = _VIEW_BUILDERS[step.kind]
    implied |= builder(plan, step, config, view)
    view["explicit_depends_on"] = [d for d in step.depends_on if d not in implied]
    return view


_JOB_KINDS = ("Processing", "Training", "Tuning", "Transform")


def _condition(plan: Plan) -> PlanStep:
    return next(s for s in plan.steps if s.kind == "Condition")


def _image_for_model(plan: Plan, model_input: StepInput) -> str:
    """The image that can load a model: XGBoost's for the built-in algorithm, else sklearn's."""
    producer = plan.step(model_input.step or "")
    while producer.kind == "Model" and producer.inputs:
        producer = plan.step(producer.inputs[0].step or "")
    return "xgboost" if producer.settings.get("built_in") else "sklearn"


def _processing_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    if step.script is None:
        raise ExportError(f"processing step {step.name} names no script")
    engine = step.settings.get("engine")
    model_inputs = [i for i in step.inputs if i.name == "model" and i.step]
    if engine == "spark":
        view["processor"], view["image"] = "spark", "spark"
    else:
        view["processor"] = "script"
        view["image"] = _image_for_model(plan, model_inputs[0]) if model_inputs else "sklearn"
    view["script"] = step.script
    # scripts that import rowfixes.py (shared with the serving code) get code/ mounted
    view["shared_code"] = step.script in SHARED_CODE_SCRIPTS and view["processor"] == "script"
    view["inputs"] = [
        {"name": i.name, "source": view["sources"][i.name], "path": i.path} for i in step.inputs
    ]
    view["outputs"] = [{"name": o.name, "path": o.path} for o in step.outputs]
    view["arguments"] = list(step.arguments)
    property_file = step.settings.get("property_file")
    view["property_file"] = None
    if property_file:
        report = step.settings["report"]
        output = next(o.name for o in step.outputs)
        view["property_file"] = {
            "var": snake(property_file),
            "name": property_file,
            "output": output,
            "path": report,
        }
    return set()


def _trainer_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    settings, compute = step.settings, step.compute
    assert compute is not None
    view["built_in"] = settings["built_in"]
    view["image"] = "xgboost" if settings["built_in"] else "sklearn"
    view["script"] = step.script
    view["algorithm"] = ALGORITHMS[settings["algorithm"]].title
    view["spot"] = compute.spot
    view["max_wait"] = compute.max_wait_seconds
    view["checkpoint_uri"] = settings.get("checkpoint_s3_uri") or None
    view["channels"] = [
        {
            "name": i.name,
            "source": view["sources"][i.name],
            "content_type": settings["content_types"].get(i.name),
        }
        for i in step.inputs
    ]
    # The built-in algorithm's metrics are defined by AWS (SageMaker refuses new ones).
    view["metric_definitions"] = [] if settings["built_in"] else settings["metric_definitions"]
    view["output_folder"] = "tuning" if step.kind == "Tuning" else "models"
    hyperparameters = dict(settings["hyperparameters"])
    if step.kind == "Tuning":
        ranges = list(settings["ranges"])
        view["ranges"] = ranges
        tuned = {r["name"] for r in ranges}
        view["tuned_note"] = sorted(tuned & set(hyperparameters))
        view["strategy"] = settings["strategy"]
        view["objective_metric"] = settings["objective_metric"]
        view["objective_type"] = settings["objective_type"]
        view["max_jobs"] = settings["max_jobs"]
        view["max_parallel_jobs"] = settings["max_parallel_jobs"]
        view["early_stopping"] = settings["early_stopping"]
        view["max_resource"] = _max_resource(hyperparameters)
    view["hyperparameters"] = hyperparameters
    return set()


def _max_resource(hyperparameters: Mapping[str, Any]) -> int:
    """Hyperband's budget per trial: the algorithm's number of rounds/trees/iterations."""
    for name in ("num_round", "n_estimators", "max_iter"):
        value = hyperparameters.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return min(value, 20000)
    return 100


def _condition_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    condition = step.settings
    evaluation = plan.step(step.inputs[0].step or "")
    property_file = evaluation.settings["property_file"]
    view["operator"] = f"Condition{condition['operator']}"
    view["evaluation_var"] = f"step_{snake(evaluation.name)}"
    view["property_file_var"] = snake(property_file)
    view["json_path"] = condition["json_path"]
    threshold = condition["threshold_parameter"]
    view["threshold_var"] = snake(threshold) if threshold else None
    view["baseline_json_path"] = condition.get("baseline_json_path")
    view["symbol"] = condition["symbol"]
    view["metric"] = condition["metric"]
    view["if_vars"] = [f"step_{snake(s.name)}" for s in plan.steps if s.branch == "if"]
    view["else_vars"] = [f"step_{snake(s.name)}" for s in plan.steps if s.branch == "else"]
    return {evaluation.name}


def _model_builder_view(plan: Plan, step: PlanStep, view: dict[str, Any]) -> None:
    model_input = step.input("model")
    view["image"] = _image_for_model(plan, model_input)
    view["model_data"] = view["sources"]["model"]
    view["script_mode"] = view["image"] == "sklearn"
    # the built-in algorithm is served behind features.py's preprocessing model
    view["serving"] = view["sources"].get("serving")


def _register_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    settings = step.settings
    _model_builder_view(plan, step, view)
    evaluation = step.input("evaluation")
    view["evaluation_var"] = f"step_{snake(evaluation.step or '')}"
    view["evaluation_output"] = evaluation.output
    view["report"] = plan.step(evaluation.step or "").settings["report"]
    view["approval_var"] = snake(settings["approval_status_parameter"])
    view["inference_instances"] = list(settings["inference_instances"])
    view["transform_instances"] = list(settings["transform_instances"])
    view["content_type"] = settings["content_type"]
    # The baselines computed by the check steps travel with the model version, so Model
    # Monitor and reviewers find them in the registry.
    quality = next((s for s in plan.steps if s.kind == "QualityCheck"), None)
    bias = next((s for s in plan.steps if s.kind == "ClarifyCheck"), None)
    view["quality_var"] = f"step_{snake(quality.name)}" if quality else None
    view["bias_var"] = f"step_{snake(bias.name)}" if bias else None
    return {s.name for s in (quality, bias) if s is not None}


def _model_view(plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]) -> set[str]:
    _model_builder_view(plan, step, view)
    return set()


def _transform_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    settings = step.settings
    view["model_name"] = view["sources"]["model"]
    view["data"] = view["sources"]["data"]
    view["content_type"] = settings["content_type"]
    view["split_type"] = settings["split_type"]
    view["input_filter"] = settings.get("input_filter")
    view["output"] = step.outputs[0].name
    return set()


def _check_view(plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]) -> set[str]:
    settings = step.settings
    view["dataset"] = view["sources"][step.inputs[0].name]
    view["check_type"] = settings["check_type"]
    if step.kind == "ClarifyCheck":
        view["label"] = settings["label"]
        view["facet"] = settings["facet"]
        view["methods"] = list(settings["methods"])
        view["label_values"] = list(settings.get("label_values", [1]))
        view["facet_threshold"] = settings.get("facet_threshold")
        view["problem_type"] = plan.problem_type
    return set()


def _fail_view(plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]) -> set[str]:
    view["message"] = step.settings["message"]
    threshold = plan.condition["threshold_parameter"]
    view["threshold_var"] = snake(threshold) if threshold else None
    return set()


_VIEW_BUILDERS = {
    "Processing": _processing_view,
    "Training": _trainer_view,
    "Tuning": _trainer_view,
    "Condition": _condition_view,
    "RegisterModel": _register_view,
    "Model": _model_view,
    "Transform": _transform_view,
    "QualityCheck": _check_view,
    "ClarifyCheck": _check_view,
    "Fail": _fail_view,
}
