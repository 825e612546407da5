"""Rules between sections of a whole config: each problem names the TOML path to change.

The section models check their own table; what spans tables (the target column against the
dropped columns, the metric against the problem type, tuning ranges against the algorithm,
Model Monitor against the hosting choice, a schedule for scheduled retraining) lives here.
"""

from __future__ import annotations

from ..algorithms import ALGORITHMS, training_metrics
from ..defaults import EVALUATION_METRICS
from . import WizardConfig

_CLASSIFICATION_METRICS = set(EVALUATION_METRICS["binary_classification"])
_REGRESSION_METRICS = set(EVALUATION_METRICS["regression"])


class CrossCheck(ValueError):
    """A rule between sections; ``path`` is the TOML path of the field to fix."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def cross_check(config: WizardConfig) -> list[CrossCheck]:
    """Rules that span sections; each problem names the field to change."""
    problems: list[CrossCheck] = []
    profile, prep = config.profile, config.data_preparation
    target = config.data_collection.target_column
    if profile.data_format == "images":
        problems.append(
            CrossCheck(
                "profile.data_format",
                "the generated steps read rows of values (CSV, Parquet or JSON lines, with "
                "numbers, categories or free text), not images; for images start from a "
                "JumpStart vision model (see the training stage's advice), or choose csv",
            )
        )
    if target in prep.text_columns:
        problems.append(
            CrossCheck(
                "data_preparation.text_columns",
                f"the target column {target!r} is listed as free text; remove it from "
                "text_columns (the model predicts it, it does not read it)",
            )
        )
    problems.extend(_text_checks(config))
    problems.extend(_hosting_checks(config))
    if target in prep.drop_columns:
        problems.append(
            CrossCheck(
                "data_preparation.drop_columns",
                f"the target column {target!r} is dropped; remove it from drop_columns",
            )
        )
    if config.evaluation.bias_facet and config.evaluation.bias_facet == target:
        problems.append(
            CrossCheck(
                "evaluation.bias_facet",
                "the bias facet must be a feature column, not the target column",
            )
        )
    metric = config.evaluation.metric
    regression = profile.problem_type == "regression"
    if regression and metric not in _REGRESSION_METRICS:
        problems.append(
            CrossCheck(
                "evaluation.metric",
                f"{metric} measures classification; for regression use rmse, mae or r2",
            )
        )
    if not regression and metric not in _CLASSIFICATION_METRICS:
        problems.append(
            CrossCheck(
                "evaluation.metric",
                f"{metric} measures regression; for classification use accuracy, f1, auc, "
                "precision or recall",
            )
        )
    if metric == "auc" and profile.problem_type == "multiclass_classification":
        problems.append(
            CrossCheck(
                "evaluation.metric",
                "auc is for two classes; for several classes use accuracy or f1",
            )
        )
    if config.tuning.enabled:
        problems.extend(_tuning_checks(config))
    problems.extend(_monitor_checks(config))
    if profile.retraining == "scheduled" and not config.orchestration.schedule:
        problems.append(
            CrossCheck(
                "orchestration.schedule",
                "retraining is scheduled: give a schedule, e.g. cron(0 3 ? * MON *) (Mondays "
                "03:00 UTC) or rate(7 days)",
            )
        )
    return problems


def _hosting_checks(config: WizardConfig) -> list[CrossCheck]:
    """A built-in algorithm is served as an inference pipeline (the preprocessing model, the
    algorithm, the answers model), which SageMaker hosts on real-time endpoints and in batch
    transform, not on serverless or multi-model endpoints (deploy.py would refuse it)."""
    if not ALGORITHMS[config.training.algorithm].built_in:
        return []
    kinds = {
        "serverless-inference": "serverless endpoints",
        "multi-model-endpoints": "multi-model endpoints",
    }
    return [
        CrossCheck(
            "deployment.services",
            f"{ALGORITHMS[config.training.algorithm].title} is served as an inference pipeline "
            "(its preprocessing, then the algorithm), which SageMaker does not host on "
            f"{words}; choose 'endpoints' (real-time) instead of {kind!r}, or a scikit-learn "
            "algorithm (training.algorithm = 'sklearn_random_forest'), which one container serves",
        )
        for kind, words in kinds.items()
        if kind in config.deployment.services
    ]


def _text_checks(config: WizardConfig) -> list[CrossCheck]:
    """Free-text columns become sparse TF-IDF features, written as LIBSVM rows: what the
    scikit-learn models of script mode read. The built-in XGBoost is fed CSV and Parquet
    here. (Batch transform sends raw records through the serving code, text included.)"""
    if not config.data_preparation.text_columns:
        return []
    problems = []
    if ALGORITHMS[config.training.algorithm].built_in:
        problems.append(
            CrossCheck(
                "training.algorithm",
                "with free-text columns the features are tens of thousands of sparse word "
                "weights, which the pipeline feeds to scikit-learn models only: set "
                "training.algorithm = 'sklearn_linear' (the usual strong choice for text) or "
                "'sklearn_random_forest'",
            )
        )
    if config.data_preparation.engine == "spark":
        problems.append(
            CrossCheck(
                "data_preparation.engine",
                "the Spark engine does not keep free-text columns as text yet; set "
                "data_preparation.engine = 'sklearn'",
            )
        )
    return problems


def _monitor_checks(config: WizardConfig) -> list[CrossCheck]:
    """Model Monitor captures requests of real-time endpoints (and batch transform
    jobs); SageMaker offers no data capture on serverless or multi-model endpoints."""
    if "model-monitor" not in config.monitoring.services:
        return []
    deploy = set(config.deployment.services)
    if deploy & {"endpoints", "batch-transform"}:
        return []
    unsupported = [
        name
        for service, name in (
            ("serverless-inference", "serverless endpoints"),
            ("multi-model-endpoints", "multi-model endpoints"),
        )
        if service in deploy
    ]
    if not unsupported:
        return []
    return [
        CrossCheck(
            "monitoring.services",
            f"Model Monitor cannot watch {' or '.join(unsupported)}: SageMaker has no data "
            "capture for them; untick Model Monitor here (CloudWatch alarms still work) or "
            "deploy to a real-time endpoint or batch transform",
        )
    ]


def _tuning_checks(config: WizardConfig) -> list[CrossCheck]:
    problems: list[CrossCheck] = []
    algorithm = ALGORITHMS[config.training.algorithm]
    metrics = training_metrics(algorithm.id, config.profile.problem_type)
    if config.tuning.objective_metric not in metrics:
        problems.append(
            CrossCheck(
                "tuning.objective_metric",
                f"{algorithm.title} does not report {config.tuning.objective_metric!r} for "
                f"{config.profile.problem_type.replace('_', ' ')}; use one of: "
                f"{', '.join(m for m in metrics if m.startswith('validation:'))}",
            )
        )
    for index, rng in enumerate(config.tuning.ranges):
        hp = algorithm.known(rng.name)
        path = f"tuning.ranges[{index}].name"
        if hp is None:
            known = ", ".join(h.name for h in algorithm.hyperparameters)
            problems.append(
                CrossCheck(
                    path,
                    f"{rng.name!r} is not a hyperparameter of {algorithm.title}; use: {known}",
                )
            )
            continue
        if rng.type != "categorical" and hp.type != rng.type and hp.type == "integer":
            problems.append(
                CrossCheck(
                    f"tuning.ranges[{index}].type",
                    f"{rng.name} takes whole numbers; set type = 'integer'",
                )
            )
        if rng.type != "categorical" and hp.low is not None and hp.high is not None:
            assert rng.min_value is not None and rng.max_value is not None
            if rng.min_value < hp.low or rng.max_value > hp.high:
                problems.append(
                    CrossCheck(
                        f"tuning.ranges[{index}].min_value",
                        f"{rng.name} accepts values from {hp.low:g} to {hp.high:g}; keep the "
                        "range inside",
                    )
                )
    return problems
