"""The Plan's deployment steps, in the condition's ``if`` branch: register the model version,
and for batch transform create a SageMaker model and score the test set with it."""

from __future__ import annotations

from ..algorithms import ALGORITHMS
from ..config import WizardConfig
from .dag import (
    CONDITION,
    CREATE_MODEL,
    EVALUATE,
    FEATURES,
    REGISTER,
    TRANSFORM,
    Compute,
    PlanStep,
    StepInput,
    StepOutput,
    frozen,
)


def serving_inputs(config: WizardConfig) -> tuple[StepInput, ...]:
    """What serving needs besides the model: for the built-in algorithm, the preprocessing
    model features.py packs (an inference pipeline: preprocessing, the algorithm, the
    answers in the user's labels); a scikit-learn model.tar.gz carries it already."""
    if not ALGORITHMS[config.training.algorithm].built_in:
        return ()
    return (StepInput("serving", step=FEATURES, output="transformer"),)


def register_step(config: WizardConfig, model_step: str) -> PlanStep:
    """Add a version to the model package group, with the evaluation as its metrics."""
    deploy = config.deployment
    return PlanStep(
        name=REGISTER,
        kind="RegisterModel",
        stage="deployment",
        description=f"Add a version to the '{deploy.model_package_group}' model group",
        inputs=(
            StepInput("model", step=model_step, output="model"),
            StepInput("evaluation", step=EVALUATE, output="evaluation"),
            *serving_inputs(config),
        ),
        outputs=(StepOutput("model_package", "the model package version ARN"),),
        depends_on=(CONDITION,),
        branch="if",
        settings=frozen(
            {
                "model_package_group": deploy.model_package_group,
                "approval_status_parameter": "ModelApprovalStatus",
                "approval_status": deploy.approval_status,
                "inference_instances": [deploy.endpoint_instance_type],
                "transform_instances": [deploy.batch_instance_type],
                "content_type": "text/csv",
            }
        ),
    )


def batch_transform_steps(config: WizardConfig, model_step: str) -> tuple[PlanStep, PlanStep]:
    """``CreateModel`` then ``BatchTransform``: batch predictions for raw records (the
    data the pipeline was given, ``InputDataUrl``; its label column is ignored)."""
    algorithm = ALGORITHMS[config.training.algorithm]
    deploy = config.deployment
    create = PlanStep(
        name=CREATE_MODEL,
        kind="Model",
        stage="deployment",
        description="Create a SageMaker model from the artifact, for batch transform",
        inputs=(StepInput("model", step=model_step, output="model"), *serving_inputs(config)),
        outputs=(StepOutput("model_name", "the SageMaker model's name"),),
        depends_on=(CONDITION,),
        branch="if",
        settings=frozen({"algorithm": algorithm.id, "built_in": algorithm.built_in}),
        retryable=True,
    )
    transform = PlanStep(
        name=TRANSFORM,
        kind="Transform",
        stage="deployment",
        description="Score the raw input data in one batch job (batch predictions)",
        inputs=(
            StepInput("model", step=CREATE_MODEL, output="model_name"),
            # raw records, as callers of an endpoint send them: the model's containers
            # apply the row fixes and fitted transformations themselves
            StepInput("data", uri=config.data_collection.input_uri, parameter="InputDataUrl"),
        ),
        outputs=(StepOutput("predictions", "one answer per record (.out)"),),
        depends_on=(CREATE_MODEL,),
        compute=Compute("transform", deploy.batch_instance_type, deploy.batch_instance_count, 3600),
        branch="if",
        settings=frozen({"content_type": "text/csv", "split_type": "Line"}),
        cacheable=True,
        retryable=True,
    )
    return create, transform
