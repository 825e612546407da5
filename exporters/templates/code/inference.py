"""Serve the scikit-learn model: how SageMaker loads it and turns requests into predictions.

SageMaker's scikit-learn container imports this file when the model is deployed to an
endpoint or used in a batch transform job, and calls four functions:

    model_fn(model_dir)                  load the model once, at start-up
    input_fn(body, content_type)         request body -> feature rows
    predict_fn(rows, model)              feature rows -> predictions
    output_fn(predictions, accept)       predictions -> response body

Requests are CSV rows of features in the order features.py wrote them, without the label
and without a header: exactly the test file with its first column removed (a batch
transform's ``input_filter="$[1:]"`` does that). Each response line holds one prediction:
the probability of class 1 for two classes (as the built-in XGBoost answers), the class
for several classes, the value for regression.
"""

from __future__ import annotations

import io
import json
import os

import joblib
import numpy as np


def model_fn(model_dir: str):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def input_fn(body, content_type: str = "text/csv") -> np.ndarray:
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if content_type == "text/csv":
        rows = np.loadtxt(io.StringIO(body), delimiter=",", dtype=float, ndmin=2)
        return rows
    if content_type == "application/json":
        data = json.loads(body)
        rows = data.get("instances", data) if isinstance(data, dict) else data
        return np.asarray(rows, dtype=float).reshape(len(rows), -1)
    raise ValueError(f"unsupported content type {content_type!r}; send text/csv")


def predict_fn(rows: np.ndarray, model) -> np.ndarray:
    classes = getattr(model, "classes_", None)
    if classes is not None and len(classes) == 2 and hasattr(model, "predict_proba"):
        return model.predict_proba(rows)[:, 1]
    return model.predict(rows)


def output_fn(predictions: np.ndarray, accept: str = "text/csv"):
    if accept == "application/json":
        return json.dumps({"predictions": np.asarray(predictions).tolist()}), accept
    lines = "\n".join(f"{value:.10g}" for value in np.asarray(predictions, dtype=float))
    return lines + "\n", "text/csv"
