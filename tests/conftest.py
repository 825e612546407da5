"""Shared fixtures. No test may reach the network or real AWS: credentials are fake, the
instance-metadata service is disabled, and the wizard's state lives in a temp folder.

Hypothesis runs derandomized: the same examples on every run, so a red suite always means a
change broke something, never that a random draw found something old. To hunt for new
failures, run with ``HYPOTHESIS_PROFILE=explore`` (random draws) and pin
what it finds as an ``@example``.

The test processes collect garbage less often than CPython's default (``SUITE_GC_THRESHOLD``).
Each xdist worker runs hundreds of Textual apps in one process and holds some 600,000
objects, so a full collection costs ~0.3 s, and at the default thresholds a worker ran 40 of
them (15 s of each worker's ~90 s in tests/tui and tests/wizard, measured with a
``gc.callbacks`` timer). No test depends on when cyclic garbage is collected: the memory
test counts live allocations (tracemalloc) of a structure without cycles. Processes the
tests start (the CLI, jobs, exported projects) keep the default.
"""

from __future__ import annotations

import copy
import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from wizard.templates import template_document

SUITE_GC_THRESHOLD = (20_000, 20, 10)
gc.set_threshold(*SUITE_GC_THRESHOLD)

settings.register_profile("suite", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` starts one worker more than there are cores for this process. About a
    seventh of a test's time is waiting, not computing (a pilot's key waits for the app to go
    idle, a debounce, a job's start): a spare worker fills those gaps (2 cores, the same
    tree minutes apart: 176 s with two workers, 146 s with three).
    ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still decides if set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_unconfigure(config: pytest.Config) -> None:
    """As a test process ends, pytest collects garbage five times over, to report exceptions
    raised by finalizers; over a worker's heap (some 600,000 objects after its share of the
    suite) that took ~2 s of CPU per process, 4% of the suite's (py-spy, whole suite). What
    the session built is frozen first, so those collections only scan what is made after;
    the tests' own unraisable exceptions were reported as they happened."""
    gc.freeze()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("SM_WIZARD_STATE_DIR", str(state))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _botocore_models_parsed_once() -> Iterator[None]:
    """The tests make thousands of boto3 clients against moto; each botocore model file is
    parsed once for the session."""
    from preloaded import models_parsed_once

    with models_parsed_once():
        yield


@pytest.fixture(scope="session", autouse=True)
def _preloaded_harness() -> Iterator[None]:
    """``--verify``'s harness processes start from a fork server that has imported the
    SageMaker SDK once (``tests/preloaded.py``), not from a fresh interpreter each."""
    import preloaded

    from exporters import verify

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify, "run_process", preloaded.run)
        yield


@pytest.fixture
def demo_doc() -> dict:
    """A fresh copy of the demo template's document."""
    return copy.deepcopy(template_document("demo"))


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    """The demo config and its sample data written into a temp folder."""
    from wizard.store import write_document
    from wizard.templates import write_template_data

    path = tmp_path / "wizard.toml"
    write_document(path, template_document("demo"))
    write_template_data("demo", path)
    return path
