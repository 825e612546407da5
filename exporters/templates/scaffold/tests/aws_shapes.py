"""Check a pipeline definition against AWS's own request shapes, with no AWS account.

SageMaker turns each job step of a pipeline into an API call (CreateProcessingJob,
CreateTrainingJob...) only when the step runs, so a wrong instance type or a misspelt key
would otherwise surface minutes into an execution. botocore ships SageMaker's service model
(the same one AWS's SDKs are generated from); this module checks each step's Arguments
against the input shape of the call SageMaker makes for it: unknown keys, required members,
enums, patterns, lengths and ranges. Pipeline parameters are replaced by their defaults;
what only exists while the pipeline runs (another step's output, the execution id) cannot be
checked here and is listed in the notes instead.

It also checks what no service model knows: that every JsonGet path is one the evaluation
report has, that every hyperparameter is one the algorithm accepts, and that a batch
transform's input_filter is a JSONPath SageMaker understands.

What still needs an AWS account: whether the region and your account offer an instance type
(quotas start at 0 for many), whether the roles may do what the steps need, whether the S3
objects and the ECR images exist there, and the checks SageMaker Pipelines makes itself on
CreatePipeline and while it runs (property references, JsonGet on the real report).

Only the standard library and botocore are needed (sm-wizard's ``--verify`` runs this same
file). Nothing here is sent anywhere.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

# The API call SageMaker makes for each step type (check steps run processing jobs).
STEP_OPERATIONS = {
    "Processing": "CreateProcessingJob",
    "QualityCheck": "CreateProcessingJob",
    "ClarifyCheck": "CreateProcessingJob",
    "Training": "CreateTrainingJob",
    "Tuning": "CreateHyperParameterTuningJob",
    "Transform": "CreateTransformJob",
    "Model": "CreateModel",
    "RegisterModel": "CreateModelPackage",
}
# Members SageMaker Pipelines fills in itself when it makes the call.
FILLED_BY_PIPELINES = {
    "CreateProcessingJob": {"ProcessingJobName"},
    "CreateTrainingJob": {"TrainingJobName"},
    "CreateHyperParameterTuningJob": {"HyperParameterTuningJobName"},
    "CreateTransformJob": {"TransformJobName"},
    "CreateModel": {"ModelName"},
    "CreateModelPackage": set(),
}
# Arguments a step type carries for Pipelines itself, not for the API call.
PIPELINE_ONLY_ARGUMENTS: dict[str, set[str]] = {}

# The hyperparameters SageMaker's built-in XGBoost algorithm accepts (AWS documentation,
# "XGBoost hyperparameters"); anything else makes the training job fail at start.
XGBOOST_HYPERPARAMETERS = frozenset(
    [
        "alpha",
        "base_score",
        "booster",
        "colsample_bylevel",
        "colsample_bynode",
        "colsample_bytree",
        "csv_weights",
        "deterministic_histogram",
        "early_stopping_rounds",
        "eta",
        "eval_metric",
        "gamma",
        "grow_policy",
        "interaction_constraints",
        "lambda",
        "lambda_bias",
        "max_bin",
        "max_delta_step",
        "max_depth",
        "max_leaves",
        "min_child_weight",
        "monotone_constraints",
        "normalize_type",
        "nthread",
        "num_class",
        "num_parallel_tree",
        "num_round",
        "objective",
        "one_drop",
        "process_type",
        "rate_drop",
        "refresh_leaf",
        "sample_type",
        "scale_pos_weight",
        "seed",
        "single_precision_histogram",
        "sketch_eps",
        "skip_drop",
        "subsample",
        "tree_method",
        "tweedie_variance_power",
        "updater",
        "use_dask_gpu_training",
        "verbosity",
    ]
)
# What the SDK adds to a script-mode job's hyperparameters for the container itself.
SDK_HYPERPARAMETER_PREFIX = "sagemaker_"

# The JSONPath subset SageMaker's batch transform takes for input_filter/output_filter
# ("$", "$[1:]", "$[0,2]", "$.features", "$['a','b']"...).
_JSONPATH = r"""^\$(
        \.[A-Za-z_][\w-]*
      | \[\s*(\*|-?\d+\s*(,\s*-?\d+\s*)*|-?\d*\s*:\s*-?\d*|'[^']*'(\s*,\s*'[^']*')*)\s*\]
    )*$"""


@dataclass
class Report:
    """What is wrong (``problems``) and what could not be checked offline (``notes``)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: Report) -> None:
        self.problems += other.problems
        self.notes += other.notes


class Unresolved:
    """A value that only exists while the pipeline runs."""

    def __init__(self, why: str) -> None:
        self.why = why


@cache
def service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


# --------------------------------------------------------------------------- steps


