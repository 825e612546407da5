"""Fixtures for the SageMaker engine tests: moto plus the fake, on a simulated clock.

No test here reaches the network: fake credentials and region, the instance-metadata lookup
off, no AWS config files, no AWS_ENDPOINT_URL, and botocore's retry sleeps recorded instead of
slept.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import botocore.endpoint
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sagemaker_fake import REGION, SageMakerFake
from sm_helpers import Recorder

from devtools.clock import SimulatedClock
from runners.sagemaker.aws import AwsSession

_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SAGEMAKER",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_LOGS",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@pytest.fixture(scope="session", autouse=True)
def shared_botocore_loader() -> Iterator[None]:
    """One botocore data loader for every session the tests create.

    Each ``AwsSession`` makes a new boto3 session, which would parse the (large) SageMaker,
    S3 and Logs service models again: about 0.3 s a test. The models never change.
    """
    import botocore.loaders
    import botocore.session

    loader = botocore.loaders.create_loader()
    patch = pytest.MonkeyPatch()
    patch.setattr(botocore.session, "create_loader", lambda *args, **kwargs: loader)
    yield
    patch.undo()


@pytest.fixture
def no_aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An environment with no AWS settings at all (and no way to reach the network)."""
    for name in (*_AWS_VARIABLES, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture
def aws_env(no_aws_config: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def botocore_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry backoff, recorded instead of slept."""
    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps.append))
    return sleeps


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()


@pytest.fixture
def fake(
    aws_env: None,
    botocore_sleeps: list[float],
    clock: SimulatedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SageMakerFake]:
    """moto (mock_aws) with the fake installed; yields the fake."""
    from moto import mock_aws

    with mock_aws():
        yield SageMakerFake(clock).install(monkeypatch)


@pytest.fixture
def aws(fake: SageMakerFake) -> AwsSession:
    return AwsSession(region=REGION)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
