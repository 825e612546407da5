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
    """``CreateModel`` then ``BatchTransform``: batch predictions for the test split."""
    algorithm = ALGORITHMS[config.training.algorithm]
    deploy = config.deployment
    create = PlanStep(
        name=CREATE_MODEL,
        kind="Model",
        stage="deployment",
        description="Create a SageMaker model from the artifact, for batch transform",
        inputs=(StepInput("model", step=model_step, output="model"),),
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
        description="Score the test set in one batch job (batch predictions)",
        inputs=(
            StepInput("model", step=CREATE_MODEL, output="model_name"),
            StepInput("data", step=FEATURES, output="test"),
        ),
        outputs=(StepOutput("predictions", "one prediction per input line (.out)"),),
        depends_on=(CREATE_MODEL, FEATURES),
        compute=Compute("transform", deploy.batch_instance_type, deploy.batch_instance_count, 3600),
        branch="if",
        settings=frozen(
            {"content_type": "text/csv", "split_type": "Line", "input_filter": "$[1:]"}
        ),
        cacheable=True,
        retryable=True,
    )
    return create, transform