def iter_steps(definition: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every step, the ones inside a condition's branches too."""

    def walk(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for step in steps:
            yield step
            if step.get("Type") == "Condition":
                yield from walk(step.get("Arguments", {}).get("IfSteps", []))
                yield from walk(step.get("Arguments", {}).get("ElseSteps", []))

    yield from walk(list(definition.get("Steps", [])))


# Representative values of the execution variables (an execution id is 12 lowercase letters
# and digits), so that paths built from them are checked for pattern and length too.
EXECUTION_SAMPLES = {
    "Execution.PipelineExecutionId": "0a1b2c3d4e5f",
    "Execution.StartDateTime": "2026-01-01T00:00:00Z",
    "Execution.CurrentDateTime": "2026-01-01T00:00:00Z",
}


def parameter_defaults(definition: Mapping[str, Any]) -> dict[str, Any]:
    """{"Parameters.<name>": default} plus the execution-variable samples."""
    defaults = {
        f"Parameters.{p['Name']}": p["DefaultValue"]
        for p in definition.get("Parameters", [])
        if "DefaultValue" in p
    }
    return defaults | EXECUTION_SAMPLES


def resolve(value: Any, defaults: Mapping[str, Any]) -> Any:
    """``value`` with pipeline parameters replaced by their defaults and Join expressions
    joined; step properties, execution variables and JsonGet become ``Unresolved``."""
    if isinstance(value, dict):
        if set(value) == {"Get"} and isinstance(value["Get"], str):
            ref = value["Get"]
            if ref in defaults:
                return _FromParameter(defaults[ref])
            if ref.startswith("Parameters."):
                return Unresolved(f"parameter {ref.removeprefix('Parameters.')} has no default")
            return Unresolved(f"{ref} is only known while the pipeline runs")
        if set(value) == {"Std:Join"}:
            join = value["Std:Join"]
            parts = [resolve(v, defaults) for v in join.get("Values", [])]
            missing = [p for p in parts if isinstance(p, Unresolved)]
            if missing:
                return Unresolved(f"joins {missing[0].why}")
            return str(join.get("On", "")).join(_text(p) for p in parts)
        if set(value) == {"Std:JsonGet"}:
            return Unresolved("a JsonGet value is only known while the pipeline runs")
        return {k: resolve(v, defaults) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, defaults) for v in value]
    return value


class _FromParameter:
    """A parameter's default: SageMaker passes it as text where a string is expected."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _text(value: Any) -> str:
    value = value.value if isinstance(value, _FromParameter) else value
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def check_value(shape: Any, value: Any, path: str, report: Report) -> None:
    """Check one resolved value against a botocore shape, recursively."""
    if isinstance(value, Unresolved):
        report.notes.append(f"{path}: not checked ({value.why})")
        return
    if isinstance(value, _FromParameter):
        value = value.value
        if shape.type_name == "string" and not isinstance(value, str):
            value = _text(value)
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            report.problems.append(f"{path}: must be an object ({shape.name})")
            return
        for key in value:
            if key not in shape.members:
                known = ", ".join(sorted(shape.members))
                report.problems.append(
                    f"{path}.{key}: {shape.name} has no member {key!r} ({known})"
                )
        for key in shape.required_members:
            if key not in value:
                report.problems.append(f"{path}: {shape.name} requires {key!r}")
        for key, item in value.items():
            if key in shape.members:
                check_value(shape.members[key], item, f"{path}.{key}", report)
        return
    if kind == "list":
        if not isinstance(value, list):
            report.problems.append(f"{path}: must be a list ({shape.name})")
            return
        _length(meta, len(value), path, report, "items")
        for index, item in enumerate(value):
            check_value(shape.member, item, f"{path}[{index}]", report)
        return
    if kind == "map":
        if not isinstance(value, dict):
            report.problems.append(f"{path}: must be a map ({shape.name})")
            return
        _length(meta, len(value), path, report, "entries")
        for key, item in value.items():
            check_value(shape.key, key, f"{path} key {key!r}", report)
            check_value(shape.value, item, f"{path}[{key!r}]", report)
        return
    if kind == "string":
        if not isinstance(value, str):
            report.problems.append(f"{path}: must be text, not {value!r}")
            return
        if "enum" in meta and value not in meta["enum"]:
            choices = ", ".join(meta["enum"][:12]) + (" ..." if len(meta["enum"]) > 12 else "")
            report.problems.append(f"{path}: {value!r} is not one of {shape.name}: {choices}")
        _length(meta, len(value), path, report, "characters")
        pattern = meta.get("pattern")
        if pattern:
            try:  # AWS matches the whole value (Java's matches())
                matched = re.fullmatch(pattern, value, re.S)
            except re.error:
                report.notes.append(f"{path}: pattern {pattern!r} not checked (not Python regex)")
            else:
                if not matched:
                    report.problems.append(f"{path}: {value!r} does not match {pattern!r}")
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            report.problems.append(f"{path}: must be a whole number, not {value!r}")
            return
        _range(meta, value, path, report)
        return
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            report.problems.append(f"{path}: must be a number, not {value!r}")
            return
        _range(meta, value, path, report)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            report.problems.append(f"{path}: must be true or false, not {value!r}")
        return
    # timestamps, blobs: nothing a pipeline definition sets


def _length(meta: Mapping[str, Any], size: int, path: str, report: Report, unit: str) -> None:
    if "min" in meta and size < meta["min"]:
        report.problems.append(f"{path}: {size} {unit}, at least {meta['min']} needed")
    if "max" in meta and size > meta["max"]:
        report.problems.append(f"{path}: {size} {unit}, at most {meta['max']} allowed")


def _range(meta: Mapping[str, Any], value: float, path: str, report: Report) -> None:
    if "min" in meta and value < meta["min"]:
        report.problems.append(f"{path}: {value} is below the minimum {meta['min']}")
    if "max" in meta and value > meta["max"]:
        report.problems.append(f"{path}: {value} is above the maximum {meta['max']}")


def check_step(step: Mapping[str, Any], defaults: Mapping[str, Any]) -> Report:
    """A step's Arguments against the input shape of the call SageMaker makes for it."""
    report = Report()
    operation = STEP_OPERATIONS.get(step.get("Type", ""))
    if operation is None:
        return report
    shape = service_model().operation_model(operation).input_shape
    arguments = resolve(dict(step.get("Arguments") or {}), defaults)
    for key in PIPELINE_ONLY_ARGUMENTS.get(step["Type"], ()):
        arguments.pop(key, None)
    # Pipelines names the job; a placeholder stands in so the required check sees it.
    for member in FILLED_BY_PIPELINES[operation]:
        arguments.setdefault(member, "filled-by-pipelines")
    inner = Report()
    check_value(shape, arguments, "Arguments", inner)
    prefix = f"step {step['Name']} ({operation})"
    report.problems += [f"{prefix}: {p}" for p in inner.problems]
    report.notes += [f"{prefix}: {n}" for n in inner.notes]
    return report


def check_create_pipeline(
    definition_json: str, pipeline_name: str, role_arn: str, description: str | None = None
) -> Report:
    """The whole CreatePipeline request, through botocore's own parameter validation (what
    boto3 checks before it sends the request)."""
    from botocore.exceptions import ParamValidationError
    from botocore.validate import ParamValidator

    request: dict[str, Any] = {
        "PipelineName": pipeline_name,
        "PipelineDefinition": definition_json,
        "RoleArn": role_arn,
        "ClientRequestToken": str(uuid.uuid4()),
    }
    if description:
        request["PipelineDescription"] = description
    shape = service_model().operation_model("CreatePipeline").input_shape
    report = Report()
    errors = ParamValidator().validate(request, shape)
    if errors.has_errors():
        report.problems.append(
            "CreatePipeline: " + str(ParamValidationError(report=errors.generate_report()))
        )
    # botocore checks types and minimum lengths only; maximum lengths, patterns and enums
    # are checked here (SageMaker refuses them on arrival).
    inner = Report()
    check_value(shape, request, "CreatePipeline", inner)
    report.problems += inner.problems
    return report


def check_definition(definition_json: str, pipeline_name: str, role_arn: str) -> Report:
    """Every step's Arguments and the CreatePipeline request."""
    definition = json.loads(definition_json)
    defaults = parameter_defaults(definition)
    report = check_create_pipeline(definition_json, pipeline_name, role_arn)
    for step in iter_steps(definition):
        report.extend(check_step(step, defaults))
    report.extend(check_filters(definition, defaults))
    return report


# --------------------------------------------------------------------------- beyond the model


def check_filters(definition: Mapping[str, Any], defaults: Mapping[str, Any]) -> Report:
    """Batch transform filters must be JSONPath expressions SageMaker understands."""
    report = Report()
    for step in iter_steps(definition):
        if step.get("Type") != "Transform":
            continue
        processing = resolve(step.get("Arguments", {}).get("DataProcessing") or {}, defaults)
        for key in ("InputFilter", "OutputFilter"):
            value = processing.get(key)
            if isinstance(value, _FromParameter):
                value = _text(value)
            if isinstance(value, str) and not re.match(_JSONPATH, value, re.X):
                report.problems.append(
                    f"step {step['Name']}: DataProcessing.{key} {value!r} is not a JSONPath "
                    "SageMaker accepts (e.g. '$[1:]', '$[0,2]', '$.features')"
                )
    return report


def json_get_paths(definition: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(step, property file, path) for every JsonGet in the definition."""

    def walk(value: Any, step: str) -> Iterator[tuple[str, str, str]]:
        if isinstance(value, dict):
            json_get = value.get("Std:JsonGet")
            if isinstance(json_get, dict):
                source = json_get.get("PropertyFile")
                name = source.get("Get", "") if isinstance(source, dict) else str(source)
                yield step, name.rsplit(".", 1)[-1], str(json_get.get("Path"))
            for key, item in value.items():
                if key not in ("IfSteps", "ElseSteps"):
                    yield from walk(item, step)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item, step)

    for step in iter_steps(definition):
        yield from walk(step.get("Arguments", {}), step["Name"])


def lookup(document: Any, path: str) -> Any:
    """The value at a JsonGet path (``a.b[0].c``) in ``document``; KeyError if absent."""
    current = document
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(current, list) or index >= len(current):
                raise KeyError(part)
            current = current[index]
        else:
            if not isinstance(current, dict) or part not in current:
                raise KeyError(part)
            current = current[part]
    return current


def check_json_gets(definition: Mapping[str, Any], reports: Mapping[str, Any]) -> Report:
    """Every JsonGet path must lead to a number in the report its property file holds
    (``reports``: {property file name: the report the step's script writes})."""
    report = Report()
    for step, property_file, path in json_get_paths(definition):
        if property_file not in reports:
            report.notes.append(f"step {step}: property file {property_file} not checked")
            continue
        try:
            value = lookup(reports[property_file], path)
        except KeyError as missing:
            report.problems.append(
                f"step {step}: JsonGet path {path!r} is not in {property_file} "
                f"({missing.args[0]!r} is missing)"
            )
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            report.problems.append(f"step {step}: JsonGet path {path!r} is not a number")
    return report


def script_options(script: Path) -> set[str]:
    """The ``--options`` a training script's argparse parser declares (read, not run)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(script.read_text("utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and str(arg.value).startswith("--"):
                    names.add(str(arg.value)[2:])
    return names


def hyperparameters_of(step: Mapping[str, Any]) -> set[str]:
    """The hyperparameter names a Training or Tuning step sets or tunes."""
    arguments = step.get("Arguments", {})
    if step.get("Type") == "Tuning":
        definition = arguments.get("TrainingJobDefinition", {})
        names = set(definition.get("StaticHyperParameters") or {})
        ranges = arguments.get("HyperParameterTuningJobConfig", {}).get("ParameterRanges", {})
        for group in ranges.values():
            names |= {r.get("Name") for r in group if isinstance(r, dict)}
    else:
        names = set(arguments.get("HyperParameters") or {})
    return {n for n in names if not str(n).startswith(SDK_HYPERPARAMETER_PREFIX)}


def check_hyperparameters(
    definition: Mapping[str, Any], accepted: Mapping[str, set[str] | frozenset[str]]
) -> Report:
    """Every hyperparameter of a step must be one its algorithm accepts
    (``accepted``: {step name: names})."""
    report = Report()
    for step in iter_steps(definition):
        if step.get("Type") not in ("Training", "Tuning") or step["Name"] not in accepted:
            continue
        for name in sorted(hyperparameters_of(step) - set(accepted[step["Name"]])):
            report.problems.append(
                f"step {step['Name']}: hyperparameter {name!r} is not one the algorithm accepts"
            )
    return report


def accepted_hyperparameters(
    project_dir: Path, training_scripts: Mapping[str, str | None]
) -> dict[str, frozenset[str]]:
    """{training step: the names its algorithm accepts}: XGBoost's documented list for the
    built-in algorithm (script None), else the options of the script in code/."""
    return {
        step: XGBOOST_HYPERPARAMETERS
        if script is None
        else frozenset(script_options(project_dir / "code" / script))
        for step, script in training_scripts.items()
    }


def sample_evaluation_report(script: Path, problem_type: str) -> dict[str, Any]:
    """The report the evaluation script writes, computed by its own metric code on a tiny
    sample (no model needed: its ``evaluate`` takes labels and predictions)."""
    import importlib.util

    import numpy as np

    spec = importlib.util.spec_from_file_location("evaluation_script", script)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"{script}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    probability = None
    if problem_type == "regression":
        labels, predicted = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.1, 1.9, 3.2, 3.9])
    elif problem_type == "binary_classification":
        labels = np.array([0, 1, 0, 1, 1, 0])
        probability = np.array([0.2, 0.8, 0.6, 0.7, 0.4, 0.1])
        predicted = (probability >= 0.5).astype(int)
    else:
        labels, predicted = np.array([0, 1, 2, 0, 1, 2]), np.array([0, 1, 2, 1, 1, 2])
    group = module.GROUPS[problem_type]
    report = {group: module.evaluate(labels, predicted, probability, problem_type, 0.5)}
    if hasattr(module, "baseline"):  # the naive guess the quality gate may compare with
        report["baseline"] = module.baseline(labels, problem_type)
    return report
