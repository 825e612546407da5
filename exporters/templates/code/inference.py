"""Serve the model on raw records: SageMaker's scikit-learn container runs this file.

The container imports it when the model is deployed to an endpoint (real-time, serverless
or multi-model) or used in a batch transform job, and calls four functions:

    model_fn(model_dir)                  load once, at start-up
    input_fn(body, content_type)         keep the request as it came
    predict_fn(request, model)           records -> answers (serving.py does the work)
    output_fn(answers, accept)           answers -> response body

What it does depends on ``SM_WIZARD_SERVING_STAGE`` (set in the model's container
definition):

    whole     (unset) a scikit-learn model: model.tar.gz holds model.joblib,
              features.joblib and this code; raw records in, answers out
    features  the first container of an inference pipeline (built-in XGBoost):
              raw records in, model-ready CSV rows out, for the algorithm's container
    answers   the last container of that pipeline: the algorithm's scores in, answers
              in your labels out

Requests and answers are described in serving.py.
"""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import serving

STAGES = ("whole", "features", "answers")


def stage() -> str:
    value = os.environ.get("SM_WIZARD_SERVING_STAGE", "whole")
    if value not in STAGES:
        raise ValueError(f"SM_WIZARD_SERVING_STAGE={value!r}; use one of {', '.join(STAGES)}")
    return value


def model_fn(model_dir: str) -> dict[str, Any]:
    loaded: dict[str, Any] = {"stage": stage(), "bundle": serving.load_bundle(model_dir)}
    if loaded["stage"] == "whole":
        import joblib

        loaded["model"] = joblib.load(os.path.join(model_dir, "model.joblib"))
    return loaded


def input_fn(body, content_type: str = serving.CSV):
    # Reading records needs the columns, which only the loaded model knows: predict_fn reads.
    return body, content_type


def predict_fn(request, model: dict[str, Any]):
    body, content_type = request
    bundle = model["bundle"]
    if model["stage"] == "answers":
        return serving.answers(serving.read_scores(body, content_type), bundle)
    matrix = serving.to_features(serving.read_records(body, content_type, bundle), bundle)
    if model["stage"] == "features":
        return matrix
    estimator = model["model"]
    if bundle["problem_type"] != "regression" and hasattr(estimator, "predict_proba"):
        return serving.answers(estimator.predict_proba(matrix), bundle)
    return serving.answers(estimator.predict(matrix), bundle)


def output_fn(prediction, accept: str = serving.CSV):
    if isinstance(prediction, list):
        return serving.encode(prediction, accept)
    # model-ready rows for the next container, always CSV (what built-in XGBoost reads)
    return serving.features_csv(prediction), serving.CSV
