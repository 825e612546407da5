"""Shared fixtures for the exporter tests.

Three cases are exported once per session: the demo, a small CSV with batch predictions
(script-mode random forest, regression), and large data (Spark, tuning, Clarify, a
real-time endpoint behind Lambda and API Gateway, a schedule). Building a definition costs a
few seconds, so the three are verified once, side by side, and shared.

``pytest tests/exporters --update-golden`` rewrites ``golden/<case>/`` from the current
templates; review the diff before committing it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import preloaded
import pytest
from export_cases import (
    CASES,
    FUZZ_BUILD_SEEDS,
    MUTATIONS,
    OFFLINE_ENVIRONMENT,
    Case,
    build_fuzzed,
    config_file,
    live_definition,
    run_mutated_scaffold_tests,
    run_scaffold_tests,
    script_help,
    verify_broken_pipeline,
)

from exporters import export_project, render_project
from exporters.verify import VerifyResult, verify_project
from wizard.plan import build_plan
from wizard.store import load_config

# The golden trees hold exported projects, tests included: they are data here, not tests.
collect_ignore_glob = ["golden/*"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/exporters/golden/ from the current exporter output",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden", default=False))


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    found = {}
    for name in CASES:
        folder = tmp_path_factory.mktemp(f"{name}-config")
        config_path = config_file(name, folder)
        config = load_config(config_path)
        plan = build_plan(config)
        project = tmp_path_factory.mktemp(f"{name}-project")
        export_project(config, project, config_dir=folder)
        found[name] = Case(name, config, plan, render_project(plan, config), config_path, project)
    return found


class Background:
    """Slow subprocess work (each definition build imports the SageMaker SDK, a few seconds),
    started together when the session begins so it overlaps with the quick tests."""

    def __init__(self, workers: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.jobs: dict[str, Future[Any]] = {}

    def submit(self, name: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.jobs[name] = self.pool.submit(function, *args, **kwargs)

    def result(self, name: str) -> Any:
        return self.jobs[name].result()


@pytest.fixture(scope="session")
def background(
    cases: dict[str, Case], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Background]:
    """Every definition build of the suite, in parallel (as many at once as there are cores)."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in OFFLINE_ENVIRONMENT.items():
            env.setenv(key, value)
        work = Background(workers=max(2, os.cpu_count() or 2))
        for name, case in cases.items():
            work.submit(f"verify:{name}", verify_project, case.project, plan=case.plan)
        work.submit("broken", verify_broken_pipeline, cases["demo"], tmp_path_factory)
        work.submit("scaffold-tests", run_scaffold_tests, cases["demo"], tmp_path_factory)
        for mutation in MUTATIONS:
            work.submit(
                f"mutated:{mutation}",
                run_mutated_scaffold_tests,
                cases["small_batch"],
                tmp_path_factory,
                mutation,
            )
        work.submit("definition-json", live_definition, cases["demo"])
        for name, script in (("demo", "pipeline.py"), ("large_realtime", "deploy.py")):
            work.submit(f"help:{script}", script_help, cases[name].project, script)
        for seed in FUZZ_BUILD_SEEDS:
            work.submit(f"fuzz:{seed}", build_fuzzed, seed, tmp_path_factory)
        yield work
        work.pool.shutdown(wait=True, cancel_futures=True)


NEEDS_BUILDS = {"background", "verified"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's, which reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``), every test that needs the definition builds
    runs on one worker, so the builds happen once per run, not once per worker (and beside
    the other tests that start processes from ``tests/preloaded.py``: one fork server)."""
    for item in items:
        if NEEDS_BUILDS & set(getattr(item, "fixturenames", ())):
            item.add_marker(preloaded.SHARED_SERVER)


@pytest.fixture(scope="session", autouse=True)
def _start_background_early(request: pytest.FixtureRequest) -> None:
    """Start the slow jobs with the first test when any selected test needs them.

    Not under xdist: there every worker sees every collected test, and only the worker that
    was sent the ``sdk-builds`` group may start them (lazily, with its first such test)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any(NEEDS_BUILDS & set(getattr(item, "fixturenames", ())) for item in request.session.items):
        request.getfixturevalue("background")


@pytest.fixture(scope="session")
def verified(background: Background, cases: dict[str, Case]) -> dict[str, VerifyResult]:
    """Every case's definition, built offline and checked against its Plan."""
    return {name: background.result(f"verify:{name}") for name in cases}


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest, cases: dict[str, Case]) -> Iterator[Case]:
    yield cases[request.param]
