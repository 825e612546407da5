"""The request-shape checker the scaffold ships (tests/aws_shapes.py), on small definitions:
each kind of mistake is found against botocore's own SageMaker model, and what only exists
while the pipeline runs is noted, not guessed."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from exporters.definition import Problem, image_uris, region_problems
from exporters.packaged import AWS_SHAPES, CODE_DIR


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("aws_shapes_under_test", AWS_SHAPES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


shapes = _load()
ROLE = "arn:aws:iam::111122223333:role/R"

TRAINING = {
    "Name": "Train",
    "Type": "Training",
    "Arguments": {
        "AlgorithmSpecification": {
            "TrainingImage": "685385470294.dkr.ecr.eu-west-1.amazonaws.com/xgb:1",
            "TrainingInputMode": "File",
        },
        "OutputDataConfig": {
            "S3OutputPath": {"Std:Join": {"On": "/", "Values": ["s3://b/p", "models"]}}
        },
        "ResourceConfig": {
            "InstanceType": {"Get": "Parameters.TrainingInstanceType"},
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
        },
        "RoleArn": ROLE,
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "HyperParameters": {"num_round": "100", "eta": {"Get": "Parameters.Eta"}},
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": {"Get": "Steps.Prepare.ProcessingOutputConfig.Outputs['t']"},
                    }
                },
            }
        ],
    },
}
CONDITION = {
    "Name": "Check",
    "Type": "Condition",
    "Arguments": {
        "Conditions": [
            {
                "Type": "GreaterThanOrEqualTo",
                "LeftValue": {
                    "Std:JsonGet": {
                        "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
                        "Path": "binary_classification_metrics.auc.value",
                    }
                },
                "RightValue": 0.8,
            }
        ],
        "IfSteps": [
            {
                "Name": "Transform",
                "Type": "Transform",
                "Arguments": {
                    "ModelName": {"Get": "Steps.CreateModel.ModelName"},
                    "TransformInput": {
                        "DataSource": {
                            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}
                        },
                        "ContentType": "text/csv",
                    },
                    "TransformOutput": {"S3OutputPath": "s3://b/out"},
                    "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
                    "DataProcessing": {"InputFilter": "$[1:]", "JoinSource": "None"},
                },
            }
        ],
        "ElseSteps": [],
    },
}
DEFINITION = {
    "Version": "2020-12-01",
    "Parameters": [
        {"Name": "TrainingInstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"},
        {"Name": "Eta", "Type": "Float", "DefaultValue": 0.2},
    ],
    "Steps": [TRAINING, CONDITION],
}


def _check(definition: dict) -> list[str]:
    return shapes.check_definition(json.dumps(definition), "churn", ROLE).problems


def _mutated(change) -> dict:
    definition = copy.deepcopy(DEFINITION)
    change(definition)
    return definition


def test_a_sound_definition_passes_and_notes_what_it_cannot_check() -> None:
    report = shapes.check_definition(json.dumps(DEFINITION), "churn", ROLE)
    assert report.problems == []
    assert any("Steps.Prepare" in note for note in report.notes)
    assert any("Steps.CreateModel.ModelName" in note for note in report.notes)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # an instance type that does not exist, through the parameter's default
        (
            lambda d: d["Parameters"][0].update(DefaultValue="ml.m5.huge"),
            "'ml.m5.huge' is not one of TrainingInstanceType",
        ),
        # an unknown key
        (
            lambda d: d["Steps"][0]["Arguments"]["ResourceConfig"].update(VolumeSizeGB=30),
            "ResourceConfig.VolumeSizeGB: ResourceConfig has no member 'VolumeSizeGB'",
        ),
        # a required member missing
        (
            lambda d: d["Steps"][0]["Arguments"].pop("OutputDataConfig"),
            "requires 'OutputDataConfig'",
        ),
        # a pattern: an S3 URI built by Join
        (
            lambda d: d["Steps"][0]["Arguments"]["OutputDataConfig"].update(
                S3OutputPath={"Std:Join": {"On": "/", "Values": ["b", "models"]}}
            ),
            "'b/models' does not match",
        ),
        # a range
        (
            lambda d: d["Steps"][0]["Arguments"]["StoppingCondition"].update(MaxRuntimeInSeconds=0),
            "0 is below the minimum 1",
        ),
        # a length
        (
            lambda d: d["Steps"][0]["Arguments"]["InputDataConfig"][0].update(ChannelName="c" * 65),
            "65 characters, at most 64 allowed",
        ),
        # an enum inside a condition's branch
        (
            lambda d: d["Steps"][1]["Arguments"]["IfSteps"][0]["Arguments"][
                "DataProcessing"
            ].update(JoinSource="Both"),
            "'Both' is not one of JoinSource",
        ),
        # a transform filter that is not a JSONPath
        (
            lambda d: d["Steps"][1]["Arguments"]["IfSteps"][0]["Arguments"][
                "DataProcessing"
            ].update(InputFilter="[1:]"),
            "'[1:]' is not a JSONPath",
        ),
        # a type: a number where SageMaker wants text (hyperparameters are strings)
        (
            lambda d: d["Steps"][0]["Arguments"]["HyperParameters"].update(num_round=100),
            "must be text",
        ),
    ],
)
def test_each_mistake_is_found(change, expected: str) -> None:
    problems = _check(_mutated(change))
    assert any(expected in p for p in problems), problems


def test_parameter_defaults_given_where_text_is_wanted_are_passed_as_text() -> None:
    # Eta (a Float parameter) reaches HyperParameters, a map of strings: SageMaker passes it
    # as "0.2", which is fine; the check must not call it a type error.
    assert not [p for p in _check(DEFINITION) if "HyperParameters" in p]


def test_the_create_pipeline_request_goes_through_botocore_validation() -> None:
    report = shapes.check_create_pipeline(json.dumps(DEFINITION), "churn", "arn:short")
    assert report.problems and "RoleArn" in report.problems[0]
    too_long = shapes.check_create_pipeline(json.dumps(DEFINITION), "x" * 300, ROLE)
    assert too_long.problems and "PipelineName" in too_long.problems[0]


def test_json_get_paths_are_checked_against_evaluate_py_s_own_report() -> None:
    report = shapes.sample_evaluation_report(CODE_DIR / "evaluate.py", "binary_classification")
    good = shapes.check_json_gets(DEFINITION, {"EvaluationReport": report})
    assert good.problems == []
    typo = copy.deepcopy(DEFINITION)
    typo["Steps"][1]["Arguments"]["Conditions"][0]["LeftValue"]["Std:JsonGet"]["Path"] = (
        "binary_classification_metrics.auc.val"
    )
    bad = shapes.check_json_gets(typo, {"EvaluationReport": report})
    assert bad.problems == [
        "step Check: JsonGet path 'binary_classification_metrics.auc.val' is not in "
        "EvaluationReport ('val' is missing)"
    ]
    for problem_type in ("regression", "multiclass_classification"):
        sample = shapes.sample_evaluation_report(CODE_DIR / "evaluate.py", problem_type)
        assert isinstance(
            next(iter(sample.values()))["accuracy" if "class" in problem_type else "rmse"]["value"],
            float,
        )


def test_hyperparameters_are_checked_against_the_algorithm(tmp_path: Path) -> None:
    accepted = {"Train": shapes.XGBOOST_HYPERPARAMETERS}
    assert shapes.check_hyperparameters(DEFINITION, accepted).problems == []
    typo = copy.deepcopy(DEFINITION)
    typo["Steps"][0]["Arguments"]["HyperParameters"]["num_rounds"] = "10"
    assert shapes.check_hyperparameters(typo, accepted).problems == [
        "step Train: hyperparameter 'num_rounds' is not one the algorithm accepts"
    ]
    # script mode: the options of the training script, read from its argparse calls
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "train.py").write_bytes((CODE_DIR / "train.py").read_bytes())
    script = shapes.accepted_hyperparameters(tmp_path, {"Train": "train.py"})["Train"]
    assert {"n_estimators", "max_depth", "C"} <= script and "num_round" not in script


def test_images_from_another_region_are_refused() -> None:
    images = list(image_uris(DEFINITION))
    assert images == ["685385470294.dkr.ecr.eu-west-1.amazonaws.com/xgb:1"]
    assert region_problems(images, "eu-west-1") == []
    [problem] = region_problems(images, "eu-central-1")
    assert isinstance(problem, Problem) and "is in eu-west-1" in problem.message
