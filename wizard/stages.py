"""The nine stages of an ML pipeline, in order. Ids are a contract (docs/ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Stage:
    number: int
    id: str
    title: str
    summary: str


STAGES: tuple[Stage, ...] = (
    Stage(
        1,
        "data_collection",
        "Data collection",
        "Where the raw data lives and how it reaches AWS. Most pipelines read files from an S3 "
        "bucket; Glue crawls and catalogs data that sits in databases or many files, Kinesis "
        "captures records that arrive continuously, and Data Exchange brings in data bought from "
        "third parties. This stage decides the input every later step reads.",
    ),
    Stage(
        2,
        "data_preparation",
        "Data preparation & exploration",
        "Raw data is rarely ready to learn from: it has missing values, wrong types and columns "
        "that leak the answer. Here you look at the data, clean it and split it into training, "
        "validation and test sets. Small data is cleaned with a scikit-learn processing job; "
        "large data with Spark or Glue; visual tools (Data Wrangler, DataBrew) suit people who "
        "prefer not to write code.",
    ),
    Stage(
        3,
        "feature_engineering",
        "Feature engineering",
        "Turning cleaned columns into the numbers a model learns from: scaling numeric values, "
        "encoding categories, building new columns. The transformations are learned on the "
        "training set only and then applied to the others, so the model never peeks at test "
        "data. Feature Store keeps features so other teams and models can reuse them.",
    ),
    Stage(
        4,
        "training",
        "Model training",
        "A training job rents machines, runs an algorithm on the prepared data and saves the "
        "trained model as model.tar.gz in S3. You choose the algorithm (the built-in XGBoost, "
        "or your own scikit-learn script), the machine type and how long it may run. Managed "
        "spot training can cut the cost by up to 90% in exchange for possible interruptions.",
    ),
    Stage(
        5,
        "tuning",
        "Hyperparameter tuning",
        "Hyperparameters are the knobs of an algorithm (tree depth, learning rate). Automatic "
        "model tuning trains many versions with different settings and keeps the best one by the "
        "metric you choose. It costs one training job per trial, so the budget (how many trials, "
        "how many at once) matters.",
    ),
    Stage(
        6,
        "evaluation",
        "Model evaluation",
        "Measure the trained model on test data it has never seen, and decide whether it is good "
        "enough: the pipeline registers the model only if the metric clears your threshold, and "
        "stops with a clear reason otherwise. Clarify checks for bias and explains which "
        "features drive predictions; a data-quality baseline records what good input looks like.",
    ),
    Stage(
        7,
        "deployment",
        "Model deployment",
        "How predictions are served. A real-time endpoint answers requests in milliseconds and "
        "runs (and costs) all the time; serverless inference scales to zero for spiky or rare "
        "traffic; batch transform scores a whole file at once and then stops. The model registry "
        "keeps every approved version so you can deploy or roll back on purpose.",
    ),
    Stage(
        8,
        "monitoring",
        "Model monitoring",
        "A model that was good at launch drifts as the world changes. Model Monitor compares live "
        "requests with the training baseline on a schedule; CloudWatch holds metrics, logs and "
        "alarms; CloudTrail records who changed what, for audits.",
    ),
    Stage(
        9,
        "orchestration",
        "Automation & orchestration",
        "Tie every step into one SageMaker Pipeline so the whole process reruns the same way each "
        "time, with caching of unchanged steps and retries of flaky ones. Retraining can run on a "
        "schedule or when new data arrives (EventBridge).",
    ),
)

STAGE_IDS: tuple[str, ...] = tuple(s.id for s in STAGES)
_BY_ID = {s.id: s for s in STAGES}


def get_stage(stage_id: str) -> Stage:
    """The stage with this id; ``KeyError`` names the valid ids."""
    try:
        return _BY_ID[stage_id]
    except KeyError:
        raise KeyError(f"unknown stage {stage_id!r}; valid: {', '.join(STAGE_IDS)}") from None
