"""Prepare the raw data: clean it, then split it into train, validation and test sets.

This runs as a SageMaker Processing job in the scikit-learn container. Before the script
starts, SageMaker copies the raw data from S3 to ``/opt/ml/processing/input/raw``; when it
ends, SageMaker uploads everything written under ``/opt/ml/processing/output/<split>``.

    input   <root>/input/raw/                 one or more .csv, .parquet or .jsonl files
    output  <root>/output/train/train.csv     with a header row
            <root>/output/validation/validation.csv
            <root>/output/test/test.csv
            <root>/output/fixes/rowfixes.json  the fixes below and the fill values, which
                                              the served model applies to new records
            <root>/output/baseline/baseline.csv  with --baseline: training rows as
                                              requests carry them, your columns without
                                              the label, before any fix (a sample of at
                                              most 100,000 rows)

CSV files are read and written with pyarrow (several threads, no row-by-row Python), and the
splits stay CSV with a header: what SageMaker Clarify's bias check and an Autopilot job read.

``<root>`` is ``/opt/ml/processing``, or ``$SM_PROCESSING_ROOT`` when that is set (the
sm-wizard local engine sets it), and ``--input-dir``/``--output-dir`` override both.

Cleaning, in order: drop the columns you listed, turn numbers written as text ("1,234.5",
"$12", "45%") into numbers and dates into numeric parts (year, month, day of week, days
since 1970), make missing free text (``--text-column``) empty text, write labels that
differ only in case or spaces one way, drop rows without a label, drop exact duplicate rows, split, then fill (or drop) missing values. Fill values are
learned on the training split only and applied to all three, so nothing about the
validation and test rows leaks into training. The fixes themselves live in rowfixes.py,
which the serving code shares (in a processing job the step mounts code/ at
``<root>/input/lib``).

The baseline (``--baseline``) is what Model Monitor's data-quality baseline is computed from. A
deployed model is sent raw records and the endpoint captures them as sent, so the baseline
holds training rows in that form: the columns in your data's order, the label left out,
numbers still written as text where your data writes them so, gaps still gaps. A random
sample describes the columns as well as all the rows would, without a second copy of them.

Try it on your own machine:

    python prepare.py --target-column target --input-dir data --output-dir /tmp/prepared
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sklearn.model_selection import train_test_split

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
BASELINE_ROWS = 100_000
"""At most this many training rows in the data-quality baseline."""
READABLE = (".csv", ".csv.gz", ".parquet", ".pq", ".jsonl", ".ndjson", ".json")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    root = Path(os.environ.get("SM_PROCESSING_ROOT", "/opt/ml/processing"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-column", required=True, help="the column to predict")
    parser.add_argument(
        "--missing-values",
        choices=["drop", "median", "mean", "most_frequent"],
        default="median",
        help="drop rows with gaps, or fill numeric gaps with the training median/mean "
        "(text columns always get the most frequent value)",
    )
    parser.add_argument("--train-ratio", type=float, default=0.7)
    parser.add_argument("--validation-ratio", type=float, default=0.15)
    parser.add_argument("--test-ratio", type=float, default=0.15)
    parser.add_argument("--random-seed", type=int, default=42)
    parser.add_argument(
        "--problem-type",
        choices=["binary_classification", "multiclass_classification", "regression"],
        default="binary_classification",
        help="classification splits keep the class balance (stratified)",
    )
    parser.add_argument(
        "--no-header",
        action="store_true",
        help="the files have no header row: columns are named _c0, _c1, ...",
    )
    parser.add_argument("--drop-duplicates", action="store_true")
    parser.add_argument(
        "--drop-column", action="append", default=[], help="a column to remove (repeatable)"
    )
    parser.add_argument(
        "--parse-number",
        action="append",
        default=[],
        help="a column of numbers written as text, such as '1,234.5', '$12' or '45%%' (repeatable)",
    )
    parser.add_argument(
        "--parse-date",
        action="append",
        default=[],
        help="a column of dates or times, replaced by its year, month, day of week and days "
        "since 1970 (repeatable)",
    )
    parser.add_argument(
        "--text-column",
        action="append",
        default=[],
        help="a column of free text, kept as text (a missing text becomes empty text); "
        "features.py turns it into word features (repeatable)",
    )
    parser.add_argument(
        "--normalise-labels",
        action="store_true",
        help="labels that differ only in case or surrounding spaces count as one class",
    )
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


def read_raw(input_dir: Path, has_header: bool) -> pd.DataFrame:
    """Read every CSV, Parquet or JSON-lines file under ``input_dir`` (sorted by name) into
    one table. A JSON-lines file holds one object per line, its keys the columns."""
    files = sorted(
        p for p in input_dir.rglob("*") if p.is_file() and p.name.lower().endswith(READABLE)
    )
    if not files:
        raise SystemExit(f"no .csv, .parquet or .jsonl files found under {input_dir}")
    frames = []
    for path in files:
        started = time.perf_counter()
        print(f"reading {path.name} ({path.stat().st_size / 1e6:,.1f} MB)", flush=True)
        if path.name.lower().endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
        elif path.name.lower().endswith((".jsonl", ".ndjson", ".json")):
            try:
                frame = pd.read_json(path, lines=True, dtype=False)
            except ValueError as exc:
                raise SystemExit(
                    f"{path.name} is not JSON lines (one object per line): {exc}"
                ) from None
        else:
            frame = read_csv(path, has_header)
        if not has_header:
            frame.columns = [f"_c{i}" for i in range(frame.shape[1])]
        print(
            f"read {len(frame)} rows x {frame.shape[1]} columns from {path.name} "
            f"({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        frames.append(frame)
    data = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    del frames
    pa.default_memory_pool().release_unused()  # the parser's buffers, back to the system
    return data


def read_csv(path: Path, has_header: bool) -> pd.DataFrame:
    """One CSV file, parsed by pyarrow; dates stay text (as pandas reads them) so that
    ``--parse-date`` decides what becomes a date. pandas' own parser is the fallback for
    files pyarrow refuses (ragged rows, unusual quoting)."""
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(autogenerate_column_names=not has_header),
            convert_options=pacsv.ConvertOptions(timestamp_parsers=[]),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        print(f"{path.name}: the fast reader failed ({exc}); reading it with pandas")
        return pd.read_csv(path, header=0 if has_header else None)
    dated = [
        i
        for i, field in enumerate(table.schema)
        if pa.types.is_temporal(field.type) and not pa.types.is_duration(field.type)
    ]
    for i in dated:
        table = table.set_column(i, table.schema.field(i).name, table.column(i).cast(pa.string()))
    return table.to_pandas()


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A split as CSV with a header row, written by pyarrow; pandas writes what pyarrow
    cannot hold (a column mixing numbers and text)."""
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        frame.to_csv(path, index=False)
        return
    pacsv.write_csv(table, path)


