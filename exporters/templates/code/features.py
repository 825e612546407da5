"""Engineer features: learn scaling, encoding and text features on the training split, apply
them to all.

This runs as a SageMaker Processing job in the scikit-learn container, after prepare.py.

    input   <root>/input/{train,validation,test}/   .csv (with a header row) or .parquet
    output  <root>/output/train/train.parquet
            <root>/output/validation/validation.parquet
                label in the first column, then the features, named: the layout SageMaker's
                built-in XGBoost reads as content type application/x-parquet (and train.py
                reads)
            <root>/output/test/test.csv
                label in the first column, no header row: text/csv, what a batch transform
                job sends to the model (one row a record, the label filtered out) and
                evaluate.py reads
            <root>/output/transformer/features.joblib
                the fitted transformations, to apply the same steps to new data, with
                prepare.py's row fixes (<root>/input/fixes/rowfixes.json) and the labels
            <root>/output/transformer/model.tar.gz
                features.joblib and the serving code (code/inference.py, serving.py,
                rowfixes.py): the model that turns raw records into model features, and
                model answers into your labels, wherever the model is served

Each split is written once, in blocks of rows (a line of progress per block).

With free-text columns (``--text-column``) each split is written as
``<split>/<split>.libsvm`` instead: LIBSVM's sparse text format (``label index:value ...``,
indices from 1), which SageMaker's built-in XGBoost reads as ``text/libsvm`` and train.py
and evaluate.py read too. Each text column becomes TF-IDF weights of its words (and word
pairs) and of its character 2- to 5-grams: tens of thousands of columns that are nearly all
zero, so they stay sparse from here to the model.

The data-quality baseline is not made here: Model Monitor compares it with the requests an
endpoint receives, which are raw records, so prepare.py writes it from the raw rows.

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
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
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
# Splits the training job reads as Parquet; the test split stays CSV for batch transform.
PARQUET_SPLITS = ("train", "validation")
BLOCK_ROWS = 250_000  # rows transformed and written at a time


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
    parser.add_argument(
        "--fixes",
        type=Path,
        default=None,
        help="prepare.py's rowfixes.json (default: <input-dir>/fixes/rowfixes.json)",
    )
    parser.add_argument("--output-dir", type=Path, default=root / "output")
    return parser.parse_args(argv)


def read_split(input_dir: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Every .csv (header row) and .parquet file of a split (only ``columns``, if given),
    read by pyarrow."""
    folder = input_dir / name
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name.lower().endswith((".csv", ".parquet", ".pq"))
    )
    if not files:
        raise SystemExit(f"no .csv or .parquet files found under {folder}")
    started = time.perf_counter()
    frames = []
    for path in files:
        try:
            if path.name.lower().endswith(".csv"):
                try:
                    # dates stay text, as prepare.py wrote them
                    options = pacsv.ConvertOptions(timestamp_parsers=[], include_columns=columns)
                    frames.append(pacsv.read_csv(path, convert_options=options).to_pandas())
                except pa.ArrowInvalid:
                    frames.append(pd.read_csv(path, usecols=columns))
            else:
                frames.append(pd.read_parquet(path, columns=columns))
        except (KeyError, ValueError) as exc:  # a column asked for is not in the file
            if columns is None:
                raise
            raise SystemExit(
                f"the {name} split has no {', '.join(map(repr, columns))} column"
            ) from exc
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    del frames
    pa.default_memory_pool().release_unused()  # the parser's buffers, back before the fit
    elapsed = time.perf_counter() - started
    print(
        f"{name}: read {len(frame)} rows x {frame.shape[1]} columns ({elapsed:.1f} s)", flush=True
    )
    return frame


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


