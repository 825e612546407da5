"""The model stages' tables: ``[training]`` (with its hyperparameters), ``[tuning]`` (with
its ranges) and ``[evaluation]``."""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, PlainValidator, field_validator, model_validator

from ..algorithms import ALGORITHMS
from ..defaults import LOWER_IS_BETTER
from .base import FieldError, Section, StageSection
from .fields import (
    HP_NAME_RE,
    InstanceCount,
    ProcessingInstance,
    RuntimeSeconds,
    S3Uri,
    TrainingInstance,
    check_column,
    check_safe_text,
    reject_control,
)


def _hyperparameter_value(value: Any) -> int | float | bool | str:
    """One message for a value of the wrong kind (not one per member of a type union)."""
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("give a finite number")
        return value
    if isinstance(value, str):
        if len(value) > 256:
            raise ValueError(f"the text is {len(value):,} characters long; keep it under 256")
        return check_safe_text(value)
    kind = {dict: "a table", list: "a list"}.get(type(value), type(value).__name__)
    raise ValueError(f"expected a number, true/false or short text, not {kind}")


HyperparameterValue = Annotated[Any, PlainValidator(_hyperparameter_value)]


class TrainingConfig(StageSection):
    STAGE = "training"
    algorithm: Literal["xgboost", "sklearn_random_forest", "sklearn_linear"] = "xgboost"
    instance_type: TrainingInstance = "ml.m5.large"
    instance_count: InstanceCount = 1
    max_runtime_seconds: RuntimeSeconds = 3600
    use_spot: bool = False
    max_wait_seconds: int = Field(default=0, ge=0, le=2_419_200)
    checkpoint_s3_uri: S3Uri = ""
    hyperparameters: dict[str, HyperparameterValue] = Field(default_factory=dict)

    @field_validator("hyperparameters")
    @classmethod
    def _hp(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            reject_control(name, "the hyperparameter name")
            if not HP_NAME_RE.fullmatch(name):
                raise ValueError(
                    f"hyperparameter name {name!r} may use letters, digits, '_', ':', '.', '-'"
                )
        return value

    @model_validator(mode="after")
    def _spot_and_instances(self) -> TrainingConfig:
        algorithm = ALGORITHMS[self.algorithm]
        if self.instance_count > 1 and not algorithm.multi_instance:
            raise FieldError(
                "instance_count",
                f"{algorithm.title} trains on one instance; set instance_count = 1 or choose "
                "algorithm = 'xgboost'",
            )
        if self.use_spot and self.max_wait_seconds < self.max_runtime_seconds:
            raise FieldError(
                "max_wait_seconds",
                "with managed spot training, max_wait_seconds must be at least "
                f"max_runtime_seconds ({self.max_runtime_seconds}); e.g. "
                f"max_wait_seconds = {self.max_runtime_seconds * 2}",
            )
        if not self.use_spot and self.max_wait_seconds:
            raise FieldError(
                "max_wait_seconds", "max_wait_seconds applies only to spot training; set it to 0"
            )
        if self.checkpoint_s3_uri and not self.use_spot:
            raise FieldError(
                "checkpoint_s3_uri",
                "checkpoints matter for spot training; set use_spot = true or clear the URI",
            )
        for name, value in self.hyperparameters.items():
            hp = algorithm.known(name)
            if name in ("objective", "eval_metric", "num_class"):
                continue
            if hp is None:
                known = ", ".join(h.name for h in algorithm.hyperparameters)
                raise FieldError(
                    f"hyperparameters.{name}",
                    f"hyperparameter {name!r} is not one {algorithm.title} knows; use: {known}",
                )
            problem = hp.check(value)
            if problem:
                raise FieldError(f"hyperparameters.{name}", problem)
        return self


class ParameterRange(Section):
    name: str
    type: Literal["continuous", "integer", "categorical"] = "continuous"
    min_value: float | None = None
    max_value: float | None = None
    scaling: Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"] = "Auto"
    values: list[Annotated[str, Field(max_length=256), AfterValidator(check_safe_text)]] = Field(
        default_factory=list
    )

    @field_validator("name")
    @classmethod
    def _name_text(cls, value: str) -> str:
        return reject_control(value, "the hyperparameter name")

    @model_validator(mode="after")
    def _bounds(self) -> ParameterRange:
        if self.type == "categorical":
            if len(self.values) < 1:
                raise FieldError(
                    "values", f"categorical range {self.name!r} needs at least one value"
                )
            if self.min_value is not None or self.max_value is not None:
                raise FieldError(
                    "min_value", "a categorical range takes values, not min_value/max_value"
                )
            return self
        if self.values:
            raise FieldError(
                "values", "only categorical ranges take values; use min_value and max_value"
            )
        if self.min_value is None or self.max_value is None:
            raise FieldError("max_value", f"range {self.name!r} needs both min_value and max_value")
        if not (math.isfinite(self.min_value) and math.isfinite(self.max_value)):
            raise FieldError("min_value", "range bounds must be finite numbers")
        if self.min_value >= self.max_value:
            raise FieldError(
                "min_value",
                f"min_value ({self.min_value:g}) must be smaller than max_value "
                f"({self.max_value:g})",
            )
        if self.type == "integer" and not (
            self.min_value.is_integer() and self.max_value.is_integer()
        ):
            raise FieldError("min_value", "an integer range needs whole-number bounds")
        if self.scaling == "Logarithmic" and self.min_value <= 0:
            raise FieldError(
                "min_value", "logarithmic scaling needs min_value > 0; raise it or use Linear"
            )
        if self.scaling == "ReverseLogarithmic" and (
            self.type != "continuous" or self.min_value < 0 or self.max_value >= 1
        ):
            raise FieldError(
                "scaling",
                "reverse-logarithmic scaling works only for continuous ranges within [0, 1)",
            )
        return self


class TuningConfig(Section):
    STAGE: ClassVar[str] = "tuning"
    enabled: bool = False
    strategy: Literal["Bayesian", "Random", "Hyperband", "Grid"] = "Bayesian"
    objective_metric: str = "validation:auc"
    max_jobs: int = Field(default=10, ge=1, le=500)
    max_parallel_jobs: int = Field(default=2, ge=1, le=100)
    early_stopping: Literal["Off", "Auto"] = "Off"
    ranges: list[ParameterRange] = Field(default_factory=list)

    @field_validator("objective_metric")
    @classmethod
    def _metric_text(cls, value: str) -> str:
        # checked against the algorithm's metrics only while tuning is on: a line break
        # must not wait until then
        return reject_control(value, "the objective metric")

    @model_validator(mode="after")
    def _budget(self) -> TuningConfig:
        if self.max_parallel_jobs > self.max_jobs:
            raise FieldError(
                "max_parallel_jobs",
                f"max_parallel_jobs ({self.max_parallel_jobs}) cannot exceed max_jobs "
                f"({self.max_jobs}); lower it",
            )
        names = [r.name for r in self.ranges]
        if len(set(names)) != len(names):
            raise FieldError("ranges", "a hyperparameter has two ranges; keep one per name")
        if self.enabled and not self.ranges:
            raise FieldError(
                "ranges", "tuning is enabled but has no ranges; add at least one range"
            )
        if self.strategy == "Grid" and any(r.type != "categorical" for r in self.ranges):
            raise FieldError(
                "strategy",
                "Grid search tries every combination, so all ranges must be categorical; "
                "list the values or choose Bayesian/Random",
            )
        if self.strategy == "Grid" and self.ranges:
            combinations = math.prod(len(r.values) for r in self.ranges)
            if self.max_jobs != combinations:
                raise FieldError(
                    "max_jobs",
                    f"Grid search trains each of the {combinations} combinations of your values "
                    f"once; set max_jobs = {combinations}",
                )
        if self.strategy == "Hyperband" and self.early_stopping == "Auto":
            raise FieldError(
                "early_stopping", "Hyperband stops poor trials itself; set early_stopping = 'Off'"
            )
        return self


class EvaluationConfig(StageSection):
    STAGE = "evaluation"
    metric: Literal["accuracy", "f1", "auc", "precision", "recall", "rmse", "mae", "r2"] = "auc"
    threshold: float | None = None
    """The pass mark on the metric's own scale. Unset, the model must beat a guess that
    knows only how the labels are spread (the baseline the Evaluate step reports)."""
    instance_type: ProcessingInstance = "ml.m5.large"
    bias_facet: str = ""
    bias_facet_threshold: float | None = None
    """For a numeric facet (age, income): Clarify compares the rows above this value with the
    rest (BiasConfig's ``facet_values_or_threshold``). Unset, the data's median when the facet
    is numeric with more than 10 values; a facet with fewer is compared value by value."""
    bias_label_threshold: float | None = None
    """For regression: labels above this value count as the favourable outcome in the bias
    check (``label_values_or_threshold``). Unset, the training labels' median."""

    @field_validator("bias_facet")
    @classmethod
    def _facet(cls, value: str) -> str:
        return check_column(value) if value else value

    @model_validator(mode="after")
    def _threshold(self) -> EvaluationConfig:
        if self.threshold is None:
            pass
        elif not math.isfinite(self.threshold):
            raise FieldError("threshold", "the threshold must be a number")
        elif self.metric in LOWER_IS_BETTER:
            if self.threshold <= 0:
                raise FieldError(
                    "threshold", f"{self.metric} is an error size; give a threshold above 0"
                )
        elif self.metric == "r2":
            if self.threshold > 1:
                raise FieldError("threshold", "r2 is at most 1; give a threshold such as 0.6")
        elif not 0 <= self.threshold <= 1:
            raise FieldError("threshold", f"{self.metric} lies between 0 and 1; give e.g. 0.8")
        for name in ("bias_facet_threshold", "bias_label_threshold"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise FieldError(name, f"{name} must be a number")
        if "clarify" in self.services and not self.bias_facet:
            raise FieldError(
                "bias_facet",
                "Clarify is selected: set bias_facet to the column whose groups should be "
                "treated alike (e.g. 'gender' or 'age')",
            )
        return self
