"""Benchmark wrapper (``pytest -m bench``): the domain import adds at most 150 ms and
``sm-wizard validate`` on the demo at most 250 ms over ``python -c pass``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench


def test_domain_import_budget():
    path = Path(__file__).parents[1] / "bench" / "bench_startup.py"
    spec = importlib.util.spec_from_file_location("bench_startup", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_startup"] = module
    spec.loader.exec_module(module)
    medians = module.measure(runs=9)
    base = medians["baseline (python -c pass)"]
    print({k: round(v * 1000, 1) for k, v in medians.items()})
    for name, budget_ms in module.BUDGETS_MS.items():
        assert (medians[name] - base) * 1000 <= budget_ms, name
