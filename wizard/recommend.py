"""Recommendation rules: the ``[profile]`` answers become AWS services per stage, each with a reason.

Pure and deterministic: the same answers always give the same picks, in the same order. For each
of the nine stages every service the catalog lists for that stage appears exactly once, either as
recommended or as an alternative, so the person sees all the options and why each one is (or is
not) the first choice. Reasons are plain sentences that name the answer behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import get_args

from .catalog import Service, services_for_stage
from .config import Profile
from .stages import STAGE_IDS

__all__ = [
    "LARGE_DATA_GB",
    "LARGE_PARQUET_GB",
    "Pick",
    "StageRecommendation",
    "recommend",
    "recommendations_to_json_dict",
]

LARGE_DATA_GB = 50.0
"""From this size (CSV, JSON, images, text) one instance running pandas or scikit-learn is no
longer practical: preparation moves to Spark."""

LARGE_PARQUET_GB = 10.0
"""Parquet is compressed and columnar: 10 GB of Parquet is typically 50 GB or more once loaded, so
Parquet reaches Spark scale sooner."""


@dataclass(frozen=True, slots=True)
class Pick:
    """One service (a catalog id) and why it is suggested."""

    service: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"service": self.service, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class StageRecommendation:
    """The picks for one stage: what to use, and the other options with why they are second."""

    stage: str
    recommended: tuple[Pick, ...]
    alternatives: tuple[Pick, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "recommended": [p.to_dict() for p in self.recommended],
            "alternatives": [p.to_dict() for p in self.alternatives],
        }


def recommendations_to_json_dict(recs: list[StageRecommendation]) -> dict[str, object]:
    """The ``sm-wizard recommend --json`` document: ``{"stages": [...]}``."""
    return {"stages": [r.to_dict() for r in recs]}


# --------------------------------------------------------------------------------------------
# The answers, normalised
# --------------------------------------------------------------------------------------------

# The allowed answers come from the config model, so the two can never disagree.
_CHOICES: dict[str, tuple[str, ...]] = {
    name: get_args(Profile.model_fields[name].annotation)
    for name in (
        "data_source",
        "data_format",
        "problem_type",
        "experience",
        "prediction_mode",
        "traffic",
        "retraining",
    )
}

_FORMAT_WORDS = {
    "csv": "CSV",
    "parquet": "Parquet",
    "json": "JSON",
    "images": "images",
    "text": "text",
}


def _choice(profile: Profile, name: str) -> str:
    raw = getattr(profile, name)
    value = str(raw.value if isinstance(raw, Enum) else raw)
    if value not in _CHOICES[name]:
        raise ValueError(
            f"profile.{name} must be one of {', '.join(_CHOICES[name])}; got {value!r}"
        )
    return value


def _amount(size_gb: float) -> str:
    if size_gb < 0.01:
        return "under 0.01 GB"
    return "about " + f"{size_gb:,.2f}".rstrip("0").rstrip(".") + " GB"


@dataclass(frozen=True, slots=True)
class _Answers:
    """The profile as plain values, plus the derived facts the rules share."""

    data_source: str
    data_format: str
    data_size_gb: float
    problem_type: str
    experience: str
    prefer_low_code: bool
    prediction_mode: str
    traffic: str
    models_count: int
    explainability_required: bool
    retraining: str
    share_features: bool

    @classmethod
    def of(cls, profile: Profile) -> _Answers:
        """Read ``profile``; ``ValueError`` names a field whose value is not a known choice."""
        return cls(
            data_source=_choice(profile, "data_source"),
            data_format=_choice(profile, "data_format"),
            data_size_gb=float(profile.data_size_gb),
            problem_type=_choice(profile, "problem_type"),
            experience=_choice(profile, "experience"),
            prefer_low_code=bool(profile.prefer_low_code),
            prediction_mode=_choice(profile, "prediction_mode"),
            traffic=_choice(profile, "traffic"),
            models_count=int(profile.models_count),
            explainability_required=bool(profile.explainability_required),
            retraining=_choice(profile, "retraining"),
            share_features=bool(profile.share_features),
        )

    @property
    def format_words(self) -> str:
        return _FORMAT_WORDS[self.data_format]

    @property
    def data_phrase(self) -> str:
        """E.g. "Your data is about 500 GB of CSV"."""
        return f"Your data is {_amount(self.data_size_gb)} of {self.format_words}"

    @property
    def tabular(self) -> bool:
        return self.data_format in ("csv", "parquet", "json")

    @property
    def large_data(self) -> bool:
        threshold = LARGE_PARQUET_GB if self.data_format == "parquet" else LARGE_DATA_GB
        return self.data_size_gb >= threshold

    @property
    def realtime(self) -> bool:
        return self.prediction_mode in ("realtime", "both")

    @property
    def batch(self) -> bool:
        return self.prediction_mode in ("batch", "both")

    @property
    def bursty(self) -> bool:
        return self.traffic in ("spiky", "intermittent")

    @property
    def several_models(self) -> bool:
        return self.models_count > 1

    @property
    def low_code_leaning(self) -> bool:
        return self.prefer_low_code or self.experience == "newcomer"

    @property
    def realtime_hosting(self) -> str | None:
        """The catalog id that serves real-time predictions, or None for batch only."""
        if not self.realtime:
            return None
        if self.several_models:
            return "multi-model-endpoints"
        if self.bursty:
            return "serverless-inference"
        return "endpoints"

    @property
    def monitor_blocker(self) -> str | None:
        """Why Model Monitor cannot watch the real-time endpoint chosen above, or None."""
        hosting = self.realtime_hosting
        if hosting == "serverless-inference":
            return (
                f"your {self.traffic} traffic points to a serverless endpoint, and serverless "
                "endpoints cannot capture the requests Model Monitor analyses"
            )
        if hosting == "multi-model-endpoints":
            return (
                f"your {self.models_count} models point to a multi-model endpoint, which Model "
                "Monitor does not support"
            )
        return None


# --------------------------------------------------------------------------------------------
# Building one stage's picks
# --------------------------------------------------------------------------------------------


def _fallback_reason(service: Service) -> str:
    return f"Not needed for your answers. When to choose it: {service.choose_when}"


class _StageBuilder:
    """Collects the picks of one stage; every catalog service of the stage ends up exactly once.

    ``recommend`` wins over ``alternative`` whatever the call order; the first reason given for a
    service is kept. Insertion-ordered dicts keep the output deterministic.
    """

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._catalog = {s.id: s for s in services_for_stage(stage)}
        self._recommended: dict[str, str] = {}
        self._alternatives: dict[str, str] = {}

    def _check(self, service: str) -> None:
        if service not in self._catalog:  # a defect in the rules, not a user mistake
            raise ValueError(f"{service!r} is not a catalog service of stage {self.stage!r}")

    def recommend(self, service: str, reason: str) -> None:
        self._check(service)
        self._alternatives.pop(service, None)
        self._recommended.setdefault(service, reason)

    def alternative(self, service: str, reason: str) -> None:
        self._check(service)
        if service not in self._recommended:
            self._alternatives.setdefault(service, reason)

    def build(self) -> StageRecommendation:
        """Recommended and rule-given alternatives in rule order, then the services no rule
        mentioned, in catalog order, with a reason taken from the catalog."""
        unmentioned = tuple(
            Pick(sid, _fallback_reason(service))
            for sid, service in self._catalog.items()
            if sid not in self._recommended and sid not in self._alternatives
        )
        return StageRecommendation(
            self.stage,
            tuple(Pick(sid, reason) for sid, reason in self._recommended.items()),
            tuple(Pick(sid, reason) for sid, reason in self._alternatives.items()) + unmentioned,
        )


# --------------------------------------------------------------------------------------------
# The rules, one function per stage
# --------------------------------------------------------------------------------------------

_S3_REASONS = {
    "s3": "Your data is already in S3: every pipeline step reads its input straight from the "
    "bucket and writes its results next to it.",
    "local_files": "Your data is in local files: the export uploads them to an S3 bucket, because "
    "every SageMaker job reads its input from S3.",
    "database": "Your data lives in a database, but SageMaker jobs read from S3: the extract "
    "from the database lands in a bucket first.",
    "streaming": "Your data arrives as a stream: Firehose writes the records to S3 in batches, "
    "and the pipeline trains on those files.",
    "third_party": "Your data comes from a third party: Data Exchange exports it into your S3 "
    "bucket, where the pipeline reads it.",
}


def _data_collection(a: _Answers, s: _StageBuilder) -> None:
    s.recommend("s3", _S3_REASONS[a.data_source])
    if a.data_source == "streaming":
        s.recommend(
            "kinesis",
            "Your data arrives as a stream: Kinesis Data Streams captures the records as they "
            "come, and Amazon Data Firehose delivers them to S3 for training.",
        )
    if a.data_source == "third_party":
        s.recommend(
            "data-exchange",
            "Your data comes from a third party: subscribe to the data product in AWS Data "
            "Exchange and export it to your bucket; licensing and updates are handled there.",
        )
    if a.data_source == "database":
        s.recommend(
            "glue",
            "Your data lives in a database: a Glue crawler catalogs the tables and a Glue job "
            "exports them to S3 on each run, with no loader code to write.",
        )
    elif a.large_data:
        s.alternative(
            "glue",
            f"{a.data_phrase}: if the files must be joined or converted before the pipeline "
            "(for example CSV to Parquet), a Glue Spark job handles that size.",
        )


def _preparation_engine(a: _Answers) -> str:
    """How the processing job prepares data of this size and format."""
    if a.large_data:
        return (
            f"{a.data_phrase}: too much for one machine, so the preparation runs as a Spark "
            "processing job spread over several instances"
        )
    if a.tabular:
        return (
            f"{a.data_phrase}: one processing instance running scikit-learn and pandas handles "
            "it in minutes"
        )
    return f"Your data is {a.format_words}: a processing job runs your own script on it"


def _data_preparation(a: _Answers, s: _StageBuilder) -> None:
    s.recommend(
        "processing-jobs",
        f"{_preparation_engine(a)}. It cleans the data and splits it into train, validation and "
        "test sets the same way on every run.",
    )
    if a.data_source == "database":
        s.recommend(
            "athena",
            "Your data comes from a database: once Glue has cataloged the tables, Athena lets "
            "you explore them with SQL (row counts, class balance, missing values).",
        )
    elif a.large_data:
        s.alternative(
            "athena",
            f"{a.data_phrase}: too big to open in a notebook, but Athena answers SQL questions "
            "about it (row counts, class balance) straight from S3.",
        )
    if a.prefer_low_code:
        s.recommend(
            "data-wrangler",
            "You prefer low code: Data Wrangler lets you explore and clean the data visually, "
            "then carry the steps over into the preprocessing script.",
        )
        s.alternative(
            "glue-databrew",
            "You prefer low code: DataBrew is another visual tool, suited to analysts who clean "
            "each new delivery with the same saved recipe.",
        )
    elif a.experience == "newcomer":
        s.alternative(
            "data-wrangler",
            "You are new to SageMaker: Data Wrangler shows column statistics and charts, a "
            "gentle way to get to know the data before you edit the preprocessing script.",
        )
    if a.data_source == "streaming":
        s.alternative(
            "lambda",
            "Your data arrives as a stream: a Lambda function can clean or enrich each batch "
            "of records as Firehose delivers it to S3.",
        )


def _feature_engineering(a: _Answers, s: _StageBuilder) -> None:
    engine = "Spark" if a.large_data else "scikit-learn"
    s.recommend(
        "processing-jobs",
        f"The feature transformations (scaling, encoding categories) are learned with {engine} "
        "on the training split only and applied to the other splits in the same processing "
        "job, so the model never peeks at test data.",
    )
    if a.share_features:
        online = (
            " You also predict in real time, and its online store returns the same features "
            "in milliseconds."
            if a.realtime
            else ""
        )
        s.recommend(
            "feature-store",
            "You said features are reused across teams or models: Feature Store keeps one "
            f"shared, versioned copy instead of each team recomputing them.{online}",
        )
    else:
        s.alternative(
            "feature-store",
            "You said features are not shared across teams or models, so computing them inside "
            "the pipeline is simpler; add Feature Store if that changes.",
        )
    if a.realtime and a.data_source == "streaming":
        s.alternative(
            "lambda",
            "Your data is streamed and you predict in real time: a Lambda function can compute "
            "fresh features for each event as it arrives.",
        )


@dataclass(frozen=True, slots=True)
class _Problem:
    words: str
    objective: str
    """The built-in XGBoost objective the export uses."""
    metric: str
    """The metric the export reports (on the validation set) and the tuner optimises."""
    best: str
    """Whether the tuner keeps the "highest" or the "lowest" value of ``metric``."""


_PROBLEMS = {
    "binary_classification": _Problem("binary classification", "binary:logistic", "AUC", "highest"),
    "multiclass_classification": _Problem(
        "multiclass classification", "multi:softprob", "log loss", "lowest"
    ),
    "regression": _Problem("regression", "reg:squarederror", "RMSE", "lowest"),
}

_RETRAINING_WORDS = {
    "manual": "by hand",
    "scheduled": "on a schedule",
    "on_new_data": "whenever new data arrives",
}


def _training(a: _Answers, s: _StageBuilder) -> None:
    problem = _PROBLEMS[a.problem_type]
    s.recommend(
        "training-jobs",
        f"Your problem is {problem.words}: a training job runs the built-in XGBoost algorithm "
        f"with the {problem.objective} objective and reports the validation {problem.metric}.",
    )
    if a.prefer_low_code:
        s.recommend(
            "autopilot",
            "You prefer low code: Autopilot tries several algorithms and settings on your table "
            "and ranks the resulting models; the export starts it with autopilot.py.",
        )
    elif a.experience == "newcomer":
        s.alternative(
            "autopilot",
            "You are new to SageMaker: Autopilot builds a baseline model automatically, a "
            "useful yardstick for the model you train yourself.",
        )
    if not a.tabular:
        s.recommend(
            "jumpstart",
            f"Your data is {a.format_words}: fine-tuning a pretrained model from JumpStart "
            "beats training from scratch and needs far less labelled data.",
        )
    elif a.low_code_leaning:
        why = "You prefer low code" if a.prefer_low_code else "You are new to SageMaker"
        s.alternative(
            "jumpstart",
            f"{why}: JumpStart has ready-made tabular models (LightGBM, CatBoost, "
            "AutoGluon-Tabular) you can train from Studio without writing code.",
        )
    if a.experience == "newcomer":
        s.alternative(
            "studio",
            "You are new to SageMaker: Studio shows your training jobs, pipeline runs and "
            "models in the browser, which makes it easier to see what happened.",
        )
    if a.retraining != "manual":
        s.alternative(
            "experiments",
            f"You retrain {_RETRAINING_WORDS[a.retraining]}: tracking each run's parameters "
            "and metrics lets you compare the new model with the previous one.",
        )
    else:  # recommended under Model evaluation: never "not needed" here
        s.alternative(
            "experiments",
            "Recommended under Model evaluation, where each run's test metrics are recorded; "
            "tick it here too to track each training run's parameters alongside them.",
        )
    if a.large_data:
        s.alternative(
            "debugger",
            f"{a.data_phrase}, so training runs are long: if your account already uses "
            "Debugger (closed to new customers since July 2026), its rules flag a stalled loss "
            "early.",
        )
    if a.several_models:
        s.alternative(
            "aws-batch",
            f"You will serve {a.models_count} models: AWS Batch can queue their training jobs "
            "by priority within a shared instance budget instead of starting them all at once.",
        )


def _tuning(a: _Answers, s: _StageBuilder) -> None:
    if a.prefer_low_code:
        s.alternative(
            "automatic-model-tuning",
            "You prefer low code, and Autopilot (recommended for training) already searches "
            "hyperparameters; add tuning only if you also train your own model.",
        )
        return
    budget = (
        f" {a.data_phrase}, so each trial is costly: start with a few trials."
        if a.large_data
        else ""
    )
    problem = _PROBLEMS[a.problem_type]
    s.recommend(
        "automatic-model-tuning",
        f"Tuning trains several versions of your {problem.words} model with different settings "
        f"and keeps the one with the {problem.best} validation {problem.metric}.{budget}",
    )


def _evaluation(a: _Answers, s: _StageBuilder) -> None:
    s.recommend(
        "experiments",
        "Each run's test metrics are recorded, so before approving a model you can compare its "
        f"test {_PROBLEMS[a.problem_type].metric} with earlier runs.",
    )
    if a.explainability_required:
        s.recommend(
            "clarify",
            "You said decisions are regulated or customer-facing: Clarify measures bias across "
            "groups and explains which features drive predictions (SHAP), and its report is "
            "kept with the model version.",
        )
    else:
        s.alternative(
            "clarify",
            "You did not ask for explainability: add Clarify if the model's decisions affect "
            "people or must be explained.",
        )
    blocker = a.monitor_blocker
    if a.realtime and blocker is None:
        s.recommend(
            "model-monitor",
            "You predict in real time: the data-quality baseline recorded here is what Model "
            "Monitor later compares live requests against.",
        )
    elif blocker is not None:
        s.alternative(
            "model-monitor",
            f"A data-quality baseline still documents what good input looks like, but {blocker}.",
        )
    else:
        s.alternative(
            "model-monitor",
            "You predict in batches: a data-quality baseline lets you check each new batch's "
            "input for drift.",
        )
    if a.experience == "newcomer":
        s.alternative(
            "studio-notebooks",
            "You are new to SageMaker: opening the evaluation report and test predictions in a "
            "notebook shows where the model goes wrong.",
        )


def _deployment(a: _Answers, s: _StageBuilder) -> None:
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


def _monitoring(a: _Answers, s: _StageBuilder) -> None:
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


def _orchestration(a: _Answers, s: _StageBuilder) -> None:
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


_RULES = {
    "data_collection": _data_collection,
    "data_preparation": _data_preparation,
    "feature_engineering": _feature_engineering,
    "training": _training,
    "tuning": _tuning,
    "evaluation": _evaluation,
    "deployment": _deployment,
    "monitoring": _monitoring,
    "orchestration": _orchestration,
}


def recommend(profile: Profile) -> list[StageRecommendation]:
    """Recommended services and alternatives for all nine stages, in stage order.

    Raises ``ValueError`` naming the field when a profile value is not one of DESIGN.md's choices.
    """
    answers = _Answers.of(profile)
    recommendations = []
    for stage in STAGE_IDS:
        builder = _StageBuilder(stage)
        _RULES[stage](answers, builder)
        recommendations.append(builder.build())
    return recommendations
