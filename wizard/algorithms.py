"""The training algorithms the wizard offers, and what each one accepts and reports.

One registry that validation, the Plan, the exporter and the local engine all read: the
hyperparameters an algorithm knows (so tuning ranges can be checked), its defaults per
problem type, and the metrics it writes to its log with the regular expressions SageMaker
uses to find them (metric definitions).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

ProblemType = Literal["binary_classification", "multiclass_classification", "regression"]
HyperparameterType = Literal["continuous", "integer", "categorical"]


@dataclass(frozen=True, slots=True)
class Hyperparameter:
    name: str
    type: HyperparameterType
    low: float | None = None
    high: float | None = None
    help: str = ""
    choices: tuple[str, ...] = ()
    """A categorical hyperparameter's accepted values (empty: any text)."""

    def range_text(self) -> str:
        """The accepted values in words, as the form shows them: ``1 to 2000``."""
        if self.choices:
            return " or ".join(self.choices)
        if self.low is None or self.high is None:
            return ""
        return f"{self.low:g} to {self.high:g}"

    def check(self, value: object) -> str | None:
        """Why ``value`` is not accepted (``None`` if it is): the same range the form shows."""
        if self.type == "categorical":
            if self.choices and value not in self.choices:
                return f"{self.name} takes {self.range_text()}, not {value!r:.40}"
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{self.name} takes a number from {self.range_text()}, not {value!r:.40}"
        if self.type == "integer" and not float(value).is_integer():
            return f"{self.name} takes a whole number from {self.range_text()} (got {value:g})"
        if self.low is not None and self.high is not None and not self.low <= value <= self.high:
            return f"{self.name} must be from {self.range_text()} (got {value:g})"
        return None

    def full_range(self) -> dict[str, str | float | list[str]]:
        """A ``[[tuning.ranges]]`` entry over every value this hyperparameter accepts."""
        entry: dict[str, str | float | list[str]] = {"name": self.name, "type": self.type}
        if self.low is not None and self.high is not None and self.type != "categorical":
            entry |= {"min_value": float(self.low), "max_value": float(self.high)}
        if self.choices:
            entry["values"] = list(self.choices)
        return entry


@dataclass(frozen=True, slots=True)
class Algorithm:
    id: str
    title: str
    built_in: bool
    """True for SageMaker's built-in XGBoost container; False for scikit-learn script mode."""
    script: str | None
    """The training script in the export's ``code/`` folder (script mode only)."""
    hyperparameters: tuple[Hyperparameter, ...]
    multi_instance: bool
    help: str

    def known(self, name: str) -> Hyperparameter | None:
        return next((h for h in self.hyperparameters if h.name == name), None)

    def starter_range(
        self, taken: Collection[str] = ()
    ) -> dict[str, str | float | list[str]] | None:
        """A tuning range to start from: the first continuous hyperparameter not yet
        ``taken`` (the learning rate for XGBoost), over its accepted bounds."""
        free = [h for h in self.hyperparameters if h.name not in taken]
        if not free:
            return None
        return next((h for h in free if h.type == "continuous"), free[0]).full_range()


XGBOOST = Algorithm(
    id="xgboost",
    title="XGBoost (SageMaker built-in algorithm)",
    built_in=True,
    script=None,
    multi_instance=True,
    help="Gradient-boosted trees: the strongest default for tabular data. Runs in AWS's own "
    "container, so there is no training code to maintain.",
    hyperparameters=(
        Hyperparameter("num_round", "integer", 1, 10000, "most boosting rounds (trees) to train"),
        Hyperparameter(
            "early_stopping_rounds",
            "integer",
            1,
            1000,
            "stop when the validation metric has not improved for this many rounds",
        ),
        Hyperparameter("max_depth", "integer", 1, 20, "maximum depth of each tree"),
        Hyperparameter("eta", "continuous", 0.001, 1.0, "learning rate (step size shrinkage)"),
        Hyperparameter("min_child_weight", "continuous", 0, 100, "minimum weight in a leaf"),
        Hyperparameter("subsample", "continuous", 0.1, 1.0, "fraction of rows per tree"),
        Hyperparameter("colsample_bytree", "continuous", 0.1, 1.0, "fraction of columns per tree"),
        Hyperparameter("gamma", "continuous", 0, 100, "minimum loss reduction to split"),
        Hyperparameter("alpha", "continuous", 0, 1000, "L1 regularization"),
        Hyperparameter("lambda", "continuous", 0, 1000, "L2 regularization"),
        Hyperparameter(
            "scale_pos_weight",
            "continuous",
            0.001,
            1_000_000,
            "weight of the positive class (two classes): rows of class 0 / rows of class 1 "
            "balances an imbalanced target",
        ),
    ),
)

CLASS_WEIGHT = Hyperparameter(
    "class_weight",
    "categorical",
    help="balanced weighs each class by the inverse of how often it occurs, so a rare class "
    "counts as much as a common one (classification, any number of classes); none, the "
    "default, weighs every row alike",
    choices=("balanced", "none"),
)
"""scikit-learn's class_weight, for the script-mode classifiers (train.py)."""

