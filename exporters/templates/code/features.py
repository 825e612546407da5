"""Engineer features: learn scaling and encoding on the training split, apply them to all.

This runs as a SageMaker Processing job in the scikit-learn container, after prepare.py.

    input   <root>/input/{train,validation,test}/*.csv      with a header row
    output  <root>/output/{train,validation,test}/<split>.csv
                label in the first column, no header row: the layout SageMaker's
                built-in XGBoost (and train.py) read
            <root>/output/baseline/baseline.csv
                the training rows again, with a header row: the baseline that the
                data-quality and bias checks describe
            <root>/output/transformer/features.joblib
                the fitted transformations, to apply the same steps to new data, with
                prepare.py's row fixes (<root>/input/fixes/rowfixes.json) and the labels
            <root>/output/transformer/model.tar.gz
                features.joblib and the serving code (code/inference.py, serving.py,
                rowfixes.py): the model that turns raw records into model features, and
                model answers into your labels, wherever the model is served

``<root>`` is ``/opt/ml/processing``, or ``$SM_PROCESSING_ROOT`` when that is set, and
``--input-dir``/``--output-dir`` override both.

Why fit on the training split only: the scaler's means and the encoder's categories must
not be learned from the rows the model is validated and tested on, or the scores you see
later would be better than the model really is.

Class labels that are not already 0, 1, 2, ... are encoded that way (XGBoost needs it);
the mapping is saved in features.joblib under ``label_classes``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tarfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, OrdinalEncoder, StandardScaler

# rowfixes.py is shared with the serving code: next to this file, or (in a processing job)
# in the code folder the step mounts at <root>/input/lib.
for _folder in (
    Path(__file__).resolve().parent,
    Path(os.environ.get("SM_PROCESSING_ROOT", "/opt/ml/processing")) / "input" / "lib",
):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))
import rowfixes  # noqa: E402

SPLITS = ("train", "validation", "test")
SERVING_CODE = ("inference.py", "serving.py", "rowfixes.py")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    root = Path(os.environ.get("SM_PROCESSING_ROOT", "/opt/ml/processing"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-column", required=True)
    parser.add_argument("--scaling", choices=["standard", "minmax", "none"], default="standard")
    parser.add_argument("--categorical-encoding", choices=["onehot", "ordinal"], default="onehot")
    parser.add_argument(
        "--max-categories",
        type=int,
        default=20,
        help="keep at most this many categories per text column; rarer ones are grouped",
    )
    parser.add_argument(
        "--problem-type",
        choices=["binary_classification", "multiclass_classification", "regression"],
        default="binary_classification",
    )
    parser.add_argument(
        "--num-classes",
        type=int,
        default=0,
        help="the number of classes the model is built for (multiclass); stop if the data "
        "has another number",
    )
    parser.add_argument("--input-dir", type=Path, default=root / "input")
    parser.add_argument(
        "--fixes",
        type=Path,
        default=None,
        help="prepare.py's rowfixes.json (default: <input-dir>/fixes/rowfixes.json)",
    )
    parser.add_argument("--output-dir", type=Path, default=root / "output")
    return parser.parse_args(argv)


def read_split(input_dir: Path, name: str) -> pd.DataFrame:
    files = sorted((input_dir / name).rglob("*.csv"))
    if not files:
        raise SystemExit(f"no CSV files found under {input_dir / name}")
    return pd.concat([pd.read_csv(f) for f in files], ignore_index=True)


def build_transformer(features: pd.DataFrame, args: argparse.Namespace) -> ColumnTransformer:
    """Numbers: fill gaps with the median, then scale. Text: fill gaps, then encode."""
    numeric = [
        c
        for c in features.columns
        if pd.api.types.is_numeric_dtype(features[c])
        and not pd.api.types.is_bool_dtype(features[c])
    ]
    categorical = [c for c in features.columns if c not in numeric]

    scalers = {"standard": StandardScaler(), "minmax": MinMaxScaler(), "none": "passthrough"}
    numeric_steps = Pipeline(
        [("impute", SimpleImputer(strategy="median")), ("scale", scalers[args.scaling])]
    )
    if args.categorical_encoding == "onehot":
        # Unknown categories met later (in validation, test or live data) fall into the
        # "infrequent" group instead of failing.
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=args.max_categories,
            sparse_output=False,
        )
    else:
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=-1,
            max_categories=args.max_categories,
        )
    categorical_steps = Pipeline(
        [("impute", SimpleImputer(strategy="most_frequent")), ("encode", encoder)]
    )
    print(f"numeric columns ({len(numeric)}): scaling = {args.scaling}")
    if categorical:
        names = ", ".join(categorical)
        print(f"text columns ({len(categorical)}): {names} -> {args.categorical_encoding}")
    return ColumnTransformer(
        [("numeric", numeric_steps, numeric), ("categorical", categorical_steps, categorical)],
        verbose_feature_names_out=False,
    )


def encode_labels(
    parts: dict[str, pd.Series], problem_type: str
) -> tuple[dict[str, np.ndarray], list | None]:
    """Regression labels stay numbers; class labels become 0..K-1 (XGBoost's convention)."""
    if problem_type == "regression":
        return {k: v.astype(float).to_numpy() for k, v in parts.items()}, None
    every = pd.concat(list(parts.values()))
    classes = sorted(every.unique().tolist(), key=lambda v: (str(type(v)), v))
    if classes == list(range(len(classes))):
        return {k: v.astype(int).to_numpy() for k, v in parts.items()}, None
    code = {value: index for index, value in enumerate(classes)}
    print("label classes: " + ", ".join(f"{v!r} -> {i}" for v, i in code.items()))
    return {k: v.map(code).astype(int).to_numpy() for k, v in parts.items()}, classes


def write_rows(
    path: Path, labels: np.ndarray, matrix: np.ndarray, header: list[str] | None = None
) -> None:
    """Label first, then the features; a header row only when ``header`` is given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(matrix, columns=header[1:] if header else None)
    frame.insert(0, header[0] if header else "label", labels)
    frame.to_csv(path, index=False, header=bool(header), float_format="%.10g")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    target = args.target_column
    frames = {name: read_split(args.input_dir, name) for name in SPLITS}
    for name, frame in frames.items():
        if target not in frame.columns:
            raise SystemExit(f"the {name} split has no {target!r} column")

    labels, classes = encode_labels({n: f[target] for n, f in frames.items()}, args.problem_type)
    if args.num_classes and args.problem_type != "regression":
        found = (
            classes
            if classes is not None
            else sorted(set(np.concatenate(list(labels.values())).tolist()))
        )
        if len(found) != args.num_classes:
            raise SystemExit(
                f"the data has {len(found)} classes ({', '.join(map(str, found[:10]))}"
                f"{', ...' if len(found) > 10 else ''}) but the model is built for "
                f"{args.num_classes}; set data_collection.num_classes = {len(found)} in "
                "wizard.toml and export again"
            )
    features = {name: frame.drop(columns=[target]) for name, frame in frames.items()}

    transformer = build_transformer(features["train"], args)
    transformer.fit(features["train"])  # learned on the training rows only
    names = [str(n) for n in transformer.get_feature_names_out()]
    print(f"{len(names)} model features from {features['train'].shape[1]} columns")

    matrices = {}
    for name in SPLITS:
        matrices[name] = np.asarray(transformer.transform(features[name]), dtype=float)
        write_rows(args.output_dir / name / f"{name}.csv", labels[name], matrices[name])
        print(f"{name}: {matrices[name].shape[0]} rows")
    write_rows(
        args.output_dir / "baseline" / "baseline.csv",
        labels["train"],
        matrices["train"],
        header=[target, *names],
    )

    fixes_file = args.fixes or args.input_dir / "fixes" / rowfixes.FIXES_FILE
    if fixes_file.is_file():
        fixes = rowfixes.load(fixes_file)
    else:  # the features of data prepared elsewhere: no fixes to repeat
        print(f"no {fixes_file}: served records get no row fixes")
        fixes = {"columns": list(features["train"].columns)}
    artifact = args.output_dir / "transformer" / "features.joblib"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {
            "transformer": transformer,
            "target": target,
            "input_columns": list(features["train"].columns),
            "numeric_columns": [str(c) for c in transformer.transformers_[0][2]],
            "feature_names": names,
            "label_classes": classes,
            "problem_type": args.problem_type,
            "row_fixes": fixes,
        },
        artifact,
    )
    print(f"saved the fitted transformations to {artifact.name}")
    pack_serving_model(artifact)


def pack_serving_model(artifact: Path) -> None:
    """model.tar.gz for the scikit-learn serving container: features.joblib at the top,
    the serving code under code/ (found next to rowfixes.py)."""
    code_dir = Path(rowfixes.__file__).resolve().parent
    missing = [name for name in SERVING_CODE if not (code_dir / name).is_file()]
    if missing:
        raise SystemExit(f"the serving code is incomplete: no {', '.join(missing)} in {code_dir}")

    def same_every_time(member: tarfile.TarInfo) -> tarfile.TarInfo:
        member.mtime, member.uid, member.gid, member.uname, member.gname = 0, 0, 0, "", ""
        return member

    target = artifact.with_name("model.tar.gz")
    with (
        gzip.GzipFile(target, "wb", mtime=0) as packed,
        tarfile.open(fileobj=packed, mode="w") as bundle,
    ):
        bundle.add(artifact, arcname=artifact.name, filter=same_every_time)
        for name in SERVING_CODE:
            bundle.add(code_dir / name, arcname=f"code/{name}", filter=same_every_time)
    print("packed features.joblib and the serving code into model.tar.gz")


if __name__ == "__main__":
    main()
