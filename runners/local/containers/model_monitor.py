"""A local stand-in for SageMaker Model Monitor's data-quality baselining job.

A QualityCheck step (DATA_QUALITY) runs Model Monitor's container on a baseline dataset
(Parquet, as the pipeline declares it, or CSV) and writes two files that later monitoring jobs compare live traffic against:

    statistics.json    per column: type, count, missing, mean, sum, std_dev, min, max and
                       a 10-bucket distribution (numbers), or distinct values (text)
    constraints.json   per column: type, completeness, non-negativity, and the domain of
                       low-cardinality text columns; plus the monitoring settings

Both follow the schemas in the Model Monitor documentation ("Schema for Statistics",
"Schema for Constraints"). The numbers here are exact rather than sketched: the KLL sketch
section carries the sorted sample itself (at most ``k`` values).

This file imports nothing from sm_wizard: it stands for a separate container.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

KLL_K = 2048
DOMAIN_LIMIT = 20  # text columns with at most this many values get a domain constraint


def inferred_type(series) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "String"
    if pd.api.types.is_integer_dtype(series):
        return "Integral"
    if pd.api.types.is_float_dtype(series):
        present = series.dropna()
        if len(present) and (present % 1 == 0).all():
            return "Integral"
        return "Fractional"
    if pd.api.types.is_numeric_dtype(series):
        return "Fractional"
    return "String"


def numeric_statistics(series) -> dict:
    import numpy as np

    present = series.dropna().astype(float)
    common = {"num_present": len(present), "num_missing": int(series.isna().sum())}
    if present.empty:
        return {"common": common}
    low, high = float(present.min()), float(present.max())
    edges = np.linspace(low, high, 11) if high > low else np.array([low, high])
    counts, _ = np.histogram(present, bins=edges)
    buckets = [
        {"lower_bound": float(a), "upper_bound": float(b), "count": float(c)}
        for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
    sample = np.sort(present.to_numpy())
    if len(sample) > KLL_K:  # keep an evenly spaced subset, as a sketch would
        sample = sample[np.linspace(0, len(sample) - 1, KLL_K).astype(int)]
    return {
        "common": common,
        "mean": float(present.mean()),
        "sum": float(present.sum()),
        "std_dev": float(present.std(ddof=0)),
        "min": low,
        "max": high,
        "distribution": {
            "kll": {
                "buckets": buckets,
                "sketch": {
                    "parameters": {"c": 0.64, "k": float(KLL_K)},
                    "data": [[float(v) for v in sample]],
                },
            }
        },
    }


def string_statistics(series) -> dict:
    present = series.dropna().astype(str)
    counts = present.value_counts()
    return {
        "common": {"num_present": len(present), "num_missing": int(series.isna().sum())},
        "distinct_count": float(len(counts)),
        "distribution": {
            "categorical": {
                "buckets": [{"value": str(v), "count": float(c)} for v, c in counts.items()]
            }
        },
    }


def baseline(data) -> tuple[dict, dict]:
    """(statistics, constraints) for a table."""
    features, constraints = [], []
    for column in data.columns:
        series = data[column]
        kind = inferred_type(series)
        entry: dict = {"name": str(column), "inferred_type": kind}
        rule: dict = {
            "name": str(column),
            "inferred_type": kind,
            "completeness": float(series.notna().mean()) if len(series) else 0.0,
        }
        if kind in ("Integral", "Fractional"):
            entry["numerical_statistics"] = numeric_statistics(series)
            rule["num_constraints"] = {"is_non_negative": bool((series.dropna() >= 0).all())}
        else:
            entry["string_statistics"] = string_statistics(series)
            values = sorted(series.dropna().astype(str).unique().tolist())
            if len(values) <= DOMAIN_LIMIT:
                rule["string_constraints"] = {"domains": values}
        features.append(entry)
        constraints.append(rule)
    statistics = {"version": 0.0, "dataset": {"item_count": len(data)}, "features": features}
    constraint_doc = {
        "version": 0.0,
        "features": constraints,
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            "emit_metrics": "Enabled",
            "datatype_check_threshold": 1.0,
            "domain_content_threshold": 1.0,
            "distribution_constraints": {
                "perform_comparison": "Enabled",
                "comparison_threshold": 0.1,
                "comparison_method": "Robust",
                "categorical_comparison_threshold": 0.1,
                "categorical_drift_method": "LInfinity",
            },
        },
    }
    return statistics, constraint_doc


def read_csv(path: Path, header: int | None):
    """pyarrow's parser (several threads), pandas' when pyarrow refuses the file."""
    import pandas as pd

    try:
        return pd.read_csv(path, header=header, engine="pyarrow")
    except ValueError:  # pyarrow's errors (ArrowInvalid) are ValueErrors
        return pd.read_csv(path, header=header)


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset-dir", type=Path, required=True)
    parser.add_argument("--statistics", type=Path, required=True, help="statistics.json path")
    parser.add_argument("--constraints", type=Path, required=True, help="constraints.json path")
    parser.add_argument("--no-header", action="store_true")
    args = parser.parse_args(argv)

    files = sorted(
        p for p in args.dataset_dir.rglob("*") if p.is_file() and p.suffix in (".csv", ".parquet")
    )
    if not files:
        raise SystemExit(f"no .parquet or .csv files under {args.dataset_dir}")
    header = None if args.no_header else 0
    frames = [pd.read_parquet(f) if f.suffix == ".parquet" else read_csv(f, header) for f in files]
    data = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    del frames
    if args.no_header:
        data.columns = [f"_c{i}" for i in range(data.shape[1])]
    print(f"baselining {len(data)} rows x {data.shape[1]} columns")
    statistics, constraints = baseline(data)
    for path, doc in ((args.statistics, statistics), (args.constraints, constraints)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"wrote {path.name}")
    incomplete = [f["name"] for f in constraints["features"] if f["completeness"] < 1.0]
    if incomplete:
        print(f"columns with missing values: {', '.join(incomplete)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
