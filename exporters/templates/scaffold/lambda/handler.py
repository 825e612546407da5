"""A Lambda function in front of the SageMaker endpoint (deployed by `deploy.py --front`).

POST one or more CSV lines of feature values (no label, no header); the response holds one
prediction per line. The function's role needs sagemaker:InvokeEndpoint on the endpoint.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import boto3

RUNTIME = boto3.client("sagemaker-runtime")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    if not body.strip():
        return {"statusCode": 400, "body": "send CSV lines of feature values"}
    response = RUNTIME.invoke_endpoint(
        EndpointName=os.environ["ENDPOINT_NAME"],
        ContentType="text/csv",
        Body=body.encode("utf-8"),
    )
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "text/plain"},
        "body": response["Body"].read().decode("utf-8"),
    }
