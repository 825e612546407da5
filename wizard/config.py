"""The config file's models: ``[project]``, ``[profile]`` and one section per stage.

Validation follows SageMaker's own rules (name patterns and lengths, S3 URIs, IAM role ARNs,
instance types per job kind, tuning budgets...), so a config that passes here does not fail
later at CreatePipeline. Every rule lives here and only here: the CLI prints the messages,
the TUI shows them at the field. Each message says what is wrong and how to fix it.

Strings that reach generated code are restricted to safe character sets on top of being
quoted with ``repr``/``json`` by the exporter: no quotes, backslashes or control characters.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    field_validator,
    model_validator,
)

from .algorithms import ALGORITHMS, default_hyperparameters, training_metrics
from .catalog import load_catalog
from .instances import JobKind, instance_types_for

SCHEMA_VERSION = 1

# --------------------------------------------------------------------------- field rules

# SageMaker's pattern for pipeline, job and model-package-group names.
_NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
_FEATURE_GROUP_RE = re.compile(r"^[a-zA-Z0-9]([_-]*[a-zA-Z0-9])*$")
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_S3_KEY_RE = re.compile(r"^[A-Za-z0-9!_.*'()/=+@,:-]*$")  # AWS "safe" key characters, minus space
_ROLE_ARN_RE = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_COLUMN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\- ]{0,127}$")
_HP_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$")
_SAFE_TEXT_RE = re.compile(r"^[^\x00-\x1f\x7f\"'\\`]*$")
_ISO_DURATION_RE = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$"
)
_RATE_RE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON_RE = re.compile(r"^cron\(([^()]+)\)$")

PIPELINE_NAME_MAX = 256
# Jobs are named "<prefix>-<step>-<timestamp>" and job names stop at 63 characters.
PROJECT_NAME_MAX = 32
MODEL_PACKAGE_GROUP_MAX = 63
FEATURE_GROUP_MAX = 64


def _check_name(value: str, what: str, max_len: int) -> str:
    if not value:
        raise ValueError(f"{what} is empty; use letters, digits and hyphens, e.g. 'churn-model'")
    if len(value) > max_len:
        raise ValueError(f"{what} is {len(value)} characters long; SageMaker allows {max_len}")
    if not _NAME_RE.match(value):
        raise ValueError(
            f"{what} {value!r} may contain only letters, digits and single hyphens between them "
            "(no spaces, underscores or leading/trailing hyphen), e.g. 'churn-model'"
        )
    return value


def _project_name(value: str) -> str:
    return _check_name(value, "the project name", PROJECT_NAME_MAX)


def _model_package_group(value: str) -> str:
    return _check_name(value, "the model package group name", MODEL_PACKAGE_GROUP_MAX)


def _bucket_name(value: str) -> str:
    if value == "":
        return value
    if value.lower().startswith(("s3://", "s3:/")):
        bare = value.split(":", 1)[1].lstrip("/").split("/", 1)[0]
        raise ValueError(
            f"write only the bucket's name: drop the 's3://' (e.g. {bare or 'my-bucket'!r})"
        )
    if "/" in value:
        raise ValueError(
            f"a bucket name has no '/'; write only the name (e.g. {value.split('/', 1)[0]!r}) "
            "and put the rest in the S3 prefix"
        )
    if (
        not _BUCKET_RE.match(value)
        or ".." in value
        or re.match(r"^\d+\.\d+\.\d+\.\d+$", value)
        or value.startswith("xn--")
    ):
        raise ValueError(
            f"{value!r} is not a valid S3 bucket name: 3-63 characters, lowercase letters, "
            "digits, dots and hyphens, starting and ending with a letter or digit"
        )
    return value


def parse_s3_uri(value: str) -> tuple[str, str]:
    """``s3://bucket/key`` → (bucket, key); ``ValueError`` explains what is wrong."""
    if not value.startswith("s3://"):
        raise ValueError(f"{value[:80]!r} is not an S3 URI; write it as s3://bucket/path")
    bucket, _, key = value[5:].partition("/")
    if not bucket:
        raise ValueError("the S3 URI has no bucket; write it as s3://bucket/path")
    _bucket_name(bucket)
    if " " in key:
        raise ValueError(
            f"the S3 key {key[:80]!r} has a space; S3 paths here cannot contain spaces: "
            "rename the object (e.g. use '-' or '_')"
        )
    if not _S3_KEY_RE.match(key):
        raise ValueError(
            f"the S3 key {key!r} has characters that need escaping; use letters, digits and "
            "! _ . * ' ( ) / = + @ , : -"
        )
    if len(key.encode()) > 1024:
        raise ValueError("the S3 key is longer than 1024 bytes")
    return bucket, key


