"""The Plan's data steps: prepare (clean and split), engineer features, and the optional
data-quality baseline and pre-training bias check."""

from __future__ import annotations

from ..config import WizardConfig
from .dag import (
    BIAS,
    FEATURES,
    PREPARE,
    QUALITY,
    Compute,
    PlanStep,
    StepInput,
    StepOutput,
    frozen,
    processing_input,
    processing_output,
)

SPLITS = ("train", "validation", "test")
FIXES_DESCRIPTION = "the row fixes and fill values (rowfixes.json)"
BASELINE_DESCRIPTION = (
    "training rows as requests carry them, before any fix (a sample, CSV with header, no "
    "label): the data-quality baseline"
)
# How features.py writes the splits: train and validation as Parquet (what the training
# channels declare; the built-in XGBoost reads it, label first), test as CSV (what a batch
# transform job sends to the built-in container, which serves text/csv, not Parquet).
TRAINING_CONTENT_TYPE = "application/x-parquet"


def prepare_step(config: WizardConfig, baseline: bool = False) -> PlanStep:
    """Clean the raw data and split it (scikit-learn or Spark, per ``data_preparation``);
    with ``baseline``, also sample the training rows for the data-quality baseline."""
    prep = config.data_preparation
    engine = prep.engine
    return PlanStep(
        name=PREPARE,
        kind="Processing",
        stage="data_preparation",
        description="Clean the raw data and split it into train, validation and test sets"
        + (" with Spark" if engine == "spark" else " with scikit-learn"),
        inputs=(
            processing_input("raw", uri=config.data_collection.input_uri, parameter="InputDataUrl"),
        ),
        outputs=(
            processing_output("train", "training rows, with header"),
            processing_output("validation", "validation rows, with header"),
            processing_output("test", "held-out test rows, with header"),
            # what served records go through too (rowfixes.json)
            processing_output("fixes", FIXES_DESCRIPTION),
            *((processing_output("baseline", BASELINE_DESCRIPTION),) if baseline else ()),
        ),
        compute=Compute(
            "processing",
            prep.instance_type,
            prep.instance_count,
            prep.max_runtime_seconds,
            parameter="ProcessingInstanceType",
        ),
        script="prepare_spark.py" if engine == "spark" else "prepare.py",
        arguments=_prepare_arguments(config) + (("--baseline",) if baseline else ()),
        settings=frozen({"engine": engine, "framework": engine}),
        cacheable=True,
        retryable=True,
    )


def features_step(config: WizardConfig, services: dict[str, list[str]]) -> PlanStep:
    """Fit scaling and encoding on the training split and apply them to all three."""
    feats = config.feature_engineering
    return PlanStep(
        name=FEATURES,
        kind="Processing",
        stage="feature_engineering",
        description="Learn scaling and encoding"
        + (", and the free text's words," if config.data_preparation.text_columns else "")
        + " on the training set, apply them to all three",
        inputs=tuple(
            processing_input(name, step=PREPARE, output=name) for name in (*SPLITS, "fixes")
        ),
        outputs=(
            processing_output("train", "model-ready training rows (Parquet, label first)"),
            processing_output("validation", "model-ready validation rows (Parquet, label first)"),
            processing_output("test", "model-ready test rows (CSV: label first, no header)"),
            processing_output(
                "transformer",
                "the fitted transformations (features.joblib) and the serving model that "
                "applies them (model.tar.gz)",
            ),
        ),
        depends_on=(PREPARE,),
        compute=Compute("processing", feats.instance_type, 1, feats.max_runtime_seconds),
        script="features.py",
        arguments=_feature_arguments(config),
        settings=frozen(
            {
                "scaling": feats.scaling,
                "categorical_encoding": feats.categorical_encoding,
                "feature_store": "feature-store" in services["feature_engineering"],
                "feature_group_name": feats.feature_group_name,
            }
        ),
        cacheable=True,
        retryable=True,
    )


