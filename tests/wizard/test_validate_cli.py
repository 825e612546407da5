"""``sm-wizard validate``: the data checks, warnings (exit 0) versus errors (exit 2), and the
S3 probe (moto only: no test touches AWS)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from wizard.store import read_document, write_document
from wizard.templates import template_document, write_template_data


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _demo(tmp_path: Path, **collection) -> Path:
    config = tmp_path / "proj" / "wizard.toml"
    config.parent.mkdir()
    doc = template_document("demo")
    doc["data_collection"].update(collection)
    write_document(config, doc)
    write_template_data("demo", config)
    return config


def test_the_reported_cases_are_not_valid(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative to the config's folder, not the working folder
    config = _demo(tmp_path, input_uri="data/missing.csv")
    result = _invoke("validate", str(config))
    assert result.exit_code == 2
    assert re.search(
        r"error: data_collection\.input_uri: .*missing\.csv does not exist", result.output
    )
    (tmp_path / "other").mkdir()
    config = _demo(tmp_path / "other", target_column="nosuchcol")
    result = _invoke("validate", str(config))
    assert result.exit_code == 2 and "data_collection.target_column" in result.output


def test_demo_is_valid_from_another_folder(tmp_path, monkeypatch):
    config = _demo(tmp_path)
    monkeypatch.chdir("/")
    result = _invoke("validate", str(config))
    assert result.exit_code == 0 and result.output.strip().endswith("valid")


def test_warnings_pass_with_exit_0(tmp_path):
    config = _demo(tmp_path, input_uri="s3://demo-bucket/data/train.csv")
    result = _invoke("validate", str(config))
    assert result.exit_code == 0, result.output
    assert "warning: data_collection.input_uri: not checked: no AWS access" in result.output
    assert "valid (1 warning)" in result.output


def test_no_data_skips_the_data(tmp_path):
    config = _demo(tmp_path, input_uri="data/missing.csv")
    assert _invoke("validate", "--no-data", str(config)).exit_code == 0


def test_hyperparameter_out_of_range_is_one_line(tmp_path):
    config = _demo(tmp_path)
    doc = read_document(config)
    doc["training"]["hyperparameters"] = {"num_round": -5, "eta": "x" * 10_000}
    write_document(config, doc)
    result = _invoke("validate", str(config))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if "error:" in line]
    assert len(lines) == 1 and len(lines[0]) < 200  # the model stops at the first bad value


# ---------------------------------------------------------------------- S3, with moto


@pytest.fixture
def aws(monkeypatch):
    moto = pytest.importorskip("moto")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        import boto3

        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="demo-bucket")
        s3.put_object(Bucket="demo-bucket", Key="data/train.csv", Body=b"a,b\n1,2\n")
        yield s3


def test_probe_finds_objects_and_prefixes(aws):
    from runners.s3check import probe_s3

    assert probe_s3("demo-bucket", "data/train.csv") is None
    assert probe_s3("demo-bucket", "data/") is None
    assert "does not exist" in probe_s3("demo-bucket", "data/other.csv")
    assert "bucket 'nope-bucket' does not exist" in probe_s3("nope-bucket", "x.csv")


def test_validate_checks_s3_with_credentials(aws, tmp_path):
    config = _demo(tmp_path, input_uri="s3://demo-bucket/data/missing.csv")
    result = _invoke("validate", str(config))
    assert result.exit_code == 2 and "does not exist" in result.output
    doc = read_document(config)
    doc["data_collection"]["input_uri"] = "s3://demo-bucket/data/train.csv"
    write_document(config, doc)
    result = _invoke("validate", str(config))
    assert result.exit_code == 0 and "warning" not in result.output


def test_probe_without_credentials_says_not_checked(monkeypatch, tmp_path):
    from runners.s3check import probe_s3
    from wizard.datacheck import NoAwsAccess

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr("botocore.credentials.ContainerProvider.load", lambda self: None)
    with pytest.raises(NoAwsAccess):
        probe_s3("demo-bucket", "data/train.csv")
