"""Benchmark of the local engine as the data grows, against one hand-written script.

    python bench/bench_local_scale.py                  100k and 1M rows
    python bench/bench_local_scale.py --rows 5M        5 million rows (about 1 GB of CSV)
    python bench/bench_local_scale.py --rows 100k 1M 5M --data-dir /tmp/scale-data

For each size, synthetic classification data (20 numeric columns with 1 % missing values,
3 text columns, a binary target, 0.5 % duplicate rows) is written as one CSV and run two
ways, back to back:

* **pipeline**: ``sm-wizard run wizard.toml --json`` on the blank template with only the
  input, the target, the problem type and ``drop_duplicates`` answered, each run in a fresh
  run folder (nothing cached): the real local engine running the exported step scripts and
  the stand-in containers, checks and registration included;
* **by hand**: one Python script doing the same work a person would write: read the CSV
  (pyarrow), drop duplicate rows, a stratified 70/15/15 split (the pipeline's seed), median
  imputation + one-hot encoding + standard scaling learned on the training rows, XGBoost
  with the pipeline's own hyperparameters (early stopping on the validation rows), test AUC.

Memory is the peak of the summed proportional set size (PSS: shared pages split between the
processes sharing them) of the whole process tree, sampled every 0.2 s with psutil: for the
pipeline the CLI, its fork server and every job; for the script, the script. Printed per
size: wall time, peak memory, the ratios (pipeline / by hand) and the test AUC of both; then
each pipeline step's time and the peak memory while it ran (steps that run side by side
share their peaks), and the script's phases. Targets (issue 31): time ratio <= 1.5 and
memory ratio <= 1.0 at 1M rows and more; exit code 1 when a size of 1M rows or more misses
one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = 7
NUMERIC, MISSING, DUPLICATES = 20, 0.01, 0.005
CATEGORIES = {"region": 6, "plan": 12, "channel": 40}  # the last has more than max_categories
TARGET = "churned"
MAX_TIME_RATIO, MAX_MEMORY_RATIO, CHECKED_FROM = 1.5, 1.0, 1_000_000


def parse_rows(text: str) -> int:
    """100k, 1M, 5M or a plain number."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"{rows // 1000}k"


# --------------------------------------------------------------------------- the data


def make_data(path: Path, rows: int) -> None:
    """One CSV with a header, written in blocks (the bench's own memory stays small)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(SEED)
    weights = rng.normal(size=NUMERIC)
    effects = {name: rng.normal(scale=0.8, size=count) for name, count in CATEGORIES.items()}
    unique = rows - int(rows * DUPLICATES)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    writer = None
    kept = None
    for start in range(0, unique, 500_000):
        n = min(500_000, unique - start)
        x = np.round(rng.normal(size=(n, NUMERIC)), 4)  # 4 decimals: about 200 bytes a row
        logit = x @ weights * 0.4
        columns: dict[str, object] = {}
        for name, count in CATEGORIES.items():
            codes = rng.integers(0, count, size=n)
            logit += effects[name][codes]
            columns[name] = pa.array([f"{name}_{c}" for c in range(count)]).take(pa.array(codes))
        x[rng.random(size=x.shape) < MISSING] = np.nan
        target = (rng.random(size=n) < 1 / (1 + np.exp(-(logit - 0.5)))).astype(np.int64)
        table = pa.table(
            {
                **{f"x{i}": pa.array(x[:, i], from_pandas=True) for i in range(NUMERIC)},
                **columns,
                TARGET: target,
            }
        )
        if kept is None:  # the duplicates: copies of rows of the first block
            kept = table.slice(0, rows - unique)
        if writer is None:
            writer = pacsv.CSVWriter(tmp, table.schema)
        writer.write_table(table)
    assert writer is not None and kept is not None
    writer.write_table(kept)
    writer.close()
    tmp.replace(path)


# --------------------------------------------------------------------------- memory


class TreeMemory:
    """Samples the summed PSS of a process and its descendants until stopped."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []
        self.root_cpu = 0.0
        """CPU seconds of the root process itself (for the pipeline: the engine's own work)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        gone = (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess)
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            total = 0
            try:
                processes = [root, *root.children(recursive=True)]
                times = root.cpu_times()
                self.root_cpu = times.user + times.system
            except gone:
                break
            for process in processes:
                with contextlib.suppress(*gone):
                    total += process.memory_full_info().pss
            self.samples.append((time.perf_counter(), total))
            self._stop.wait(self.interval)

    @property
    def peak(self) -> int:
        return max((m for _, m in self.samples), default=0)

    def peak_between(self, start: float, end: float) -> int:
        return max((m for t, m in self.samples if start <= t <= end), default=0)


# --------------------------------------------------------------------------- the pipeline


def write_config(folder: Path, data: Path) -> Path:
    """The blank template with the input, the target and the problem type."""
    import tomlkit

    config = folder / "wizard.toml"
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "init", "--template", "blank", "--out", str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if done.returncode:
        raise SystemExit(f"sm-wizard init failed: {done.stderr or done.stdout}")
    doc = tomlkit.parse(config.read_text(encoding="utf-8"))
    doc["data_collection"]["input_uri"] = os.path.relpath(data, folder)
    doc["data_collection"]["target_column"] = TARGET
    doc["profile"]["problem_type"] = "binary_classification"
    # the same work as the script: duplicate rows dropped (off by default)
    doc.setdefault("data_preparation", tomlkit.table())["drop_duplicates"] = True
    config.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return config


def hyperparameters(config: Path) -> dict:
    """The Train step's hyperparameters, as the checked config gives them to the job."""
    from wizard.check import checked_config
    from wizard.plan import build_plan
    from wizard.store import read_document

    plan = build_plan(checked_config(read_document(config), config.parent))
    return dict(plan.step("Train").settings["hyperparameters"])


def run_pipeline(config: Path, work: Path) -> dict:
    """``sm-wizard run --json`` in a fresh run folder: seconds, peak bytes, steps, AUC."""
    runs = work / "runs"
    command = [sys.executable, "-m", "cli.main", "run", str(config), "--json"]
    command += ["--run-dir", str(runs)]
    started = time.perf_counter()
    steps: dict[str, dict] = {}
    final = ""
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    with TreeMemory(process.pid) as memory:
        for line in process.stdout:
            now = time.perf_counter()
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("type") == "step":
                entry = steps.setdefault(event["step"], {})
                if event["status"] == "Executing":
                    entry["start"] = now
                elif event["status"] in ("Succeeded", "Failed", "Stopped"):
                    entry["end"], entry["status"] = now, event["status"]
            elif event.get("type") == "execution" and event.get("status"):
                final = event["status"]
        process.wait()
    elapsed = time.perf_counter() - started
    if final != "Succeeded":
        raise SystemExit(f"the pipeline's run ended {final or process.returncode}")
    for entry in steps.values():
        if "start" in entry and "end" in entry:
            entry["seconds"] = entry["end"] - entry["start"]
            entry["peak"] = memory.peak_between(entry["start"], entry["end"])
    reports = sorted(runs.rglob("evaluation.json"))
    auc = None
    if reports:
        auc = json.loads(reports[0].read_text())["binary_classification_metrics"]["auc"]["value"]
    return {
        "seconds": elapsed,
        "peak": memory.peak,
        "steps": steps,
        "auc": auc,
        "engine_cpu": memory.root_cpu,
    }


# --------------------------------------------------------------------------- by hand


def by_hand_script(data: Path, hps: dict) -> dict:
    """What a person would write for the same work, in one process (run in a child)."""
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = now - mark
        mark = now

    import pandas as pd
    import xgboost
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    phase("imports")
    frame = pd.read_csv(data, engine="pyarrow")
    phase("read")
    frame = frame.drop_duplicates().reset_index(drop=True)
    y = frame.pop(TARGET)
    rest_x, test_x, rest_y, test_y = train_test_split(
        frame, y, test_size=0.15, random_state=42, stratify=y
    )
    train_x, valid_x, train_y, valid_y = train_test_split(
        rest_x, rest_y, test_size=0.15 / 0.85, random_state=42, stratify=rest_y
    )
    del frame, rest_x
    phase("dedup + split")
    numeric = [c for c in train_x.columns if pd.api.types.is_numeric_dtype(train_x[c])]
    text = [c for c in train_x.columns if c not in numeric]
    transform = ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            (
                "text",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist", max_categories=20, sparse_output=False
                    ),
                ),
                text,
            ),
        ]
    )
    train_m = transform.fit_transform(train_x)
    valid_m, test_m = transform.transform(valid_x), transform.transform(test_x)
    del train_x, valid_x, test_x
    phase("features")

    def value(text_value: object) -> object:
        for kind in (int, float):
            try:
                return kind(str(text_value))
            except ValueError:
                pass
        return text_value

    params = {k: value(v) for k, v in hps.items()}
    rounds = int(params.pop("num_round"))
    early = params.pop("early_stopping_rounds", None)
    dtrain = xgboost.DMatrix(train_m, label=train_y.to_numpy())
    dvalid = xgboost.DMatrix(valid_m, label=valid_y.to_numpy())
    del train_m, valid_m
    booster = xgboost.train(
        params,
        dtrain,
        num_boost_round=rounds,
        evals=[(dtrain, "train"), (dvalid, "validation")],
        early_stopping_rounds=int(early) if early else None,
        verbose_eval=False,
    )
    phase("train")
    auc = float(roc_auc_score(test_y.to_numpy(), booster.predict(xgboost.DMatrix(test_m))))
    phase("test AUC")
    return {"phases": phases, "auc": auc}


