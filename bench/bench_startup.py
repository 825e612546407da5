"""How much ``import wizard`` and ``sm-wizard validate`` cost, over ``python -c pass``.

Each command runs in a fresh interpreter, interleaved, N times; we compare medians measured
in the same run. Targets: the import adds at most 150 ms; ``sm-wizard validate`` on the demo
(pydantic's schema building included) at most 250 ms.

``validate`` runs as the installed ``sm-wizard`` script runs it (``cli.main:entry``). A second
row ends the same command through click's ``main`` and the interpreter's own shutdown, the
modules' teardown included, so the saving of ``entry``'s hand-made shutdown is measured in the
same run (for the report only: the budget counts the command as installed).

    python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORT = "import wizard.config, wizard.plan, wizard.store, wizard.validation, wizard.recommend"
#: What ``wizard.config`` takes from pydantic: the floor under ``import wizard`` (for the
#: report only; the budgets count from ``python -c pass``).
PYDANTIC = (
    "from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, "
    "ValidationError, field_validator, model_validator"
)


#: ``sm-wizard validate FILE`` as the console script runs it, and with the interpreter's own
#: shutdown instead of ``entry``'s (``-c`` takes the arguments after it as ``sys.argv[1:]``).
VALIDATE = "from cli.main import entry; entry()"
VALIDATE_INTERPRETER_EXIT = "from cli.main import main; main()"

#: What each command may add to ``python -c pass``, in milliseconds.
BUDGETS_MS = {"import wizard": 150, "sm-wizard validate demo": 250}

# Measure what users get: Python caching bytecode (a PYTHONDONTWRITEBYTECODE in the
# environment would recompile every module on every start).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(argv: list[str]) -> tuple[float, float]:
    """Wall-clock seconds of one run, and the CPU seconds (user + system) it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(runs: int, cpu: dict[str, float] | None = None) -> dict[str, float]:
    """Median wall-clock seconds per command; ``cpu``, if given, receives the median CPU
    seconds (on a machine other processes keep busy, wall time mostly measures waiting for
    a core: CPU time is then the closer view of what the command itself costs)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "w.toml"
        subprocess.run(
            [sys.executable, "-m", "cli.main", "init", "--out", str(config)],
            check=True,
            capture_output=True,
        )
        commands = {
            "baseline (python -c pass)": [sys.executable, "-c", "pass"],
            "import pydantic (the floor)": [sys.executable, "-c", PYDANTIC],
            "import wizard": [sys.executable, "-c", IMPORT],
            "sm-wizard validate demo": [sys.executable, "-c", VALIDATE, "validate", str(config)],
            "validate, interpreter's exit": [
                sys.executable,
                "-c",
                VALIDATE_INTERPRETER_EXIT,
                "validate",
                str(config),
            ],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        cpu_samples: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # warm-up: write the bytecode caches
            _time(argv)
        for _ in range(runs):  # interleave so drift affects all equally
            for name, argv in commands.items():
                wall, used = _time(argv)
                samples[name].append(wall)
                cpu_samples[name].append(used)
    if cpu is not None:
        cpu.update({name: statistics.median(values) for name, values in cpu_samples.items()})
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cpu: dict[str, float] = {}
    medians = measure(args.runs, cpu)
    base, cpu_base = medians["baseline (python -c pass)"], cpu["baseline (python -c pass)"]
    for name, value in medians.items():
        print(
            f"{name:<28} {value * 1000:7.1f} ms   ratio {value / base:5.2f}   "
            f"adds {(value - base) * 1000:6.1f} ms   (CPU {cpu[name] * 1000:6.1f} ms, "
            f"adds {(cpu[name] - cpu_base) * 1000:6.1f} ms)"
        )
    beyond = (medians["import wizard"] - medians["import pydantic (the floor)"]) * 1000
    print(f"import wizard adds {beyond:.0f} ms to pydantic's own import")
    saved = (medians["validate, interpreter's exit"] - medians["sm-wizard validate demo"]) * 1000
    cpu_saved = (cpu["validate, interpreter's exit"] - cpu["sm-wizard validate demo"]) * 1000
    print(
        f"entry's shutdown saves validate {saved:.0f} ms over the interpreter's own "
        f"({cpu_saved:.0f} ms of CPU)"
    )
    ok = True
    for name, budget in BUDGETS_MS.items():
        added = (medians[name] - base) * 1000
        ok &= added <= budget
        print(
            f"{name} adds {added:.0f} ms (target <= {budget} ms): {'OK' if added <= budget else 'OVER'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
