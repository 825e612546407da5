"""Benchmark wrapper (``pytest -m bench``): on 1M rows of synthetic data the local engine's
run takes at most 1.5 x the time of one hand-written script doing the same work, and at
most its peak memory (bench/bench_local_scale.py; 5M rows only when run by hand)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench


def test_local_runs_grow_like_the_work(tmp_path: Path) -> None:
    path = Path(__file__).parents[2] / "bench" / "bench_local_scale.py"
    spec = importlib.util.spec_from_file_location("bench_local_scale", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_local_scale"] = module
    spec.loader.exec_module(module)
    result = module.measure(1_000_000, tmp_path / "data", tmp_path / "work")
    print(module.report(result))
    assert result["time_ratio"] <= module.MAX_TIME_RATIO
    assert result["memory_ratio"] <= module.MAX_MEMORY_RATIO
    assert result["pipeline"]["auc"] == pytest.approx(result["by_hand"]["auc"], abs=0.005)