def _s3_uri(value: str) -> str:
    parse_s3_uri(value)
    return value


def _optional_s3_uri(value: str) -> str:
    return value if value == "" else _s3_uri(value)


def _data_uri(value: str) -> str:
    """An S3 URI, or a path on this machine (the local engine reads it; SageMaker runs upload it)."""
    if not value:
        raise ValueError(
            "no input data given; enter an S3 URI (s3://bucket/data.csv) or a local file path"
        )
    if value.startswith("s3://"):
        return _s3_uri(value)
    if re.match(r"^s3:/*", value, re.IGNORECASE):
        rest = re.sub(r"^s3:/*", "", value, flags=re.IGNORECASE)
        raise ValueError(
            f"{value[:80]!r} is not a well-formed S3 URI; write it as s3://bucket/path "
            f"(e.g. 's3://{rest.split('/', 1)[0].split(' ', 1)[0] or 'my-bucket'}/data.csv')"
        )
    if "://" in value:
        raise ValueError(
            f"{value!r}: only s3:// URIs and local paths are supported; copy the data to S3 first"
        )
    if not _SAFE_TEXT_RE.match(value) or len(value) > 1024:
        raise ValueError(
            "the path contains quotes, backslashes or control characters; rename the file or "
            "use forward slashes"
        )
    return value


def _role_arn(value: str) -> str:
    if value and not _ROLE_ARN_RE.match(value):
        raise ValueError(
            f"{value!r} is not an IAM role ARN; it looks like "
            "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
        )
    return value


def _region(value: str) -> str:
    if not _REGION_RE.match(value):
        raise ValueError(f"{value!r} is not an AWS region code; e.g. us-east-1 or eu-west-1")
    return value


def _column(value: str) -> str:
    if not _COLUMN_RE.match(value):
        raise ValueError(
            f"column name {value!r} must start with a letter or underscore and use only letters, "
            "digits, spaces, '_', '.' and '-' (at most 128 characters)"
        )
    return value


def _safe_text(value: str) -> str:
    if not _SAFE_TEXT_RE.match(value):
        raise ValueError("remove quotes, backslashes, backticks and line breaks from this text")
    return value


def _iso_duration(value: str) -> str:
    if not _ISO_DURATION_RE.match(value):
        raise ValueError(
            f"{value!r} is not an ISO 8601 duration; e.g. P30D (30 days) or PT12H (12 hours)"
        )
    return value


def check_schedule(value: str) -> str:
    """EventBridge ``cron(m h dom mon dow yr)`` or ``rate(n unit)``; '' means no schedule."""
    if value == "":
        return value
    rate = _RATE_RE.match(value)
    if rate:
        n, unit = int(rate.group(1)), rate.group(2)
        if n < 1:
            raise ValueError("a rate must be at least 1, e.g. rate(1 day)")
        if (n == 1) == unit.endswith("s"):
            fixed = unit.rstrip("s") if n == 1 else unit if unit.endswith("s") else unit + "s"
            raise ValueError(f"write rate({n} {fixed}): singular unit for 1, plural otherwise")
        return value
    cron = _CRON_RE.match(value)
    if not cron:
        raise ValueError(
            f"{value!r} is not a schedule; use cron(0 3 * * ? *) (daily at 03:00 UTC) "
            "or rate(7 days)"
        )
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ValueError(
            "a cron expression has six fields: minutes hours day-of-month month day-of-week "
            f"year, e.g. cron(0 3 * * ? *); got {len(fields)}"
        )
    minute, hour, dom, month, dow, year = fields
    allowed = re.compile(r"^[0-9A-Za-z*?,/\-LW#]+$")
    if not all(allowed.match(f) for f in fields):
        raise ValueError("a cron field has characters cron does not allow")
    if (dom == "?") == (dow == "?"):
        raise ValueError(
            "in a cron expression exactly one of day-of-month and day-of-week must be '?', "
            "e.g. cron(0 3 * * ? *)"
        )
    for text, low, high, what in ((minute, 0, 59, "minutes"), (hour, 0, 23, "hours")):
        for number in re.findall(r"\d+", text):
            if not low <= int(number) <= high:
                raise ValueError(f"cron {what} must be between {low} and {high}")
    del month, year
    return value


