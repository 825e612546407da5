"""Evaluate the trained model on the held-out test rows and write evaluation.json.

This runs as a SageMaker Processing job after training.

    input   <root>/input/model/model.tar.gz     the training job's model artifact
            <root>/input/test/                  test rows, label first: .csv without a
                                                header row, or .parquet (or .libsvm,
                                                sparse, for free text)
    output  <root>/output/evaluation/evaluation.json

``<root>`` is ``/opt/ml/processing``, or ``$SM_PROCESSING_ROOT`` when that is set, and
``--model-dir``/``--test-dir``/``--output-dir`` override it.

The model is either SageMaker's built-in XGBoost (the archive holds ``xgboost-model``) or a
scikit-learn model saved by train.py (``model.joblib``); both are handled.

evaluation.json follows the layout of SageMaker's model-quality reports, for example

    {"binary_classification_metrics": {"auc": {"value": 0.98, "standard_deviation": "NaN"},
                                       "accuracy": {...}, ...}}

It also holds ``baseline``: the same metrics for a guess that knows nothing about the rows
but how their labels are spread (for numbers, the test labels' mean (rmse, r2) or median
(mae); for classes, the most common class (accuracy) or a guess at the classes' shares
(auc 0.5, precision, recall, f1)). A model that does not beat it has learned nothing.

The pipeline reads it as a PropertyFile: the condition step looks up a value with a JSON
path such as ``binary_classification_metrics.auc.value`` and registers the model only if
it clears the threshold you set, or, with no threshold set, beats ``baseline.auc.value``.
The same file is attached to the registered model as its metrics.
"""

from __future__ import annotations

import argparse
import json
import os
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
from sklearn import metrics

