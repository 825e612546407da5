"""The job behind a pipeline step, and what the poller reads about it per kind of job.

A Training, Processing, Transform or Tuning step (and a quality or Clarify check, which runs a
processing job) has a job SageMaker can describe. ``job_of`` finds it in the step's metadata;
``JobReader`` describes it (``Describe*Job``) and turns the answer into what is new since the
last time: secondary-status transitions and tuning counters as log lines the way the SageMaker
SDK prints them, final metrics, a tuning job's finished trials and a training job's metric
curves from CloudWatch. When to describe a job is the poller's decision (``worth_describing``
says whether a step that changed needs it); the extra reads (trials, curves) go out only with
budget to spare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .aws import AwsCaller, AwsError
from .clock import Clock, RequestBudget
from .notices import Notice, NoticeHandler
from .poll_settings import PollSettings

RUNNING_STEP_STATUSES: Final = frozenset({"Starting", "Executing", "Stopping"})


@dataclass(frozen=True, slots=True)
class JobApi:
    """How to describe one kind of job and read its answer."""

    label: str
    operation: str
    name_param: str
    name_field: str
    status_field: str


JOB_APIS: Final = {
    "TrainingJob": JobApi(
        "training", "describe_training_job", "TrainingJobName", "TrainingJobName",
        "TrainingJobStatus",
    ),
    "ProcessingJob": JobApi(
        "processing", "describe_processing_job", "ProcessingJobName", "ProcessingJobName",
        "ProcessingJobStatus",
    ),
    "TransformJob": JobApi(
        "transform", "describe_transform_job", "TransformJobName", "TransformJobName",
        "TransformJobStatus",
    ),
    "TuningJob": JobApi(
        "tuning", "describe_hyper_parameter_tuning_job", "HyperParameterTuningJobName",
        "HyperParameterTuningJobName", "HyperParameterTuningJobStatus",
    ),
}  # fmt: skip
"""Metadata key of a step (``TrainingJob``, ...) → how to describe its job."""


@dataclass
class TrackedJob:
    """One job as the poller has seen it so far (what it already reported)."""

    key: str  # Metadata key: TrainingJob, ProcessingJob, ...
    name: str
    status: str | None = None
    secondary: str | None = None
    reason: str | None = None
    transitions_seen: int = 0
    counters: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    described_at: float | None = None
    interval: float = 0.0
    final_seen: bool = False
    trials_seen: set[str] = field(default_factory=set)
    best: float | None = None
    curve_last: dict[str, Any] = field(default_factory=dict)

    @property
    def api(self) -> JobApi:
        return JOB_APIS[self.key]


@dataclass(frozen=True, slots=True)
class JobNews:
    """What one describe learned: whether anything changed, log lines and metric points."""

    changed: bool
    lines: list[str]
    metrics: list[tuple[str, float]]


def job_of(metadata: dict[str, Any]) -> tuple[str, str] | None:
    """(Metadata key, job name) of the job behind a step, if it has one we can describe."""
    for key in JOB_APIS:
        arn = (metadata.get(key) or {}).get("Arn")
        if arn:
            return key, arn.split("/", 1)[-1]
    for check in ("QualityCheck", "ClarifyCheck"):  # check steps run a processing job
        arn = (metadata.get(check) or {}).get("CheckJobArn")
        if arn:
            return "ProcessingJob", arn.split("/", 1)[-1]
    return None


def worth_describing(step_status: str | None, job: TrackedJob) -> bool:
    """Whether a step that changed (or ended) needs its job described.

    A starting or running job: yes (its real name, for the logs, and its progress). An
    ended one only for what the step list lacks: final metrics (training, tuning) or why
    it failed or stopped. A processing job that succeeded has nothing more to say.
    """
    if step_status in RUNNING_STEP_STATUSES:
        return True
    if job.final_seen:
        return False
    if step_status in ("Failed", "Stopped"):
        return True
    if job.key in ("TrainingJob", "TuningJob"):
        return True
    job.final_seen = True
    return False


def final_metrics(answer: dict[str, Any]) -> Iterable[tuple[str, float]]:
    """A describe answer's final metrics (training) and best objective (tuning)."""
    for item in answer.get("FinalMetricDataList") or []:
        if "MetricName" in item and "Value" in item:
            yield item["MetricName"], float(item["Value"])
    best = (answer.get("BestTrainingJob") or {}).get("FinalHyperParameterTuningJobObjectiveMetric")
    if best and "MetricName" in best and "Value" in best:
        yield best["MetricName"], float(best["Value"])


