"""A local stand-in for SageMaker Clarify's pre-training bias job (ClarifyCheck, DATA_BIAS).

It measures, before any model exists, whether the training data treats one group of a
sensitive column (the *facet*) differently from the rest, and writes ``analysis.json`` in
Clarify's layout::

    {"version": "1.0",
     "pre_training_bias_metrics": {
        "label": "target", "label_value_or_threshold": "1",
        "facets": {"gender": [{"value_or_threshold": "1",
                               "metrics": [{"name": "CI", "description": ..., "value": 0.12},
                                           {"name": "DPL", "description": ..., "value": 0.03}]}]}}}

Two metrics, with ``d`` the facet group and ``a`` everyone else:
  * CI, class imbalance: (n_a - n_d) / (n_a + n_d). 0 means equal sizes; near +1 means the
    group is barely present.
  * DPL, difference in positive proportions in labels: q_a - q_d, where q is the share of
    rows with the positive label. 0 means both groups get positive labels equally often.

Groups: with ``--facet-threshold`` (the config's ``evaluation.bias_facet_threshold``, as
BiasConfig's ``facet_values_or_threshold``) the group is the rows above it; without, a facet
column with at most 10 distinct values gives one group per value and a column with more is
cut at its median (``d`` = above the median). A facet that one-hot encoding split into
``<facet>_<value>`` columns gives one group per such column. The positive label is 1 for
classification (or the largest label); for regression, above ``--label-threshold`` (the
config's ``evaluation.bias_label_threshold``), or above the median without it.

This file imports nothing from sm_wizard: it stands for a separate container.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DESCRIPTIONS = {
    "CI": "Class Imbalance (CI)",
    "DPL": "Difference in Positive Proportions in Labels (DPL)",
}
MAX_GROUPS = 10


def bias_metrics(in_group, positive) -> list[dict]:
    """CI and DPL for one facet group (boolean arrays of the same length)."""
    import numpy as np

    n_d = int(np.sum(in_group))
    n_a = int(len(in_group) - n_d)
    ci = (n_a - n_d) / (n_a + n_d) if (n_a + n_d) else float("nan")
    q_a = float(np.mean(positive[~in_group])) if n_a else float("nan")
    q_d = float(np.mean(positive[in_group])) if n_d else float("nan")
    values = {"CI": ci, "DPL": q_a - q_d}
    return [
        {
            "name": name,
            "description": DESCRIPTIONS[name],
            "value": None if value != value else round(float(value), 6),  # NaN -> null
        }
        for name, value in values.items()
    ]


def facet_groups(data, facet: str, threshold: float | None = None) -> list[tuple[str, object]]:
    """[(value_or_threshold, boolean mask of the group)] for the facet."""
    import numpy as np

    if facet in data.columns:
        column = data[facet]
        if threshold is not None:
            return [(f"{threshold:g}", (column.astype(float) > threshold).to_numpy())]
        distinct = sorted(column.dropna().unique().tolist(), key=str)
        if len(distinct) <= MAX_GROUPS:
            return [(str(v), (column == v).to_numpy()) for v in distinct]
        threshold = float(np.median(column.dropna().astype(float)))
        return [(f"{threshold:g}", (column.astype(float) > threshold).to_numpy())]
    encoded = [c for c in data.columns if str(c).startswith(f"{facet}_")]
    if encoded:
        return [(str(c)[len(facet) + 1 :], (data[c] > 0.5).to_numpy()) for c in encoded]
    raise SystemExit(
        f"facet {facet!r} is not a column of the dataset; columns: "
        + ", ".join(map(str, data.columns))
    )


def positive_labels(
    labels, problem_type: str, threshold: float | None = None
) -> tuple[object, str]:
    import numpy as np

    values = labels.to_numpy()
    if problem_type == "regression":
        if threshold is None:
            threshold = float(np.median(values))
        return values > threshold, f"{threshold:g}"
    positive = 1 if 1 in set(values.tolist()) else max(values.tolist())
    return values == positive, str(positive)


def read_csv(path: Path):
    """pyarrow's parser (several threads), pandas' when pyarrow refuses the file."""
    import pandas as pd

    try:
        return pd.read_csv(path, engine="pyarrow")
    except ValueError:  # pyarrow's errors (ArrowInvalid) are ValueErrors
        return pd.read_csv(path)


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset-dir", type=Path, required=True, help="CSV with a header")
    parser.add_argument("--label", required=True)
    parser.add_argument("--facet", required=True)
    parser.add_argument("--problem-type", default="binary_classification")
    parser.add_argument("--facet-threshold", type=float, help="group: facet values above it")
    parser.add_argument(
        "--label-threshold", type=float, help="regression: labels above it are favourable"
    )
    parser.add_argument("--output", type=Path, required=True, help="analysis.json path")
    args = parser.parse_args(argv)

    files = sorted(p for p in args.dataset_dir.rglob("*.csv") if p.is_file())
    if not files:
        raise SystemExit(f"no .csv files under {args.dataset_dir}")
    frames = [read_csv(f) for f in files]
    data = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if args.label not in data.columns:
        raise SystemExit(f"label {args.label!r} is not a column of the dataset")
    positive, label_value = positive_labels(
        data[args.label], args.problem_type, args.label_threshold
    )
    groups = facet_groups(data, args.facet, args.facet_threshold)
    report = {
        "version": "1.0",
        "pre_training_bias_metrics": {
            "label": args.label,
            "label_value_or_threshold": label_value,
            "facets": {
                args.facet: [
                    {"value_or_threshold": value, "metrics": bias_metrics(mask, positive)}
                    for value, mask in groups
                ]
            },
        },
    }
    for value, mask in groups:
        ci, dpl = bias_metrics(mask, positive)
        print(f"{args.facet}={value}: CI={ci['value']} DPL={dpl['value']}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
