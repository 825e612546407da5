"""Words for the form: a label and a line of help per config field, and names for choices.

Words only: no rule lives here (the pydantic models in ``wizard/config.py`` own every rule and
every default). A field's ``Field(description=...)`` wins over the help written here, so help
can move into the models field by field. Fields not listed get a label made from their name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldText:
    label: str
    help: str = ""
    choices: str | None = None
    """Where a field's choices come from: ``instances:<job kind>``, ``metrics``,
    ``columns`` (one, or several for a list) or ``evaluation_metrics`` (narrowing a choice
    list to those that fit the problem type)."""
    placeholder: str | None = None
    """What an empty box says (what leaving it empty means)."""


FIELDS: dict[str, FieldText] = {
    # [project]
    "project.name": FieldText(
        "Project name",
        "Names the pipeline, its jobs and the exported folder. Letters, digits and hyphens.",
    ),
    "project.description": FieldText("Description", "One sentence about what the model does."),
    "project.region": FieldText("AWS region", "Where the pipeline runs on AWS, e.g. us-east-1."),
    "project.role_arn": FieldText(
        "IAM role ARN",
        "The role SageMaker assumes. Only needed to run on AWS; leave empty to run locally.",
    ),
    "project.bucket": FieldText(
        "S3 bucket",
        "Holds code, data and outputs on AWS. Empty: SageMaker's default bucket.",
    ),
    "project.s3_prefix": FieldText("S3 prefix", "The folder inside the bucket for this project."),
    # [profile]
    "profile.data_source": FieldText("Where is your data?", "Drives the data collection advice."),
    "profile.data_format": FieldText(
        "What format is it in?",
        "Free text: a CSV, Parquet or JSON-lines table with text columns and a label.",
    ),
    "profile.data_size_gb": FieldText(
        "How big is it (GB)?", "A rough number is enough: 0.5, 20, 300."
    ),
    "profile.problem_type": FieldText(
        "What should the model predict?",
        "Yes/no answers, one of several labels, or a number.",
    ),
    "profile.experience": FieldText(
        "Your experience with SageMaker", "Newcomers get simpler, more managed choices."
    ),
    "profile.prefer_low_code": FieldText(
        "Prefer visual, low-code tools?", "On: tools like Data Wrangler and Autopilot come first."
    ),
    "profile.prediction_mode": FieldText(
        "How will predictions be used?",
        "Real time: one answer per request, in milliseconds. Batch: score a whole file at once.",
    ),
    "profile.traffic": FieldText(
        "What does request traffic look like?", "Matters for real-time serving only."
    ),
    "profile.models_count": FieldText(
        "How many models will you serve?", "Many similar models can share one endpoint."
    ),
    "profile.explainability_required": FieldText(
        "Must predictions be explained?",
        "On for regulated or customer-facing decisions: adds bias and explainability checks.",
    ),
    "profile.retraining": FieldText(
        "When should the model be retrained?", "By hand, on a schedule, or when new data lands."
    ),
    "profile.share_features": FieldText(
        "Will other teams or models reuse the features?", "On: a Feature Store is suggested."
    ),
    # [data_collection]
    "data_collection.input_uri": FieldText(
        "Input data",
        "An S3 URI (s3://bucket/data.csv) or a path to a file on this machine.",
    ),
    "data_collection.target_column": FieldText(
        "Target column",
        "The column the model learns to predict, e.g. churned or price.",
        "columns",
    ),
    "data_collection.has_header": FieldText(
        "First row has column names", "Off if the file starts with data."
    ),
    "data_collection.num_classes": FieldText(
        "Number of classes",
        "Several classes only. Empty: counted in the data.",
        placeholder="empty: counted in the data",
    ),
    # [data_preparation]
    "data_preparation.engine": FieldText(
        "Processing engine", "scikit-learn on one machine, or Spark for large data."
    ),
    "data_preparation.missing_values": FieldText(
        "Missing values", "Drop incomplete rows, or fill gaps with a typical value."
    ),
    "data_preparation.drop_duplicates": FieldText("Drop duplicate rows"),
    "data_preparation.drop_columns": FieldText(
        "Columns to drop",
        "Ids, columns that leak the answer. ★: the data report suggests it.",
        "columns",
    ),
    "data_preparation.parse_numbers": FieldText(
        "Read as numbers",
        'Numbers written as text ("1,234.5", "$12", "45%"). ★: the data report suggests it.',
        "columns",
    ),
    "data_preparation.parse_dates": FieldText(
        "Read as dates",
        "Become year, month, weekday and a day count. ★: the data report suggests it.",
        "columns",
    ),
    "data_preparation.text_columns": FieldText(
        "Free-text columns",
        "Reviews, ticket bodies, titles: kept as words (TF-IDF). ★: the data report suggests it.",
        "columns",
    ),
    "data_preparation.normalise_labels": FieldText(
        "Normalise label spellings", '"Yes", "yes" and " yes " count as one class.'
    ),
    "data_preparation.train_ratio": FieldText(
        "Training share", "Part of the rows the model learns from, e.g. 0.7."
    ),
    "data_preparation.validation_ratio": FieldText(
        "Validation share", "Rows used to tune and stop training, e.g. 0.15."
    ),
    "data_preparation.test_ratio": FieldText(
        "Test share", "Rows kept back to measure the final model, e.g. 0.15."
    ),
    "data_preparation.random_seed": FieldText(
        "Random seed", "Makes the split the same on every run."
    ),
    "data_preparation.instance_type": FieldText(
        "Machine type", "The instance the processing job runs on.", "instances:processing"
    ),
    "data_preparation.instance_count": FieldText("Number of machines", "More than 1 needs Spark."),
    "data_preparation.max_runtime_seconds": FieldText(
        "Time limit (seconds)", "The job is stopped after this long: a ceiling on cost."
    ),
    # [feature_engineering]
    "feature_engineering.scaling": FieldText(
        "Scale numeric columns", "Standard: mean 0, spread 1. Min-max: between 0 and 1."
    ),
    "feature_engineering.categorical_encoding": FieldText(
        "Encode categories as", "One-hot: a 0/1 column per category. Ordinal: one number each."
    ),
    "feature_engineering.max_categories": FieldText(
        "Most categories per column", "Rarer categories are grouped as 'other'."
    ),
    "feature_engineering.max_text_features": FieldText(
        "Vocabulary per text column", "Most word and character n-grams kept, e.g. 20000."
    ),
    "feature_engineering.feature_group_name": FieldText(
        "Feature group name", "Needed when Feature Store is chosen, e.g. churn-features."
    ),
    "feature_engineering.instance_type": FieldText(
        "Machine type", "The instance the feature job runs on.", "instances:processing"
    ),
    "feature_engineering.max_runtime_seconds": FieldText("Time limit (seconds)"),
    # [training]
    "training.algorithm": FieldText("Algorithm", "What learns from the data."),
    "training.instance_type": FieldText(
        "Machine type", "The instance the training job rents.", "instances:training"
    ),
    "training.instance_count": FieldText(
        "Number of machines", "Only XGBoost trains on several at once."
    ),
    "training.max_runtime_seconds": FieldText(
        "Time limit (seconds)", "Training stops after this long: a ceiling on cost."
    ),
    "training.use_spot": FieldText(
        "Use spot capacity", "Up to 90% cheaper; the job may pause and resume."
    ),
    "training.max_wait_seconds": FieldText(
        "Spot wait limit (seconds)", "With spot: total time including waiting. 0 without spot."
    ),
    "training.checkpoint_s3_uri": FieldText(
        "Checkpoint S3 URI", "With spot: where training saves progress to resume from."
    ),
    # [tuning]
    "tuning.strategy": FieldText(
        "Search strategy", "Bayesian learns from earlier trials; Random is simple and parallel."
    ),
    "tuning.objective_metric": FieldText(
        "Metric to optimise", "The training metric that picks the best trial.", "metrics"
    ),
    "tuning.max_jobs": FieldText("Trials in total", "Each trial is one training job, billed."),
    "tuning.max_parallel_jobs": FieldText(
        "Trials at once", "More is faster; fewer lets Bayesian search learn more."
    ),
    "tuning.early_stopping": FieldText("Stop poor trials early"),
    "tuning.ranges": FieldText(
        "Hyperparameter ranges", "The knobs to search, and the values each may take."
    ),
    # one [[tuning.ranges]] entry
    "range.name": FieldText("Hyperparameter", "", "hyperparameters"),
    "range.type": FieldText(
        "Kind of values", "Continuous: any number. Integer: whole numbers. Categorical: a list."
    ),
    "range.min_value": FieldText("Lowest value"),
    "range.max_value": FieldText("Highest value"),
    "range.scaling": FieldText(
        "Scaling", "Logarithmic suits values spanning powers of ten, like a learning rate."
    ),
    "range.values": FieldText("Values", "Categorical only: the values to try, comma-separated."),
    # [evaluation]
    "evaluation.metric": FieldText(
        "Quality metric",
        "How the test data scores the model; the choices fit your problem type.",
        "evaluation_metrics",
    ),
    "evaluation.threshold": FieldText(
        "Pass mark",
        "The model is registered only if the metric reaches this, on the metric's own scale. "
        "Empty: it must beat a naive guess (the baseline the Evaluate step reports).",
        placeholder="empty: beat a naive guess",
    ),
    "evaluation.instance_type": FieldText(
        "Machine type", "The instance the evaluation job runs on.", "instances:processing"
    ),
    "evaluation.bias_facet": FieldText(
        "Bias facet column",
        "With Clarify: the column whose groups should be treated alike.",
        "columns",
    ),
    # [deployment]
    "deployment.model_package_group": FieldText(
        "Model package group", "The registry folder that keeps every model version."
    ),
    "deployment.approval_status": FieldText(
        "New versions start as", "Pending: a person approves before anything is deployed."
    ),
    "deployment.endpoint_instance_type": FieldText(
        "Endpoint machine type", "For real-time endpoints.", "instances:hosting"
    ),
    "deployment.endpoint_instance_count": FieldText("Endpoint machines", "Two or more for uptime."),
    "deployment.serverless_memory_mb": FieldText(
        "Serverless memory (MB)", "For serverless inference."
    ),
    "deployment.serverless_max_concurrency": FieldText(
        "Serverless concurrent requests", "For serverless inference."
    ),
    "deployment.batch_instance_type": FieldText(
        "Batch machine type", "For batch transform.", "instances:transform"
    ),
    "deployment.batch_instance_count": FieldText("Batch machines", "For batch transform."),
    # [monitoring]
    "monitoring.schedule": FieldText(
        "Check schedule", "Hourly: cron(0 * ? * * *). Daily: cron(0 0 ? * * *)."
    ),
    "monitoring.data_capture_percent": FieldText(
        "Requests captured (%)", "The share of live requests kept for comparison."
    ),
    "monitoring.latency_alarm_ms": FieldText(
        "Latency alarm (ms)", "Alarm when answers take longer than this."
    ),
    "monitoring.error_rate_alarm_percent": FieldText(
        "Error-rate alarm (%)", "Alarm when this share of requests fails."
    ),
    # [orchestration]
    "orchestration.schedule": FieldText(
        "Retraining schedule",
        "Empty: run by hand. e.g. rate(7 days) or cron(0 3 ? * MON *) (Mondays 03:00 UTC).",
    ),
    "orchestration.cache_steps": FieldText(
        "Reuse unchanged steps", "Steps whose inputs did not change are not run again."
    ),
    "orchestration.cache_expire_after": FieldText(
        "Forget cached results after", "ISO 8601 duration: P30D is 30 days, PT12H 12 hours."
    ),
    "orchestration.retry_max_attempts": FieldText(
        "Attempts per step", "Retries after throttling or a lost machine."
    ),
}

OPTIONS: dict[str, dict[object, str]] = {
    "profile.data_source": {
        "s3": "Already in Amazon S3",
        "local_files": "Files on this machine",
        "database": "A database",
        "streaming": "A live stream of events",
        "third_party": "Bought from a third party",
    },
    "profile.data_format": {
        "csv": "CSV",
        "parquet": "Parquet",
        "json": "JSON lines",
        "images": "Images (not supported yet)",
        "text": "Free text in a table",
    },
    "profile.problem_type": {
        "binary_classification": "Yes or no (two classes)",
        "multiclass_classification": "One of several labels",
        "regression": "A number",
    },
    "profile.experience": {
        "newcomer": "New to SageMaker",
        "practitioner": "Have built a few",
        "expert": "Expert",
    },
    "profile.prediction_mode": {
        "realtime": "Real time, per request",
        "batch": "In batches",
        "both": "Both",
    },
    "profile.traffic": {
        "steady": "Steady",
        "spiky": "Spiky",
        "intermittent": "Now and then",
    },
    "profile.retraining": {
        "manual": "By hand",
        "scheduled": "On a schedule",
        "on_new_data": "When new data arrives",
    },
    "data_preparation.engine": {"sklearn": "scikit-learn (one machine)", "spark": "Spark"},
    "data_preparation.missing_values": {
        "drop": "Drop the row",
        "median": "Fill with the median",
        "mean": "Fill with the mean",
        "most_frequent": "Fill with the most frequent",
    },
    "feature_engineering.scaling": {"standard": "Standard", "minmax": "Min-max", "none": "None"},
    "feature_engineering.categorical_encoding": {"onehot": "One-hot", "ordinal": "Ordinal"},
    "tuning.early_stopping": {"Off": "Off", "Auto": "Auto"},
    "deployment.approval_status": {
        "PendingManualApproval": "Pending approval",
        "Approved": "Approved",
        "Rejected": "Rejected",
    },
}


def field_text(section: str, name: str, description: str | None = None) -> FieldText:
    """The label, help and choice source of ``section.name``."""
    found = FIELDS.get(f"{section}.{name}")
    if found is None:
        label = name.replace("_", " ").capitalize()
        return FieldText(label, description or "")
    if description:
        return FieldText(found.label, description, found.choices, found.placeholder)
    return found


def option_label(section: str, name: str, value: object) -> str:
    return OPTIONS.get(f"{section}.{name}", {}).get(value, str(value))
