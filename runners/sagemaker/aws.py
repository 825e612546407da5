"""AWS access for the SageMaker engine: lazy sessions and clients, and errors in plain words.

boto3 is imported on first use, never at import time, so the TUI starts fast. Every error
boto3 can raise on the way is turned by ``translate`` into an ``AwsError`` (a ``WizardError``)
whose message says what went wrong and what to do, and whose ``kind`` tells the poller
whether waiting helps (throttling, a dropped connection, an expired session) or not.
"""

from __future__ import annotations

import os
import re
import shlex
import threading
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from wizard.errors import WizardError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import boto3

ErrorKind = Literal[
    "credentials",
    "region",
    "profile",
    "expired",
    "access-denied",
    "validation",
    "limit",
    "throttled",
    "connection",
    "not-found",
    "conflict",
    "other",
]

THROTTLING_CODES: Final = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "PriorRequestNotComplete",
    }
)
EXPIRED_CODES: Final = frozenset(
    {"ExpiredTokenException", "ExpiredToken", "RequestExpired", "TokenRefreshRequired"}
)
BAD_CREDENTIAL_CODES: Final = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "AuthFailure",
        "MissingAuthenticationToken",
    }
)
ACCESS_DENIED_CODES: Final = frozenset(
    {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "403"}
)
NOT_FOUND_CODES: Final = frozenset(
    {"ResourceNotFound", "ResourceNotFoundException", "NoSuchKey", "404", "NotFound"}
)

# IAM service prefixes and the IAM action behind S3 operations that have no action of their own.
_IAM_PREFIX: Final = {"sagemaker": "sagemaker", "s3": "s3", "logs": "logs", "sts": "sts"}
_S3_IAM_ACTION: Final = {
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "HeadObject": "GetObject",
    "ListObjectsV2": "ListBucket",
    "HeadBucket": "ListBucket",
}
_PIPELINE_WRITE_OPS: Final = frozenset({"CreatePipeline", "UpdatePipeline"})


class AwsError(WizardError):
    """An AWS problem, in words. ``kind`` says which; ``retryable`` if waiting may fix it.

    The ``message`` stands on its own (it does not repeat the ``title``): views show
    ``headline(err)``, which joins them once.
    """

    def __init__(
        self,
        message: str,
        title: str = "AWS error",
        *,
        kind: ErrorKind = "other",
        code: str | None = None,
        operation: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, title)
        self.kind: ErrorKind = kind
        self.code = code
        self.operation = operation
        self.field = field

    @property
    def retryable(self) -> bool:
        return self.kind in ("throttled", "connection")


def headline(err: WizardError) -> str:
    """``"Title: message"``, without saying the title twice when the message starts with it."""
    message, title = err.message.strip(), (err.title or "").strip()
    if not title or message.lower().startswith(title.lower()):
        return message
    return f"{title}: {message}"


# --------------------------------------------------------------------------- sessions


class AwsCaller(Protocol):
    """What the poller and the log tailer need: ``AwsSession``, or ``SimulatedAws``."""

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]: ...

    def refresh(self) -> None: ...