GROUPS = {
    "binary_classification": "binary_classification_metrics",
    "multiclass_classification": "multiclass_classification_metrics",
    "regression": "regression_metrics",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    root = Path(os.environ.get("SM_PROCESSING_ROOT", "/opt/ml/processing"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem-type", choices=sorted(GROUPS), default="binary_classification")
    parser.add_argument("--algorithm", default="", help="informational: the training algorithm")
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="binary classification: predict class 1 when its probability reaches this",
    )
    parser.add_argument("--model-dir", type=Path, default=root / "input" / "model")
    parser.add_argument("--test-dir", type=Path, default=root / "input" / "test")
    parser.add_argument("--output-dir", type=Path, default=root / "output" / "evaluation")
    return parser.parse_args(argv)


def unpack(archive: Path, dest: Path) -> None:
    """Extract a .tar.gz, refusing any member that would land outside ``dest``."""
    root = os.path.realpath(dest)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            target = os.path.realpath(os.path.join(root, member.name))
            if os.path.commonpath([root, target]) != root:
                raise SystemExit(f"{archive.name}: unsafe path {member.name!r} in the archive")
        if hasattr(tarfile, "data_filter"):  # Python 3.12+ (and recent patch releases)
            tar.extractall(root, filter="data")
        else:
            tar.extractall(root)


def load_model(model_dir: Path, workdir: Path):
    """Unpack model.tar.gz (if there is one) and load whichever model it holds."""
    archive = model_dir / "model.tar.gz"
    if archive.exists():
        unpack(archive, workdir)
        model_dir = workdir
    if (model_dir / "xgboost-model").exists():
        import xgboost  # only the built-in algorithm's models need it

        booster = xgboost.Booster()
        # From bytes, so XGBoost detects the file's format itself (the file has no extension).
        booster.load_model(bytearray((model_dir / "xgboost-model").read_bytes()))
        return "xgboost", booster
    if (model_dir / "model.joblib").exists():
        import joblib

        return "sklearn", joblib.load(model_dir / "model.joblib")
    found = ", ".join(sorted(p.name for p in model_dir.iterdir())) or "nothing"
    raise SystemExit(f"no xgboost-model or model.joblib in the model archive (found: {found})")


def read_test(test_dir: Path):
    """(features, labels) of every .csv (no header) and .parquet file, read by pyarrow, or
    of the LIBSVM files (sparse: free text)."""
    files = sorted(
        p
        for p in test_dir.rglob("*")
        if p.is_file() and p.suffix in (".csv", ".parquet", ".libsvm")
    )
    if not files:
        raise SystemExit(f"no .csv, .parquet or .libsvm files in {test_dir}")
    if any(f.suffix == ".libsvm" for f in files):
        from scipy import sparse
        from sklearn.datasets import load_svmlight_files

        parts = load_svmlight_files(
            [str(f) for f in files if f.suffix == ".libsvm"], zero_based=False
        )
        return sparse.vstack(parts[0::2]).tocsr(), np.concatenate(parts[1::2])
    no_header = pacsv.ReadOptions(autogenerate_column_names=True)
    blocks = [
        pacsv.read_csv(f, read_options=no_header).to_pandas().to_numpy(dtype=float)
        if f.suffix == ".csv"
        else pd.read_parquet(f).to_numpy(dtype=float)
        for f in files
    ]
    data = blocks[0] if len(blocks) == 1 else np.vstack(blocks)
    return data[:, 1:], data[:, 0]


def fit_width(features, width: int | None):
    """Sparse test rows as wide as the model's input: a LIBSVM file is only as wide as its
    highest non-zero column (columns past the model's were never seen in training)."""
    from scipy import sparse

    if width is None or not sparse.issparse(features) or features.shape[1] == width:
        return features
    if features.shape[1] > width:
        return features[:, :width]
    return sparse.csr_matrix(features, shape=(features.shape[0], width))


def model_width(kind: str, model) -> int | None:
    """How many features the model was trained on."""
    if kind == "xgboost":
        return int(model.num_features())
    return getattr(model, "n_features_in_", None)


def predict(kind: str, model, features: np.ndarray, problem_type: str):
    """Return (predicted labels or values, class-1 probabilities or None)."""
    if kind == "xgboost":
        import xgboost

        raw = model.predict(xgboost.DMatrix(features))
        if problem_type == "regression":
            return raw, None
        if problem_type == "binary_classification":
            return None, raw  # binary:logistic gives the probability of class 1
        # multi:softprob gives one probability per class; multi:softmax gives the class.
        return (raw.argmax(axis=1) if raw.ndim == 2 else raw).astype(int), None
    if problem_type == "binary_classification" and hasattr(model, "predict_proba"):
        return None, model.predict_proba(features)[:, 1]
    return model.predict(features), None


def metric(value) -> dict:
    """One entry in SageMaker's model-quality style."""
    return {"value": value, "standard_deviation": "NaN"}


def confusion(labels: np.ndarray, predicted: np.ndarray) -> dict:
    """{"actual": {"predicted": count}}, as SageMaker's reports lay it out."""
    classes = sorted(set(labels.tolist()) | set(predicted.tolist()))
    matrix = metrics.confusion_matrix(labels, predicted, labels=classes)
    return {
        str(a): {str(p): int(matrix[i, j]) for j, p in enumerate(classes)}
        for i, a in enumerate(classes)
    }


def evaluate(labels: np.ndarray, predicted, probability, problem_type: str, threshold: float):
    if problem_type == "regression":
        mse = float(metrics.mean_squared_error(labels, predicted))
        return {
            "mse": metric(mse),
            "rmse": metric(float(np.sqrt(mse))),
            "mae": metric(float(metrics.mean_absolute_error(labels, predicted))),
            "r2": metric(float(metrics.r2_score(labels, predicted))),
        }
    labels = labels.astype(int)
    if problem_type == "binary_classification":
        predicted = (probability >= threshold).astype(int)
        report = {
            "accuracy": metric(float(metrics.accuracy_score(labels, predicted))),
            "precision": metric(float(metrics.precision_score(labels, predicted, zero_division=0))),
            "recall": metric(float(metrics.recall_score(labels, predicted, zero_division=0))),
            "f1": metric(float(metrics.f1_score(labels, predicted, zero_division=0))),
        }
        if len(np.unique(labels)) == 2:
            report["auc"] = metric(float(metrics.roc_auc_score(labels, probability)))
        else:
            print("the test rows hold a single class: AUC is undefined and left out")
        report["confusion_matrix"] = confusion(labels, predicted)
        return report
    predicted = np.asarray(predicted).astype(int)
    # Several classes: precision, recall and f1 are averaged over the classes, each
    # weighted by how many test rows it has.
    return {
        "accuracy": metric(float(metrics.accuracy_score(labels, predicted))),
        "precision": metric(
            float(metrics.precision_score(labels, predicted, average="weighted", zero_division=0))
        ),
        "recall": metric(
            float(metrics.recall_score(labels, predicted, average="weighted", zero_division=0))
        ),
        "f1": metric(
            float(metrics.f1_score(labels, predicted, average="weighted", zero_division=0))
        ),
        "confusion_matrix": confusion(labels, predicted),
    }


def baseline(labels: np.ndarray, problem_type: str) -> dict:
    """The metrics of a guess that knows only how the test labels are spread."""
    if problem_type == "regression":
        values = labels.astype(float)
        return {
            "mse": metric(float(np.var(values))),
            "rmse": metric(float(np.std(values))),
            "mae": metric(float(np.mean(np.abs(values - np.median(values))))),
            "r2": metric(0.0),
        }
    _, counts = np.unique(labels, return_counts=True)
    shares = counts / counts.sum()
    if problem_type == "binary_classification":
        positive = float(np.mean(labels.astype(int) == 1))
        return {
            "accuracy": metric(float(shares.max())),
            "precision": metric(positive),
            "recall": metric(positive),
            "f1": metric(positive),
            "auc": metric(0.5),
        }
    guess = float(np.sum(shares**2))  # weighted precision = recall = f1 of a guess by shares
    return {
        "accuracy": metric(float(shares.max())),
        "precision": metric(guess),
        "recall": metric(guess),
        "f1": metric(guess),
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    features, labels = read_test(args.test_dir)
    with tempfile.TemporaryDirectory() as workdir:
        kind, model = load_model(args.model_dir, Path(workdir))
        features = fit_width(features, model_width(kind, model))
        predicted, probability = predict(kind, model, features, args.problem_type)
    print(f"scored {len(labels)} test rows with the {kind} model")

    group = GROUPS[args.problem_type]
    report = {
        group: evaluate(labels, predicted, probability, args.problem_type, args.threshold),
        "baseline": baseline(labels, args.problem_type),
    }
    for name, entry in report[group].items():
        if isinstance(entry, dict) and "value" in entry:
            guess = report["baseline"].get(name, {}).get("value")
            versus = f" (a guess: {guess:.6f})" if guess is not None else ""
            print(f"test:{name}={entry['value']:.6f};{versus}")

    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output_dir / 'evaluation.json'}")


if __name__ == "__main__":
    main()
