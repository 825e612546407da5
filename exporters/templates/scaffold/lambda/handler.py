"""A Lambda function in front of the SageMaker endpoint (deployed by `deploy.py --front`).

POST raw records, as the endpoint takes them: CSV lines with the columns of your data (a
header line is optional) or JSON (``{"instances": [{"column": value, ...}]}``), with the
matching Content-Type; an ``Accept: application/json`` header asks for JSON answers.
code/serving.py describes both. The endpoint's own message comes back with status 400
when it cannot read the records. The function's role needs sagemaker:InvokeEndpoint on
the endpoint.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import boto3

RUNTIME = boto3.client("sagemaker-runtime")


CONTENT_TYPES = ("text/csv", "application/json")


def _header(event: dict[str, Any], name: str) -> str:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    return str(headers.get(name, "")).split(";")[0].strip().lower()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    if not body.strip():
        return {"statusCode": 400, "body": "send records: CSV lines or JSON"}
    content_type = _header(event, "content-type") or "text/csv"
    if content_type not in CONTENT_TYPES:
        return {"statusCode": 415, "body": f"send {' or '.join(CONTENT_TYPES)}"}
    accept = _header(event, "accept")
    accept = accept if accept in CONTENT_TYPES else "text/csv"
    try:
        response = RUNTIME.invoke_endpoint(
            EndpointName=os.environ["ENDPOINT_NAME"],
            ContentType=content_type,
            Accept=accept,
            Body=body.encode("utf-8"),
        )
    except RUNTIME.exceptions.ModelError as error:  # the model refused the records: say why
        return {"statusCode": 400, "body": error.response.get("OriginalMessage", str(error))}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": response.get("ContentType", accept)},
        "body": response["Body"].read().decode("utf-8"),
    }