def run_by_hand(data: Path, hps: dict) -> dict:
    command = [sys.executable, __file__, "--by-hand", str(data), "--hyperparameters"]
    command.append(json.dumps(hps))
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    with TreeMemory(process.pid) as memory:
        out, _ = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"the hand-written script exited {process.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    return {"seconds": elapsed, "peak": memory.peak, **result}


# --------------------------------------------------------------------------- the report


def measure(rows: int, data_dir: Path, work: Path) -> dict:
    data = data_dir / f"scale-{label(rows)}.csv"
    if not data.exists():
        print(f"writing {rows:,} rows to {data}", flush=True)
        make_data(data, rows)
    folder = work / label(rows)
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, data)
    hps = hyperparameters(config)
    by_hand = run_by_hand(data, hps)  # first: it also fills the OS file cache for both
    pipeline = run_pipeline(config, folder / "pipeline")
    return {
        "rows": rows,
        "csv_mb": data.stat().st_size / 1e6,
        "pipeline": pipeline,
        "by_hand": by_hand,
        "time_ratio": pipeline["seconds"] / by_hand["seconds"],
        "memory_ratio": pipeline["peak"] / by_hand["peak"],
    }


def gb(value: int) -> str:
    return f"{value / 1e9:.2f} GB" if value >= 1e9 else f"{value / 1e6:.0f} MB"


