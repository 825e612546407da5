"""Benchmark of the local engine against running the same scripts by hand.

    python bench/bench_local.py [--rounds 5] [--max-ratio 1.10]

The demo pipeline (``sm-wizard init --template demo``) runs two ways, alternately, in the
same process and on the same data:

* **by hand**: the same step scripts and stand-in containers, each a plain subprocess with
  its folders passed on the command line, and the model packed between training and
  evaluation: the least a person would do, with the same parallelism as the engine (the
  data-quality baseline runs beside training, as the pipeline's two independent branches);
* **engine**: ``LocalEngine.run`` with caching off: folders laid out as SageMaker's
  containers, inputs linked, every log line parsed and emitted as an event, step state and
  cache keys written, the model registered; independent steps run side by side.

Rounds are paired (one of each, ≥ 5 pairs by default) and alternate which goes first, so
drift in the machine's load affects both alike. Printed: each round's wall times, the median
ratio engine / by hand (the budget is 1.10),
and how long the two independent branches of the demo (DataQualityBaseline and Train) ran
at the same time in the engine. Exit code 1 when the ratio is over budget or nothing
overlapped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from runners.events import to_json
from runners.local import local_engine_for
from runners.local.containers import container_script
from runners.local.jobs import pack_model
from runners.local.project import TEMPLATES_CODE_DIR
from wizard.plan import build_plan
from wizard.store import load_config, write_document
from wizard.templates import template_document, write_template_data


def make_demo(folder: Path) -> Path:
    config = folder / "wizard.toml"
    write_document(config, template_document("demo"))
    write_template_data("demo", config)
    return config


def by_hand(config: Path, work: Path) -> float:
    """Run the demo's jobs with plain subprocess calls, the two independent branches side by
    side as the engine runs them; seconds taken."""
    plan = build_plan(load_config(config))
    python = sys.executable
    data = config.parent / "data"
    hps = plan.step("Train").settings["hyperparameters"]

    def start(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [python, *map(str, args)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )

    def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
        finish(start(*args, env=env))

    def finish(process: subprocess.Popen[bytes]) -> None:
        if process.wait() != 0:
            raise SystemExit(f"by hand: {process.args} exited {process.returncode}")

    started = time.perf_counter()
    prepared, features = work / "prepared", work / "features"
    run(
        TEMPLATES_CODE_DIR / "prepare.py",
        *plan.step("PrepareData").arguments,
        "--input-dir",
        data,
        "--output-dir",
        prepared,
    )
    run(
        TEMPLATES_CODE_DIR / "features.py",
        *plan.step("EngineerFeatures").arguments,
        "--input-dir",
        prepared,
        "--output-dir",
        features,
    )
    quality = start(  # the independent branch: beside training, as in the pipeline
        container_script("model_monitor"),
        "--dataset-dir",
        features / "baseline",
        "--statistics",
        work / "quality" / "statistics.json",
        "--constraints",
        work / "quality" / "constraints.json",
    )
    ml = work / "train"
    (ml / "input" / "config").mkdir(parents=True)
    (ml / "input" / "config" / "hyperparameters.json").write_text(
        json.dumps({k: v if isinstance(v, str) else json.dumps(v) for k, v in hps.items()})
    )
    run(
        container_script("xgboost_algorithm"),
        env={
            "SM_WIZARD_ML_ROOT": str(ml),
            "SM_CHANNEL_TRAIN": str(features / "train"),
            "SM_CHANNEL_VALIDATION": str(features / "validation"),
        },
    )
    finish(quality)
    pack_model(ml / "model", work / "model" / "model.tar.gz")
    run(
        TEMPLATES_CODE_DIR / "evaluate.py",
        *plan.step("Evaluate").arguments,
        "--model-dir",
        work / "model",
        "--test-dir",
        features / "test",
        "--output-dir",
        work / "evaluation",
    )
    run(
        container_script("batch_transform"),
        "--model-dir",
        ml / "model",
        "--input-dir",
        features / "test",
        "--output-dir",
        work / "predictions",
        "--input-filter",
        "$[1:]",
    )
    return time.perf_counter() - started


def with_engine(config: Path, run_root: Path, registry: Path) -> tuple[float, float, float, str]:
    """(seconds, the engine's own CPU seconds, seconds DataQualityBaseline and Train
    overlapped, final status)."""
    engine = local_engine_for(config, run_root=run_root, caching=False, registry_dir=registry)
    events: list[str] = []
    started, cpu = time.perf_counter(), time.process_time()
    status = engine.run(lambda event: events.append(to_json(event)), threading.Event())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    states = engine.step_states()
    quality, train = states["DataQualityBaseline"], states["Train"]
    overlap = min(quality.ended_at, train.ended_at) - max(quality.started_at, train.started_at)
    return elapsed, cpu, max(0.0, overlap), status


def measure(rounds: int = 5) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-local-") as tmp:
        folder = Path(tmp)
        config = make_demo(folder)
        by_hand(config, folder / "warm-up")  # fill the OS file cache first
        hand_times, engine_times, cpu_times, overlaps = [], [], [], []
        for index in range(rounds):
            if index % 2 == 0:
                hand = by_hand(config, folder / f"hand-{index}")
            engine, cpu, overlap, status = with_engine(config, folder / "runs", folder / "registry")
            if index % 2 == 1:
                hand = by_hand(config, folder / f"hand-{index}")
            if status != "Succeeded":
                raise SystemExit(f"the engine's run ended {status}")
            hand_times.append(hand)
            engine_times.append(engine)
            cpu_times.append(cpu)
            overlaps.append(overlap)
            print(
                f"round {index + 1}: by hand {hand:.2f} s, engine {engine:.2f} s "
                f"(its own CPU {cpu:.2f} s), ratio {engine / hand:.3f}, branches overlapped "
                f"{overlap:.2f} s",
                flush=True,
            )
    ratios = [e / h for e, h in zip(engine_times, hand_times, strict=True)]
    return {
        "hand_median_s": statistics.median(hand_times),
        "engine_median_s": statistics.median(engine_times),
        "engine_cpu_median_s": statistics.median(cpu_times),
        "ratio_median": statistics.median(ratios),
        "overlap_min_s": min(overlaps),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds")
    parser.add_argument("--max-ratio", type=float, default=1.10)
    args = parser.parse_args(argv)
    result = measure(args.rounds)
    print(
        f"median: by hand {result['hand_median_s']:.2f} s, engine "
        f"{result['engine_median_s']:.2f} s; engine / by hand = {result['ratio_median']:.3f} "
        f"(budget {args.max_ratio:.2f})"
    )
    print(
        f"the engine's own work (scheduling, files, events; CPU time in its process): "
        f"{result['engine_cpu_median_s']:.2f} s per run"
    )
    print(
        f"DataQualityBaseline and Train ran at the same time for at least "
        f"{result['overlap_min_s']:.2f} s in every engine run"
    )
    ok = result["ratio_median"] <= args.max_ratio and result["overlap_min_s"] > 0
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
