"""The config file's model: ``WizardConfig``, the whole ``wizard.toml``, composed of the
``[project]``, ``[profile]`` and per-stage tables.

Every rule about the config lives in this package and only here: the CLI prints the messages,
the TUI shows them at the field. ``fields`` holds AWS's naming, URI and ARN rules; ``base``,
``project``, ``data``, ``model`` and ``serving`` the section models; ``crosscheck`` the rules
between sections.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..algorithms import default_hyperparameters
from ..defaults import (
    SINGLE_CONTAINER_ALGORITHM,
    SINGLE_CONTAINER_HOSTING,
    TEXT_ALGORITHM,
    default_metric,
    default_objective,
    profile_answers,
)
from .base import Section
from .data import DataCollectionConfig, DataPreparationConfig, FeatureEngineeringConfig
from .model import EvaluationConfig, TrainingConfig, TuningConfig
from .project import Profile, ProjectConfig
from .serving import DeploymentConfig, MonitoringConfig, OrchestrationConfig

SCHEMA_VERSION = 1


SECTION_MODELS: dict[str, type[Section]] = {
    "project": ProjectConfig,
    "profile": Profile,
    "data_collection": DataCollectionConfig,
    "data_preparation": DataPreparationConfig,
    "feature_engineering": FeatureEngineeringConfig,
    "training": TrainingConfig,
    "tuning": TuningConfig,
    "evaluation": EvaluationConfig,
    "deployment": DeploymentConfig,
    "monitoring": MonitoringConfig,
    "orchestration": OrchestrationConfig,
}


class WizardConfig(Section):
    """The whole ``wizard.toml``."""

    schema_version: Literal[1] = SCHEMA_VERSION
    project: ProjectConfig
    profile: Profile = Field(default_factory=Profile)
    data_collection: DataCollectionConfig
    data_preparation: DataPreparationConfig = Field(default_factory=DataPreparationConfig)
    feature_engineering: FeatureEngineeringConfig = Field(default_factory=FeatureEngineeringConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    tuning: TuningConfig = Field(default_factory=TuningConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    deployment: DeploymentConfig = Field(default_factory=DeploymentConfig)
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    orchestration: OrchestrationConfig = Field(default_factory=OrchestrationConfig)

    @model_validator(mode="after")
    def _model_package_group_from_project(self) -> WizardConfig:
        """Unset, the model package group is named after the project (``<name>-models``), so
        unrelated projects never share one group."""
        if "model_package_group" not in self.deployment.model_fields_set:
            self.deployment.model_package_group = f"{self.project.name}-models"
        return self

    @model_validator(mode="after")
    def _data_source_from_the_input(self) -> WizardConfig:
        """Unset, where the data is follows the input: an ``s3://`` URI is in S3, anything
        else is a local file (the data-collection advice then says the export uploads it,
        not that it is "already in S3"). Left unset, so a changed input moves it along."""
        profile = self.profile
        for name, value in profile_answers(profile, str(self.data_collection.input_uri)).items():
            setattr(profile, name, value)
            profile.model_fields_set.discard(name)
        return self

    @model_validator(mode="after")
    def _defaults_follow_the_problem(self) -> WizardConfig:
        """Unset, the quality gate's metric and the tuning objective are the ones that fit
        the problem type (``wizard.defaults``): a regression never inherits ``auc``; and
        with free-text columns the algorithm is a linear model (``TEXT_ALGORITHM``), and for
        serverless or multi-model endpoints a scikit-learn one (``SINGLE_CONTAINER_ALGORITHM``)."""
        problem = self.profile.problem_type
        # Assigning marks a field as set; these stay "unset" so that the same answers
        # revalidated after a change of problem type move them along.
        training = self.training
        if (
            self.data_preparation.text_columns
            and "algorithm" not in training.model_fields_set
            and not training.hyperparameters
        ):
            training.algorithm = TEXT_ALGORITHM  # type: ignore[assignment]
            training.model_fields_set.discard("algorithm")
        elif (
            SINGLE_CONTAINER_HOSTING & set(self.deployment.services)
            and "algorithm" not in training.model_fields_set
            and not training.hyperparameters
        ):
            training.algorithm = SINGLE_CONTAINER_ALGORITHM  # type: ignore[assignment]
            training.model_fields_set.discard("algorithm")
        if "metric" not in self.evaluation.model_fields_set:
            self.evaluation.metric = default_metric(problem)  # type: ignore[assignment]
            self.evaluation.model_fields_set.discard("metric")
        if "objective_metric" not in self.tuning.model_fields_set:
            self.tuning.objective_metric = default_objective(self.training.algorithm, problem)
            self.tuning.model_fields_set.discard("objective_metric")
        return self

    def effective_hyperparameters(self) -> dict[str, str | int | float | bool]:
        """The algorithm's defaults for this problem, overridden by the user's values."""
        hps: dict[str, str | int | float | bool] = dict(
            default_hyperparameters(
                self.training.algorithm,
                self.profile.problem_type,
                self.data_collection.num_classes,
            )
        )
        hps.update(self.training.hyperparameters)
        return hps


def selected_services(config: WizardConfig) -> dict[str, list[str]]:
    """The catalog ids chosen per stage, in stage order (tuning is chosen by ``enabled``)."""
    chosen: dict[str, list[str]] = {}
    for stage in SECTION_MODELS:
        if stage in ("project", "profile"):
            continue
        section = getattr(config, stage)
        if stage == "tuning":
            chosen[stage] = ["automatic-model-tuning"] if section.enabled else []
        else:
            chosen[stage] = list(section.services)
    return chosen
