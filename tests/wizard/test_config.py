"""Validation rules of the config models, checked through the public validator so each
test also checks that the message names the field by its TOML path."""

from __future__ import annotations

import re

import pytest

from wizard.config.fields import check_schedule, parse_s3_uri
from wizard.validation import validate_document, validate_section


def problems_for(doc: dict) -> dict[str, str]:
    config, problems = validate_document(doc)
    assert config is None, "expected the document to be invalid"
    return {p.path: p.message for p in problems}


def test_demo_template_is_valid(demo_doc):
    config, problems = validate_document(demo_doc)
    assert problems == []
    assert config is not None and config.project.name == "breast-cancer-demo"


@pytest.mark.parametrize(
    "name",
    ["-lead", "trail-", "has space", "under_score", "a" * 33, "", "dot.name", "ünïcode", "a--b"],
)
def test_project_name_follows_sagemaker_rules(demo_doc, name):
    demo_doc["project"]["name"] = name
    assert "project.name" in problems_for(demo_doc)


@pytest.mark.parametrize("name", ["a", "churn-model", "A1-b2-c3", "x" * 32])
def test_project_name_accepts_valid_names(demo_doc, name):
    demo_doc["project"]["name"] = name
    assert validate_document(demo_doc)[1] == []


# CloudTrail's rule for trail names: letters, digits, '.', '_' and '-', starting and ending
# with a letter or digit, no two of '.', '_', '-' side by side, 3-128 characters.
CLOUDTRAIL_NAME = re.compile(r"^[A-Za-z0-9](?:[._-]?[A-Za-z0-9])*$")


@pytest.mark.parametrize("name", ["a--b", "churn---model", "x-" * 8 + "-y"])
def test_project_name_rule_and_message_agree_on_doubled_hyphens(demo_doc, name):
    """The message says "single hyphens", and the rule holds to it: the name also names the
    CloudTrail trail ``<name>-sagemaker``, which AWS refuses with adjacent hyphens."""
    demo_doc["project"]["name"] = name
    message = problems_for(demo_doc)["project.name"]
    assert "single hyphens" in message and "doubled hyphens" in message
    assert not CLOUDTRAIL_NAME.match(f"{name}-sagemaker")


@pytest.mark.parametrize("name", ["a", "churn-model", "A1-b2-c3", "x" * 32, "a-b-c-d-e"])
def test_every_accepted_project_name_makes_a_valid_trail_name(demo_doc, name):
    demo_doc["project"]["name"] = name
    assert validate_document(demo_doc)[1] == []
    trail = f"{name}-sagemaker"
    assert CLOUDTRAIL_NAME.match(trail) and 3 <= len(trail) <= 128


def test_model_package_group_follows_sagemaker_pattern(demo_doc):
    """The group name keeps SageMaker's own pattern (doubled hyphens allowed) and its
    message says no more than that."""
    demo_doc["deployment"]["model_package_group"] = "churn--models"
    assert validate_document(demo_doc)[1] == []
    demo_doc["deployment"]["model_package_group"] = "churn_models"
    message = problems_for(demo_doc)["deployment.model_package_group"]
    assert "single" not in message and "letters, digits and hyphens" in message


def test_model_package_group_length(demo_doc):
    demo_doc["deployment"]["model_package_group"] = "g" * 64
    assert "63" in problems_for(demo_doc)["deployment.model_package_group"]


@pytest.mark.parametrize(
    "uri",
    [
        "s3://",
        "s3://ab/key",
        "s3://Bad_Bucket/x",
        "http://example.com/x.csv",
        "s3://b..b/x",
        "s3://bucket/key with space",
        "s3://192.168.1.1/x",
    ],
)
def test_bad_s3_uris(uri):
    with pytest.raises(ValueError):
        parse_s3_uri(uri)


def test_input_uri_accepts_s3_and_local_paths(demo_doc):
    for uri in ("s3://my-bucket/data/train.csv", "data/x.csv", "/abs/path/data.csv"):
        demo_doc["data_collection"]["input_uri"] = uri
        assert validate_document(demo_doc)[1] == []
    demo_doc["data_collection"]["input_uri"] = "ftp://host/x.csv"
    assert "data_collection.input_uri" in problems_for(demo_doc)


@pytest.mark.parametrize(
    "arn,ok",
    [
        ("arn:aws:iam::123456789012:role/SageMakerRole", True),
        ("arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole", True),
        ("arn:aws-cn:iam::123456789012:role/x", True),
        ("arn:aws:iam::12345:role/x", False),
        ("arn:aws:iam::123456789012:user/x", False),
        ("role/x", False),
    ],
)
def test_role_arn(demo_doc, arn, ok):
    demo_doc["project"]["role_arn"] = arn
    assert (validate_document(demo_doc)[1] == []) is ok


def test_instance_type_must_suit_the_job_kind(demo_doc):
    demo_doc["training"]["instance_type"] = "ml.t3.medium"  # hosting only
    message = problems_for(demo_doc)["training.instance_type"]
    assert "training jobs" in message and "ml.m5.large" in message


def test_instance_count_range(demo_doc):
    demo_doc["training"]["instance_count"] = 0
    assert "training.instance_count" in problems_for(demo_doc)


def test_script_mode_trains_on_one_instance(demo_doc):
    demo_doc["training"] |= {"algorithm": "sklearn_linear", "instance_count": 2}
    assert "one instance" in problems_for(demo_doc)["training.instance_count"]


def test_spot_needs_max_wait(demo_doc):
    demo_doc["training"] |= {"use_spot": True, "max_wait_seconds": 60}
    assert "max_wait_seconds" in problems_for(demo_doc)["training.max_wait_seconds"]
    demo_doc["training"]["max_wait_seconds"] = 7200
    assert validate_document(demo_doc)[1] == []