def quality_step(config: WizardConfig) -> PlanStep:
    """The data-quality baseline Model Monitor compares live traffic with."""
    return PlanStep(
        name=QUALITY,
        kind="QualityCheck",
        stage="evaluation",
        description="Record statistics and constraints of the training rows as requests "
        "carry them (the baseline Model Monitor compares the endpoint's requests with)",
        # What the endpoint captures is the requests: raw records, the label left out. The
        # baseline must describe those (the same columns, in the same order, before any
        # fix or fill), not the model's engineered features: prepare's sample of the
        # training rows as they arrived.
        inputs=(StepInput("baseline", step=PREPARE, output="baseline"),),
        outputs=(
            StepOutput("statistics", "statistics.json"),
            StepOutput("constraints", "constraints.json"),
        ),
        depends_on=(PREPARE,),
        compute=Compute("processing", config.evaluation.instance_type, 1, 3600),
        settings=frozen({"check_type": "DATA_QUALITY", "dataset_format": "csv"}),
        cacheable=True,
    )


def bias_step(config: WizardConfig) -> PlanStep:
    """Clarify's pre-training bias check of the label across the facet's groups."""
    evaluation = config.evaluation
    return PlanStep(
        name=BIAS,
        kind="ClarifyCheck",
        stage="evaluation",
        description=f"Measure pre-training bias of the label across "
        f"'{evaluation.bias_facet}' groups",
        # the raw (cleaned) columns: after feature engineering the facet column
        # may be scaled or one-hot encoded beyond recognition
        inputs=(StepInput("dataset", step=PREPARE, output="train"),),
        outputs=(StepOutput("analysis", "analysis.json bias report"),),
        depends_on=(PREPARE,),
        compute=Compute("processing", evaluation.instance_type, 1, 3600),
        settings=frozen(
            {
                "check_type": "DATA_BIAS",
                "facet": evaluation.bias_facet,
                "label": config.data_collection.target_column,
                "methods": ["CI", "DPL"],
                # None: the facet's values are its groups (a category, or few numbers)
                "facet_threshold": evaluation.bias_facet_threshold,
                "label_values": _favourable_labels(config),
            }
        ),
        cacheable=True,
    )


def _favourable_labels(config: WizardConfig) -> list[float | int]:
    """Clarify's ``label_values_or_threshold``: the positive class (1, as prepare.py encodes
    it) for classification; for regression a threshold, the labels above it counting as
    favourable: ``bias_label_threshold``, which ``wizard.check`` fills in from the training
    labels' median (a config whose data was never read keeps 1)."""
    threshold = config.evaluation.bias_label_threshold
    if config.profile.problem_type == "regression" and threshold is not None:
        return [threshold]
    return [1]


def _prepare_arguments(config: WizardConfig) -> tuple[str, ...]:
    prep = config.data_preparation
    args = [
        "--target-column",
        config.data_collection.target_column,
        "--missing-values",
        prep.missing_values,
        "--train-ratio",
        repr(prep.train_ratio),
        "--validation-ratio",
        repr(prep.validation_ratio),
        "--test-ratio",
        repr(prep.test_ratio),
        "--random-seed",
        str(prep.random_seed),
        "--problem-type",
        config.profile.problem_type,
    ]
    if not config.data_collection.has_header:
        args.append("--no-header")
    if prep.drop_duplicates:
        args.append("--drop-duplicates")
    for column in prep.drop_columns:
        args += ["--drop-column", column]
    for column in prep.parse_numbers:
        args += ["--parse-number", column]
    for column in prep.parse_dates:
        args += ["--parse-date", column]
    for column in prep.text_columns:
        args += ["--text-column", column]
    if prep.normalise_labels:
        args.append("--normalise-labels")
    return tuple(args)


def _feature_arguments(config: WizardConfig) -> tuple[str, ...]:
    feats = config.feature_engineering
    args = (
        "--target-column",
        config.data_collection.target_column,
        "--scaling",
        feats.scaling,
        "--categorical-encoding",
        feats.categorical_encoding,
        "--max-categories",
        str(feats.max_categories),
        "--problem-type",
        config.profile.problem_type,
    )
    for column in config.data_preparation.text_columns:
        args += ("--text-column", column)
    if config.data_preparation.text_columns:
        args += ("--max-text-features", str(feats.max_text_features))
    num_classes = config.data_collection.num_classes
    if config.profile.problem_type == "multiclass_classification" and num_classes:
        # the model is built for this many classes: features.py stops with a clear message
        # if the full data has another number (the wizard counted them in a sample)
        args += ("--num-classes", str(num_classes))
    return args
