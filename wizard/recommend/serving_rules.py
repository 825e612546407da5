"""Recommendation rules for the serving stages: deployment, monitoring and orchestration."""

from __future__ import annotations

from .answers import Answers
from .picks import StageBuilder


def deployment(a: Answers, s: StageBuilder) -> None:
    audit = (
        " For regulated decisions the approval record is part of your audit trail."
        if a.explainability_required
        else ""
    )
    s.recommend(
        "model-registry",
        "Every model that passes evaluation is registered as a new version with its metrics and "
        f"an approval status, so you deploy approved versions on purpose and can roll back.{audit}",
    )
    hosting = a.realtime_hosting
    if hosting == "multi-model-endpoints":
        s.recommend(
            "multi-model-endpoints",
            f"You will serve {a.models_count} models in real time: one multi-model endpoint "
            f"hosts them all on shared instances instead of {a.models_count} separate endpoints.",
        )
        if a.bursty:
            s.alternative(
                "serverless-inference",
                f"Your traffic is {a.traffic}, but a serverless endpoint hosts a single model: "
                "one serverless endpoint per model pays off only if each is called rarely.",
            )
        s.alternative(
            "endpoints",
            "A dedicated real-time endpoint suits a model with heavy, steady traffic of its own.",
        )
    elif hosting == "serverless-inference":
        s.recommend(
            "serverless-inference",
            f"You need real-time predictions and your traffic is {a.traffic}: a serverless "
            "endpoint scales down to zero between requests, so idle time costs nothing (the "
            "first request after a pause waits a few seconds).",
        )
        s.alternative(
            "endpoints",
            "If the cold start after idle periods is not acceptable, or traffic becomes steady, "
            "a real-time endpoint on instances answers every request quickly.",
        )
    elif hosting == "endpoints":
        s.recommend(
            "endpoints",
            "You need real-time predictions and your traffic is steady: a real-time endpoint on "
            "instances answers in milliseconds and keeps them busy.",
        )
        s.alternative(
            "serverless-inference",
            "Your traffic is steady, so always-on instances cost less per request; serverless "
            "pays off only if traffic turns out to be rare or bursty.",
        )
    if a.batch:
        s.recommend(
            "batch-transform",
            "You score data in batches: batch transform starts instances, writes the "
            "predictions to S3 and stops, so you pay only while it runs.",
        )
    if a.realtime:
        s.alternative(
            "api-gateway",
            "You need real-time predictions: if callers are outside AWS (a web or mobile app), "
            "API Gateway gives them a public HTTPS URL with authentication and throttling.",
        )
        s.alternative(
            "lambda",
            "You need real-time predictions: a Lambda function behind API Gateway checks each "
            "request and calls the endpoint, so callers never need AWS credentials.",
        )
    else:
        s.alternative(
            "endpoints",
            "You only predict in batches: a real-time endpoint is needed only if an application "
            "must get answers on demand.",
        )


def monitoring(a: Answers, s: StageBuilder) -> None:
    if a.realtime:
        s.recommend(
            "cloudwatch",
            "You serve real-time predictions: the endpoint's invocations, errors and latency are "
            "CloudWatch metrics, and alarms on them tell you when predictions fail or slow down.",
        )
    else:
        s.recommend(
            "cloudwatch",
            "You predict in batches: every job's logs and metrics are in CloudWatch, and an alarm "
            "on failed runs tells you when a batch did not score.",
        )
    blocker = a.monitor_blocker
    if a.realtime and blocker is None:
        s.recommend(
            "model-monitor",
            "You serve real-time predictions: Model Monitor captures live requests and compares "
            "them hourly with the training baseline, so you learn when the data drifts.",
        )
    elif blocker is not None:
        s.alternative(
            "model-monitor",
            f"Model Monitor needs a single-model endpoint on instances, but {blocker}; log "
            "requests yourself to watch for drift.",
        )
    else:
        s.alternative(
            "model-monitor",
            "You predict in batches: Model Monitor can also check batch transform input "
            "against the training baseline for drift.",
        )
    if a.explainability_required:
        s.recommend(
            "cloudtrail",
            "You said decisions are regulated or customer-facing: a CloudTrail trail keeps the "
            "record of who trained, approved and deployed each model version, for auditors.",
        )
    else:
        s.alternative(
            "cloudtrail",
            "Your decisions are not marked as regulated: CloudTrail's free 90-day event history "
            "is enough; add a trail if auditors need longer records.",
        )


_PIPELINE_REASONS = {
    "manual": "You retrain by hand: each time you start the pipeline (sm-wizard run)",
    "scheduled": "You retrain on a schedule: each time the schedule starts the pipeline",
    "on_new_data": "You retrain whenever new data arrives: each time new data starts the pipeline",
}


def orchestration(a: Answers, s: StageBuilder) -> None:
    s.recommend(
        "pipelines",
        f"{_PIPELINE_REASONS[a.retraining]}, it runs every step the same way, skipping unchanged "
        "steps (caching) and retrying ones that fail for passing reasons.",
    )
    if a.retraining == "scheduled":
        s.recommend(
            "eventbridge",
            "You retrain on a schedule: EventBridge Scheduler starts the pipeline at the times "
            "you set (pipeline.py --schedule).",
        )
    elif a.retraining == "on_new_data":
        s.recommend(
            "eventbridge",
            "You retrain whenever new data arrives: an EventBridge rule on the bucket's "
            "'Object Created' events starts the pipeline (turn on EventBridge notifications for "
            "the bucket).",
        )
    else:
        s.alternative(
            "eventbridge",
            "You retrain by hand: add an EventBridge schedule or new-data rule later if "
            "retraining should happen without you.",
        )
