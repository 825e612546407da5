"""The config's field types: AWS's naming, URI and ARN rules, and the safe-text rules.

Each rule follows what SageMaker, S3, IAM or EventBridge accept (name patterns and lengths,
S3 URIs, role ARNs, region codes, instance types per job kind, schedules), so a config that
passes here does not fail later at CreatePipeline. Each message says what is wrong and how to
fix it; the section models (``wizard.config.*``) use these as ``Annotated`` field types.

Strings that reach generated code are restricted to safe character sets on top of being
quoted with ``repr``/``json`` by the exporter: no quotes, backslashes or control characters.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from ..echo import quoted
from ..instances import JobKind, instance_types_for

# Every pattern is matched whole (``fullmatch``), never with ``^...$``: ``$`` also matches
# before a trailing newline, which let "churn-1\n" through as a name. ASCII: ``\d`` and
# ``\w`` mean what AWS means, not every script's digits and letters.
# SageMaker's pattern for pipeline, job and model-package-group names.
_NAME_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*", re.ASCII)
# The project name: SageMaker's pattern with single hyphens only. Besides the pipeline, its
# jobs, endpoint and model package group (SageMaker's pattern), the name starts the
# CloudTrail trail's name ("<name>-sagemaker"), and CloudTrail refuses adjacent hyphens.
_PROJECT_NAME_RE = re.compile(r"[a-zA-Z0-9](-?[a-zA-Z0-9])*", re.ASCII)
FEATURE_GROUP_RE = re.compile(r"[a-zA-Z0-9]([_-]*[a-zA-Z0-9])*", re.ASCII)
_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_IP_ADDRESS_RE = re.compile(r"\d+\.\d+\.\d+\.\d+", re.ASCII)
S3_KEY_RE = re.compile(r"[A-Za-z0-9!_.*'()/=+@,:-]*")  # AWS "safe" key characters, minus space
_ROLE_ARN_RE = re.compile(r"arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}", re.ASCII)
_REGION_RE = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d", re.ASCII)
_COLUMN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\- ]{0,127}")
HP_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_:.-]{0,63}")
_SAFE_TEXT_RE = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\"'\\`]*")
_ISO_DURATION_RE = re.compile(
    r"P(?!\Z)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?", re.ASCII
)
_RATE_RE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", re.ASCII)
_CRON_RE = re.compile(r"cron\(([^()]+)\)")
_CRON_FIELD_RE = re.compile(r"[0-9A-Za-z*?,/\-LW#]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

PIPELINE_NAME_MAX = 256
# Jobs are named "<prefix>-<step>-<timestamp>" and job names stop at 63 characters.
PROJECT_NAME_MAX = 32
MODEL_PACKAGE_GROUP_MAX = 63
FEATURE_GROUP_MAX = 64


def reject_control(value: str, what: str) -> str:
    """A line break or other control character, named plainly before any pattern says
    "may contain only ...": a trailing newline is invisible in most editors."""
    found = _CONTROL_RE.search(value)
    if found is None:
        return value
    char = found.group()
    kind = "a line break" if char in "\r\n\u2028\u2029" else f"a control character ({char!r})"
    where = "ends with" if found.start() == len(value) - 1 else "contains"
    raise ValueError(f"{what} {where} {kind}; remove it")


def _check_name(value: str, what: str, max_len: int) -> str:
    """Empty and too long, said the same way for every name."""
    reject_control(value, what)
    if not value:
        raise ValueError(f"{what} is empty; use letters, digits and hyphens, e.g. 'churn-model'")
    if len(value) > max_len:
        raise ValueError(f"{what} is {len(value)} characters long; SageMaker allows {max_len}")
    return value


def _project_name(value: str) -> str:
    _check_name(value, "the project name", PROJECT_NAME_MAX)
    if not _PROJECT_NAME_RE.fullmatch(value):
        raise ValueError(
            f"the project name {quoted(value)} may contain only letters, digits and single hyphens "
            "between them (no spaces, underscores, doubled hyphens or leading/trailing hyphen), "
            "e.g. 'churn-model'"
        )
    return value


def _model_package_group(value: str) -> str:
    what = "the model package group name"
    _check_name(value, what, MODEL_PACKAGE_GROUP_MAX)
    if not _NAME_RE.fullmatch(value):
        raise ValueError(
            f"{what} {quoted(value)} may contain only letters, digits and hyphens, starting and "
            "ending with a letter or digit (no spaces or underscores), e.g. 'churn-model'"
        )
    return value


def _bucket_name(value: str) -> str:
    if value == "":
        return value
    reject_control(value, "the bucket name")
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
        not _BUCKET_RE.fullmatch(value)
        or ".." in value
        or _IP_ADDRESS_RE.fullmatch(value)
        or value.startswith("xn--")
    ):
        raise ValueError(
            f"{quoted(value)} is not a valid S3 bucket name: 3-63 characters, lowercase letters, "
            "digits, dots and hyphens, starting and ending with a letter or digit"
        )
    return value


def parse_s3_uri(value: str) -> tuple[str, str]:
    """``s3://bucket/key`` → (bucket, key); ``ValueError`` explains what is wrong."""
    reject_control(value, "the S3 URI")
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
    if not S3_KEY_RE.fullmatch(key):
        raise ValueError(
            f"the S3 key {quoted(key)} has characters that need escaping; use letters, digits and "
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
    reject_control(value, "the input path")
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
            f"{quoted(value)}: only s3:// URIs and local paths are supported; copy the data to S3 first"
        )
    if not _SAFE_TEXT_RE.fullmatch(value) or len(value) > 1024:
        raise ValueError(
            "the path contains quotes, backslashes or control characters; rename the file or "
            "use forward slashes"
        )
    return value


