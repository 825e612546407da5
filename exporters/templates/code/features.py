"""Engineer features: learn scaling, encoding and text features on the training split, apply
them to all.

This runs as a SageMaker Processing job in the scikit-learn container, after prepare.py.

    input   <root>/input/{train,validation,test}/*.csv      with a header row
    output  <root>/output/{train,validation,test}/<split>.csv
                label in the first column, no header row: the layout SageMaker's
                built-in XGBoost (and train.py) read
            <root>/output/baseline/baseline.csv
                the training rows again, with a header row: the baseline that the
                data-quality and bias checks describe
            <root>/output/transformer/features.joblib
                the fitted transformations, to apply the same steps to new data

With free-text columns (``--text-column``) each split is written as
``<split>/<split>.libsvm`` instead: LIBSVM's sparse text format (``label index:value ...``,
indices from 1), which SageMaker's built-in XGBoost reads as ``text/libsvm`` and train.py
and evaluate.py read too. Each text column becomes TF-IDF weights of its words (and word
pairs) and of its character 2- to 5-grams: tens of thousands of columns that are nearly all
zero, so they stay sparse from here to the model. The baseline then holds the other
features plus each text's length in characters and words (a few columns that data-quality
checks can describe), not the vocabulary.

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
import os
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.datasets import dump_svmlight_file
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)

SPLITS = ("train", "validation", "test")


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
        "--text-column",
        action="append",
        default=[],
        help="a column of free text: TF-IDF of its words and character n-grams (repeatable)",
    )
    parser.add_argument(
        "--max-text-features",
        type=int,
        default=20000,
        help="per text column, keep at most this many word n-grams and as many character "
        "n-grams (the most frequent in the training split)",
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
    parser.add_argument("--output-dir", type=Path, default=root / "output")
    return parser.parse_args(argv)


def read_split(input_dir: Path, name: str) -> pd.DataFrame:
    files = sorted((input_dir / name).rglob("*.csv"))
    if not files:
        raise SystemExit(f"no CSV files found under {input_dir / name}")
    return pd.concat([pd.read_csv(f) for f in files], ignore_index=True)


def text_features(max_features: int) -> Pipeline:
    """One free-text column as TF-IDF weights: words and word pairs, and character 2- to
    5-grams within words (they catch spelling variants, typos and word stems). Each
    vocabulary is bounded by ``max_features`` and learned from the training split only.
    A missing text is empty text. Only scikit-learn and NumPy objects: features.joblib
    loads wherever scikit-learn does, without this script."""
    common = {"lowercase": True, "strip_accents": "unicode", "sublinear_tf": True}
    union = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    analyzer="word", ngram_range=(1, 2), max_features=max_features, **common
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), max_features=max_features, **common
                ),
            ),
        ]
    )
    return Pipeline(
        [
            ("fill", SimpleImputer(strategy="constant", fill_value="")),
            # the vectorisers read a flat sequence of texts, not a one-column table
            ("flatten", FunctionTransformer(np.ravel, feature_names_out="one-to-one")),
            ("tfidf", union),
        ]
    )


def build_transformer(features: pd.DataFrame, args: argparse.Namespace) -> ColumnTransformer:
    """Numbers: fill gaps with the median, then scale. Categories: fill gaps, then encode.
    Free text (``--text-column``): TF-IDF of words and character n-grams, sparse."""
    texts = [c for c in args.text_column if c in features.columns]
    numeric = [
        c
        for c in features.columns
        if c not in texts
        and pd.api.types.is_numeric_dtype(features[c])
        and not pd.api.types.is_bool_dtype(features[c])
    ]
    categorical = [c for c in features.columns if c not in numeric and c not in texts]

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
        print(f"category columns ({len(categorical)}): {names} -> {args.categorical_encoding}")
    parts = [("numeric", numeric_steps, numeric), ("categorical", categorical_steps, categorical)]
    for column in texts:
        parts.append((f"text_{column}", text_features(args.max_text_features), [column]))
    if texts:
        print(
            f"free-text columns ({len(texts)}): {', '.join(texts)} -> TF-IDF of words and "
            f"character n-grams (at most {args.max_text_features} of each per column)"
        )
    return ColumnTransformer(
        parts,
        verbose_feature_names_out=bool(texts),  # "text_body__words__refund": no clashes
        sparse_threshold=1.0 if texts else 0.3,  # with text: always sparse
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


def write_sparse(path: Path, labels: np.ndarray, matrix) -> None:
    """LIBSVM rows (``label index:value ...``, indices from 1, zeros left out)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    dump_svmlight_file(sparse.csr_matrix(matrix), labels, str(path), zero_based=False)


def text_summary(frame: pd.DataFrame, texts: list[str]) -> pd.DataFrame:
    """Each text's length in characters and in words: what a baseline can describe."""
    out = {}
    for column in texts:
        values = frame[column].fillna("").astype(str)
        out[f"{column}_chars"] = values.str.len().astype(float)
        out[f"{column}_words"] = values.str.split().str.len().fillna(0).astype(float)
    return pd.DataFrame(out, index=frame.index)


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

    texts = [c for c in args.text_column if c in features["train"].columns]
    if texts:
        sparse_splits = {}
        for name in SPLITS:
            matrix = sparse_splits[name] = sparse.csr_matrix(transformer.transform(features[name]))
            write_sparse(args.output_dir / name / f"{name}.libsvm", labels[name], matrix)
            print(f"{name}: {matrix.shape[0]} rows, {matrix.nnz} non-zero values (sparse)")
        # The baseline describes what can be checked column by column: the features that
        # are not text, and each text's length.
        dense = [i for i, n in enumerate(names) if not n.startswith("text_")]
        train = sparse_splits["train"][:, dense]
        lengths = text_summary(features["train"], texts)
        write_rows(
            args.output_dir / "baseline" / "baseline.csv",
            labels["train"],
            np.hstack([train.toarray(), lengths.to_numpy()]),
            header=[target, *(names[i] for i in dense), *lengths.columns],
        )
    else:
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

    artifact = args.output_dir / "transformer" / "features.joblib"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {
            "transformer": transformer,
            "target": target,
            "input_columns": list(features["train"].columns),
            "feature_names": names,
            "label_classes": classes,
            "problem_type": args.problem_type,
            "text_columns": texts,
        },
        artifact,
    )
    print(f"saved the fitted transformations to {artifact.name}")


if __name__ == "__main__":
    main()