def report(result: dict) -> str:
    pipeline, hand = result["pipeline"], result["by_hand"]
    checked = result["rows"] >= CHECKED_FROM
    misses = [
        name
        for name, ratio, limit in (
            ("time", result["time_ratio"], MAX_TIME_RATIO),
            ("memory", result["memory_ratio"], MAX_MEMORY_RATIO),
        )
        if checked and ratio > limit
    ]
    lines = [
        f"{label(result['rows'])} rows ({result['csv_mb']:.0f} MB of CSV): pipeline "
        f"{pipeline['seconds']:.1f} s / {gb(pipeline['peak'])}, by hand "
        f"{hand['seconds']:.1f} s / {gb(hand['peak'])}: time ratio {result['time_ratio']:.2f}, "
        f"memory ratio {result['memory_ratio']:.2f}"
        + (f"  ✗ {', '.join(misses)}" if misses else ("  ok" if checked else "")),
        f"  test AUC: pipeline {pipeline['auc']}, by hand {hand['auc']:.6f}; the engine's "
        f"own process (where the TUI would draw): {pipeline['engine_cpu']:.1f} s of CPU",
        "  pipeline steps: "
        + ", ".join(
            f"{name} {entry['seconds']:.1f} s / {gb(entry['peak'])}"
            for name, entry in sorted(pipeline["steps"].items(), key=lambda i: i[1]["start"])
            if "seconds" in entry
        ),
        "  by hand: " + ", ".join(f"{k} {v:.1f} s" for k, v in hand["phases"].items()),
    ]
    result["misses"] = misses
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", default=["100k", "1M"], help="sizes: 100k 1M 5M")
    parser.add_argument("--data-dir", type=Path, help="keep the generated CSVs here (reused)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--by-hand", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--hyperparameters", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.by_hand:  # the child process of run_by_hand
        print(json.dumps(by_hand_script(args.by_hand, json.loads(args.hyperparameters))))
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        for rows in map(parse_rows, args.rows):
            result = measure(rows, data_dir, Path(tmp) / "work")
            print(report(result), flush=True)
            results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    missed = [r for r in results if r["misses"]]
    print("OVER BUDGET" if missed else "OK")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