def _role_arn(value: str) -> str:
    reject_control(value, "the role ARN")
    if value and not _ROLE_ARN_RE.fullmatch(value):
        raise ValueError(
            f"{quoted(value)} is not an IAM role ARN; it looks like "
            "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
        )
    return value


def _region(value: str) -> str:
    reject_control(value, "the region")
    if not _REGION_RE.fullmatch(value):
        raise ValueError(f"{quoted(value)} is not an AWS region code; e.g. us-east-1 or eu-west-1")
    return value


def check_column(value: str) -> str:
    reject_control(value, "the column name")
    if not _COLUMN_RE.fullmatch(value):
        raise ValueError(
            f"column name {quoted(value)} must start with a letter or underscore and use only letters, "
            "digits, spaces, '_', '.' and '-' (at most 128 characters)"
        )
    return value


def check_safe_text(value: str) -> str:
    if not _SAFE_TEXT_RE.fullmatch(value):
        raise ValueError("remove quotes, backslashes, backticks and line breaks from this text")
    return value


def _iso_duration(value: str) -> str:
    reject_control(value, "the duration")
    if not _ISO_DURATION_RE.fullmatch(value):
        raise ValueError(
            f"{quoted(value)} is not an ISO 8601 duration; e.g. P30D (30 days) or PT12H (12 hours)"
        )
    return value


def check_schedule(value: str) -> str:
    """EventBridge ``cron(m h dom mon dow yr)`` or ``rate(n unit)``; '' means no schedule."""
    if value == "":
        return value
    reject_control(value, "the schedule")
    rate = _RATE_RE.fullmatch(value)
    if rate:
        n, unit = int(rate.group(1)), rate.group(2)
        if n < 1:
            raise ValueError("a rate must be at least 1, e.g. rate(1 day)")
        if (n == 1) == unit.endswith("s"):
            fixed = unit.rstrip("s") if n == 1 else unit if unit.endswith("s") else unit + "s"
            raise ValueError(f"write rate({n} {fixed}): singular unit for 1, plural otherwise")
        return value
    cron = _CRON_RE.fullmatch(value)
    if not cron:
        raise ValueError(
            f"{quoted(value)} is not a schedule; use cron(0 3 * * ? *) (daily at 03:00 UTC) "
            "or rate(7 days)"
        )
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ValueError(
            "a cron expression has six fields: minutes hours day-of-month month day-of-week "
            f"year, e.g. cron(0 3 * * ? *); got {len(fields)}"
        )
    minute, hour, dom, month, dow, year = fields
    if not all(_CRON_FIELD_RE.fullmatch(f) for f in fields):
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
Column = Annotated[str, AfterValidator(check_column)]
SafeText = Annotated[str, Field(max_length=1024), AfterValidator(check_safe_text)]
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
                f"{quoted(value)} is not an instance type sm-wizard offers for {kind} jobs; choose "
                f"one of: {', '.join(offered)}"
            )
        return value

    return AfterValidator(check)


ProcessingInstance = Annotated[str, _instance_type_for("processing")]
TrainingInstance = Annotated[str, _instance_type_for("training")]
TransformInstance = Annotated[str, _instance_type_for("transform")]
HostingInstance = Annotated[str, _instance_type_for("hosting")]
