"""Benchmark wrapper (``pytest -m bench``): the wizard against a bare Textual app doing the
same work, measured in the same run in a pseudo-terminal. Targets: welcome → first form at most
1.5× the bare switch, every stage switch at most 1.3×, keystroke → complete repaint at most
30 ms (median)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench


def _bench():
    path = Path(__file__).parents[2] / "bench" / "bench_tui.py"
    spec = importlib.util.spec_from_file_location("bench_tui", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_tui"] = module
    spec.loader.exec_module(module)
    return module


def test_screen_switches_and_keystrokes(capsys) -> None:
    assert _bench().main(["--runs", "7", "--keys", "40"]) == 0, capsys.readouterr().out
