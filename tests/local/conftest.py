"""Fixtures for the local engine: one demo workspace and one full demo run per session.

The full run is the expensive part (about 12 s on 2 cores); the other end-to-end tests
share its run folder's cache, so they re-run only the steps they change.

Under pytest-xdist (``--dist loadgroup``) a test without a group goes to any worker, and a
module- or session-scoped fixture is set up again on every worker that runs one of its
tests. The tests of the fixtures that run pipelines (``SHARED_RUNS``, and the module
fixtures of test_local_cli and test_local_forks) are grouped, so each runs once per suite.
"""

from __future__ import annotations

import pytest
from local_helpers import Finished, Workspace, make_workspace, run_engine

from wizard.store import write_document
from wizard.templates import template_document

SHARED_RUNS = {"demo_workspace", "demo_run", "quality_run"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's, which reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SHARED_RUNS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("local-demo-run"))


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def demo_run(demo_workspace: Workspace) -> Finished:
    """The demo, run once end to end with an empty cache."""
    return run_engine(demo_workspace.engine())


@pytest.fixture(scope="session")
def quality_run(demo_workspace: Workspace) -> Finished:
    """The demo with a Model Monitor data-quality baseline (a QualityCheck step), which the
    demo leaves out (Model Monitor is closed to new customers), run without the cache so
    every step really runs."""
    doc = template_document("demo")
    doc["evaluation"]["services"] = ["model-monitor"]
    config = demo_workspace.folder / "quality.toml"
    write_document(config, doc)
    return run_engine(demo_workspace.engine(config=config, caching=False))
