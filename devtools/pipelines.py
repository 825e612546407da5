"""A pipeline as SageMaker stores it, that this tool did not plan: for the tests of the graph
drawn from a definition, the screenshots and the demo.

``BRANCHING`` is the definition document of an eight-step pipeline whose edges come in all
three ways a definition states them: ``DependsOn`` (the baseline after the data), property
references (``{"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}``, a ``Std:JsonGet`` on
the evaluation's property file) and a Condition's ``IfSteps``/``ElseSteps``.
``branching_steps`` scripts an execution of it (the Fail step on the else branch never runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .scripted import ScriptedStep, sequential_steps


def _get(path: str) -> dict[str, str]:
    return {"Get": path}


BRANCHING: Final[dict[str, Any]] = {
    "Version": "2020-12-01",
    "Parameters": [
        {"Name": "InputData", "Type": "String", "DefaultValue": "s3://demo-bucket/raw/churn.csv"},
        {"Name": "TrainInstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"},
        {"Name": "AucThreshold", "Type": "Float", "DefaultValue": 0.8},
    ],
    "Steps": [
        {
            "Name": "PrepareData",
            "Type": "Processing",
            "Arguments": {
                "ProcessingInputs": [
                    {"InputName": "raw", "S3Input": {"S3Uri": _get("Parameters.InputData")}}
                ]
            },
        },
        {
            "Name": "Train",
            "Type": "Training",
            "Arguments": {
                "ResourceConfig": {"InstanceType": _get("Parameters.TrainInstanceType")},
                "InputDataConfig": [
                    {
                        "ChannelName": "train",
                        "DataSource": {
                            "S3DataSource": {
                                "S3Uri": _get(
                                    "Steps.PrepareData.ProcessingOutputConfig.Outputs['train']"
                                    ".S3Output.S3Uri"
                                )
                            }
                        },
                    }
                ],
            },
        },
        {
            "Name": "DataQualityBaseline",
            "Type": "QualityCheck",
            "DependsOn": ["PrepareData"],
            "Arguments": {},
        },
        {
            "Name": "Evaluate",
            "Type": "Processing",
            "Arguments": {
                "ProcessingInputs": [
                    {
                        "InputName": "model",
                        "S3Input": {"S3Uri": _get("Steps.Train.ModelArtifacts.S3ModelArtifacts")},
                    },
                    {
                        "InputName": "test",
                        "S3Input": {
                            "S3Uri": _get(
                                "Steps.PrepareData.ProcessingOutputConfig.Outputs['test']"
                                ".S3Output.S3Uri"
                            )
                        },
                    },
                ]
            },
            "PropertyFiles": [{"PropertyFileName": "EvaluationReport", "OutputName": "evaluation"}],
        },
        {
            "Name": "CheckMetric",
            "Type": "Condition",
            "Arguments": {
                "Conditions": [
                    {
                        "Type": "GreaterThanOrEqualTo",
                        "LeftValue": {
                            "Std:JsonGet": {
                                "PropertyFile": _get(
                                    "Steps.Evaluate.PropertyFiles.EvaluationReport"
                                ),
                                "Path": "metrics.auc.value",
                            }
                        },
                        "RightValue": _get("Parameters.AucThreshold"),
                    }
                ],
                "IfSteps": [
                    {
                        "Name": "RegisterModel",
                        "Type": "RegisterModel",
                        "Arguments": {
                            "InferenceSpecification": {
                                "Containers": [
                                    {
                                        "ModelDataUrl": _get(
                                            "Steps.Train.ModelArtifacts.S3ModelArtifacts"
                                        )
                                    }
                                ]
                            }
                        },
                    },
                    {
                        "Name": "CreateModel",
                        "Type": "Model",
                        "Arguments": {
                            "PrimaryContainer": {
                                "ModelDataUrl": _get("Steps.Train.ModelArtifacts.S3ModelArtifacts")
                            }
                        },
                    },
                    {
                        "Name": "BatchTransform",
                        "Type": "Transform",
                        "Arguments": {"ModelName": _get("Steps.CreateModel.ModelName")},
                    },
                ],
                "ElseSteps": [
                    {
                        "Name": "MetricBelowThreshold",
                        "Type": "Fail",
                        "Arguments": {"ErrorMessage": "AUC below the threshold"},
                    }
                ],
            },
        },
    ],
}

BRANCHING_LEVELS: Final = [
    ["PrepareData"],
    ["Train", "DataQualityBaseline"],
    ["Evaluate"],
    ["CheckMetric"],
    ["RegisterModel", "CreateModel", "MetricBelowThreshold"],
    ["BatchTransform"],
]
"""The levels a correct reading of ``BRANCHING`` gives."""

BRANCHING_PARAMETERS: Final = (
    ("InputData", "s3://demo-bucket/raw/churn-2026-11.csv"),
    ("TrainInstanceType", "ml.m5.2xlarge"),
    ("AucThreshold", "0.85"),
)
"""The values an execution of ``BRANCHING`` is started with."""

_RUNS: Final = [
    ("PrepareData", "Processing"),
    ("Train", "Training"),
    ("DataQualityBaseline", "Processing"),
    ("Evaluate", "Processing"),
    ("CheckMetric", "Condition"),
    ("RegisterModel", "RegisterModel"),
    ("CreateModel", "Model"),
    ("BatchTransform", "Transform"),
]


def branching_steps(
    overrides: Mapping[str, Mapping[str, Any]] | None = None, **timing: Any
) -> list[ScriptedStep]:
    """An execution of ``BRANCHING`` that takes the if branch, one step after another."""
    return sequential_steps(_RUNS, overrides=overrides, **timing)
