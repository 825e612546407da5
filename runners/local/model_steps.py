"""The steps about the trained model, on this machine: the Model, its registration, batch
predictions, and the data-quality and bias checks.

* RegisterModel: a new version in the local model registry (``registry.py``), with the
  evaluation's metrics (the one the condition judged first).
* Model (CreateModel): a model description (``model.json``): its containers, as the
  exported CreateModel has them (``serving_containers``).
* Transform: batch predictions on raw records with the containers' stand-ins.
* QualityCheck / ClarifyCheck: Model Monitor's and Clarify's stand-ins.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .cache import digest_json, digest_path
from .containers import container_script
from .context import RunContext
from .jobs import BASE_ENV
from .recorder import write_failure_reason
from .registry import RegistryError
from .steprun import StepRun
from .steps import StepFailed


def evaluation_metrics(report: Path) -> dict[str, float]:
    """``{"auc": 0.98, ...}`` from a model-quality style report (its ``*_metrics`` group;
    ``baseline`` holds a naive guess's scores, not the model's)."""
    try:
        document = json.loads(report.read_text())
    except (OSError, ValueError):
        return {}
    found: dict[str, float] = {}
    for key, group in document.items():
        if not isinstance(group, dict) or not key.endswith("_metrics"):
            continue
        for name, entry in group.items():
            value = entry.get("value") if isinstance(entry, dict) else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                found[name] = float(value)
    return found


SCRIPT_ENVIRONMENT = {
    "SAGEMAKER_PROGRAM": "inference.py",
    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
}
"""How the scikit-learn container finds the serving code packed in model.tar.gz."""


def serving_containers(run: StepRun, built_in: bool) -> list[dict]:
    """The model's containers, as the exported pipeline defines them: a scikit-learn model
    is one container (model.tar.gz carries features.joblib and the serving code); the
    built-in algorithm sits between two containers of features.py's preprocessing model."""
    model = run.input_source("model") / "model.tar.gz"
    if not model.is_file():
        raise StepFailed(f"no model artifact at {model}")
    if not built_in:
        return [
            {"image": "scikit-learn", "model_data": str(model), "environment": SCRIPT_ENVIRONMENT}
        ]
    preprocessing = run.input_source("serving") / "model.tar.gz"
    if not preprocessing.is_file():
        raise StepFailed(f"no preprocessing model at {preprocessing} (features.py writes it)")

    def script(stage: str) -> dict:
        environment = {**SCRIPT_ENVIRONMENT, "SM_WIZARD_SERVING_STAGE": stage}
        return {
            "image": "scikit-learn",
            "model_data": str(preprocessing),
            "environment": environment,
        }

    algorithm = {"image": "xgboost", "model_data": str(model), "environment": {}}
    return [script("features"), algorithm, script("answers")]


def register_model(run: StepRun) -> None:
    step, context = run.step, run.context
    settings = step.settings
    model = run.input_source("model") / "model.tar.gz"
    evaluation = run.input_source("evaluation") / "evaluation.json"
    status = context.parameters.get(
        settings.get("approval_status_parameter", ""), settings.get("approval_status")
    )
    metrics = evaluation_metrics(evaluation)
    judged = context.plan.condition.get("metric")
    if judged in metrics:  # the metric the condition judged comes first
        metrics = {judged: metrics[judged], **metrics}
    built_in = bool(context.plan.step(step.input("model").step or "").settings.get("built_in"))
    containers = serving_containers(run, built_in)
    run.executing()
    try:
        package = context.registry.register(
            settings["model_package_group"],
            model_data=model,
            approval_status=str(status),
            metrics=metrics,
            evaluation=evaluation,
            content_types=["text/csv", "application/json"],
            containers=containers,
            inference_instances=list(settings.get("inference_instances", [])),
            transform_instances=list(settings.get("transform_instances", [])),
            framework=_framework(context),
            source={
                "pipeline": context.plan.pipeline_name,
                "run_id": context.run_id,
                "run_dir": str(context.run_dir),
                "step": step.name,
                "built_in": built_in,
            },
            description=context.config.project.description,
        )
    except RegistryError as exc:
        raise StepFailed(exc.message) from None
    except OSError as exc:  # a full registry: the step fails with the reason, in words
        where = f"cannot write the model registry {context.registry.root}"
        raise StepFailed(write_failure_reason(exc, where)) from None
    out = run.output_dir("model_package")
    out.mkdir(parents=True, exist_ok=True)
    (out / "model_package.json").write_text(json.dumps(package.to_dict(), indent=2) + "\n")
    shown = ", ".join(f"{k}={v:.4g}" for k, v in metrics.items()) or "no metrics"
    run.log(
        f"registered {package.group} version {package.version} ({package.approval_status}): {shown}"
    )
    run.log(f"model package: {package.arn}")
    run.state.details = {
        "model_package_group": package.group,
        "version": package.version,
        "arn": package.arn,
        "approval_status": package.approval_status,
        "registry": str(context.registry.root),
    }
    run.state.metrics = metrics