ProjectName = Annotated[str, AfterValidator(_project_name)]
ModelPackageGroupName = Annotated[str, AfterValidator(_model_package_group)]
BucketName = Annotated[str, AfterValidator(_bucket_name)]
S3Uri = Annotated[str, AfterValidator(_optional_s3_uri)]
DataUri = Annotated[str, AfterValidator(_data_uri)]
RoleArn = Annotated[str, AfterValidator(_role_arn)]
Region = Annotated[str, AfterValidator(_region)]
Column = Annotated[str, AfterValidator(_column)]
SafeText = Annotated[str, Field(max_length=1024), AfterValidator(_safe_text)]
IsoDuration = Annotated[str, AfterValidator(_iso_duration)]
Schedule = Annotated[str, AfterValidator(check_schedule)]
InstanceCount = Annotated[int, Field(ge=1, le=100)]
# SageMaker's MaxRuntimeInSeconds: up to 28 days for training, 5 days for processing.
RuntimeSeconds = Annotated[int, Field(ge=60, le=2_419_200)]


def _instance_type_for(kind: JobKind):
    def check(value: str) -> str:
        offered = instance_types_for(kind)
        if value not in offered:
            raise ValueError(
                f"{value!r} is not an instance type sm-wizard offers for {kind} jobs; choose "
                f"one of: {', '.join(offered)}"
            )
        return value

    return AfterValidator(check)


ProcessingInstance = Annotated[str, _instance_type_for("processing")]
TrainingInstance = Annotated[str, _instance_type_for("training")]
TransformInstance = Annotated[str, _instance_type_for("transform")]
HostingInstance = Annotated[str, _instance_type_for("hosting")]


class FieldError(ValueError):
    """Raised by a model-level rule to name the field the user should change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Section(BaseModel):
    """Base of every table of the config: unknown keys are rejected by name."""

    # defer_build: schemas are built on first use, which keeps `import` fast (bench_startup)
    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, defer_build=True
    )


class StageSection(Section):
    """A stage table: the services chosen for it plus the stage's parameters."""

    STAGE: ClassVar[str] = ""  # set by each subclass
    services: list[str] = Field(default_factory=list)

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: list[str]) -> list[str]:
        catalog = load_catalog()
        stage = cls.STAGE
        valid = [s.id for s in catalog.values() if stage in s.stages]
        for service in value:
            if service not in valid:
                raise ValueError(
                    f"{service!r} is not a service of this stage; choose from: {', '.join(valid)}"
                )
        if len(set(value)) != len(value):
            raise ValueError("a service is listed twice; list each one once")
        return value


# --------------------------------------------------------------------------- sections


