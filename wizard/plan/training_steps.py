"""The Plan's model-building step: one training job, or a tuning job that runs many and
keeps the best (``[tuning] enabled``). Both read the feature step's train and validation
channels and output ``model``."""

from __future__ import annotations

from typing import Any

from ..algorithms import ALGORITHMS, metric_definitions, objective_direction
from ..config import WizardConfig
from .dag import FEATURES, TRAIN, TUNE, Compute, PlanStep, StepInput, StepOutput, frozen
from .data_steps import TRAINING_CONTENT_TYPE


def training_step(config: WizardConfig) -> PlanStep:
    """``Train``, or ``Tune`` when tuning is enabled; ``step.name`` is the model's source."""
    train_cfg, problem = config.training, config.profile.problem_type
    algorithm = ALGORITHMS[train_cfg.algorithm]
    channels: tuple[StepInput, ...] = (
        StepInput("train", step=FEATURES, output="train"),
        StepInput("validation", step=FEATURES, output="validation"),
    )
    if not algorithm.built_in:
        # train.py packs features.joblib and the serving code with the model, so the
        # served model answers raw records (the built-in algorithm is served behind a
        # preprocessing container instead: see the deployment steps)
        channels += (StepInput("transformer", step=FEATURES, output="transformer"),)
    training_compute = Compute(
        "training",
        train_cfg.instance_type,
        train_cfg.instance_count,
        train_cfg.max_runtime_seconds,
        spot=train_cfg.use_spot,
        max_wait_seconds=train_cfg.max_wait_seconds or None,
        parameter="TrainingInstanceType",
    )
    hyperparameters = config.effective_hyperparameters()
    if not algorithm.built_in:
        # code/train.py serves several algorithms and problem types: it is told which, the
        # same way on AWS and locally (guessing from the labels fails for integer targets)
        hyperparameters |= {"algorithm": algorithm.id, "problem_type": problem}
    training_settings: dict[str, Any] = {
        "algorithm": algorithm.id,
        "built_in": algorithm.built_in,
        "hyperparameters": hyperparameters,
        "metric_definitions": metric_definitions(algorithm.id, problem),
        "checkpoint_s3_uri": train_cfg.checkpoint_s3_uri,
        # what features.py wrote in each split channel (free text: sparse); the transformer
        # channel (a model.tar.gz) has none
        "content_types": {
            name: "text/libsvm" if config.data_preparation.text_columns else TRAINING_CONTENT_TYPE
            for name in ("train", "validation")
        },
    }
    if not config.tuning.enabled:
        return PlanStep(
            name=TRAIN,
            kind="Training",
            stage="training",
            description=f"Train {algorithm.title}",
            inputs=channels,
            outputs=(StepOutput("model", "model.tar.gz"),),
            depends_on=(FEATURES,),
            compute=training_compute,
            script=algorithm.script,
            settings=frozen(training_settings),
            cacheable=True,
            retryable=True,
        )
    tuning = config.tuning
    return PlanStep(
        name=TUNE,
        kind="Tuning",
        stage="tuning",
        description=f"Try up to {tuning.max_jobs} hyperparameter settings "
        f"({tuning.strategy}) and keep the best by {tuning.objective_metric}",
        inputs=channels,
        outputs=(StepOutput("model", "model.tar.gz of the best training job"),),
        depends_on=(FEATURES,),
        compute=training_compute,
        script=algorithm.script,
        settings=frozen(
            training_settings
            | {
                "strategy": tuning.strategy,
                "objective_metric": tuning.objective_metric,
                "objective_type": objective_direction(tuning.objective_metric),
                "max_jobs": tuning.max_jobs,
                "max_parallel_jobs": tuning.max_parallel_jobs,
                "early_stopping": tuning.early_stopping,
                "ranges": [r.model_dump(mode="json") for r in tuning.ranges],
            }
        ),
        cacheable=True,
        retryable=True,
    )
