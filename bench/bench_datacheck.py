"""The data checks on a 1 GB CSV: must finish in 2 s, since they read a bounded sample.

Generates a 1 GB CSV in a temporary folder, then times, in the same run, a baseline (reading
the first 50 MB of the file with plain file I/O, what any check of the file must at least
afford) and ``wizard.datacheck.check_data`` on it, and prints the ratio.

    .venv/bin/python bench/bench_datacheck.py [--size-mb 1024]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wizard.datacheck import check_data
from wizard.datasample import MAX_BYTES, _cached
from wizard.templates import template_document

LIMIT_SECONDS = 2.0


def make_csv(path: Path, size_mb: int) -> None:
    columns = 30
    header = ",".join(f"feature_{i}" for i in range(columns)) + ",label\n"
    block_rows = [
        ",".join(f"{(r * 7 + c) % 1000 / 10:.1f}" for c in range(columns)) + f",{r % 2}\n"
        for r in range(2000)
    ]
    block = "".join(block_rows).encode()
    target = size_mb * 1024 * 1024
    with path.open("wb") as out:
        out.write(header.encode())
        written = len(header)
        while written < target:
            out.write(block)
            written += len(block)


def baseline(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as handle:
        handle.read(MAX_BYTES)
    return time.perf_counter() - started


def checks(path: Path) -> float:
    doc = copy.deepcopy(template_document("demo"))
    doc["data_collection"].update({"input_uri": path.name, "target_column": "label"})
    _cached.cache_clear()
    started = time.perf_counter()
    report = check_data(doc, path.parent)
    elapsed = time.perf_counter() - started
    assert not report.errors, report.errors
    assert report.profile is not None and report.profile.sampled
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        make_csv(path, args.size_mb)
        size = path.stat().st_size
        base, ours = [], []
        for _ in range(args.rounds):  # paired rounds, alternating order
            base.append(baseline(path))
            ours.append(checks(path))
        b, o = statistics.median(base), statistics.median(ours)
        print(f"file: {size / 2**30:.2f} GiB CSV")
        print(f"baseline (read first 50 MB): {b * 1000:.0f} ms")
        print(f"data checks:                 {o * 1000:.0f} ms")
        print(
            f"ratio checks/baseline: {o / b:.1f}x; limit {LIMIT_SECONDS:.0f} s: "
            f"{'ok' if o <= LIMIT_SECONDS else 'TOO SLOW'}"
        )
        return 0 if o <= LIMIT_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
