"""Benchmark wrapper (``pytest -m bench``): ``--verify`` costs at most 1.3 times importing the
SDK and building the same definition in a bare subprocess, measured in the same run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench


def test_verify_overhead_and_export_time(capsys):
    path = Path(__file__).parents[2] / "bench" / "bench_export.py"
    spec = importlib.util.spec_from_file_location("bench_export", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_export"] = module
    spec.loader.exec_module(module)
    assert module.main(["--rounds", "3", "--exports", "10"]) == 0, capsys.readouterr().out
