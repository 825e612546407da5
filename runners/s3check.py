"""Does an S3 input exist? The probe ``wizard.datacheck`` takes, backed by boto3.

boto3 is imported only when an S3 input is checked. With no credentials the probe raises
``NoAwsAccess`` and the check reports "not checked: no AWS access" instead of failing.
"""

from __future__ import annotations

from wizard.datacheck import NoAwsAccess

_NO_ACCESS_CODES = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "403",
}


def probe_s3(bucket: str, key: str, *, client: object | None = None) -> str | None:
    """``None`` if ``s3://bucket/key`` is an object or a prefix holding objects; else why not."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    if client is None:
        session = boto3.Session()
        try:
            credentials = session.get_credentials()
        except BotoCoreError as exc:
            raise NoAwsAccess(str(exc)) from None
        if credentials is None:
            raise NoAwsAccess("no credentials found")
        client = session.client("s3", region_name=session.region_name or "us-east-1")
    uri = f"s3://{bucket}/{key}"
    try:
        if key and not key.endswith("/"):
            try:
                client.head_object(Bucket=bucket, Key=key)  # type: ignore[attr-defined]
                return None
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code not in ("404", "NoSuchKey", "NotFound"):
                    raise
        listing = client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)  # type: ignore[attr-defined]
        if listing.get("KeyCount", 0):
            return None
        return f"{uri} does not exist: no object or folder by that name; check the path"
    except NoCredentialsError as exc:
        raise NoAwsAccess(str(exc)) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in ("NoSuchBucket",):
            return f"the bucket {bucket!r} does not exist (or is in another account)"
        if code in _NO_ACCESS_CODES:
            raise NoAwsAccess(f"S3 said {code}") from None
        return f"{uri} could not be checked: {code} {str(error.get('Message', ''))[:120]}".strip()
    except BotoCoreError as exc:
        raise NoAwsAccess(str(exc)[:200]) from None
