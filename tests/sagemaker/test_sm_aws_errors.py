"""Every AWS failure the notes list comes out as an ``AwsError`` in plain words."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ProfileNotFound,
    ReadTimeoutError,
    UnauthorizedSSOTokenError,
)

from runners.sagemaker.aws import AwsError, AwsSession, iam_action, translate
from wizard.errors import WizardError


def client_error(code: str, message: str = "", operation: str = "DescribePipelineExecution"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_no_credentials_outside_moto(no_aws_config, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with pytest.raises(AwsError) as err:
        AwsSession().call("sagemaker", "list_pipelines")
    assert err.value.kind == "credentials"
    assert "No AWS credentials" in err.value.message and "aws configure" in err.value.message
    assert isinstance(err.value, WizardError) and err.value.exit_code == 2


def test_no_region(no_aws_config):
    with pytest.raises(AwsError) as err:
        AwsSession().client("sagemaker")
    assert err.value.kind == "region" and "--region" in err.value.message


def test_unknown_profile_lists_the_known_ones(no_aws_config, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile dev]\nregion = us-east-1\n[profile prod]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(AwsError) as err:
        AwsSession(profile="nope").client("sagemaker")
    assert err.value.kind == "profile"
    assert "'nope'" in err.value.message and "dev, prod" in err.value.message


def test_profile_region_is_used(no_aws_config, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile dev]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert AwsSession(profile="dev").region == "eu-west-1"


@pytest.mark.parametrize("code", ["ExpiredTokenException", "ExpiredToken", "RequestExpired"])
def test_expired_token(code):
    err = translate(client_error(code, "The security token included in the request is expired"))
    assert err.kind == "expired" and "expired" in err.message and "aws sso login" in err.message


def test_expired_sso_token_names_the_profile():
    err = translate(UnauthorizedSSOTokenError(), profile="dev")
    assert err.kind == "expired" and "aws sso login --profile dev" in err.message


def test_access_denied_names_the_action():
    err = translate(
        client_error("AccessDeniedException", "", "StopPipelineExecution"), service="sagemaker"
    )
    assert err.kind == "access-denied" and "sagemaker:StopPipelineExecution" in err.message


def test_access_denied_prefers_the_action_aws_names():
    message = "User: x is not authorized to perform: logs:GetLogEvents on resource: y"
    err = translate(client_error("AccessDeniedException", message, "GetLogEvents"), service="logs")
    assert "logs:GetLogEvents" in err.message


def test_s3_access_denied_maps_multipart_to_put_object():
    assert iam_action("s3", "CreateMultipartUpload") == "s3:PutObject"
    err = translate(client_error("AccessDenied", "Access Denied", "PutObject"), service="s3")
    assert "s3:PutObject" in err.message


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (
            "1 validation error detected: Value 'a b' at 'pipelineName' failed to satisfy",
            "PipelineName",
        ),
        ("Unable to parse pipeline definition. Property Steps is invalid", "PipelineDefinition"),
        ("Could not assume role arn:aws:iam::123456789012:role/x", "RoleArn"),
    ],
)
def test_create_pipeline_validation_names_the_field(message, field):
    err = translate(client_error("ValidationException", message, "CreatePipeline"))
    assert err.kind == "validation" and err.field == field and f"({field})" in err.message


def test_client_side_validation_names_the_field():
    exc = ParamValidationError(
        report="Invalid length for parameter RoleArn, value: 5, valid min length: 20"
    )
    err = translate(exc)
    assert err.kind == "validation" and err.field == "RoleArn"


def test_resource_limit():
    err = translate(
        client_error("ResourceLimitExceeded", "The account-level service limit is 0 Instances.")
    )
    assert err.kind == "limit" and "Service Quotas" in err.message


def test_throttling_is_retryable():
    err = translate(client_error("ThrottlingException", "Rate exceeded"))
    assert err.kind == "throttled" and err.retryable


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"),
    ],
)
def test_unreachable_endpoint(exc):
    err = translate(exc)
    assert err.kind == "connection" and err.retryable and "Cannot reach" in err.message


def test_bad_credentials():
    err = translate(client_error("UnrecognizedClientException", "The security token is invalid"))
    assert err.kind == "credentials" and "rejected the credentials" in err.message


def test_not_found_validation():
    err = translate(client_error("ValidationException", "Could not find pipeline execution x"))
    assert err.kind == "not-found"


def test_other_errors_still_read_as_words():
    err = translate(client_error("InternalFailure", "oops"))
    assert err.kind == "other" and "InternalFailure" in err.message
    assert translate(NoCredentialsError()).kind == "credentials"
    assert translate(ProfileNotFound(profile="x")).kind == "profile"
    assert translate(err) is err


def test_access_denied_through_moto(fake, aws):
    fake.fail("ListPipelineExecutions", "AccessDeniedException", "denied")
    with pytest.raises(AwsError) as err:
        aws.call("sagemaker", "list_pipeline_executions", PipelineName="x")
    assert "sagemaker:ListPipelineExecutions" in err.value.message


def test_expired_token_through_moto(fake, aws):
    fake.fail("ListPipelines", "ExpiredTokenException", "The security token expired")
    with pytest.raises(AwsError) as err:
        aws.call("sagemaker", "list_pipelines")
    assert err.value.kind == "expired"
