"""The Plan: a validated config turned into the pipeline's DAG of named steps.

This is the one place that decides the pipeline's shape. The exporter renders it, both
engines run it, the TUI draws it and the cost estimate prices it; none of them re-derives
which steps exist from the config.

``build_plan`` composes the steps; ``dag`` holds the Plan's model and graph queries, one
``*_steps`` module per part of the pipeline builds its steps, and ``check`` holds the
invariants every Plan is checked against.
"""

from __future__ import annotations

from types import MappingProxyType

from ..config import WizardConfig, selected_services
from ..defaults import LOWER_IS_BETTER
from .check import check_plan
from .dag import PipelineParameter, Plan, PlanStep, frozen
from .data_steps import bias_step, features_step, prepare_step, quality_step
from .deploy_steps import batch_transform_steps, register_step
from .evaluation_steps import condition_step, evaluate_step, fail_step, metric_condition
from .training_steps import training_step


def pipeline_parameters(config: WizardConfig) -> tuple[PipelineParameter, ...]:
    """The values a run may override without exporting again."""
    prep, train_cfg = config.data_preparation, config.training
    evaluation, deploy = config.evaluation, config.deployment
    parameters = [
        PipelineParameter(
            "InputDataUrl", "String", config.data_collection.input_uri, "the raw data to train on"
        ),
        PipelineParameter(
            "ProcessingInstanceType", "String", prep.instance_type, "instance for data preparation"
        ),
        PipelineParameter(
            "TrainingInstanceType", "String", train_cfg.instance_type, "instance for training"
        ),
        PipelineParameter(
            "ModelApprovalStatus",
            "String",
            deploy.approval_status,
            "registry status of a new model version",
        ),
    ]
    if evaluation.threshold is not None:  # unset, the gate compares with the baseline
        parameters.append(
            PipelineParameter(
                "MetricThreshold",
                "Float",
                evaluation.threshold,
                f"{'highest' if evaluation.metric in LOWER_IS_BETTER else 'lowest'} test "
                f"{evaluation.metric} at which the model is registered",
            )
        )
    return tuple(parameters)


def build_plan(config: WizardConfig) -> Plan:
    """The DAG for a validated config. Raises ``PlanError`` if the result is malformed."""
    services = selected_services(config)
    quality = "model-monitor" in services["evaluation"] or "model-monitor" in services["monitoring"]
    steps: list[PlanStep] = [
        prepare_step(config, baseline=quality),
        features_step(config, services),
    ]
    if quality:
        steps.append(quality_step(config))
    if "clarify" in services["evaluation"]:
        steps.append(bias_step(config))
    model = training_step(config)
    steps += [model, evaluate_step(config, model.name)]
    condition = metric_condition(config)
    checks = tuple(s.name for s in steps if s.kind in ("QualityCheck", "ClarifyCheck"))
    steps += [condition_step(config, condition, checks), register_step(config, model.name)]
    if "batch-transform" in services["deployment"]:
        steps += batch_transform_steps(config, model.name)
    steps.append(fail_step(config, condition))

    plan = Plan(
        pipeline_name=config.project.name,
        steps=tuple(steps),
        parameters=pipeline_parameters(config),
        services=MappingProxyType({k: tuple(v) for k, v in services.items()}),
        scripts=tuple(dict.fromkeys(s.script for s in steps if s.script is not None)),
        problem_type=config.profile.problem_type,
        condition=frozen(condition),
    )
    check_plan(plan)
    return plan
