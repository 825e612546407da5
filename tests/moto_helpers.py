"""An in-process moto server for tests whose code under test runs in subprocesses (the
exported scripts, the CLI, the SDK's definition build), and the environment that points such
a subprocess at it with fake credentials and nothing of the caller's AWS setup."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

import boto3


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """A ThreadedMotoServer on 127.0.0.1 and a free port; yields its URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def subprocess_env(url: str, region: str, **more: str) -> dict[str, str]:
    """This process's environment without any AWS_* setting, plus fake credentials, the
    region and the endpoint ``url`` (and ``more``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ENDPOINT_URL": url,
        "AWS_EC2_METADATA_DISABLED": "true",
        **more,
    }


def client(service: str, url: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def create_bucket(url: str, region: str, bucket: str) -> Any:
    """The bucket in ``region`` (us-east-1 takes no location constraint); its S3 client."""
    s3 = client("s3", url, region)
    location = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
    return s3