def test_unknown_hyperparameter_is_named(demo_doc):
    demo_doc["training"]["hyperparameters"] = {"depth": 3}
    assert "training.hyperparameters.depth" in problems_for(demo_doc)


def test_split_ratios_sum_to_one(demo_doc):
    demo_doc["data_preparation"] |= {
        "train_ratio": 0.8,
        "validation_ratio": 0.15,
        "test_ratio": 0.15,
    }
    assert "add up to 1" in problems_for(demo_doc)["data_preparation.test_ratio"]


def _tuning(**overrides) -> dict:
    base = {
        "enabled": True,
        "strategy": "Bayesian",
        "objective_metric": "validation:auc",
        "max_jobs": 6,
        "max_parallel_jobs": 2,
        "ranges": [{"name": "eta", "type": "continuous", "min_value": 0.05, "max_value": 0.5}],
    }
    return base | overrides


def test_tuning_valid(demo_doc):
    demo_doc["tuning"] = _tuning()
    assert validate_document(demo_doc)[1] == []


def test_tuning_budget(demo_doc):
    demo_doc["tuning"] = _tuning(max_jobs=2, max_parallel_jobs=3)
    assert "tuning.max_parallel_jobs" in problems_for(demo_doc)


def test_range_min_below_max(demo_doc):
    demo_doc["tuning"] = _tuning(
        ranges=[{"name": "eta", "type": "continuous", "min_value": 0.5, "max_value": 0.1}]
    )
    assert "smaller" in problems_for(demo_doc)["tuning.ranges[0].min_value"]


def test_logarithmic_needs_positive_min(demo_doc):
    demo_doc["tuning"] = _tuning(
        ranges=[
            {
                "name": "gamma",
                "type": "continuous",
                "min_value": 0,
                "max_value": 5,
                "scaling": "Logarithmic",
            }
        ]
    )
    assert "min_value > 0" in problems_for(demo_doc)["tuning.ranges[0].min_value"]


def test_grid_needs_categorical(demo_doc):
    demo_doc["tuning"] = _tuning(strategy="Grid")
    assert "tuning.strategy" in problems_for(demo_doc)


def test_objective_metric_must_be_reported(demo_doc):
    demo_doc["tuning"] = _tuning(objective_metric="validation:rmse")
    message = problems_for(demo_doc)["tuning.objective_metric"]
    assert "validation:auc" in message


def test_range_name_must_be_a_hyperparameter(demo_doc):
    demo_doc["tuning"] = _tuning(
        ranges=[{"name": "n_estimators", "type": "integer", "min_value": 10, "max_value": 50}]
    )
    assert "tuning.ranges[0].name" in problems_for(demo_doc)


def test_metric_threshold_bounds(demo_doc):
    demo_doc["evaluation"]["threshold"] = 1.5
    assert "between 0 and 1" in problems_for(demo_doc)["evaluation.threshold"]


def test_metric_must_suit_problem(demo_doc):
    demo_doc["evaluation"]["metric"] = "rmse"
    demo_doc["evaluation"]["threshold"] = 3.0
    assert "evaluation.metric" in problems_for(demo_doc)


def test_approval_status_values(demo_doc):
    demo_doc["deployment"]["approval_status"] = "Maybe"
    message = problems_for(demo_doc)["deployment.approval_status"]
    assert "PendingManualApproval" in message


@pytest.mark.parametrize(
    "expr", ["cron(0 3 * * ? *)", "cron(0/15 * ? * MON-FRI *)", "rate(1 day)", "rate(7 days)", ""]
)
def test_valid_schedules(expr):
    assert check_schedule(expr) == expr


@pytest.mark.parametrize(
    "expr",
    [
        "cron(0 3 * * * *)",
        "cron(0 3 * *)",
        "rate(2 day)",
        "rate(1 days)",
        "daily",
        "cron(61 3 * * ? *)",
        "rate(0 days)",
    ],
)
def test_invalid_schedules(expr):
    with pytest.raises(ValueError):
        check_schedule(expr)


def test_scheduled_retraining_needs_a_schedule(demo_doc):
    demo_doc["profile"]["retraining"] = "scheduled"
    assert "orchestration.schedule" in problems_for(demo_doc)


def test_unknown_keys_rejected_by_name(demo_doc):
    demo_doc["training"]["instanse_type"] = "ml.m5.large"
    demo_doc["extra_table"] = {}
    problems = problems_for(demo_doc)
    assert "instanse_type" in problems["training.instanse_type"]
    assert "extra_table" in problems


def test_services_must_belong_to_the_stage(demo_doc):
    demo_doc["training"]["services"] = ["training-jobs", "kinesis"]
    assert "kinesis" in problems_for(demo_doc)["training.services"]


def test_clarify_needs_a_facet(demo_doc):
    demo_doc["evaluation"]["services"] = ["clarify"]
    assert "evaluation.bias_facet" in problems_for(demo_doc)


def test_code_like_strings_are_rejected(demo_doc):
    demo_doc["data_collection"]["target_column"] = "x'); __import__('os').system('id"
    assert "data_collection.target_column" in problems_for(demo_doc)
    demo_doc["data_collection"]["target_column"] = "target"
    demo_doc["project"]["description"] = 'line\nbreak "quoted"'
    assert "project.description" in problems_for(demo_doc)


def test_type_errors_say_what_was_expected(demo_doc):
    demo_doc["training"]["max_runtime_seconds"] = "an hour"
    assert "whole number" in problems_for(demo_doc)["training.max_runtime_seconds"]


def test_validate_section_alone():
    model, problems = validate_section("profile", {"data_size_gb": -1})
    assert model is None and problems[0].path == "profile.data_size_gb"
    model, problems = validate_section("profile", {})
    assert model is not None and problems == []