def clean(data: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    """Drop listed columns, parse numbers and dates written as text, normalise labels, drop
    rows without a label and (optionally) duplicate rows."""
    target = args.target_column
    if target not in data.columns:
        if args.no_header:
            # Files without a header follow the built-in algorithms' convention: the label
            # is the first column.
            print(f"no column named {target!r}: using the first column as the label")
            data = data.rename(columns={data.columns[0]: target})
        else:
            raise SystemExit(
                f"the target column {target!r} is not in the data; columns are: "
                + ", ".join(map(str, data.columns))
            )
    fixes = column_fixes(args)
    unknown = rowfixes.unknown_columns(data, fixes)
    if unknown:
        raise SystemExit(
            f"cannot fix {', '.join(unknown)}: no such column; columns are: "
            + ", ".join(map(str, data.columns))
        )
    data = rowfixes.fix_columns(data, fixes)
    if args.drop_column:
        print(f"dropped columns: {', '.join(args.drop_column)}")
    for column in args.parse_number:
        print(f"{column}: read as numbers")
    for column in args.parse_date:
        print(f"{column}: read as dates (year, month, day of week, days since 1970)")
    if args.text_column:
        print(f"free text kept as text: {', '.join(args.text_column)}")
    if data[target].dtype == object:  # " no" and "no" are one label (as the wizard counts)
        data[target] = data[target].map(lambda v: v.strip() if isinstance(v, str) else v)
    if args.normalise_labels and args.problem_type != "regression":
        labels = data[target]
        text = labels.astype("string").str.strip().str.casefold()
        changed = int((text != labels.astype("string")).fillna(False).sum())
        data[target] = text.astype(object).where(labels.notna())
        if changed:
            print(f"{target}: {changed} labels written in lower case without spaces")

    unlabeled = int(data[target].isna().sum())
    if unlabeled:
        data = data[data[target].notna()]
        print(f"dropped {unlabeled} rows without a {target!r} value")
    if args.drop_duplicates:
        before, started = len(data), time.perf_counter()
        data = data.drop_duplicates()
        elapsed = time.perf_counter() - started
        print(f"dropped {before - len(data)} duplicate rows ({elapsed:.1f} s)", flush=True)
    if len(data) < 3:
        raise SystemExit(f"only {len(data)} usable rows left; need at least 3 to split")
    # The index still numbers the rows as read (the split does not depend on it), so a
    # split's rows can be found in the raw data again.
    return data


def column_fixes(args: argparse.Namespace) -> dict:
    """The fixes that change columns, as rowfixes.py applies them."""
    return {
        "drop": list(args.drop_column),
        "parse_number": list(args.parse_number),
        "parse_date": list(args.parse_date),
        "text": list(args.text_column),
    }


def split(
    data: pd.DataFrame, args: argparse.Namespace, stratified: bool = True
) -> dict[str, pd.DataFrame]:
    """Train/validation/test split; stratified by the label for classification."""
    labels = data[args.target_column]
    stratified = stratified and args.problem_type != "regression"
    if stratified and labels.value_counts().min() < 2:
        print("some class has a single row: splitting without stratification")
        stratified = False
    try:
        rest, test = train_test_split(
            data,
            test_size=args.test_ratio,
            random_state=args.random_seed,
            stratify=labels if stratified else None,
        )
        # The validation share of what is left once the test rows are set aside.
        share = args.validation_ratio / (args.train_ratio + args.validation_ratio)
        train, validation = train_test_split(
            rest,
            test_size=share,
            random_state=args.random_seed,
            stratify=rest[args.target_column] if stratified else None,
        )
    except ValueError as exc:  # too few rows of some class for a stratified split
        if not stratified:
            raise SystemExit(f"cannot split {len(data)} rows: {exc}") from None
        print(f"a stratified split is impossible ({exc}); splitting without it")
        return split(data, args, stratified=False)
    return {"train": train, "validation": validation, "test": test}


def fill_missing(
    parts: dict[str, pd.DataFrame], args: argparse.Namespace
) -> dict[str, pd.DataFrame]:
    """Fill (or drop) missing values with statistics of the training split only."""
    if args.missing_values == "drop":
        out = {}
        for name, frame in parts.items():
            kept = frame.dropna()
            if len(kept) < len(frame):
                print(f"{name}: dropped {len(frame) - len(kept)} rows with missing values")
            out[name] = kept
        return out

    fills = learned_fills(parts, args)
    gaps = sum(int(frame.isna().sum().sum()) for frame in parts.values())
    if gaps:
        print(f"filled {gaps} missing values ({args.missing_values} of the training split)")
    return {name: rowfixes.fill(frame, fills) for name, frame in parts.items()}


def learned_fills(parts: dict[str, pd.DataFrame], args: argparse.Namespace) -> dict:
    """What gaps get, learned on the training split (also with ``drop``: a served record
    cannot be dropped, so its gaps are filled the way ``median`` would)."""
    how = "median" if args.missing_values == "drop" else args.missing_values
    return rowfixes.learn_fills(
        parts["train"], args.target_column, how, skip=tuple(args.text_column)
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raw = read_raw(args.input_dir, has_header=not args.no_header)
    names = [str(c) for c in raw.columns]
    if args.target_column not in names and args.no_header:
        names[0] = args.target_column  # clean() takes the first column as the label
    candidates = baseline_candidates(raw, names, args) if args.baseline else None
    data = clean(raw, args)
    del raw
    started = time.perf_counter()
    parts = fill_missing(split(data, args), args)
    del data
    print(f"split and filled in {time.perf_counter() - started:.1f} s", flush=True)
    fixes = {
        "target": args.target_column,
        "columns": [c for c in names if c != args.target_column],
        "layout": names,  # the columns as read, the label among them
        **column_fixes(args),
        "fills": learned_fills(parts, args),
    }
    rowfixes.save(args.output_dir / "fixes" / rowfixes.FIXES_FILE, fixes)
    for name in SPLITS:
        frame = parts[name]
        if frame.empty:
            raise SystemExit(f"the {name} split is empty; use more data or other ratios")
        out_dir = args.output_dir / name
        out_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_csv(frame, out_dir / f"{name}.csv")
        summary = f"{name}: {len(frame)} rows written in {time.perf_counter() - started:.1f} s"
        if args.problem_type != "regression":
            counts = frame[args.target_column].value_counts().sort_index()
            summary += " (" + ", ".join(f"{k}: {v}" for k, v in counts.items()) + ")"
        print(summary)
    if candidates is not None:
        path = args.output_dir / "baseline" / "baseline.csv"
        write_baseline(candidates, parts["train"], path)


def baseline_candidates(
    raw: pd.DataFrame, names: list[str], args: argparse.Namespace
) -> pd.DataFrame:
    """A random sample of the rows as read, the label left out, big enough that after
    cleaning and splitting ``BASELINE_ROWS`` of them are likely training rows. Taken before
    the fixes change the columns; the index still numbers the rows as read, as the splits'
    does, so the training rows among them can be found once the split is made."""
    share = args.train_ratio / (args.train_ratio + args.validation_ratio + args.test_ratio)
    wanted = min(len(raw), int(BASELINE_ROWS / max(share, 0.01) * 1.2) + 1)
    sample = raw.sample(n=wanted, random_state=args.random_seed) if wanted < len(raw) else raw
    sample = sample.set_axis(names, axis=1)
    return sample.drop(columns=[args.target_column], errors="ignore")  # clean() checks it


def write_baseline(candidates: pd.DataFrame, train: pd.DataFrame, path: Path) -> None:
    """The candidates that landed in the training split, in the order they were read."""
    rows = candidates[candidates.index.isin(train.index)]
    if len(rows) > BASELINE_ROWS:
        rows = rows.sample(n=BASELINE_ROWS, random_state=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(rows.sort_index(), path)
    print(f"baseline: {len(rows)} training rows as requests carry them ({len(train)} in all)")


if __name__ == "__main__":
    main()