class AwsSession:
    """One boto3 session and its clients, created on first use and shared between threads.

    ``region`` and ``profile`` default to the usual AWS settings (environment, ``~/.aws``);
    ``endpoint_url`` is for a local moto server (``AWS_ENDPOINT_URL`` works too). Clients use
    botocore's ``standard`` retry mode with ``max_attempts`` attempts in total and short
    timeouts, so a dead network shows up in seconds rather than minutes.
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = 3,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
    ) -> None:
        self.requested_region = region
        self.profile = profile
        self.endpoint_url = endpoint_url
        self.max_attempts = max_attempts
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._session: boto3.Session | None = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.RLock()

    @property
    def boto_session(self) -> boto3.Session:
        with self._lock:
            if self._session is None:
                import boto3
                from botocore.exceptions import BotoCoreError

                try:
                    self._session = boto3.Session(
                        profile_name=self.profile, region_name=self.requested_region
                    )
                except BotoCoreError as exc:
                    raise translate(exc, profile=self.profile) from exc
            return self._session

    @property
    def region(self) -> str:
        """The region in use; an ``AwsError`` in words when none is configured."""
        region = self.boto_session.region_name
        if not region:
            from botocore.exceptions import NoRegionError

            raise translate(NoRegionError(), profile=self.profile)
        return region

    def client(self, service: str) -> Any:
        """The (cached) boto3 client for ``service``."""
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                from botocore.config import Config
                from botocore.exceptions import BotoCoreError

                config = Config(
                    retries={"mode": "standard", "total_max_attempts": self.max_attempts},
                    connect_timeout=self.connect_timeout,
                    read_timeout=self.read_timeout,
                    user_agent_extra="sm-wizard",
                )
                try:
                    client = self.boto_session.client(
                        service,
                        region_name=self.region,
                        endpoint_url=self.endpoint_url,
                        config=config,
                    )
                except BotoCoreError as exc:
                    raise translate(exc, service=service, profile=self.profile) from exc
                self._clients[service] = client
            return client

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """``client(service).<operation>(**params)``, with every failure as an ``AwsError``."""
        client = self.client(service)
        try:
            return getattr(client, operation)(**params)
        except Exception as exc:
            raise translate(exc, service=service, profile=self.profile) from exc

    def refresh(self) -> None:
        """Forget the session and clients so the next call re-reads credentials from disk."""
        with self._lock:
            self._session = None
            self._clients.clear()


# --------------------------------------------------------------------------- translation


def iam_action(service: str | None, operation: str | None) -> str | None:
    """``sagemaker:CreatePipeline``-style name of the IAM action behind an API call."""
    if not operation:
        return None
    prefix = _IAM_PREFIX.get(service or "", service or "")
    if prefix == "s3":
        operation = _S3_IAM_ACTION.get(operation, operation)
    return f"{prefix}:{operation}" if prefix else operation


def _validation_field(message: str) -> str | None:
    """Which request field a SageMaker ValidationException is about, if it says."""
    # "1 validation error detected: Value 'x' at 'pipelineName' failed to satisfy constraint"
    match = re.search(r"at '([A-Za-z][\w.]*)'", message)
    if match:
        name = match.group(1).split(".")[0]
        return name[0].upper() + name[1:]
    lowered = message.lower()
    if "role" in lowered:
        return "RoleArn"
    if "definition" in lowered or "parse" in lowered:
        return "PipelineDefinition"
    if "parameter" in lowered:
        return "PipelineParameters"
    if "name" in lowered:
        return "PipelineName"
    return None


def _available_profiles() -> list[str]:
    try:
        import botocore.session

        return sorted(botocore.session.Session().available_profiles)
    except Exception:
        return []


def translate(
    exc: BaseException, *, service: str | None = None, profile: str | None = None
) -> AwsError:
    """Turn any boto3/botocore exception into an ``AwsError`` with a plain-words message."""
    if isinstance(exc, AwsError):
        return exc
    import botocore.exceptions as bce

    profile = profile or os.environ.get("AWS_PROFILE")
    login_hint = (
        shlex.join(["aws", "sso", "login", "--profile", profile]) if profile else "aws sso login"
    )

    if isinstance(exc, bce.NoRegionError):
        return AwsError(
            "No AWS region is set. Pass --region (for example --region us-east-1), set "
            "AWS_REGION, or add `region = ...` to your AWS profile.",
            "No AWS region",
            kind="region",
        )
    if isinstance(exc, bce.ProfileNotFound):
        name = getattr(exc, "kwargs", {}).get("profile", profile)
        known = _available_profiles()
        known_text = f" Profiles found: {', '.join(known)}." if known else ""
        return AwsError(
            f"The AWS profile {name!r} does not exist in ~/.aws/config or ~/.aws/credentials."
            f"{known_text} Pass --profile with one of them, or create it with "
            f"`{shlex.join(['aws', 'configure', '--profile', str(name)])}`.",
            "Unknown AWS profile",
            kind="profile",
        )
    if isinstance(
        exc,
        bce.UnauthorizedSSOTokenError | bce.SSOTokenLoadError | bce.TokenRetrievalError,
    ):
        return AwsError(
            f"Your AWS SSO session has expired or was never started. Run `{login_hint}`, "
            "then try again.",
            "AWS session expired",
            kind="expired",
        )
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return AwsError(
            "No AWS credentials were found. Run `aws configure` (or `aws sso login`), pass "
            "--profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
            "No AWS credentials",
            kind="credentials",
        )
    if isinstance(exc, bce.CredentialRetrievalError):
        return AwsError(
            f"AWS credentials could not be loaded: {exc}. Check the profile's "
            "credential_process or role settings.",
            "No AWS credentials",
            kind="credentials",
        )
    if isinstance(exc, bce.ParamValidationError):
        report = str(exc.kwargs.get("report", exc))
        match = re.search(r"parameter ([\w.\[\]]+)", report)
        field = match.group(1) if match else None
        where = f" ({field})" if field else ""
        return AwsError(
            f"Invalid request value{where}: {report.strip()}",
            "Invalid value",
            kind="validation",
            field=field,
        )
    if isinstance(
        exc,
        bce.EndpointConnectionError
        | bce.ConnectTimeoutError
        | bce.ReadTimeoutError
        | bce.ConnectionClosedError
        | bce.HTTPClientError,
    ):
        url = getattr(exc, "kwargs", {}).get("endpoint_url") or "the AWS endpoint"
        custom = os.environ.get("AWS_ENDPOINT_URL")
        hint = f" (AWS_ENDPOINT_URL is set to {custom})" if custom else ""
        return AwsError(
            f"Cannot reach {url}: check the network connection{hint}.",
            "AWS unreachable",
            kind="connection",
        )
    if isinstance(exc, bce.ClientError):
        return _translate_client_error(exc, service=service, login_hint=login_hint)
    upload_failed = _s3_upload_failure(exc)
    if upload_failed is not None:
        return upload_failed
    if isinstance(exc, bce.BotoCoreError):
        return AwsError(f"AWS client error: {exc}", kind="other")
    return AwsError(f"Unexpected error talking to AWS: {exc}", kind="other")


def _translate_client_error(exc: Any, *, service: str | None, login_hint: str) -> AwsError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
    message = str(error.get("Message") or "").strip()
    op = getattr(exc, "operation_name", None)
    details: dict[str, Any] = {"code": code, "operation": op}

    if code in EXPIRED_CODES:
        return AwsError(
            "Your AWS session has expired (the temporary credentials are too old). Refresh "
            f"them (for SSO: `{login_hint}`; otherwise get new temporary keys), then try again.",
            "AWS session expired",
            kind="expired",
            **details,
        )
    if code in BAD_CREDENTIAL_CODES:
        return AwsError(
            f"AWS rejected the credentials ({code}): the access key is wrong, deleted, or "
            "belongs to another account or partition. Check AWS_PROFILE and your keys.",
            "Bad AWS credentials",
            kind="credentials",
            **details,
        )
    if code in ACCESS_DENIED_CODES:
        stated = re.search(r"not authorized to perform:? ([\w-]+:[\w*]+)", message)
        action = stated.group(1) if stated else iam_action(service, op)
        return AwsError(
            f"The AWS identity in use is not allowed to call {action}. Ask for "
            f"an IAM policy that allows {action}, or use a profile that has it."
            + (f" (AWS said: {message})" if message else ""),
            "Access denied",
            kind="access-denied",
            **details,
        )
    if code in THROTTLING_CODES:
        return AwsError(
            f"AWS is throttling requests ({message or code}); retrying more slowly.",
            "AWS throttling",
            kind="throttled",
            **details,
        )
    if code == "ResourceLimitExceeded":
        return AwsError(
            f"An AWS service quota was reached: {message} Ask for a higher quota in the "
            "Service Quotas console (Amazon SageMaker), choose another instance type, or "
            "wait for running jobs to finish.",
            "AWS quota reached",
            kind="limit",
            **details,
        )
    if code == "NoSuchBucket":
        bucket = error.get("BucketName")
        name = f" {bucket!r}" if bucket else ""
        return AwsError(
            f"The S3 bucket{name} does not exist (or belongs to another account). Create it "
            "or choose another bucket.",
            "S3 bucket not found",
            kind="not-found",
            **details,
        )
    if code in ("ConflictException", "ResourceInUse"):
        return AwsError(
            f"SageMaker refused {op}: {message}", "Conflict", kind="conflict", **details
        )
    if code in NOT_FOUND_CODES or (
        code == "ValidationException"
        and re.search(r"could not find|does not exist|not found", message, re.IGNORECASE)
    ):
        return AwsError(
            f"AWS found nothing: {message or code}. Check the name or ARN, the region and the "
            "account.",
            "Not found",
            kind="not-found",
            **details,
        )
    if code == "ValidationException":
        if op in _PIPELINE_WRITE_OPS:
            field = _validation_field(message)
            hint = ""
            if field == "PipelineDefinition":
                hint = (
                    " The exported pipeline.py produced a definition SageMaker cannot use; "
                    "check it with `sm-wizard export FILE --out DIR --verify`."
                )
            elif field == "RoleArn":
                hint = " Check that the role exists and trusts sagemaker.amazonaws.com."
            return AwsError(
                f"SageMaker rejected the pipeline ({field or 'unknown field'}): {message}{hint}",
                "Pipeline rejected",
                kind="validation",
                field=field,
                **details,
            )
        return AwsError(
            f"SageMaker rejected {op}: {message}", "Invalid request", kind="validation", **details
        )
    return AwsError(
        f"AWS error {code} during {op}: {message or 'no details given'}", kind="other", **details
    )


def _s3_upload_failure(exc: BaseException) -> AwsError | None:
    """boto3's S3UploadFailedError wraps the real error code in its text."""
    try:
        from boto3.exceptions import S3UploadFailedError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return None
    if not isinstance(exc, S3UploadFailedError):
        return None
    text = str(exc)
    match = re.search(r"\((\w+)\)", text)
    code = match.group(1) if match else ""
    if code == "NoSuchBucket":
        return AwsError(
            f"The S3 bucket does not exist (or belongs to another account): {text}",
            "S3 bucket not found",
            kind="not-found",
            code=code,
        )
    if code in ACCESS_DENIED_CODES:
        return AwsError(
            f"The AWS identity in use is not allowed to call s3:PutObject. {text}",
            "Access denied",
            kind="access-denied",
            code=code,
        )
    if code in EXPIRED_CODES:
        return AwsError(
            "Your AWS session has expired; refresh your credentials and try again.",
            "AWS session expired",
            kind="expired",
            code=code,
        )
    return AwsError(f"Upload to S3 failed: {text}", "Upload failed", kind="other", code=code)