def _framework(context: RunContext) -> str:
    algorithm = context.config.training.algorithm
    return (
        "xgboost (built-in algorithm)" if algorithm == "xgboost" else f"scikit-learn ({algorithm})"
    )


def create_model(run: StepRun) -> None:
    step = run.step
    built_in = bool(step.settings.get("built_in"))
    containers = serving_containers(run, built_in)
    run.executing()
    info = {
        "ModelName": run.job_name(),
        "containers": containers,
        "algorithm": step.settings.get("algorithm"),
        "built_in": built_in,
    }
    out = run.output_dir("model_name")
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.json").write_text(json.dumps(info, indent=2) + "\n")
    shown = " -> ".join(c["image"] for c in containers)
    run.log(f"created model {info['ModelName']}: {shown}")
    run.state.details = {"model_name": info["ModelName"]}
    # What the model *is* is its artifacts and serving code, not its per-run name: steps
    # that use it (Transform) stay cache hits while the artifacts are unchanged.
    run.state.output_digests["model_name"] = digest_json(
        [
            {"model": digest_path(Path(c["model_data"])), "environment": c["environment"]}
            for c in containers
        ]
    )


# --------------------------------------------------------------------------- Transform, checks


def transform(run: StepRun) -> None:
    step, context = run.step, run.context
    settings = step.settings
    model = run.input_source("model") / "model.json"
    output = run.output_dir("predictions")
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    command = [
        context.python,
        str(container_script("batch_transform")),
        "--model",
        str(model),
        "--input",
        str(run.input_source("data")),
        "--output-dir",
        str(output),
        "--content-type",
        settings.get("content_type", "text/csv"),
        "--split-type",
        settings.get("split_type", "Line"),
        "--input-filter",
        settings.get("input_filter") or "$",
    ]
    run.check_stop()
    result = run.run_job(command, env=BASE_ENV, cwd=run.dir)
    run.check_job(result, "the batch transform job")
    lines = sum(1 for f in output.rglob("*.out") for _ in f.open())
    run.log(f"{lines} predictions in {run.layout.relative(output)}")


def quality_check(run: StepRun) -> None:
    context = run.context
    statistics = run.output_dir("statistics") / "statistics.json"
    constraints = run.output_dir("constraints") / "constraints.json"
    command = [
        context.python,
        str(container_script("model_monitor")),
        "--dataset-dir",
        str(run.input_source("baseline")),
        "--statistics",
        str(statistics),
        "--constraints",
        str(constraints),
    ]
    run.check_stop()
    result = run.run_job(command, env=BASE_ENV, cwd=run.dir)
    run.check_job(result, "the data-quality baselining job")


def clarify_check(run: StepRun) -> None:
    context, settings = run.context, run.step.settings
    analysis = run.output_dir("analysis") / "analysis.json"
    command = [
        context.python,
        str(container_script("clarify")),
        "--dataset-dir",
        str(run.input_source("dataset")),
        "--label",
        str(settings["label"]),
        "--facet",
        str(settings["facet"]),
        "--problem-type",
        context.plan.problem_type,
        "--output",
        str(analysis),
    ]
    # the same thresholds the exported ClarifyCheck step gives BiasConfig
    if settings.get("facet_threshold") is not None:
        command += ["--facet-threshold", str(settings["facet_threshold"])]
    if context.plan.problem_type == "regression":
        command += ["--label-threshold", str(settings["label_values"][0])]
    run.check_stop()
    result = run.run_job(command, env=BASE_ENV, cwd=run.dir)
    run.check_job(result, "the Clarify bias job")
