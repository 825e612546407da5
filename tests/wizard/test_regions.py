"""The region/image table against the SageMaker SDK's shipped image-URI JSON, and the rules
AWS applies that validation now knows."""

from __future__ import annotations

import copy
import importlib.util
import json
from importlib import resources
from pathlib import Path

import pytest

from wizard.regions import IMAGE_SPECS, load_region_table
from wizard.templates import template_document
from wizard.validation import validate_document, validate_section

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sagemaker") is None, reason="needs the SageMaker SDK's JSON"
)


def _sdk_regions(framework: str, scopes: tuple[str, ...], version: str) -> set[str]:
    config = json.loads(
        (resources.files("sagemaker.core") / "image_uri_config" / f"{framework}.json").read_text()
    )
    found: set[str] | None = None
    for scope in scopes:
        table = config[scope] if scope else config
        regions = set(table["versions"][version]["registries"])
        found = regions if found is None else found & regions
    return found or set()


@pytest.mark.parametrize("image", list(IMAGE_SPECS))
def test_table_matches_the_sdk(image):
    spec = IMAGE_SPECS[image]
    table = load_region_table()
    assert table.regions[image] == _sdk_regions(spec.framework, spec.scopes, spec.version), (
        "regenerate with: .venv/bin/python scripts/build_region_table.py"
    )
    assert table.as_of


@pytest.mark.parametrize("image", list(IMAGE_SPECS))
def test_accounts_and_repository_match_the_sdk(image):
    """The execution role may pull only from these (issue 28): each region's account and
    the repository as the SDK's image-URI JSON has them, for every scope the Plan uses."""
    spec = IMAGE_SPECS[image]
    config = json.loads(
        (
            resources.files("sagemaker.core") / "image_uri_config" / f"{spec.framework}.json"
        ).read_text()
    )
    table = load_region_table()
    assert set(table.accounts[image]) == table.regions[image]
    for scope in spec.scopes:
        entry = (config[scope] if scope else config)["versions"][spec.version]
        assert entry["repository"] == table.repositories[image]
        for region, account in table.accounts[image].items():
            assert entry["registries"][region] == account, (image, region)


def test_versions_match_the_exporter():
    from exporters import render

    assert IMAGE_SPECS["sklearn"].version == render.SKLEARN_VERSION
    assert IMAGE_SPECS["xgboost"].version == render.XGBOOST_VERSION
    assert IMAGE_SPECS["spark"].version == render.SPARK_VERSION


def test_table_file_is_regenerated_byte_for_byte():
    import sys

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "scripts"))
    try:
        import build_region_table
    finally:
        sys.path.pop(0)
    text = (root / "wizard" / "data" / "regions.toml").read_text("utf-8")
    assert build_region_table.render(load_region_table().as_of) == text


@pytest.mark.parametrize("region", ["ap-southeast-4", "ca-west-1", "ap-south-2"])
def test_region_without_model_monitor_is_refused(region):
    doc = copy.deepcopy(template_document("demo"))
    doc["evaluation"]["services"] = ["model-monitor"]
    doc["project"]["region"] = region
    config, problems = validate_document(doc)
    assert config is None
    (problem,) = problems
    assert problem.path == "project.region" and "Model Monitor" in problem.message
    doc["evaluation"]["services"] = []
    assert validate_document(doc)[0] is not None


def test_clarify_region():
    doc = copy.deepcopy(template_document("demo"))
    doc["evaluation"] = {"services": ["clarify"], "metric": "auc", "bias_facet": "mean_radius"}
    missing = sorted(
        set(load_region_table().regions["sklearn"]) - set(load_region_table().regions["clarify"])
    )
    assert missing, "every region has Clarify now: pick another test"
    doc["project"]["region"] = missing[0]
    _, problems = validate_document(doc)
    assert problems and "Clarify" in problems[0].message


@pytest.mark.parametrize("deploy", ["serverless-inference", "multi-model-endpoints"])
def test_model_monitor_refused_for_serverless_and_multi_model(deploy):
    doc = copy.deepcopy(template_document("demo"))
    doc["deployment"]["services"] = ["model-registry", deploy]
    doc["monitoring"] = {"services": ["model-monitor", "cloudwatch"]}
    _, problems = validate_document(doc)
    (problem,) = [p for p in problems if p.path == "monitoring.services"]
    assert "no data capture" in problem.message
    doc["deployment"]["services"].append("endpoints")
    assert not [p for p in validate_document(doc)[1] if p.path == "monitoring.services"]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3:/bucket data.csv", "not a well-formed S3 URI"),
        ("S3://bucket/data.csv", "not a well-formed S3 URI"),
        ("s3://bucket/my data.csv", "has a space"),
        ("s3:///data.csv", "has no bucket"),
    ],
)
def test_malformed_s3_uris(uri, expected):
    _, problems = validate_section("data_collection", {"input_uri": uri, "target_column": "t"})
    (problem,) = problems
    assert problem.path == "data_collection.input_uri" and expected in problem.message


def test_bucket_with_s3_scheme_says_drop_it():
    _, problems = validate_section("project", {"name": "p", "bucket": "s3://my-bucket/"})
    assert "drop the 's3://'" in problems[0].message and "'my-bucket'" in problems[0].message
