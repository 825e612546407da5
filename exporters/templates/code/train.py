"""Train a scikit-learn model (SageMaker script mode).

SageMaker runs this file in its scikit-learn container. It copies each input channel to a
folder and says where in environment variables, and passes every hyperparameter as a
command-line option (``--n_estimators 200``):

    SM_CHANNEL_TRAIN        folder with the training rows (label first, no header; CSV, or
                            LIBSVM ``.libsvm`` files when the data has free text)
    SM_CHANNEL_VALIDATION   folder with the validation rows (same layout)
    SM_CHANNEL_TRANSFORMER  features.py's features.joblib: packed with the model, so the
                            served model answers raw records (see inference.py)
    SM_MODEL_DIR            save the model here; SageMaker packs it into model.tar.gz
    SM_OUTPUT_DATA_DIR      other files to keep (metrics.json); packed into output.tar.gz

The scores are printed as ``validation:auc=0.9731;``. The pipeline's metric definitions
are regular expressions that find these lines in the log, which is how SageMaker (and
hyperparameter tuning) learns how good the model is.

Hyperparameters:
    --algorithm       random_forest | linear (or sklearn_random_forest | sklearn_linear);
                      if left out, guessed from the other hyperparameters given
    --problem_type    binary_classification | multiclass_classification | regression;
                      if left out, guessed from the labels
    random forest:    --n_estimators --max_depth --min_samples_leaf --max_features
    linear:           --C (inverse regularization strength) --max_iter
    both (classifiers): --class_weight balanced | none (balanced: each class weighed by the
                      inverse of its frequency, for an imbalanced target)

Try it on your own machine (after features.py):

    SM_CHANNEL_TRAIN=out/train SM_CHANNEL_VALIDATION=out/validation SM_MODEL_DIR=model \\
        python train.py --n_estimators 100
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn import metrics

RANDOM_FOREST_PARAMS = ("n_estimators", "max_depth", "min_samples_leaf", "max_features")
LINEAR_PARAMS = ("C", "max_iter")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # SageMaker passes hyperparameter names exactly as they were given (with underscores);
    # the dashed spellings are accepted too for people running the script by hand.
    parser.add_argument("--algorithm", default=None)
    parser.add_argument("--problem_type", "--problem-type", dest="problem_type", default=None)
    parser.add_argument("--n_estimators", "--n-estimators", type=int, default=None)
    parser.add_argument("--max_depth", "--max-depth", type=int, default=None)
    parser.add_argument("--min_samples_leaf", "--min-samples-leaf", type=int, default=None)
    parser.add_argument("--max_features", "--max-features", type=float, default=None)
    parser.add_argument("--C", type=float, default=None)
    parser.add_argument("--max_iter", "--max-iter", type=int, default=None)
    parser.add_argument(
        "--class_weight",
        "--class-weight",
        choices=["balanced", "none"],
        default="none",
        help="balanced: weigh each class by the inverse of its frequency (classification)",
    )
    parser.add_argument("--random_state", "--random-state", type=int, default=0)
    # Where things are: SageMaker's environment variables, overridable for local runs.
    parser.add_argument("--train", type=Path, default=env("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", type=Path, default=env("SM_CHANNEL_VALIDATION"))
    parser.add_argument("--transformer", type=Path, default=env("SM_CHANNEL_TRANSFORMER"))
    parser.add_argument("--model-dir", type=Path, default=env("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument(
        "--output-data-dir", type=Path, default=env("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data")
    )
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"ignoring options this script does not know: {' '.join(unknown)}")
    if args.train is None:
        parser.error("no training data: set SM_CHANNEL_TRAIN or pass --train")
    return args


def read_channel(folder: Path):
    """All files of a channel, label in the first column: Parquet (application/x-parquet,
    as features.py writes the splits), CSV without a header row (text/csv), or LIBSVM
    (``label index:value ...``, indices from 1; free text), read into a sparse matrix."""
    files = sorted(
        p
        for p in Path(folder).rglob("*")
        if p.is_file() and p.suffix in (".csv", ".parquet", ".libsvm")
    )
    if not files:
        raise SystemExit(f"no .parquet, .csv or .libsvm files in {folder}")
    if any(f.suffix == ".libsvm" for f in files):
        return read_libsvm([f for f in files if f.suffix == ".libsvm"])
    frames = []
    for f in files:
        frame = pd.read_parquet(f) if f.suffix == ".parquet" else pd.read_csv(f, header=None)
        frames.append(frame.set_axis(range(frame.shape[1]), axis=1))
    data = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return data.iloc[:, 1:].to_numpy(dtype=float), data.iloc[:, 0].to_numpy()


def read_libsvm(files: list[Path]):
    """LIBSVM files as one sparse (CSR) matrix and the labels."""
    from scipy import sparse
    from sklearn.datasets import load_svmlight_files

    parts = load_svmlight_files([str(f) for f in files], zero_based=False)
    matrix = sparse.vstack(parts[0::2]).tocsr()
    return matrix, np.concatenate(parts[1::2])


def same_width(*matrices):
    """Sparse matrices padded with empty columns to the widest: a LIBSVM file is as wide as
    its highest non-zero column, which may differ between splits."""
    from scipy import sparse

    if not all(sparse.issparse(m) for m in matrices):
        return matrices
    width = max(m.shape[1] for m in matrices)
    return tuple(sparse.csr_matrix(m, shape=(m.shape[0], width)) for m in matrices)


def guess_problem_type(labels: np.ndarray) -> str:
    values = np.unique(labels)
    whole = np.all(np.mod(values, 1) == 0)
    if whole and len(values) <= 2:
        return "binary_classification"
    if whole and len(values) <= 20:
        return "multiclass_classification"
    return "regression"


def guess_algorithm(args: argparse.Namespace) -> str:
    if args.algorithm:
        name = args.algorithm
        if name.startswith("sklearn_"):  # the wizard's ids: sklearn_random_forest, ...
            name = name[len("sklearn_") :]
        if name not in ("random_forest", "linear"):
            raise SystemExit(f"unknown --algorithm {args.algorithm!r}; use random_forest or linear")
        return name
    if any(getattr(args, p) is not None for p in LINEAR_PARAMS):
        return "linear"
    return "random_forest"


def build_model(algorithm: str, problem_type: str, args: argparse.Namespace):
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression, Ridge

    classify = problem_type != "regression"
    if args.class_weight == "balanced" and not classify:
        print("class_weight = balanced is for classification; a regression ignores it")
    # classes weighed by the inverse of their frequency, so a rare one counts
    weights = {"class_weight": "balanced"} if classify and args.class_weight == "balanced" else {}
    if algorithm == "random_forest":
        common = {
            "n_estimators": args.n_estimators or 100,
            "max_depth": args.max_depth,
            "min_samples_leaf": args.min_samples_leaf or 1,
            "max_features": args.max_features or (1.0 if not classify else "sqrt"),
            "random_state": args.random_state,
            "n_jobs": -1,
        }
        if classify:
            return RandomForestClassifier(**common, **weights)
        return RandomForestRegressor(**common)
    c = args.C if args.C is not None else 1.0
    max_iter = args.max_iter or 1000
    if classify:
        return LogisticRegression(C=c, max_iter=max_iter, **weights)
    return Ridge(alpha=1.0 / c, max_iter=max_iter)  # alpha is the inverse of C


def score(model, features: np.ndarray, labels: np.ndarray, problem_type: str) -> dict:
    """The metrics this problem type reports (the names the metric definitions expect)."""
    if problem_type == "regression":
        predicted = model.predict(features)
        return {
            "rmse": float(np.sqrt(metrics.mean_squared_error(labels, predicted))),
            "mae": float(metrics.mean_absolute_error(labels, predicted)),
            "r2": float(metrics.r2_score(labels, predicted)),
        }
    predicted = model.predict(features)
    result = {"accuracy": float(metrics.accuracy_score(labels, predicted))}
    if problem_type == "binary_classification":
        result["f1"] = float(metrics.f1_score(labels, predicted, zero_division=0))
        if len(np.unique(labels)) == 2:
            result["auc"] = float(
                metrics.roc_auc_score(labels, model.predict_proba(features)[:, 1])
            )
    else:
        result["f1"] = float(
            metrics.f1_score(labels, predicted, average="weighted", zero_division=0)
        )
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    x_train, y_train = read_channel(args.train)
    validation = None
    if args.validation is not None and Path(args.validation).exists():
        validation = read_channel(args.validation)
        x_train, x_val = same_width(x_train, validation[0])
        validation = (x_val, validation[1])
    problem_type = args.problem_type or guess_problem_type(y_train)
    algorithm = guess_algorithm(args)
    if problem_type != "regression":
        y_train = y_train.astype(int)
    model = build_model(algorithm, problem_type, args)
    print(
        f"training {type(model).__name__} ({problem_type}) on {len(y_train)} rows, "
        f"{x_train.shape[1]} features"
    )
    model.fit(x_train, y_train)

    scores = {"train": score(model, x_train, y_train, problem_type)}
    if validation is not None:
        x_val, y_val = validation
        if problem_type != "regression":
            y_val = y_val.astype(int)
        scores["validation"] = score(model, x_val, y_val, problem_type)
    for channel, values in scores.items():
        for name, value in values.items():
            # One line per metric, e.g. "validation:auc=0.973100;" (the metric definitions'
            # regular expressions look for exactly this shape).
            print(f"{channel}:{name}={value:.6f};")

    args.model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, args.model_dir / "model.joblib")
    # Ship what serving needs inside model.tar.gz: the model's container runs
    # code/inference.py (SAGEMAKER_PROGRAM) when it is deployed or used for batch transform,
    # and it applies features.joblib (the row fixes and fitted transformations) first.
    fitted = Path(args.transformer) / "features.joblib" if args.transformer else None
    if fitted is not None and fitted.is_file():
        shutil.copy2(fitted, args.model_dir / "features.joblib")
        (args.model_dir / "code").mkdir(exist_ok=True)
        for name in ("inference.py", "serving.py", "rowfixes.py"):
            shutil.copy2(Path(__file__).with_name(name), args.model_dir / "code" / name)
    else:
        print(
            "no features.joblib (SM_CHANNEL_TRANSFORMER): the model is saved without serving code"
        )
    args.output_data_dir.mkdir(parents=True, exist_ok=True)
    (args.output_data_dir / "metrics.json").write_text(json.dumps(scores, indent=2))
    print(f"saved the model to {args.model_dir / 'model.joblib'}")


if __name__ == "__main__":
    main()
