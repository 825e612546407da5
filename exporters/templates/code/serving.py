"""Raw records in, answers out: what every served copy of the model does with a request.

inference.py (the serving container's entry point) calls these functions; so does
``sm-wizard predict`` on your machine. The fitted steps come from features.joblib, which
features.py wrote: prepare.py's row fixes (rowfixes.py), the scaling and encoding, the
labels.

Requests: records with the columns of your data, the label column left out or ignored.

    text/csv          one record per line; the first line may name the columns (it does
                      if any of its cells is a column name; then their order is free and
                      other columns are ignored), else every line has the columns in your
                      data's order, with or without the label
    application/json  {"instances": [{"column": value, ...}, ...]}, a list of such
                      records, or one record

Answers, one per record, in the order sent:

    text/csv          classification: the label, then each class's probability in the
                      order of the labels (sorted), e.g. ``M,0.0213,0.9787``
                      regression: the value
    application/json  {"predictions": [{"label": "M", "probabilities": {"B": 0.02,
                      "M": 0.98}}, ...]} or {"predictions": [{"value": 12.5}, ...]}
"""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

import numpy as np
import pandas as pd
import rowfixes

CSV = "text/csv"
JSON = "application/json"
BUNDLE_FILE = "features.joblib"
SHOWN = 5
"""How many bad values an error message quotes."""


class RequestError(ValueError):
    """A request the model cannot answer; the message says what to change."""


# --------------------------------------------------------------------------- loading