RANDOM_FOREST = Algorithm(
    id="sklearn_random_forest",
    title="Random forest (scikit-learn, script mode)",
    built_in=False,
    script="train.py",
    multi_instance=False,
    help="Many decision trees voting together: robust, little tuning needed. Your own "
    "train.py runs in AWS's scikit-learn container, so you can change anything.",
    hyperparameters=(
        Hyperparameter("n_estimators", "integer", 1, 2000, "number of trees"),
        Hyperparameter("max_depth", "integer", 1, 100, "maximum depth of each tree"),
        Hyperparameter("min_samples_leaf", "integer", 1, 1000, "minimum rows in a leaf"),
        Hyperparameter("max_features", "continuous", 0.05, 1.0, "fraction of columns per split"),
        CLASS_WEIGHT,
    ),
)

LINEAR = Algorithm(
    id="sklearn_linear",
    title="Linear model (scikit-learn, script mode)",
    built_in=False,
    script="train.py",
    multi_instance=False,
    help="Logistic regression for classification, ridge regression for numbers: fast, simple "
    "and easy to explain. A good baseline.",
    hyperparameters=(
        Hyperparameter("C", "continuous", 1e-6, 1e6, "inverse regularization strength"),
        Hyperparameter("max_iter", "integer", 10, 100000, "maximum solver iterations"),
        CLASS_WEIGHT,
    ),
)

ALGORITHMS: dict[str, Algorithm] = {a.id: a for a in (XGBOOST, RANDOM_FOREST, LINEAR)}

# Metrics each training job prints, by problem type. SageMaker finds them in the job's log
# with these regular expressions (MetricDefinitions); the local engine uses the same ones.
# The built-in XGBoost prints "[12]#011train-auc:0.91#011validation-auc:0.88"; the
# scikit-learn script prints "validation:auc=0.88;".
_XGB_METRICS: dict[str, tuple[str, ...]] = {
    "binary_classification": ("auc", "logloss", "error", "aucpr"),
    "multiclass_classification": ("mlogloss", "merror"),
    "regression": ("rmse", "mae", "logloss"),
}
_SCRIPT_METRICS: dict[str, tuple[str, ...]] = {
    "binary_classification": ("auc", "accuracy", "f1"),
    "multiclass_classification": ("accuracy", "f1"),
    "regression": ("rmse", "mae", "r2"),
}
MINIMIZED_METRICS = frozenset({"logloss", "error", "mlogloss", "merror", "rmse", "mae"})


def training_metrics(algorithm_id: str, problem_type: str) -> tuple[str, ...]:
    """Objective metric names (``validation:auc``...) the algorithm reports for the problem."""
    table = _XGB_METRICS if ALGORITHMS[algorithm_id].built_in else _SCRIPT_METRICS
    names = table.get(problem_type, ())
    return tuple(f"{channel}:{m}" for channel in ("validation", "train") for m in names)


def metric_regex(algorithm_id: str, metric: str) -> str:
    """The MetricDefinitions regex that captures ``metric`` (e.g. ``validation:auc``)."""
    channel, _, name = metric.partition(":")
    if ALGORITHMS[algorithm_id].built_in:
        return rf".*\[[0-9]+\].*#011{channel}-{name}:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
    return rf"{channel}:{name}=([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?);"


def metric_definitions(algorithm_id: str, problem_type: str) -> list[dict[str, str]]:
    """SageMaker ``MetricDefinitions`` for every metric the algorithm reports."""
    return [
        {"Name": m, "Regex": metric_regex(algorithm_id, m)}
        for m in training_metrics(algorithm_id, problem_type)
    ]


def objective_direction(metric: str) -> Literal["Maximize", "Minimize"]:
    return "Minimize" if metric.partition(":")[2] in MINIMIZED_METRICS else "Maximize"


DEFAULT_ROUNDS = 1000
EARLY_STOPPING_ROUNDS = 30


def default_hyperparameters(
    algorithm_id: str, problem_type: str, num_classes: int | None = None
) -> dict[str, str | int | float]:
    """Sensible starting values; user values override them key by key.

    XGBoost trains up to ``DEFAULT_ROUNDS`` rounds at a modest learning rate and stops once
    the validation metric has not improved for ``EARLY_STOPPING_ROUNDS`` rounds, so the
    number of trees follows the data instead of a guess (bench/bench_quality.py compares
    these defaults with scikit-learn's HistGradientBoosting on public datasets)."""
    if algorithm_id == "xgboost":
        objective, metric = {
            "binary_classification": ("binary:logistic", "auc"),
            "multiclass_classification": ("multi:softprob", "mlogloss"),
            "regression": ("reg:squarederror", "rmse"),
        }[problem_type]
        hps: dict[str, str | int | float] = {
            "objective": objective,
            "eval_metric": metric,
            "num_round": DEFAULT_ROUNDS,
            "early_stopping_rounds": EARLY_STOPPING_ROUNDS,
            "max_depth": 6,
            "eta": 0.05,
            "subsample": 0.8,
            "colsample_bytree": 0.8,
            "min_child_weight": 1,
        }
        if problem_type == "multiclass_classification":
            hps["num_class"] = num_classes or 3
        return hps
    if algorithm_id == "sklearn_random_forest":
        return {"n_estimators": 300, "max_depth": 12, "min_samples_leaf": 1}
    return {"C": 1.0, "max_iter": 1000}
