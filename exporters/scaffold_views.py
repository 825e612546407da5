"""The views of the scaffold around ``pipeline.py``: the scripts beside it (``deploy.py``,
``monitoring.py``, ``feature_store.py``, ``autopilot.py``) and the README's table of where
each chosen service is delivered (a step, a script, ``infra/services.json``, or a README
section saying what to do by hand).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.catalog import Service, load_catalog
from wizard.config import WizardConfig
from wizard.plan.dag import Plan, PlanStep
from wizard.recommend import recommend
from wizard.stages import STAGES
from wizard.targetcheck import AUTOPILOT_MIN_ROWS

from .cfn_services import ENDPOINT_SERVICES, INFRA_SERVICES, infra_services

# The scripts written beside pipeline.py for what a pipeline step cannot do, and the
# services that make each one appear.
SCRIPT_TRIGGERS: dict[str, frozenset[str]] = {
    "deploy.py": frozenset(ENDPOINT_SERVICES),
    "monitoring.py": frozenset({"cloudwatch", "model-monitor@monitoring"}),
    "feature_store.py": frozenset({"feature-store"}),
    "autopilot.py": frozenset({"autopilot"}),
}
# Services whose catalog entry promises a script this export does not write: the README
# says what to do instead (the catalog's own text is used for "manual" services).
GUIDANCE: dict[str, str] = {
    "glue": "Run the Glue work before the pipeline: a crawler catalogs the source tables, "
    "and a Glue ETL (Spark) job extracts and converts them into the S3 location that "
    "InputDataUrl points to. Start the pipeline when the job succeeds (an EventBridge rule "
    "on the Glue Job State Change event) or on a schedule after it.",
    "kinesis": "Create a Kinesis data stream for the events and an Amazon Data Firehose "
    "stream that delivers them in batches to an S3 prefix; point InputDataUrl at that "
    "prefix (the first step reads every file under it).",
    "aws-batch": "To share a training budget between teams through a queue, create a "
    "SageMaker Training service environment and a job queue in AWS Batch and submit the "
    "training job with SubmitServiceJob. The pipeline's own Training step runs unqueued.",
    "lambda": "Lambda suits small, event-driven work such as checking each new file as it "
    "lands (a function triggered by S3 Object Created on the input prefix). The pipeline's "
    "processing steps do the heavy preparation.",
    "api-gateway": "Create an HTTP API with a POST /predict route that invokes a Lambda "
    "function calling the endpoint (InvokeEndpoint), and add an authorizer.",
}
ENDPOINT_WORDS = {
    "endpoints": "real-time",
    "serverless-inference": "serverless",
    "multi-model-endpoints": "multi-model",
}


def extra_scripts(services: Mapping[str, list[str]]) -> list[str]:
    """The scripts beside pipeline.py that the chosen services call for (sorted)."""
    chosen = {s for ids in services.values() for s in ids}
    chosen |= {f"{s}@{stage}" for stage, ids in services.items() for s in ids}
    return sorted(script for script, triggers in SCRIPT_TRIGGERS.items() if triggers & chosen)


def deploy_view(config: WizardConfig, selected: set[str], model_step: PlanStep) -> dict[str, Any]:
    """``deploy.py``: the endpoint kinds chosen, their sizes, data capture and the front."""
    deploy = config.deployment
    kinds = [s for s in ENDPOINT_SERVICES if s in selected]
    return {
        "enabled": bool(kinds),
        "kinds": kinds,
        "kind_words": [ENDPOINT_WORDS[k] for k in kinds],
        "default_kind": kinds[0] if kinds else None,
        "instance_type": deploy.endpoint_instance_type,
        "instance_count": deploy.endpoint_instance_count,
        "serverless_memory_mb": deploy.serverless_memory_mb,
        "serverless_max_concurrency": deploy.serverless_max_concurrency,
        # The front is a Lambda function, behind an HTTP API when API Gateway is chosen.
        "lambda": bool({"lambda", "api-gateway"} & selected),
        "api_gateway": "api-gateway" in selected,
        "data_capture": "model-monitor" in selected,
        "capture_percent": config.monitoring.data_capture_percent,
        "image": "xgboost" if model_step.settings["built_in"] else "sklearn",
    }


def monitoring_view(plan: Plan, config: WizardConfig, selected: set[str]) -> dict[str, Any]:
    """``monitoring.py``: the Model Monitor schedule and the CloudWatch alarm thresholds."""
    monitoring = config.monitoring
    return {
        # a monitoring schedule only when chosen for the monitoring stage (an evaluation-only
        # Model Monitor choice gives the data-quality baseline step, not a schedule)
        "model_monitor": "model-monitor" in plan.services["monitoring"],
        "cloudwatch": "cloudwatch" in selected,
        "endpoint": any(s in selected for s in ENDPOINT_SERVICES),
        "schedule": monitoring.schedule,
        "latency_ms": monitoring.latency_alarm_ms,
        "error_rate_percent": monitoring.error_rate_alarm_percent,
    }


def feature_store_view(plan: Plan, config: WizardConfig, selected: set[str]) -> dict[str, Any]:
    """``feature_store.py``: the feature group and the step whose output fills it."""
    feats = next((s for s in plan.steps if s.stage == "feature_engineering"), None)
    return {
        "enabled": "feature-store" in selected,
        "group": config.feature_engineering.feature_group_name,
        "step": feats.name if feats else None,
        "output": "train",  # Parquet: label first, then the named features
    }


def autopilot_view(plan: Plan, config: WizardConfig, selected: set[str]) -> dict[str, Any]:
    """``autopilot.py``: an AutoML job beside the pipeline, on the prepared data."""
    prepare = plan.steps[0]
    metric = {
        "binary_classification": ("BinaryClassification", "F1"),
        "multiclass_classification": ("MulticlassClassification", "Accuracy"),
        "regression": ("Regression", "MSE"),
    }[plan.problem_type]
    return {
        "enabled": "autopilot" in selected,
        "step": prepare.name,
        "target": config.data_collection.target_column,
        "problem_type": metric[0],
        "objective": metric[1],
        # the data check of wizard/ applies the same minimum to the prepared rows
        "min_rows": AUTOPILOT_MIN_ROWS,
    }


# --------------------------------------------------------------------------- README


def readme_view(plan: Plan, config: WizardConfig, scripts: list[str]) -> dict[str, Any]:
    """The README's stages: each chosen service, why it was chosen, and where the export
    delivers it; the services left to do by hand, with what to do."""
    catalog = load_catalog()
    reasons: dict[tuple[str, str], tuple[str, bool]] = {}
    for rec in recommend(config.profile):
        for pick in rec.recommended:
            reasons[(rec.stage, pick.service)] = (pick.reason, True)
        for pick in rec.alternatives:
            reasons[(rec.stage, pick.service)] = (pick.reason, False)
    stages = []
    by_hand: dict[str, dict[str, Any]] = {}
    in_infra = set(infra_services(plan, config))
    for stage in STAGES:
        services = []
        for service_id in plan.services.get(stage.id, ()):
            service = catalog[service_id]
            reason, recommended = reasons.get((stage.id, service_id), (service.purpose, False))
            delivered = _delivered(service, stage.id, scripts)
            if service_id in in_infra and service_id in INFRA_SERVICES.get(stage.id, ()):
                cfn = "`infra/services.json` (CloudFormation)"
                delivered = f"{delivered}, or {cfn}" if delivered else cfn
            if delivered is None:
                delivered = "the section below"
                text = GUIDANCE.get(service_id) or service.export.removeprefix("README section: ")
                by_hand[service_id] = {"service": service, "text": text}
            services.append(
                {
                    "service": service,
                    "reason": reason,
                    "recommended": recommended,
                    "delivered": delivered,
                }
            )
        stages.append(
            {
                "stage": stage,
                "services": services,
                "steps": [s for s in plan.steps if s.stage == stage.id],
            }
        )
    return {"stages": stages, "by_hand": [by_hand[k] for k in sorted(by_hand)]}


_SPECIAL_HOMES = {
    "s3": "`python pipeline.py upload-data` and the `InputDataUrl` parameter",
    "pipelines": "`pipeline.py` (upsert, start) and the CI workflow",
    "eventbridge": "`python pipeline.py schedule` and the section on events below",
    "experiments": "the pipeline's experiment tracking (on by default), described below",
}


def _delivered(service: Service, stage: str, scripts: list[str]) -> str | None:
    """Where the export carries a service (a step, a script, a command), or None when only
    the README can say what to do."""
    for script in scripts:
        triggers = SCRIPT_TRIGGERS[script]
        if service.id in triggers or f"{service.id}@{stage}" in triggers:
            return f"`{script}`"
    if service.id in ("lambda", "api-gateway") and stage == "deployment" and "deploy.py" in scripts:
        return "`deploy.py --front`"
    if service.automation == "step":
        return f"a {service.pipeline_step} step in `pipeline.py`"
    return _SPECIAL_HOMES.get(service.id)