class ProjectConfig(Section):
    name: ProjectName
    description: SafeText = ""
    region: Region = "us-east-1"
    role_arn: RoleArn = Field(
        default="", description="IAM role SageMaker assumes; needed only to run on AWS"
    )
    bucket: BucketName = Field(default="", description="S3 bucket for code, data and outputs")
    scheduler_role_arn: RoleArn | None = Field(
        default=None,
        description="IAM role EventBridge Scheduler assumes to start the pipeline "
        "(recorded by sm-wizard bootstrap)",
    )
    s3_prefix: str = Field(default="sm-wizard", max_length=200)

    @field_validator("s3_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if " " in value:
            raise ValueError(
                "the prefix has a space; S3 prefixes here use letters, digits and - _ . / "
                f"(e.g. {value.strip().replace(' ', '-')!r})"
            )
        if not _S3_KEY_RE.match(value):
            raise ValueError(
                "the prefix has characters S3 keys should not hold; use letters, digits and "
                "- _ . / (e.g. 'projects/churn')"
            )
        if value.startswith("/") or value.endswith("/"):
            raise ValueError(f"drop the leading or trailing '/': write {value.strip('/')!r}")
        return value


class Profile(Section):
    """The answers that drive recommendations (a contract: DESIGN.md)."""

    data_source: Literal["s3", "local_files", "database", "streaming", "third_party"] = "s3"
    data_format: Literal["csv", "parquet", "json", "images", "text"] = "csv"
    data_size_gb: float = Field(default=1.0, ge=0, le=1_000_000)
    problem_type: Literal["binary_classification", "multiclass_classification", "regression"] = (
        "binary_classification"
    )
    experience: Literal["newcomer", "practitioner", "expert"] = "newcomer"
    prefer_low_code: bool = False
    prediction_mode: Literal["realtime", "batch", "both"] = "batch"
    traffic: Literal["steady", "spiky", "intermittent"] = "steady"
    models_count: int = Field(default=1, ge=1, le=10_000)
    explainability_required: bool = False
    retraining: Literal["manual", "scheduled", "on_new_data"] = "manual"
    share_features: bool = False

    @field_validator("data_size_gb")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("give the approximate data size in GB as a number, e.g. 2.5")
        return value


class DataCollectionConfig(StageSection):
    STAGE = "data_collection"
    input_uri: DataUri
    target_column: Column
    has_header: bool = True


class DataPreparationConfig(StageSection):
    STAGE = "data_preparation"
    engine: Literal["sklearn", "spark"] = "sklearn"
    missing_values: Literal["drop", "median", "mean", "most_frequent"] = "median"
    drop_duplicates: bool = True
    drop_columns: list[Column] = Field(default_factory=list)
    train_ratio: float = Field(default=0.7, gt=0, lt=1)
    validation_ratio: float = Field(default=0.15, gt=0, lt=1)
    test_ratio: float = Field(default=0.15, gt=0, lt=1)
    random_seed: int = Field(default=42, ge=0, le=2**31 - 1)
    instance_type: ProcessingInstance = "ml.m5.large"
    instance_count: InstanceCount = 1
    max_runtime_seconds: RuntimeSeconds = 3600

    @model_validator(mode="after")
    def _ratios(self) -> DataPreparationConfig:
        total = self.train_ratio + self.validation_ratio + self.test_ratio
        if abs(total - 1.0) > 1e-6:
            raise FieldError(
                "test_ratio",
                f"the training, validation and test shares add up to {total:g} "
                f"({self.train_ratio:g} + {self.validation_ratio:g} + {self.test_ratio:g}); "
                f"they must add up to 1, e.g. 0.7, 0.15 and 0.15"
                + (
                    f" (here: test share {1 - self.train_ratio - self.validation_ratio:g})"
                    if 0 < 1 - self.train_ratio - self.validation_ratio < 1
                    else ""
                ),
            )
        if self.engine == "sklearn" and self.instance_count > 1:
            raise FieldError(
                "instance_count",
                "the scikit-learn engine runs on one instance; set instance_count = 1 or choose "
                "engine = 'spark' for distributed processing",
            )
        return self


class FeatureEngineeringConfig(StageSection):
    STAGE = "feature_engineering"
    scaling: Literal["standard", "minmax", "none"] = "standard"
    categorical_encoding: Literal["onehot", "ordinal"] = "onehot"
    max_categories: int = Field(default=20, ge=2, le=1000)
    feature_group_name: str = ""
    instance_type: ProcessingInstance = "ml.m5.large"
    max_runtime_seconds: RuntimeSeconds = 3600

    @field_validator("feature_group_name")
    @classmethod
    def _feature_group(cls, value: str) -> str:
        if value and (len(value) > FEATURE_GROUP_MAX or not _FEATURE_GROUP_RE.match(value)):
            raise ValueError(
                "a feature group name has 1-64 letters, digits, '-' or '_', starting and ending "
                "with a letter or digit"
            )
        return value

    @model_validator(mode="after")
    def _needs_group(self) -> FeatureEngineeringConfig:
        if "feature-store" in self.services and not self.feature_group_name:
            raise FieldError(
                "feature_group_name",
                "Feature Store is selected: set feature_group_name, e.g. 'churn-features'",
            )
        return self


def _hyperparameter_value(value: Any) -> int | float | bool | str:
    """One message for a value of the wrong kind (not one per member of a type union)."""
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("give a finite number")
        return value
    if isinstance(value, str):
        if len(value) > 256:
            raise ValueError(f"the text is {len(value):,} characters long; keep it under 256")
        return _safe_text(value)
    kind = {dict: "a table", list: "a list"}.get(type(value), type(value).__name__)
    raise ValueError(f"expected a number, true/false or short text, not {kind}")


HyperparameterValue = Annotated[Any, PlainValidator(_hyperparameter_value)]


class TrainingConfig(StageSection):
    STAGE = "training"
    algorithm: Literal["xgboost", "sklearn_random_forest", "sklearn_linear"] = "xgboost"
    instance_type: TrainingInstance = "ml.m5.large"
    instance_count: InstanceCount = 1
    max_runtime_seconds: RuntimeSeconds = 3600
    use_spot: bool = False
    max_wait_seconds: int = Field(default=0, ge=0, le=2_419_200)
    checkpoint_s3_uri: S3Uri = ""
    hyperparameters: dict[str, HyperparameterValue] = Field(default_factory=dict)

    @field_validator("hyperparameters")
    @classmethod
    def _hp(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not _HP_NAME_RE.match(name):
                raise ValueError(
                    f"hyperparameter name {name!r} may use letters, digits, '_', ':', '.', '-'"
                )
        return value

    @model_validator(mode="after")
    def _spot_and_instances(self) -> TrainingConfig:
        algorithm = ALGORITHMS[self.algorithm]
        if self.instance_count > 1 and not algorithm.multi_instance:
            raise FieldError(
                "instance_count",
                f"{algorithm.title} trains on one instance; set instance_count = 1 or choose "
                "algorithm = 'xgboost'",
            )
        if self.use_spot and self.max_wait_seconds < self.max_runtime_seconds:
            raise FieldError(
                "max_wait_seconds",
                "with managed spot training, max_wait_seconds must be at least "
                f"max_runtime_seconds ({self.max_runtime_seconds}); e.g. "
                f"max_wait_seconds = {self.max_runtime_seconds * 2}",
            )
        if not self.use_spot and self.max_wait_seconds:
            raise FieldError(
                "max_wait_seconds", "max_wait_seconds applies only to spot training; set it to 0"
            )
        if self.checkpoint_s3_uri and not self.use_spot:
            raise FieldError(
                "checkpoint_s3_uri",
                "checkpoints matter for spot training; set use_spot = true or clear the URI",
            )
        for name, value in self.hyperparameters.items():
            hp = algorithm.known(name)
            if name in ("objective", "eval_metric", "num_class"):
                continue
            if hp is None:
                known = ", ".join(h.name for h in algorithm.hyperparameters)
                raise FieldError(
                    f"hyperparameters.{name}",
                    f"hyperparameter {name!r} is not one {algorithm.title} knows; use: {known}",
                )
            problem = hp.check(value)
            if problem:
                raise FieldError(f"hyperparameters.{name}", problem)
        return self


class ParameterRange(Section):
    name: str
    type: Literal["continuous", "integer", "categorical"] = "continuous"
    min_value: float | None = None
    max_value: float | None = None
    scaling: Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"] = "Auto"
    values: list[Annotated[str, Field(max_length=256), AfterValidator(_safe_text)]] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _bounds(self) -> ParameterRange:
        if self.type == "categorical":
            if len(self.values) < 1:
                raise FieldError(
                    "values", f"categorical range {self.name!r} needs at least one value"
                )
            if self.min_value is not None or self.max_value is not None:
                raise FieldError(
                    "min_value", "a categorical range takes values, not min_value/max_value"
                )
            return self
        if self.values:
            raise FieldError(
                "values", "only categorical ranges take values; use min_value and max_value"
            )
        if self.min_value is None or self.max_value is None:
            raise FieldError("max_value", f"range {self.name!r} needs both min_value and max_value")
        if not (math.isfinite(self.min_value) and math.isfinite(self.max_value)):
            raise FieldError("min_value", "range bounds must be finite numbers")
        if self.min_value >= self.max_value:
            raise FieldError(
                "min_value",
                f"min_value ({self.min_value:g}) must be smaller than max_value "
                f"({self.max_value:g})",
            )
        if self.type == "integer" and not (
            self.min_value.is_integer() and self.max_value.is_integer()
        ):
            raise FieldError("min_value", "an integer range needs whole-number bounds")
        if self.scaling == "Logarithmic" and self.min_value <= 0:
            raise FieldError(
                "min_value", "logarithmic scaling needs min_value > 0; raise it or use Linear"
            )
        if self.scaling == "ReverseLogarithmic" and (
            self.type != "continuous" or self.min_value < 0 or self.max_value >= 1
        ):
            raise FieldError(
                "scaling",
                "reverse-logarithmic scaling works only for continuous ranges within [0, 1)",
            )
        return self


class TuningConfig(Section):
    STAGE: ClassVar[str] = "tuning"
    enabled: bool = False
    strategy: Literal["Bayesian", "Random", "Hyperband", "Grid"] = "Bayesian"
    objective_metric: str = "validation:auc"
    max_jobs: int = Field(default=10, ge=1, le=500)
    max_parallel_jobs: int = Field(default=2, ge=1, le=100)
    early_stopping: Literal["Off", "Auto"] = "Off"
    ranges: list[ParameterRange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _budget(self) -> TuningConfig:
        if self.max_parallel_jobs > self.max_jobs:
            raise FieldError(
                "max_parallel_jobs",
                f"max_parallel_jobs ({self.max_parallel_jobs}) cannot exceed max_jobs "
                f"({self.max_jobs}); lower it",
            )
        names = [r.name for r in self.ranges]
        if len(set(names)) != len(names):
            raise FieldError("ranges", "a hyperparameter has two ranges; keep one per name")
        if self.enabled and not self.ranges:
            raise FieldError(
                "ranges", "tuning is enabled but has no ranges; add at least one range"
            )
        if self.strategy == "Grid" and any(r.type != "categorical" for r in self.ranges):
            raise FieldError(
                "strategy",
                "Grid search tries every combination, so all ranges must be categorical; "
                "list the values or choose Bayesian/Random",
            )
        if self.strategy == "Grid" and self.ranges:
            combinations = math.prod(len(r.values) for r in self.ranges)
            if self.max_jobs != combinations:
                raise FieldError(
                    "max_jobs",
                    f"Grid search trains each of the {combinations} combinations of your values "
                    f"once; set max_jobs = {combinations}",
                )
        if self.strategy == "Hyperband" and self.early_stopping == "Auto":
            raise FieldError(
                "early_stopping", "Hyperband stops poor trials itself; set early_stopping = 'Off'"
            )
        return self


class EvaluationConfig(StageSection):
    STAGE = "evaluation"
    metric: Literal["accuracy", "f1", "auc", "precision", "recall", "rmse", "mae", "r2"] = "auc"
    threshold: float = 0.8
    instance_type: ProcessingInstance = "ml.m5.large"
    bias_facet: str = ""

    @field_validator("bias_facet")
    @classmethod
    def _facet(cls, value: str) -> str:
        return _column(value) if value else value

    @model_validator(mode="after")
    def _threshold(self) -> EvaluationConfig:
        if not math.isfinite(self.threshold):
            raise FieldError("threshold", "the threshold must be a number")
        if self.metric in ("rmse", "mae"):
            if self.threshold <= 0:
                raise FieldError(
                    "threshold", f"{self.metric} is an error size; give a threshold above 0"
                )
        elif self.metric == "r2":
            if self.threshold > 1:
                raise FieldError("threshold", "r2 is at most 1; give a threshold such as 0.6")
        elif not 0 <= self.threshold <= 1:
            raise FieldError("threshold", f"{self.metric} lies between 0 and 1; give e.g. 0.8")
        if "clarify" in self.services and not self.bias_facet:
            raise FieldError(
                "bias_facet",
                "Clarify is selected: set bias_facet to the column whose groups should be "
                "treated alike (e.g. 'gender' or 'age')",
            )
        return self


class DeploymentConfig(StageSection):
    STAGE = "deployment"
    model_package_group: ModelPackageGroupName = "models"
    approval_status: Literal["PendingManualApproval", "Approved", "Rejected"] = (
        "PendingManualApproval"
    )
    endpoint_instance_type: HostingInstance = "ml.m5.large"
    endpoint_instance_count: InstanceCount = 1
    serverless_memory_mb: Literal[1024, 2048, 3072, 4096, 5120, 6144] = 2048
    serverless_max_concurrency: int = Field(default=5, ge=1, le=200)
    batch_instance_type: TransformInstance = "ml.m5.large"
    batch_instance_count: InstanceCount = 1

    @model_validator(mode="after")
    def _combos(self) -> DeploymentConfig:
        if "serverless-inference" in self.services and "multi-model-endpoints" in self.services:
            raise FieldError(
                "services",
                "serverless endpoints cannot host several models; choose serverless-inference "
                "or multi-model-endpoints",
            )
        if "api-gateway" in self.services and not (
            {"endpoints", "serverless-inference", "multi-model-endpoints"} & set(self.services)
        ):
            raise FieldError(
                "services", "API Gateway needs an endpoint behind it; add endpoints too"
            )
        return self


class MonitoringConfig(StageSection):
    STAGE = "monitoring"
    schedule: Schedule = "cron(0 * ? * * *)"
    data_capture_percent: int = Field(default=100, ge=1, le=100)
    latency_alarm_ms: int = Field(default=1000, ge=1, le=600_000)
    error_rate_alarm_percent: float = Field(default=5.0, gt=0, le=100)

    @field_validator("schedule")
    @classmethod
    def _monitor_schedule(cls, value: str) -> str:
        if value.startswith("rate("):
            raise ValueError(
                "Model Monitor schedules are hourly or daily cron expressions, e.g. "
                "cron(0 * ? * * *) hourly or cron(0 0 ? * * *) daily"
            )
        return value


class OrchestrationConfig(StageSection):
    STAGE = "orchestration"
    schedule: Schedule = ""
    cache_steps: bool = True
    cache_expire_after: IsoDuration = "P30D"
    retry_max_attempts: int = Field(default=3, ge=1, le=20)


SECTION_MODELS: dict[str, type[Section]] = {
    "project": ProjectConfig,
    "profile": Profile,
    "data_collection": DataCollectionConfig,
    "data_preparation": DataPreparationConfig,
    "feature_engineering": FeatureEngineeringConfig,
    "training": TrainingConfig,
    "tuning": TuningConfig,
    "evaluation": EvaluationConfig,
    "deployment": DeploymentConfig,
    "monitoring": MonitoringConfig,
    "orchestration": OrchestrationConfig,
}

_CLASSIFICATION_METRICS = {"accuracy", "f1", "auc", "precision", "recall"}
_REGRESSION_METRICS = {"rmse", "mae", "r2"}


class CrossCheck(ValueError):
    """A rule between sections; ``path`` is the TOML path of the field to fix."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


class WizardConfig(Section):
    """The whole ``wizard.toml``."""

    schema_version: Literal[1] = SCHEMA_VERSION
    project: ProjectConfig
    profile: Profile = Field(default_factory=Profile)
    data_collection: DataCollectionConfig
    data_preparation: DataPreparationConfig = Field(default_factory=DataPreparationConfig)
    feature_engineering: FeatureEngineeringConfig = Field(default_factory=FeatureEngineeringConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    tuning: TuningConfig = Field(default_factory=TuningConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    deployment: DeploymentConfig = Field(default_factory=DeploymentConfig)
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    orchestration: OrchestrationConfig = Field(default_factory=OrchestrationConfig)

    @model_validator(mode="after")
    def _model_package_group_from_project(self) -> WizardConfig:
        """Unset, the model package group is named after the project (``<name>-models``), so
        unrelated projects never share one group."""
        if "model_package_group" not in self.deployment.model_fields_set:
            self.deployment.model_package_group = f"{self.project.name}-models"
        return self

    def cross_check(self) -> list[CrossCheck]:
        """Rules that span sections; each problem names the field to change."""
        problems: list[CrossCheck] = []
        profile, prep = self.profile, self.data_preparation
        target = self.data_collection.target_column
        if profile.data_format not in ("csv", "parquet"):
            problems.append(
                CrossCheck(
                    "profile.data_format",
                    f"the generated steps read tabular data (csv or parquet), not "
                    f"{profile.data_format}; convert the data to a table or choose csv",
                )
            )
        if target in prep.drop_columns:
            problems.append(
                CrossCheck(
                    "data_preparation.drop_columns",
                    f"the target column {target!r} is dropped; remove it from drop_columns",
                )
            )
        if self.evaluation.bias_facet and self.evaluation.bias_facet == target:
            problems.append(
                CrossCheck(
                    "evaluation.bias_facet",
                    "the bias facet must be a feature column, not the target column",
                )
            )
        metric = self.evaluation.metric
        regression = profile.problem_type == "regression"
        if regression and metric not in _REGRESSION_METRICS:
            problems.append(
                CrossCheck(
                    "evaluation.metric",
                    f"{metric} measures classification; for regression use rmse, mae or r2",
                )
            )
        if not regression and metric not in _CLASSIFICATION_METRICS:
            problems.append(
                CrossCheck(
                    "evaluation.metric",
                    f"{metric} measures regression; for classification use accuracy, f1, auc, "
                    "precision or recall",
                )
            )
        if metric == "auc" and profile.problem_type == "multiclass_classification":
            problems.append(
                CrossCheck(
                    "evaluation.metric",
                    "auc is for two classes; for several classes use accuracy or f1",
                )
            )
        if self.tuning.enabled:
            problems.extend(self._tuning_checks())
        problems.extend(self._monitor_checks())
        if profile.retraining == "scheduled" and not self.orchestration.schedule:
            problems.append(
                CrossCheck(
                    "orchestration.schedule",
                    "retraining is scheduled: give a schedule, e.g. cron(0 3 ? * MON *) (Mondays "
                    "03:00 UTC) or rate(7 days)",
                )
            )
        return problems

    def _monitor_checks(self) -> list[CrossCheck]:
        """Model Monitor captures requests of real-time endpoints (and batch transform
        jobs); SageMaker offers no data capture on serverless or multi-model endpoints."""
        if "model-monitor" not in self.monitoring.services:
            return []
        deploy = set(self.deployment.services)
        if deploy & {"endpoints", "batch-transform"}:
            return []
        unsupported = [
            name
            for service, name in (
                ("serverless-inference", "serverless endpoints"),
                ("multi-model-endpoints", "multi-model endpoints"),
            )
            if service in deploy
        ]
        if not unsupported:
            return []
        return [
            CrossCheck(
                "monitoring.services",
                f"Model Monitor cannot watch {' or '.join(unsupported)}: SageMaker has no data "
                "capture for them; untick Model Monitor here (CloudWatch alarms still work) or "
                "deploy to a real-time endpoint or batch transform",
            )
        ]

    def _tuning_checks(self) -> list[CrossCheck]:
        problems: list[CrossCheck] = []
        algorithm = ALGORITHMS[self.training.algorithm]
        metrics = training_metrics(algorithm.id, self.profile.problem_type)
        if self.tuning.objective_metric not in metrics:
            problems.append(
                CrossCheck(
                    "tuning.objective_metric",
                    f"{algorithm.title} does not report {self.tuning.objective_metric!r} for "
                    f"{self.profile.problem_type.replace('_', ' ')}; use one of: "
                    f"{', '.join(m for m in metrics if m.startswith('validation:'))}",
                )
            )
        for index, rng in enumerate(self.tuning.ranges):
            hp = algorithm.known(rng.name)
            path = f"tuning.ranges[{index}].name"
            if hp is None:
                known = ", ".join(h.name for h in algorithm.hyperparameters)
                problems.append(
                    CrossCheck(
                        path,
                        f"{rng.name!r} is not a hyperparameter of {algorithm.title}; use: {known}",
                    )
                )
                continue
            if rng.type != "categorical" and hp.type != rng.type and hp.type == "integer":
                problems.append(
                    CrossCheck(
                        f"tuning.ranges[{index}].type",
                        f"{rng.name} takes whole numbers; set type = 'integer'",
                    )
                )
            if rng.type != "categorical" and hp.low is not None and hp.high is not None:
                assert rng.min_value is not None and rng.max_value is not None
                if rng.min_value < hp.low or rng.max_value > hp.high:
                    problems.append(
                        CrossCheck(
                            f"tuning.ranges[{index}].min_value",
                            f"{rng.name} accepts values from {hp.low:g} to {hp.high:g}; keep the "
                            "range inside",
                        )
                    )
        return problems

    def effective_hyperparameters(self) -> dict[str, str | int | float | bool]:
        """The algorithm's defaults for this problem, overridden by the user's values."""
        hps: dict[str, str | int | float | bool] = dict(
            default_hyperparameters(self.training.algorithm, self.profile.problem_type)
        )
        hps.update(self.training.hyperparameters)
        return hps


def selected_services(config: WizardConfig) -> dict[str, list[str]]:
    """The catalog ids chosen per stage, in stage order (tuning is chosen by ``enabled``)."""
    chosen: dict[str, list[str]] = {}
    for stage in SECTION_MODELS:
        if stage in ("project", "profile"):
            continue
        section = getattr(config, stage)
        if stage == "tuning":
            chosen[stage] = ["automatic-model-tuning"] if section.enabled else []
        else:
            chosen[stage] = list(section.services)
    return chosen
