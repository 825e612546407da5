"""What an unanswered question defaults to, given the other answers.

A newcomer sets the data, the target and the problem type and nothing else; every other
answer must then fit that problem. These defaults apply only where the person gave no
value (a value they wrote always wins), and they apply the same way everywhere the config
is read: the blank template, the wizard's screens, ``validate``, ``export`` and ``run``.
"""

from __future__ import annotations

from typing import Any

from .algorithms import ALGORITHMS, training_metrics

EVALUATION_METRICS = {
    "binary_classification": ("auc", "accuracy", "f1", "precision", "recall"),
    "multiclass_classification": ("accuracy", "f1", "precision", "recall"),
    "regression": ("rmse", "mae", "r2"),
}
"""The test metrics that measure each problem type, the default first: AUC ranks binary
classifiers independently of the decision threshold, accuracy is the plain reading for
several classes, and RMSE is in the target's own units. The config's cross-section check
refuses the others; the evaluation form offers only these."""

DEFAULT_METRIC = {problem: metrics[0] for problem, metrics in EVALUATION_METRICS.items()}

LOWER_IS_BETTER = frozenset({"rmse", "mae"})
"""Evaluation metrics that measure an error: the gate wants them small."""


TEXT_ALGORITHM = "sklearn_linear"
"""The algorithm for data with free-text columns, where the person chose none: TF-IDF word
and character features are many and sparse, and a regularised linear model (logistic or
ridge regression) is the classic strong, fast learner on them (bench/bench_text.py)."""


SINGLE_CONTAINER_ALGORITHM = "sklearn_random_forest"
"""The algorithm for serverless and multi-model endpoints, where the person chose none: the
built-in XGBoost is served as an inference pipeline (preprocessing, algorithm, answers),
which SageMaker hosts on neither; a scikit-learn model and its preprocessing are one
container."""

SINGLE_CONTAINER_HOSTING = frozenset({"serverless-inference", "multi-model-endpoints"})
"""Endpoint kinds that host one container per model, not an inference pipeline."""


def data_source_for(input_uri: str) -> str | None:
    """Where the data is, as ``profile.data_source`` says it, from the input: an ``s3://``
    URI is in S3, anything else is a file on this machine; ``None`` with no input yet."""
    uri = input_uri.strip()
    if not uri:
        return None
    return "s3" if uri.startswith("s3://") else "local_files"


def data_size_for(data: Any) -> float | None:
    """``profile.data_size_gb`` from what the data check read (``DataProfile``): one file's
    size; ``None`` when nothing was read, or for a folder of files (only the first is read)."""
    size = getattr(data, "file_bytes", None)
    if not isinstance(size, int) or getattr(data, "files", 1) != 1:
        return None
    return float(f"{size / 1e9:.3g}")


def profile_answers(profile: Any, input_uri: str, data: Any = None) -> dict[str, Any]:
    """The profile answers the input (``data_source_for``) and the data read
    (``data_size_for``, a ``DataProfile`` or ``None``) give, for the fields of ``profile``
    the person left unset: the one rule ``WizardConfig``, the data checks and the wizard's
    screens all apply."""
    derived = {"data_source": data_source_for(input_uri), "data_size_gb": data_size_for(data)}
    return {
        name: value
        for name, value in derived.items()
        if value is not None and name not in profile.model_fields_set
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
