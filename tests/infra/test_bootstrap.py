"""`sm-wizard bootstrap` against moto's CloudFormation, IAM and S3 (in process, no network)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner
from helpers import full_document
from moto import mock_aws

from cli.main import main
from exporters.cfn import stack_name
from runners.sagemaker.aws import AwsSession
from runners.sagemaker.bootstrap import BootstrapError, Bootstrapper
from wizard.store import load_config, write_document

REGION = "us-east-1"
STACK = "sm-wizard-breast-cancer-demo"


@pytest.fixture
def aws():
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def _bootstrap(*args: str, input: str | None = None):
    result = CliRunner().invoke(main, ["bootstrap", *args], input=input)
    return result


def _project(path: Path) -> dict:
    return tomllib.loads(path.read_text())["project"]


def test_bootstrap_creates_the_stack_and_records_its_outputs(aws, demo_file: Path) -> None:
    result = _bootstrap(str(demo_file), "--yes")
    assert result.exit_code == 0, result.output
    assert "create stack sm-wizard-breast-cancer-demo:" in result.output
    assert "add    AWS::IAM::Role" in result.output
    assert "CREATE_COMPLETE" in result.output or "recorded" in result.output
    project = _project(demo_file)
    iam = aws.client("iam")
    role = iam.get_role(RoleName=project["role_arn"].rsplit("/", 1)[1])["Role"]
    assert role["Arn"] == project["role_arn"]
    aws.client("s3").head_bucket(Bucket=project["bucket"])  # made (moto's CloudFormation
    # does not apply the bucket's versioning or policy; the template tests check those)
    config = load_config(demo_file)  # still a valid config
    assert config.project.bucket == project["bucket"]
    assert "scheduler_role_arn" not in project  # the demo has no schedule
    text = demo_file.read_text()
    assert "testing" not in text and "aws_secret" not in text.lower()  # no credential

    again = _bootstrap(str(demo_file), "--yes")
    assert again.exit_code == 0, again.output
    assert "is up to date: nothing to change" in again.output
    assert _project(demo_file) == project


def test_a_schedule_gets_its_scheduler_role_recorded(aws, tmp_path: Path) -> None:
    path = tmp_path / "wizard.toml"
    doc = full_document()
    doc["data_collection"]["input_uri"] = "s3://some-data/in/data.csv"
    write_document(path, doc)
    result = _bootstrap(str(path), "--yes")
    assert result.exit_code == 0, result.output
    project = _project(path)
    assert project["scheduler_role_arn"].endswith(":role/breast-cancer-demo-pipeline-scheduler")
    trust = aws.client("iam").get_role(RoleName="breast-cancer-demo-pipeline-scheduler")
    principal = trust["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "scheduler.amazonaws.com"}


def test_without_a_terminal_it_asks_for_yes_and_leaves_nothing(aws, demo_file: Path) -> None:
    result = _bootstrap(str(demo_file))
    assert result.exit_code == 2
    assert "add --yes" in result.output
    cfn = aws.client("cloudformation")
    assert [
        s for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"
    ] == []
    assert "role_arn" not in _project(demo_file)


def test_declining_removes_the_change_set_and_the_empty_stack(
    aws, demo_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cli.commands.bootstrap._interactive", lambda: True)
    result = _bootstrap(str(demo_file), input="n\n")
    assert result.exit_code == 0, result.output
    assert "nothing was changed" in result.output
    runner = Bootstrapper(AwsSession(region=REGION), STACK)
    assert runner.status() is None


def test_delete_keeps_the_bucket_unless_asked_and_then_empties_every_version(
    aws, demo_file: Path
) -> None:
    assert _bootstrap(str(demo_file), "--yes").exit_code == 0
    bucket = _project(demo_file)["bucket"]
    s3 = aws.client("s3")
    # versioned as the template says (moto's CloudFormation skips VersioningConfiguration)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):  # two versions of one key
        s3.put_object(Bucket=bucket, Key="sm-wizard/breast-cancer-demo/data/x.csv", Body=body)
    s3.delete_object(Bucket=bucket, Key="sm-wizard/breast-cancer-demo/data/x.csv")  # a marker

    kept = _bootstrap(str(demo_file), "--delete", "--yes")
    assert kept.exit_code == 0, kept.output
    assert "deleted stack sm-wizard-breast-cancer-demo" in kept.output
    assert f"kept bucket {bucket}" in kept.output and "versioned" in kept.output
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "role_arn" not in _project(demo_file) and _project(demo_file)["bucket"] == bucket

    # the stack is gone; the recorded bucket carries this project's tag, so it may go too
    gone = _bootstrap(str(demo_file), "--delete", "--delete-bucket", "--yes")
    assert gone.exit_code == 0, gone.output
    assert f"deleted bucket {bucket} (3 object versions removed)" in gone.output
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "bucket" not in _project(demo_file)


def test_delete_bucket_refuses_a_bucket_bootstrap_did_not_make(aws, demo_file: Path) -> None:
    aws.client("s3").create_bucket(Bucket="someone-elses-bucket")
    text = demo_file.read_text().replace(
        'region = "us-east-1"', 'region = "us-east-1"\nbucket = "someone-elses-bucket"'
    )
    demo_file.write_text(text)
    result = _bootstrap(str(demo_file), "--delete", "--delete-bucket", "--yes")
    assert result.exit_code == 0, result.output
    assert "did not delete bucket someone-elses-bucket" in result.output
    assert "someone-elses-bucket" in [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]]


def _backend_stack():
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends["123456789012"][REGION]
    return next(s for s in backend.stacks.values() if s.name == STACK)


def test_a_rolled_back_stack_must_be_deleted_first(aws, demo_file: Path) -> None:
    assert _bootstrap(str(demo_file), "--yes").exit_code == 0
    _backend_stack().status = "ROLLBACK_COMPLETE"
    result = _bootstrap(str(demo_file), "--yes")
    assert result.exit_code == 2
    assert "is ROLLBACK_COMPLETE" in result.output
    assert "--delete" in result.output and "Traceback" not in result.output


def test_a_busy_stack_is_left_alone(aws, demo_file: Path) -> None:
    assert _bootstrap(str(demo_file), "--yes").exit_code == 0
    _backend_stack().status = "UPDATE_IN_PROGRESS"
    result = _bootstrap(str(demo_file), "--yes")
    assert result.exit_code == 2
    assert "is busy (UPDATE_IN_PROGRESS)" in result.output


def _deny(operation: str, message: str):
    def handler(**_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": message}}, operation)

    return handler


def test_a_caller_without_rights_is_told_which(aws, demo_file: Path) -> None:
    config = load_config(demo_file)
    session = AwsSession(region=REGION)
    session.client("cloudformation").meta.events.register(
        "before-call.cloudformation.CreateChangeSet",
        _deny("CreateChangeSet", "User: arn:aws:iam::123456789012:user/dev is not authorized"),
    )
    runner = Bootstrapper(session, stack_name(config))
    with pytest.raises(BootstrapError) as caught:
        runner.prepare('{"Resources": {}}')
    assert "denied create_change_set" in caught.value.message
    assert "iam:CreateRole" in caught.value.message and "CAPABILITY" not in caught.value.title


def test_a_failed_creation_says_why_and_how_to_clean_up(aws, demo_file: Path) -> None:
    from moto.cloudformation.models import Event

    from exporters.cfn import template_text
    from exporters.infra import bootstrap_template
    from wizard.plan import build_plan

    config = load_config(demo_file)
    session = AwsSession(region=REGION)

    def roll_back(**_):  # what CloudFormation does when iam:CreateRole is denied
        stack = _backend_stack()
        stack.events.append(
            Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id="ExecutionRole",
                physical_resource_id="",
                resource_type="AWS::IAM::Role",
                resource_status="CREATE_FAILED",
                resource_status_reason="User: dev is not authorized to perform: iam:CreateRole",
                resource_properties=None,
            )
        )
        stack.status = "ROLLBACK_COMPLETE"

    session.client("cloudformation").meta.events.register(
        "after-call.cloudformation.ExecuteChangeSet", roll_back
    )
    runner = Bootstrapper(session, STACK, sleep=lambda _: None)
    plan = runner.prepare(template_text(bootstrap_template(build_plan(config), config)))
    lines: list[str] = []
    with pytest.raises(BootstrapError) as caught:
        runner.execute(plan, lines.append)
    message = caught.value.message
    assert "ExecutionRole: User: dev is not authorized to perform: iam:CreateRole" in message
    assert "sm-wizard bootstrap FILE --delete" in message and "--delete-bucket" in message
    assert any("CREATE_FAILED" in line and "ExecutionRole" in line for line in lines)