def write_split(path: Path, labels: np.ndarray, block, names: list[str], target: str) -> None:
    """Label first, then the features, ``BLOCK_ROWS`` rows at a time: Parquet with the
    column names, or CSV without a header row. ``block(start, stop)`` gives those rows'
    model features."""
    path.parent.mkdir(parents=True, exist_ok=True)
    parquet = path.suffix == ".parquet"
    columns = [target if parquet else "label", *names]
    writer = None
    total, started, last = len(labels), time.perf_counter(), 0.0
    try:
        for start in range(0, total, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, total)
            matrix = np.asarray(block(start, stop), dtype=float)
            arrays = [pa.array(labels[start:stop])]
            arrays += [pa.array(np.ascontiguousarray(matrix[:, i])) for i in range(len(names))]
            table = pa.Table.from_arrays(arrays, names=columns)
            if writer is None:
                writer = (
                    pq.ParquetWriter(path, table.schema)
                    if parquet
                    else pacsv.CSVWriter(
                        path, table.schema, write_options=pacsv.WriteOptions(include_header=False)
                    )
                )
            writer.write_table(table)
            elapsed = time.perf_counter() - started
            if stop == total or elapsed - last >= 5:  # a progress line every 5 s at most
                last = elapsed
                print(f"{path.name}: {stop} of {total} rows written ({elapsed:.1f} s)", flush=True)
    finally:
        if writer is not None:
            writer.close()


def write_sparse(path: Path, labels: np.ndarray, matrix) -> None:
    """LIBSVM rows (``label index:value ...``, indices from 1, zeros left out)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    dump_svmlight_file(sparse.csr_matrix(matrix), labels, str(path), zero_based=False)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    target = args.target_column
    # The training split whole; of the others only the labels until their turn comes, so
    # the fit has the memory to itself.
    frames = {"train": read_split(args.input_dir, "train")}
    if target not in frames["train"].columns:
        raise SystemExit(f"the train split has no {target!r} column")
    label_parts = {"train": frames["train"][target]}
    for name in SPLITS[1:]:
        label_parts[name] = read_split(args.input_dir, name, columns=[target])[target]

    labels, classes = encode_labels(label_parts, args.problem_type)
    del label_parts
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
    features = frames  # the same table, without the label (deleted in place, not copied)
    del features["train"][target]

    transformer = build_transformer(features["train"], args)
    started = time.perf_counter()
    train_matrix = transformer.fit_transform(features["train"])  # learned on training rows only
    names = [str(n) for n in transformer.get_feature_names_out()]
    print(
        f"{len(names)} model features from {features['train'].shape[1]} columns "
        f"(fitted in {time.perf_counter() - started:.1f} s)",
        flush=True,
    )

    input_columns = list(features["train"].columns)
    fixes_file = args.fixes or args.input_dir / "fixes" / rowfixes.FIXES_FILE
    if fixes_file.is_file():
        fixes = rowfixes.load(fixes_file)
    else:  # the features of data prepared elsewhere: no fixes to repeat
        print(f"no {fixes_file}: served records get no row fixes")
        fixes = {"columns": input_columns}
    texts = [c for c in args.text_column if c in input_columns]
    if texts:  # sparse all the way to the model: LIBSVM splits
        for name in SPLITS:
            if name == "train":
                matrix = sparse.csr_matrix(train_matrix)
            else:
                rows = read_split(args.input_dir, name)
                del rows[target]
                matrix = sparse.csr_matrix(transformer.transform(rows))
                del rows
            write_sparse(args.output_dir / name / f"{name}.libsvm", labels[name], matrix)
            print(f"{name}: {matrix.shape[0]} rows, {matrix.nnz} non-zero values (sparse)")
        del train_matrix
    del features["train"]  # the fit's output is all the training rows still needed
    for name in () if texts else SPLITS:
        if name == "train":

            def block(start: int, stop: int, matrix=train_matrix):
                return matrix[start:stop]
        else:  # each split read at its turn, its memory back once it is written
            rows = read_split(args.input_dir, name)
            del rows[target]

            def block(start: int, stop: int, rows=rows):
                return transformer.transform(rows.iloc[start:stop])

            del rows
        suffix = ".parquet" if name in PARQUET_SPLITS else ".csv"
        write_split(args.output_dir / name / f"{name}{suffix}", labels[name], block, names, target)
        del block
        if name == "train":
            del train_matrix

    artifact = args.output_dir / "transformer" / "features.joblib"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {
            "transformer": transformer,
            "target": target,
            "input_columns": input_columns,
            "numeric_columns": [str(c) for c in transformer.transformers_[0][2]],
            "feature_names": names,
            "label_classes": classes,
            "problem_type": args.problem_type,
            "row_fixes": fixes,
            "text_columns": texts,
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
