"""What an unanswered question defaults to, given the other answers.

A newcomer sets the data, the target and the problem type and nothing else; every other
answer must then fit that problem. These defaults apply only where the person gave no
value (a value they wrote always wins), and they apply the same way everywhere the config
is read: the blank template, the wizard's screens, ``validate``, ``export`` and ``run``.
"""

from __future__ import annotations

from .algorithms import ALGORITHMS, training_metrics

DEFAULT_METRIC = {
    "binary_classification": "auc",
    "multiclass_classification": "accuracy",
    "regression": "rmse",
}
"""The test metric the quality gate reads, per problem type: AUC ranks binary classifiers
independently of the decision threshold, accuracy is the plain reading for several classes,
and RMSE is in the target's own units."""

LOWER_IS_BETTER = frozenset({"rmse", "mae"})

METRIC_SCALE = {
    "auc": "0.5 is a guess, 1 is perfect",
    "accuracy": "the share of rows classified right, 0 to 1",
    "f1": "0 to 1, higher is better",
    "precision": "0 to 1, higher is better",
    "recall": "0 to 1, higher is better",
    "rmse": "in the target's own units, lower is better",
    "mae": "in the target's own units, lower is better",
    "r2": "0 is no better than the mean, 1 is perfect",
}


def default_metric(problem_type: str) -> str:
    return DEFAULT_METRIC.get(problem_type, "auc")


def default_objective(algorithm_id: str, problem_type: str) -> str:
    """The tuning objective: the first validation metric the algorithm reports for the
    problem (``validation:auc``, ``validation:mlogloss``, ``validation:rmse``...)."""
    if algorithm_id not in ALGORITHMS:
        return "validation:auc"
    metrics = [
        m for m in training_metrics(algorithm_id, problem_type) if m.startswith("validation:")
    ]
    return metrics[0] if metrics else "validation:auc"


def gate_text(metric: str, threshold: float | None) -> str:
    """The quality gate in words, as the plan, the Review screen and the exported README say
    it: with no threshold, the model must beat a guess (see the Evaluate step's baseline)."""
    better = "below" if metric in LOWER_IS_BETTER else "above"
    if threshold is None:
        return f"test {metric} {better} a guess's (the naive baseline the Evaluate step reports)"
    symbol = "<=" if metric in LOWER_IS_BETTER else ">="
    return f"test {metric} {symbol} {threshold:g}"
