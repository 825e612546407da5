"""What SageMaker says about a scripted job: its ``Describe*Job`` answer at a given time.

Training (with secondary-status transitions, metric definitions and final metrics),
processing, transform and tuning jobs (with trial counters, the best trial and
``ListTrainingJobsForHyperParameterTuningJob``'s summaries), shaped as boto3 returns them so
the moto fake and ``SimulatedAws`` serve the same answers. ``JobSite`` carries what the
answers name besides the attempt: the account, region and pipeline, and the time the
execution started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from .scripted import Attempt

# A step's status → its job's status.
JOB_STATUS: Final = {
    "Starting": "InProgress",
    "Executing": "InProgress",
    "Stopping": "Stopping",
    "Stopped": "Stopped",
    "Failed": "Failed",
    "Succeeded": "Completed",
}


@dataclass(frozen=True)
class JobSite:
    """Where a scripted execution's jobs run, and when it started."""

    region: str
    account: str
    pipeline_name: str
    started: datetime
    stop_delay: float

    def wall(self, t: float) -> datetime:
        """The UTC time ``t`` seconds after the execution started."""
        return self.started + timedelta(seconds=t)


def tuning_summaries(site: JobSite, attempt: Attempt, t: float) -> list[dict[str, Any]]:
    """``ListTrainingJobsForHyperParameterTuningJob``'s summaries at ``t``: the trials done so
    far, oldest first, the last one at the step's metric."""
    total = 4
    span = max(attempt.end - attempt.starting_end, 1e-9)
    done = max(0, min(total, int(total * (t - attempt.starting_end) / span)))
    metric, best = attempt.step.metrics[0] if attempt.step.metrics else ("objective", 0.9)
    values = [best - 0.04, best - 0.01, best - 0.06, best][:done]
    created = site.wall(attempt.start)
    base = f"arn:aws:sagemaker:{site.region}:{site.account}:training-job"
    return [
        {
            "TrainingJobName": f"{(attempt.job or 'tuning')[:55]}-{i + 1:03d}",
            "TrainingJobArn": f"{base}/{(attempt.job or 'tuning').lower()[:55]}-{i + 1:03d}",
            "CreationTime": created,
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": {"eta": f"0.{i + 1}"},
            "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": metric, "Value": v},
            "ObjectiveStatus": "Succeeded",
        }
        for i, v in enumerate(values)
    ]


def job_answer(
    site: JobSite, key: str, name: str, attempt: Attempt, t: float
) -> dict[str, Any] | None:
    """The ``Describe*Job`` answer for ``attempt``'s job at ``t`` (``None``: not a job kind
    that has one)."""
    step_status = attempt.status(t, site.stop_delay)
    status = JOB_STATUS[step_status]
    created = site.wall(attempt.start)
    ended = step_status in ("Succeeded", "Failed", "Stopped")
    role = f"arn:aws:iam::{site.account}:role/SageMakerPipelineRole"
    reason = attempt.step.fail_reason if step_status == "Failed" else None
    arn_base = f"arn:aws:sagemaker:{site.region}:{site.account}"
    if key == "TrainingJob":
        answer: dict[str, Any] = {
            "TrainingJobName": attempt.job,
            "TrainingJobArn": f"{arn_base}:training-job/{name.lower()}",
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://bucket/{attempt.job}/model.tar.gz"},
            "TrainingJobStatus": status,
            "SecondaryStatus": _secondary(site, attempt, t)[-1]["Status"],
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
            "CreationTime": created,
            "RoleArn": role,
            "SecondaryStatusTransitions": _secondary(site, attempt, t),
        }
        if attempt.step.metrics:
            answer["AlgorithmSpecification"] = {
                "TrainingImage": "xgboost:latest",
                "TrainingInputMode": "File",
                "MetricDefinitions": [
                    {"Name": m, "Regex": f"{m}:([0-9.]+)"} for m, _ in attempt.step.metrics
                ],
            }
        if step_status != "Starting":
            answer["TrainingStartTime"] = site.wall(attempt.starting_end)
        if step_status == "Succeeded" and attempt.step.metrics:
            answer["FinalMetricDataList"] = [
                {"MetricName": m, "Value": v, "Timestamp": site.wall(attempt.end)}
                for m, v in attempt.step.metrics
            ]
    elif key == "ProcessingJob":
        answer = {
            "ProcessingJobName": attempt.job,
            "ProcessingJobArn": f"{arn_base}:processing-job/{name.lower()}",
            "ProcessingJobStatus": status,
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceCount": 1,
                    "InstanceType": "ml.m5.xlarge",
                    "VolumeSizeInGB": 30,
                }
            },
            "AppSpecification": {"ImageUri": "processing-image:latest"},
            "CreationTime": created,
            "RoleArn": role,
        }
        if step_status == "Failed":
            answer["ExitMessage"] = reason
    elif key == "TransformJob":
        answer = {
            "TransformJobName": attempt.job,
            "TransformJobArn": f"{arn_base}:transform-job/{name.lower()}",
            "TransformJobStatus": status,
            "ModelName": f"{site.pipeline_name}-model",
            "TransformInput": {
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/in"}
                }
            },
            "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
            "CreationTime": created,
        }
    elif key == "TuningJob":
        answer = _tuning(site, attempt, status, t, created)
    else:
        return None
    if reason:
        answer["FailureReason"] = reason
    if ended:
        end_field = {
            "TrainingJob": "TrainingEndTime",
            "ProcessingJob": "ProcessingEndTime",
            "TransformJob": "TransformEndTime",
            "TuningJob": "HyperParameterTuningEndTime",
        }[key]
        answer[end_field] = site.wall(attempt.ended_at(site.stop_delay))
    return answer


