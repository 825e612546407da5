"""Benchmark wrapper (``pytest -m bench``): with fresh jobs the engine takes at most 1.10 x
the time of running the same scripts by hand, with forked jobs (the default) less than by
hand, and the demo's two independent branches overlap."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench


def test_engine_overhead_and_overlap() -> None:
    path = Path(__file__).parents[2] / "bench" / "bench_local.py"
    spec = importlib.util.spec_from_file_location("bench_local", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_local"] = module
    spec.loader.exec_module(module)
    result = module.measure(rounds=5)
    print(result)
    assert result["ratio_median"] <= 1.10
    assert result["forked_ratio_median"] < 1
    assert result["overlap_min_s"] > 0