class JobReader:
    """Describes the jobs behind steps through the poller's budget.

    ``denied`` collects the operations AWS refused (access denied): they are not asked again,
    and a notice says once what stays hidden.
    """

    def __init__(
        self,
        aws: AwsCaller,
        *,
        clock: Clock,
        budget: RequestBudget,
        settings: PollSettings,
        on_notice: NoticeHandler,
    ) -> None:
        self.aws = aws
        self.clock = clock
        self.budget = budget
        self.settings = settings
        self._notice = on_notice
        self.denied: set[str] = set()

    def readable(self, job: TrackedJob) -> bool:
        """Whether this kind of job may be described (AWS has not refused it)."""
        return job.api.operation not in self.denied

    def describe(
        self, job: TrackedJob, step_status: str | None, *, paid: bool = False
    ) -> JobNews | None:
        """Describe the job; returns what is new about it (``None`` if it cannot be read).

        ``paid``: the request's budget token was already taken.
        """
        api = job.api
        try:
            params = {api.name_param: job.name}
            if not paid:
                self.budget.take()
            answer = self.aws.call("sagemaker", api.operation, **params)
        except AwsError as err:
            if err.kind == "access-denied":
                self.denied.add(api.operation)
                self._notice(Notice("permission", f"Job details hidden: {err.message}", "warning"))
                return None
            if err.kind == "not-found":  # not visible yet; try again next time
                return None
            raise
        job.described_at = self.clock.monotonic()
        job.name = answer.get(api.name_field) or job.name  # the real case of the name
        before = (job.status, job.secondary, job.reason, job.counters)
        job.status = answer.get(api.status_field)
        job.secondary = answer.get("SecondaryStatus")
        job.reason = answer.get("FailureReason") or answer.get("ExitMessage") or None
        if step_status not in RUNNING_STEP_STATUSES:
            job.final_seen = True
        lines = list(self._lines(job, answer))
        metrics = [
            (name, value) for name, value in final_metrics(answer) if job.metrics.get(name) != value
        ]
        job.metrics.update(metrics)
        if job.key == "TuningJob":
            trial_lines, trial_metrics = self._tuning_trials(job, answer)
            lines += trial_lines
            metrics += trial_metrics
        elif job.key == "TrainingJob":
            metrics += self._training_curves(job, answer)
        changed = before != (job.status, job.secondary, job.reason, job.counters)
        changed = changed or bool(lines) or bool(metrics)
        s = self.settings
        job.interval = s.job_min_interval if changed else min(s.job_max_interval, job.interval * 2)
        return JobNews(changed, lines, metrics)

    @staticmethod
    def _lines(job: TrackedJob, answer: dict[str, Any]) -> Iterable[str]:
        """Secondary-status transitions and tuning progress, as the SDK prints them."""
        label = job.api.label
        transitions = answer.get("SecondaryStatusTransitions") or []
        for item in transitions[job.transitions_seen :]:
            message = item.get("StatusMessage")
            yield f"[{label} job] {item.get('Status')}" + (f" - {message}" if message else "")
        job.transitions_seen = max(job.transitions_seen, len(transitions))
        counters = answer.get("TrainingJobStatusCounters")
        if counters is not None:
            failed = counters.get("RetryableError", 0) + counters.get("NonRetryableError", 0)
            text = (
                f"{counters.get('Completed', 0)} completed, "
                f"{counters.get('InProgress', 0)} in progress, {failed} failed, "
                f"{counters.get('Stopped', 0)} stopped"
            )
            if text != job.counters:
                job.counters = text
                yield f"[{label} job] training jobs: {text}"

    def _optional_call(self, service: str, operation: str, **params: Any) -> dict[str, Any] | None:
        """A request for extra detail (curves, trials): only with budget to spare, and never
        an error: ``None`` when it cannot be made or answered."""
        if operation in self.denied or not self.budget.try_take(self.settings.reserve):
            return None
        try:
            return self.aws.call(service, operation, **params)
        except AwsError as err:
            if err.kind == "access-denied":
                self.denied.add(operation)
                self._notice(Notice("permission", f"Some metrics hidden: {err.message}", "warning"))
            return None

    def _tuning_trials(
        self, job: TrackedJob, answer: dict[str, Any]
    ) -> tuple[list[str], list[tuple[str, float]]]:
        """The tuning job's finished trials (``ListTrainingJobsForHyperParameterTuningJob``):
        each trial's objective and the best so far, as metric points and log lines."""
        config = answer.get("HyperParameterTuningJobConfig") or {}
        objective = config.get("HyperParameterTuningJobObjective") or {}
        name = objective.get("MetricName") or "objective"
        maximize = objective.get("Type", "Maximize") != "Minimize"
        page = self._optional_call(
            "sagemaker",
            "list_training_jobs_for_hyper_parameter_tuning_job",
            HyperParameterTuningJobName=job.name,
            SortBy="CreationTime",
            SortOrder="Ascending",
            MaxResults=100,
        )
        lines: list[str] = []
        metrics: list[tuple[str, float]] = []
        for trial in (page or {}).get("TrainingJobSummaries", []):
            final = trial.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
            trial_name = trial.get("TrainingJobName", "?")
            if "Value" not in final or trial_name in job.trials_seen:
                continue
            job.trials_seen.add(trial_name)
            value = float(final["Value"])
            better = job.best is None or (value > job.best if maximize else value < job.best)
            job.best = value if better else job.best
            assert job.best is not None
            metrics += [(f"{name} · trial", value), (f"{name} · best so far", job.best)]
            lines.append(
                f"[tuning job] trial {len(job.trials_seen)} {trial_name}: {name} = {value:g}"
                f" (best so far {job.best:g})"
            )
        return lines, metrics

    def _training_curves(self, job: TrackedJob, answer: dict[str, Any]) -> list[tuple[str, float]]:
        """The training job's metrics over time: the CloudWatch metrics SageMaker publishes
        to ``/aws/sagemaker/TrainingJobs`` from the job's metric definitions."""
        definitions = (answer.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or []
        names = [d["Name"] for d in definitions if isinstance(d, dict) and d.get("Name")][:10]
        start = answer.get("TrainingStartTime") or answer.get("CreationTime")
        if not names or not isinstance(start, datetime):
            return []
        end = answer.get("TrainingEndTime")
        if isinstance(end, datetime):
            end += timedelta(minutes=5)
        else:  # running: up to a while ahead (CloudWatch accepts a future end)
            end = max(datetime.now(UTC), start) + timedelta(hours=1)
        queries = [
            {
                "Id": f"m{i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "/aws/sagemaker/TrainingJobs",
                        "MetricName": metric,
                        "Dimensions": [{"Name": "Host", "Value": f"{job.name}/algo-1"}],
                    },
                    "Period": 60,
                    "Stat": "Average",
                },
                "ReturnData": True,
            }
            for i, metric in enumerate(names)
        ]
        data = self._optional_call(
            "cloudwatch",
            "get_metric_data",
            MetricDataQueries=queries,
            StartTime=start - timedelta(minutes=1),
            EndTime=end,
            ScanBy="TimestampAscending",
        )
        points: list[tuple[str, float]] = []
        for result in (data or {}).get("MetricDataResults", []):
            try:
                metric = names[int(str(result.get("Id", ""))[1:])]
            except (ValueError, IndexError):
                continue
            last = job.curve_last.get(metric)
            for stamp, value in sorted(
                zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
            ):
                if last is None or stamp > last:
                    points.append((metric, float(value)))
                    last = stamp
            job.curve_last[metric] = last
        return points