def _secondary(site: JobSite, attempt: Attempt, t: float) -> list[dict[str, Any]]:
    """Training secondary-status transitions up to ``t``."""
    plan = [
        (attempt.start, "Starting", "Launching requested ML instances"),
        (
            attempt.start + (attempt.starting_end - attempt.start) / 2,
            "Downloading",
            "Downloading input data",
        ),
        (attempt.starting_end, "Training", "Training image download completed."),
    ]
    if attempt.fails:
        plan.append((attempt.end, "Failed", attempt.step.fail_reason or "Failed"))
    else:
        plan.append((attempt.end - 1, "Uploading", "Uploading generated training model"))
        plan.append((attempt.end, "Completed", "Training job completed"))
    if attempt.stopped_at is not None:
        plan = [p for p in plan if p[0] < attempt.stopped_at]
        plan.append((attempt.stopped_at, "Stopping", "Stopping the training job"))
        plan.append((attempt.stopped_at + site.stop_delay, "Stopped", "Training job stopped"))
    seen = [p for p in plan if p[0] <= t] or plan[:1]
    return [
        {"Status": status, "StartTime": site.wall(when), "StatusMessage": message}
        for when, status, message in seen
    ]


def _tuning(
    site: JobSite, attempt: Attempt, status: str, t: float, created: datetime
) -> dict[str, Any]:
    total = 4
    span = max(attempt.end - attempt.starting_end, 1e-9)
    done = max(0, min(total, int(total * (t - attempt.starting_end) / span)))
    answer: dict[str, Any] = {
        "HyperParameterTuningJobName": attempt.job,
        "HyperParameterTuningJobArn": (
            f"arn:aws:sagemaker:{site.region}:{site.account}:hyper-parameter-tuning-job/"
            f"{(attempt.job or '').lower()}"
        ),
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": total, "MaxParallelTrainingJobs": 2},
            **(
                {
                    "HyperParameterTuningJobObjective": {
                        "Type": "Maximize",
                        "MetricName": attempt.step.metrics[0][0],
                    }
                }
                if attempt.step.metrics
                else {}
            ),
        },
        "HyperParameterTuningJobStatus": status,
        "CreationTime": created,
        "TrainingJobStatusCounters": {
            "Completed": done,
            "InProgress": 0 if status != "InProgress" else min(2, total - done),
            "RetryableError": 0,
            "NonRetryableError": 0,
            "Stopped": 0,
        },
        "ObjectiveStatusCounters": {"Succeeded": done, "Pending": total - done, "Failed": 0},
    }
    if done and attempt.step.metrics:
        metric, value = attempt.step.metrics[0]
        answer["BestTrainingJob"] = {
            "TrainingJobName": f"{attempt.job}-001"[:63],
            "TrainingJobArn": f"arn:aws:sagemaker:{site.region}:{site.account}:training-job/x",
            "CreationTime": created,
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": {"eta": "0.2"},
            "FinalHyperParameterTuningJobObjectiveMetric": {
                "MetricName": metric,
                "Value": value,
            },
        }
    return answer