def load_bundle(model_dir: str) -> dict[str, Any]:
    import joblib

    path = os.path.join(model_dir, BUNDLE_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no {BUNDLE_FILE} in {model_dir}: features.py writes it")
    return joblib.load(path)


def expected_columns(bundle: dict[str, Any]) -> list[str]:
    """The columns a record carries: your data's columns without the label."""
    return list(bundle["row_fixes"]["columns"])


def needed_columns(bundle: dict[str, Any]) -> list[str]:
    """The columns a record must carry (dropped columns may be left out)."""
    dropped = set(bundle["row_fixes"].get("drop", []))
    return [c for c in expected_columns(bundle) if c not in dropped]


# --------------------------------------------------------------------------- requests


def _text(body: Any) -> str:
    if isinstance(body, bytes | bytearray):
        try:
            return bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RequestError("the request is not UTF-8 text") from None
    return str(body)


def _media_type(content_type: str | None) -> str:
    return (content_type or CSV).split(";")[0].strip().lower()


def read_records(body: Any, content_type: str | None, bundle: dict[str, Any]) -> pd.DataFrame:
    """The request's records as a table with your data's column names."""
    kind = _media_type(content_type)
    text = _text(body)
    if kind == CSV:
        rows = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
        frame = _from_rows(rows, bundle)
    elif kind == JSON:
        try:
            data = json.loads(text)
        except ValueError as error:
            raise RequestError(f"the request is not JSON: {error}") from None
        if isinstance(data, dict):
            data = data.get("instances", [data])
        if not isinstance(data, list):
            raise RequestError('send {"instances": [{"column": value, ...}, ...]}')
        if all(isinstance(item, dict) for item in data):
            frame = pd.DataFrame.from_records(data)
        elif all(isinstance(item, list) for item in data):
            frame = _from_rows(data, bundle, has_header=False)
        else:
            raise RequestError("each instance must be a record {column: value} or a list of values")
    else:
        raise RequestError(f"cannot read {kind!r}; send {CSV} or {JSON}")
    if frame.empty:
        raise RequestError("the request holds no records")
    missing = [c for c in needed_columns(bundle) if c not in frame.columns]
    if missing:
        raise RequestError(
            f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            f"(a record needs {', '.join(needed_columns(bundle))})"
        )
    kept = [c for c in expected_columns(bundle) if c in frame.columns]
    return frame[kept].reset_index(drop=True)


def _from_rows(rows: list[list], bundle: dict[str, Any], has_header: bool | None = None):
    """CSV-like rows: the first names the columns if any of its cells is a column name."""
    if not rows:
        return pd.DataFrame()
    first = [str(cell).strip() for cell in rows[0]]
    if has_header is None:
        names = {*expected_columns(bundle), bundle["target"]}
        has_header = any(cell in names for cell in first)
    if has_header:
        names, rows = first, rows[1:]
    else:
        layout = bundle["row_fixes"].get("layout") or expected_columns(bundle)
        without_label = expected_columns(bundle)
        width = len(rows[0])
        if width == len(layout):
            names = list(layout)
        elif width == len(without_label):
            names = without_label
        else:
            raise RequestError(
                f"a record without a header line has {len(without_label)} values (your "
                f"data's columns without the label) or {len(layout)} (with it); the first "
                f"has {width}. Or name the columns in a first line."
            )
    bad = [i for i, row in enumerate(rows, start=1) if len(row) != len(names)]
    if bad:
        shown = ", ".join(str(i) for i in bad[:SHOWN])
        raise RequestError(
            f"record{'s' if len(bad) > 1 else ''} {shown}{' ...' if len(bad) > SHOWN else ''}: "
            f"not {len(names)} values"
        )
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    return frame.replace({"": np.nan})


# --------------------------------------------------------------------------- features


def to_features(records: pd.DataFrame, bundle: dict[str, Any]) -> np.ndarray:
    """The same row fixes and fitted transformations as training: model-ready rows (a
    sparse matrix when the model reads free text)."""
    fixes = bundle["row_fixes"]
    fixed = rowfixes.fix_columns(records, fixes, log=lambda message: None)
    problems = []
    for column in bundle.get("numeric_columns", []):
        if column not in fixed.columns or pd.api.types.is_numeric_dtype(fixed[column]):
            continue
        values = fixed[column]
        numbers = pd.to_numeric(values, errors="coerce")
        for row in np.flatnonzero((numbers.isna() & values.notna()).to_numpy()):
            problems.append(f"record {row + 1}: {column} = {values.iloc[row]!r} is not a number")
        fixed[column] = numbers
    if problems:
        more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
        raise RequestError("; ".join(problems[:SHOWN]) + more)
    numeric = set(bundle.get("numeric_columns", []))
    for column in fixed.columns:
        if column not in numeric and fixed[column].dtype == object:
            fixed[column] = fixed[column].map(lambda v: v if pd.isna(v) else str(v))
    fixed = rowfixes.fill(fixed, fixes.get("fills", {}))
    absent = [c for c in bundle["input_columns"] if c not in fixed.columns]
    if absent:
        raise RequestError(f"after the row fixes, no column {', '.join(absent)}")
    matrix = bundle["transformer"].transform(fixed[bundle["input_columns"]])
    if hasattr(matrix, "tocsr"):  # free text: sparse rows, as the model was trained on
        return matrix.tocsr()
    return np.asarray(matrix, dtype=float)


def features_csv(matrix: np.ndarray) -> str:
    """Model-ready rows as the algorithm's container reads them: CSV, no header, no label."""
    return "".join(",".join(f"{v:.10g}" for v in row) + "\n" for row in matrix)


# --------------------------------------------------------------------------- answers


def classes(bundle: dict[str, Any], width: int = 2) -> list:
    found = bundle.get("label_classes")
    return list(found) if found is not None else list(range(width))


def answers(scores: np.ndarray, bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The model's raw scores as answers in your labels: for two classes a score is the
    probability of the second label; for more, one probability per label."""
    scores = np.asarray(scores, dtype=float)
    if bundle["problem_type"] == "regression":
        return [{"value": float(v)} for v in scores.reshape(len(scores), -1)[:, 0]]
    if scores.ndim == 1 or scores.shape[1] == 1:
        column = scores.reshape(-1)
        if bundle["problem_type"] == "binary_classification":
            scores = np.column_stack([1.0 - column, column])
        else:  # class numbers, from a model without probabilities
            scores = np.eye(len(classes(bundle)))[column.astype(int)]
    labels = classes(bundle, scores.shape[1])
    if len(labels) != scores.shape[1]:
        raise ValueError(f"the model gives {scores.shape[1]} scores for {len(labels)} labels")
    return [
        {
            "label": _plain(labels[int(np.argmax(row))]),
            "probabilities": {str(label): float(p) for label, p in zip(labels, row, strict=True)},
        }
        for row in scores
    ]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def encode(found: list[dict[str, Any]], accept: str | None) -> tuple[str, str]:
    """(body, content type) of the answers."""
    kind = _media_type(accept)
    if kind in ("", "*/*"):
        kind = CSV
    if kind == JSON:
        return json.dumps({"predictions": found}), JSON
    if kind != CSV:
        raise RequestError(f"cannot answer in {kind!r}; accept {CSV} or {JSON}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for answer in found:
        if "value" in answer:
            writer.writerow([f"{answer['value']:.10g}"])
        else:
            probabilities = [f"{p:.10g}" for p in answer["probabilities"].values()]
            writer.writerow([answer["label"], *probabilities])
    return out.getvalue(), CSV


def read_scores(body: Any, content_type: str | None) -> np.ndarray:
    """The algorithm container's answer (XGBoost: CSV lines or JSON) as an array."""
    text = _text(body).strip()
    if _media_type(content_type) == JSON or text.startswith("{"):
        data = json.loads(text)
        items = data.get("predictions", data) if isinstance(data, dict) else data
        rows = [item.get("score", item) if isinstance(item, dict) else item for item in items]
        return np.asarray(rows, dtype=float)
    rows = [
        [float(v) for v in line.strip().strip("[]").split(",") if v.strip()]
        for line in text.splitlines()
        if line.strip()
    ]
    array = np.asarray(rows, dtype=float)
    return array[:, 0] if array.ndim == 2 and array.shape[1] == 1 else array
