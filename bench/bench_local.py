"""Benchmark of the local engine against running the same scripts by hand.

    python bench/bench_local.py [--rounds 5] [--max-ratio 1.10]

The demo pipeline (``sm-wizard init --template demo``) runs two ways, alternately, in the
same process and on the same data:

* **by hand**: the same step scripts and stand-in containers, each a plain subprocess with
  its folders passed on the command line, and the model packed between training and
  evaluation: the least a person would do, with the same parallelism as the engine (the
  data-quality baseline runs beside training, as the pipeline's two independent branches);
* **engine, fresh jobs** (``SM_WIZARD_FORK_JOBS=0``): ``LocalEngine.run`` with caching
  off: folders laid out as SageMaker's containers, inputs linked, every log line parsed and
  emitted as an event, step state and cache keys written, the model registered; independent
  steps run side by side; every job a new interpreter, as by hand. This is the like-for-like
  comparison: what the engine's own work costs.
* **engine** (the default): the same, each job forked from the run's warm interpreter
  (``runners/local/forkserver.py``) instead of importing numpy, pandas and scikit-learn again.
  Each round starts its own server and pays its imports, as ``sm-wizard run`` does (the
  wizard's later runs reuse the first one's server and would be faster still).

Rounds are sets of one of each (≥ 5 by default) and rotate which goes first, so drift in the
machine's load affects all alike. Printed: each round's wall times, the median ratios to by
hand (the budget, for fresh jobs, is 1.10), and how long the two independent branches of
the demo (DataQualityBaseline and Train) ran at the same time in the engine. Exit code 1 when
the fresh-jobs ratio is over budget, the default engine is slower than by hand, or nothing
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
from runners.local.forkclient import close_shared_servers
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
    quality = start(  # the independent branch: beside features and training, as in the pipeline
        container_script("model_monitor"),
        "--dataset-dir",
        prepared / "baseline",
        "--statistics",
        work / "quality" / "statistics.json",
        "--constraints",
        work / "quality" / "constraints.json",
    )
    run(
        TEMPLATES_CODE_DIR / "features.py",
        *plan.step("EngineerFeatures").arguments,
        "--input-dir",
        prepared,
        "--output-dir",
        features,
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


def with_engine(
    config: Path, run_root: Path, registry: Path, *, fork_jobs: bool = True
) -> tuple[float, float, float, str]:
    """(seconds, the engine's own CPU seconds, seconds DataQualityBaseline and Train
    overlapped, final status)."""
    engine = local_engine_for(config, run_root=run_root, caching=False, registry_dir=registry)
    engine.fork_jobs = fork_jobs
    close_shared_servers()  # this run starts its own fork server, as a new process would
    events: list[str] = []
    started, cpu = time.perf_counter(), time.process_time()
    status = engine.run(lambda event: events.append(to_json(event)), threading.Event())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    states = engine.step_states()
    quality, train = states["DataQualityBaseline"], states["Train"]
    overlap = min(quality.ended_at, train.ended_at) - max(quality.started_at, train.started_at)
    return elapsed, cpu, max(0.0, overlap), status


def measure(rounds: int = 5) -> dict[str, float]:
    times: dict[str, list[float]] = {"hand": [], "fresh": [], "forked": []}
    cpu_times, overlaps = [], []
    with tempfile.TemporaryDirectory(prefix="bench-local-") as tmp:
        folder = Path(tmp)
        config = make_demo(folder)
        by_hand(config, folder / "warm-up")  # fill the OS file cache first
        for index in range(rounds):
            order = ["hand", "fresh", "forked"]
            order = order[index % 3 :] + order[: index % 3]
            for arm in order:
                if arm == "hand":
                    times["hand"].append(by_hand(config, folder / f"hand-{index}"))
                    continue
                elapsed, cpu, overlap, status = with_engine(
                    config, folder / "runs", folder / "registry", fork_jobs=arm == "forked"
                )
                if status != "Succeeded":
                    raise SystemExit(f"the engine's run ended {status}")
                times[arm].append(elapsed)
                overlaps.append(overlap)
                if arm == "fresh":
                    cpu_times.append(cpu)
            hand, fresh, forked = (times[arm][-1] for arm in ("hand", "fresh", "forked"))
            print(
                f"round {index + 1}: by hand {hand:.2f} s, engine with fresh jobs {fresh:.2f} s "
                f"(ratio {fresh / hand:.3f}), engine {forked:.2f} s (ratio {forked / hand:.3f})",
                flush=True,
            )
    fresh_ratios = [f / h for f, h in zip(times["fresh"], times["hand"], strict=True)]
    forked_ratios = [f / h for f, h in zip(times["forked"], times["hand"], strict=True)]
    return {
        "hand_median_s": statistics.median(times["hand"]),
        "engine_fresh_median_s": statistics.median(times["fresh"]),
        "engine_median_s": statistics.median(times["forked"]),
        "engine_cpu_median_s": statistics.median(cpu_times),
        "ratio_median": statistics.median(fresh_ratios),
        "forked_ratio_median": statistics.median(forked_ratios),
        "overlap_min_s": min(overlaps),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds")
    parser.add_argument("--max-ratio", type=float, default=1.10)
    args = parser.parse_args(argv)
    result = measure(args.rounds)
    print(
        f"median: by hand {result['hand_median_s']:.2f} s, engine with fresh jobs "
        f"{result['engine_fresh_median_s']:.2f} s: ratio {result['ratio_median']:.3f} "
        f"(budget {args.max_ratio:.2f})"
    )
    print(
        f"engine (jobs forked from a warm interpreter): {result['engine_median_s']:.2f} s, "
        f"ratio {result['forked_ratio_median']:.3f} to by hand"
    )
    print(
        f"the engine's own work (scheduling, files, events; CPU time in its process): "
        f"{result['engine_cpu_median_s']:.2f} s per run"
    )
    print(
        f"DataQualityBaseline and Train ran at the same time for at least "
        f"{result['overlap_min_s']:.2f} s in every engine run"
    )
    ok = (
        result["ratio_median"] <= args.max_ratio
        and result["forked_ratio_median"] < 1
        and result["overlap_min_s"] > 0
    )
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
