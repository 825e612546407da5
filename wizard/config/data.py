"""The data stages' tables: ``[data_collection]``, ``[data_preparation]`` and
``[feature_engineering]``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import FieldError, StageSection
from .fields import (
    FEATURE_GROUP_MAX,
    FEATURE_GROUP_RE,
    Column,
    DataUri,
    InstanceCount,
    ProcessingInstance,
    RuntimeSeconds,
    reject_control,
)


class DataCollectionConfig(StageSection):
    STAGE = "data_collection"

    @field_validator("target_column", mode="before")
    @classmethod
    def _target_given(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError(
                "no target column given: name the column the model should predict, e.g. "
                'data_collection.target_column = "churned"'
            )
        return value

    input_uri: DataUri
    target_column: Column
    has_header: bool = True
    num_classes: int | None = Field(default=None, ge=2, le=10_000)
    """How many classes the target has (multiclass). Unset, it is counted in the data."""


class DataPreparationConfig(StageSection):
    STAGE = "data_preparation"
    engine: Literal["sklearn", "spark"] = "sklearn"
    missing_values: Literal["drop", "median", "mean", "most_frequent"] = "median"
    drop_duplicates: bool = False
    """Drop rows that repeat an earlier row exactly. Off by default: with few columns, alike
    rows are often different cases (the data report counts them and says when to drop)."""
    drop_columns: list[Column] = Field(default_factory=list)
    parse_numbers: list[Column] = Field(default_factory=list)
    """Columns of numbers written as text ("1,234.5", "$12", "45%") to read as numbers."""
    parse_dates: list[Column] = Field(default_factory=list)
    """Columns of dates to turn into numbers (year, month, day of week, days since 1970)."""
    text_columns: list[Column] = Field(default_factory=list)
    """Columns of free text (a review, a ticket's body, a product title) kept as words: the
    feature step turns each into TF-IDF weights of its words and character n-grams, learned
    on the training split, instead of treating whole texts as categories."""
    normalise_labels: bool = False
    """Labels that differ only in case or surrounding spaces ("Yes", " yes") are one class."""
    train_ratio: float = Field(default=0.7, gt=0, lt=1)
    validation_ratio: float = Field(default=0.15, gt=0, lt=1)
    test_ratio: float = Field(default=0.15, gt=0, lt=1)
    random_seed: int = Field(default=42, ge=0, le=2**31 - 1)
    instance_type: ProcessingInstance = "ml.m5.large"
    instance_count: InstanceCount = 1
    max_runtime_seconds: RuntimeSeconds = 3600

    @model_validator(mode="after")
    def _one_treatment_per_column(self) -> DataPreparationConfig:
        seen: dict[str, str] = {}
        for field in ("drop_columns", "parse_numbers", "parse_dates", "text_columns"):
            for column in getattr(self, field):
                if column in seen and seen[column] != field:
                    raise FieldError(
                        field,
                        f"{column!r} is in both {seen[column]} and {field}; keep it in one",
                    )
                seen[column] = field
        return self

    @model_validator(mode="after")
    def _ratios(self) -> DataPreparationConfig:
        total = self.train_ratio + self.validation_ratio + self.test_ratio
        if abs(total - 1.0) > 1e-6:
            raise FieldError(
                "test_ratio",
                f"the training, validation and test shares add up to {total:g} "
                f"({self.train_ratio:g} + {self.validation_ratio:g} + {self.test_ratio:g}); "
                f"they must add up to 1, e.g. 0.7, 0.15 and 0.15"
                + (
                    f" (here: test share {1 - self.train_ratio - self.validation_ratio:g})"
                    if 0 < 1 - self.train_ratio - self.validation_ratio < 1
                    else ""
                ),
            )
        if self.engine == "sklearn" and self.instance_count > 1:
            raise FieldError(
                "instance_count",
                "the scikit-learn engine runs on one instance; set instance_count = 1 or choose "
                "engine = 'spark' for distributed processing",
            )
        return self


class FeatureEngineeringConfig(StageSection):
    STAGE = "feature_engineering"
    scaling: Literal["standard", "minmax", "none"] = "standard"
    categorical_encoding: Literal["onehot", "ordinal"] = "onehot"
    max_categories: int = Field(default=20, ge=2, le=1000)
    max_text_features: int = Field(default=20_000, ge=100, le=1_000_000)
    """The vocabulary bound of each free-text column: at most this many word n-grams and as
    many character n-grams, the most frequent in the training split."""
    feature_group_name: str = ""
    instance_type: ProcessingInstance = "ml.m5.large"
    max_runtime_seconds: RuntimeSeconds = 3600

    @field_validator("feature_group_name")
    @classmethod
    def _feature_group(cls, value: str) -> str:
        reject_control(value, "the feature group name")
        if value and (len(value) > FEATURE_GROUP_MAX or not FEATURE_GROUP_RE.fullmatch(value)):
            raise ValueError(
                "a feature group name has 1-64 letters, digits, '-' or '_', starting and ending "
                "with a letter or digit"
            )
        return value

    @model_validator(mode="after")
    def _needs_group(self) -> FeatureEngineeringConfig:
        if "feature-store" in self.services and not self.feature_group_name:
            raise FieldError(
                "feature_group_name",
                "Feature Store is selected: set feature_group_name, e.g. 'churn-features'",
            )
        return self
