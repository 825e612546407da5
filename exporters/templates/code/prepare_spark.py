"""Prepare the raw data with Spark: clean it, then split it into train, validation and test.

The Spark twin of prepare.py, for data too big for one machine's memory. It runs as a
SageMaker Processing job in the PySpark container (``PySparkProcessor``), which starts it
with ``spark-submit``; the arguments and the folder layout are the same as prepare.py's:

    input   <root>/input/raw/                 .csv or .parquet files
    output  <root>/output/{train,validation,test}/<split>.csv   one file each, with header
            <root>/output/fixes/rowfixes.json     the dropped columns and the fill values,
                                                  which the served model applies to new
                                                  records (prepare.py's format)
            <root>/output/baseline/baseline.csv   with --baseline: training rows as
                                                  requests carry them (the label left out,
                                                  gaps still gaps; a sample of at most
                                                  100,000), for Model Monitor's baseline

``<root>`` is ``/opt/ml/processing``, or ``$SM_PROCESSING_ROOT`` when that is set, and
``--input-dir``/``--output-dir`` override both.

These are folders on the instance's own disk, and Spark is told so: in AWS's Spark container
the default file system is the cluster's HDFS (``fs.defaultFS``), so a bare
``/opt/ml/processing/...`` path would be looked up there. The input files are read through
``file://`` URIs (SageMaker copies the input to every instance, so each executor finds them);
the three CSV files are written by the driver itself, one partition at a time, so they land on
the instance whose ``/opt/ml/processing/output`` SageMaker uploads, whatever the cluster size.

The split is stratified for classification: within each class, rows are ordered by a
seeded random number and cut at the train and validation ratios, so every split keeps the
class balance. Fill values for missing data are learned on the training split only.

On your own machine (``pip install pyspark`` plus a Java runtime):

    python prepare_spark.py --target-column target --input-dir data --output-dir out
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType

SPLITS = ("train", "validation", "test")
BASELINE_ROWS = 100_000
"""At most this many training rows in the data-quality baseline (as prepare.py)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    root = Path(os.environ.get("SM_PROCESSING_ROOT", "/opt/ml/processing"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-column", required=True)
    parser.add_argument(
        "--missing-values", choices=["drop", "median", "mean", "most_frequent"], default="median"
    )
    parser.add_argument("--train-ratio", type=float, default=0.7)
    parser.add_argument("--validation-ratio", type=float, default=0.15)
    parser.add_argument("--test-ratio", type=float, default=0.15)
    parser.add_argument("--random-seed", type=int, default=42)
    parser.add_argument(
        "--problem-type",
        choices=["binary_classification", "multiclass_classification", "regression"],
        default="binary_classification",
    )
    parser.add_argument("--no-header", action="store_true")
    parser.add_argument("--drop-duplicates", action="store_true")
    parser.add_argument("--drop-column", action="append", default=[])
    parser.add_argument("--input-dir", type=Path, default=root / "input" / "raw")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also write baseline/baseline.csv: a sample of the training rows as requests "
        "carry them, for Model Monitor's data-quality baseline",
    )
    parser.add_argument("--output-dir", type=Path, default=root / "output")
    args = parser.parse_args(argv)
    total = args.train_ratio + args.validation_ratio + args.test_ratio
    if abs(total - 1.0) > 1e-6:
        parser.error(f"the three ratios must add up to 1 (they add up to {total:g})")
    return args


def local_uri(path: Path) -> str:
    """A file on this instance's disk, as a URI no file system setting can redirect."""
    return path.resolve().as_uri()


def read_raw(spark: SparkSession, input_dir: Path, has_header: bool) -> DataFrame:
    files = sorted(p for p in input_dir.rglob("*") if p.is_file())
    # file:// URIs: a bare path would be resolved against fs.defaultFS (HDFS on AWS)
    csv_files = [local_uri(p) for p in files if p.name.lower().endswith((".csv", ".csv.gz"))]
    parquet = [local_uri(p) for p in files if p.name.lower().endswith((".parquet", ".pq"))]
    if not csv_files and not parquet:
        raise SystemExit(f"no .csv or .parquet files found under {input_dir}")
    frames = []
    if csv_files:
        # Without a header Spark names the columns _c0, _c1, ... (as prepare.py does).
        frames.append(spark.read.csv(csv_files, header=has_header, inferSchema=True))
    if parquet:
        frames.append(spark.read.parquet(*parquet))
    data = frames[0]
    for frame in frames[1:]:
        data = data.unionByName(frame)
    return data


def clean(data: DataFrame, args: argparse.Namespace) -> DataFrame:
    target = args.target_column
    if target not in data.columns:
        if args.no_header:
            print(f"no column named {target!r}: using the first column as the label")
            data = data.withColumnRenamed(data.columns[0], target)
        else:
            raise SystemExit(
                f"the target column {target!r} is not in the data; columns are: "
                + ", ".join(data.columns)
            )
    unknown = [c for c in args.drop_column if c not in data.columns]
    if unknown:
        raise SystemExit(f"cannot drop {', '.join(unknown)}: no such column")
    data = data.filter(F.col(target).isNotNull())
    if args.drop_duplicates:
        # Duplicates once the dropped columns are gone (as prepare.py drops them first);
        # the columns themselves stay until the split, for the baseline's raw rows.
        data = data.dropDuplicates([c for c in data.columns if c not in args.drop_column])
    return data


def split(data: DataFrame, args: argparse.Namespace) -> dict[str, DataFrame]:
    """Rank rows by a seeded random number (within each class when classifying) and cut."""
    ranked = data.withColumn("_random", F.rand(seed=args.random_seed))
    if args.problem_type == "regression":
        window = Window.orderBy("_random")
    else:
        window = Window.partitionBy(args.target_column).orderBy("_random")
    # Cache: every later action (fill values, writing, counting) must see the same split.
    ranked = ranked.withColumn("_rank", F.percent_rank().over(window)).cache()
    cut_train = args.train_ratio
    cut_validation = args.train_ratio + args.validation_ratio
    parts = {
        "train": ranked.filter(F.col("_rank") < cut_train),
        "validation": ranked.filter(
            (F.col("_rank") >= cut_train) & (F.col("_rank") < cut_validation)
        ),
        "test": ranked.filter(F.col("_rank") >= cut_validation),
    }
    return {name: part.drop("_random", "_rank") for name, part in parts.items()}


def fill_missing(
    parts: dict[str, DataFrame], fills: dict[str, object], args: argparse.Namespace
) -> dict[str, DataFrame]:
    if args.missing_values == "drop":
        return {name: part.dropna() for name, part in parts.items()}
    return {name: part.fillna(fills) for name, part in parts.items()}


def learned_fills(train: DataFrame, args: argparse.Namespace) -> dict[str, object]:
    """What gaps get, learned on the training split (also with ``drop``: a served record
    cannot be dropped, so its gaps are filled the way ``median`` would)."""
    how = "median" if args.missing_values == "drop" else args.missing_values
    fields = [f for f in train.schema.fields if f.name != args.target_column]
    numeric = [f.name for f in fields if isinstance(f.dataType, NumericType)]
    fills: dict[str, object] = {}
    # One pass over the training split for every numeric column (nulls are ignored)
    if numeric and how == "median":
        quantiles = train.approxQuantile(numeric, [0.5], 0.001)
        fills.update({c: q[0] for c, q in zip(numeric, quantiles, strict=True) if q})
    elif numeric and how == "mean":
        means = train.agg(*(F.mean(c).alias(c) for c in numeric)).first().asDict()
        fills.update({c: v for c, v in means.items() if v is not None})
    else:
        numeric = []
    for column in (f.name for f in fields if f.name not in numeric):
        # text columns, or most_frequent for everything
        row = (
            train.filter(F.col(column).isNotNull())
            .groupBy(column)
            .count()
            .orderBy(F.desc("count"), F.asc(column))
            .first()
        )
        if row is not None:
            fills[column] = row[0]
    return fills


def save_fixes(
    path: Path, names: list[str], fills: dict[str, object], args: argparse.Namespace
) -> None:
    """rowfixes.json as prepare.py writes it (rowfixes.py's format 1): the columns a
    record carries, the ones dropped, the fill values. Spark parses no numbers or dates."""
    document = {
        "format": 1,
        "target": args.target_column,
        "columns": [c for c in names if c != args.target_column],
        "layout": names,
        "drop": list(args.drop_column),
        "parse_number": [],
        "parse_date": [],
        "text": [],
        "fills": fills,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def write_single_csv(part: DataFrame, out_dir: Path, name: str) -> int:
    """Write one CSV file with a header, on the driver: the rows come over one partition at
    a time (the driver never holds more than one), and the file is on the driver's disk,
    which no ``fs.defaultFS`` setting changes. Returns the number of rows written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # One job per partition: no more partitions than the cluster has cores (no shuffle)
    cores = part.sparkSession.sparkContext.defaultParallelism
    part = part.coalesce(max(1, min(cores, part.rdd.getNumPartitions())))
    rows = 0
    with (out_dir / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(part.columns)
        for row in part.toLocalIterator():
            writer.writerow(["" if value is None else value for value in row])
            rows += 1
    return rows


def write_baseline(train: DataFrame, args: argparse.Namespace) -> None:
    """Served records carry the columns without the label, gaps unfilled: a random sample
    of the training rows in that form (a top-k by a seeded random key, no sort of the whole
    split)."""
    baseline = (
        train.drop(args.target_column).orderBy(F.rand(seed=args.random_seed)).limit(BASELINE_ROWS)
    )
    rows = write_single_csv(baseline, args.output_dir / "baseline", "baseline")
    print(f"baseline: {rows} training rows as requests carry them")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    spark = SparkSession.builder.appName("sm-wizard-prepare").getOrCreate()
    try:
        data = clean(read_raw(spark, args.input_dir, has_header=not args.no_header), args)
        names = list(data.columns)  # as read, the label among them
        unfilled = split(data, args)
        kept = {name: part.drop(*args.drop_column) for name, part in unfilled.items()}
        fills = learned_fills(kept["train"], args)
        save_fixes(args.output_dir / "fixes" / "rowfixes.json", names, fills, args)
        parts = fill_missing(kept, fills, args)
        for name in SPLITS:
            rows = write_single_csv(parts[name], args.output_dir / name, name)
            if rows == 0:
                raise SystemExit(f"the {name} split is empty; use more data or other ratios")
            print(f"{name}: {rows} rows")
        if args.baseline:
            write_baseline(unfilled["train"], args)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
