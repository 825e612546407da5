"""The Plan's evaluation steps: score the model on the test set, compare the metric with the
threshold (the condition), and the ``Fail`` step of its else branch."""

from __future__ import annotations

from typing import Any

from ..algorithms import ALGORITHMS
from ..config import WizardConfig
from ..defaults import LOWER_IS_BETTER, gate_text
from .dag import (
    CONDITION,
    EVALUATE,
    EVALUATION_FILE,
    EVALUATION_PROPERTY_FILE,
    FAIL,
    FEATURES,
    Compute,
    PlanStep,
    StepInput,
    frozen,
    processing_input,
    processing_output,
)


def evaluate_step(config: WizardConfig, model_step: str) -> PlanStep:
    """Score the model ``model_step`` produced on the held-out test split."""
    problem = config.profile.problem_type
    algorithm = ALGORITHMS[config.training.algorithm]
    return PlanStep(
        name=EVALUATE,
        kind="Processing",
        stage="evaluation",
        description=f"Score the model on the test set and write {EVALUATION_FILE}",
        inputs=(
            processing_input("model", step=model_step, output="model"),
            processing_input("test", step=FEATURES, output="test"),
        ),
        outputs=(processing_output("evaluation", f"{EVALUATION_FILE} with the model's metrics"),),
        depends_on=(FEATURES, model_step),
        compute=Compute("processing", config.evaluation.instance_type, 1, 3600),
        script="evaluate.py",
        arguments=("--problem-type", problem, "--algorithm", algorithm.id),
        settings=frozen({"property_file": EVALUATION_PROPERTY_FILE, "report": EVALUATION_FILE}),
        cacheable=True,
        retryable=True,
    )


def metric_condition(config: WizardConfig) -> dict[str, Any]:
    """Where the metric is read from evaluation.json and what it is compared with: the
    threshold the person set (the ``MetricThreshold`` parameter), or with none set, the
    naive baseline evaluate.py writes beside it, which the model must beat (the condition
    step's settings, also ``Plan.condition``)."""
    evaluation = config.evaluation
    lower_is_better = evaluation.metric in LOWER_IS_BETTER
    json_path = f"{metric_group(config.profile.problem_type)}.{evaluation.metric}.value"
    relative = evaluation.threshold is None
    if relative:
        operator, symbol = ("LessThan", "<") if lower_is_better else ("GreaterThan", ">")
    else:
        operator, symbol = (
            ("LessThanOrEqualTo", "<=") if lower_is_better else ("GreaterThanOrEqualTo", ">=")
        )
    return {
        "property_file": EVALUATION_PROPERTY_FILE,
        "json_path": json_path,
        "operator": operator,
        "symbol": symbol,
        "metric": evaluation.metric,
        "threshold_parameter": None if relative else "MetricThreshold",
        "threshold": evaluation.threshold,
        "baseline_json_path": f"baseline.{evaluation.metric}.value" if relative else None,
        "gate": gate_text(evaluation.metric, evaluation.threshold),
    }


def condition_step(
    config: WizardConfig, condition: dict[str, Any], checks: tuple[str, ...]
) -> PlanStep:
    """The branch point: registration (``if``) or ``Fail`` (``else``). It also waits for
    the data checks ``checks``, so a failed check stops the run before registration."""
    return PlanStep(
        name=CONDITION,
        kind="Condition",
        stage="evaluation",
        description=f"Register the model only if {condition['gate']}",
        inputs=(StepInput("evaluation", step=EVALUATE, output="evaluation"),),
        depends_on=(EVALUATE, *checks),
        settings=frozen(condition),
    )


def fail_step(config: WizardConfig, condition: dict[str, Any]) -> PlanStep:
    """The else branch: stop the run with a reason."""
    metric = config.evaluation.metric
    return PlanStep(
        name=FAIL,
        kind="Fail",
        stage="evaluation",
        description=f"Stop with a reason: {metric} did not pass ({condition['gate']})",
        depends_on=(CONDITION,),
        branch="else",
        settings=frozen(
            {
                "message": f"Model {metric} is not {condition['symbol']} the threshold"
                if condition["threshold_parameter"]
                else f"Model {metric} does not beat a naive guess (evaluation.json's baseline); "
                "the model has learned nothing useful"
            }
        ),
    )


def metric_group(problem_type: str) -> str:
    """The top-level key of evaluation.json, as SageMaker's model-quality reports use."""
    return {
        "binary_classification": "binary_classification_metrics",
        "multiclass_classification": "multiclass_classification_metrics",
        "regression": "regression_metrics",
    }[problem_type]
