"""Fixtures for the local engine: one demo workspace and one full demo run per session.

The full run is the expensive part (about 12 s on 2 cores); the other end-to-end tests
share its run folder's cache, so they re-run only the steps they change.
"""

from __future__ import annotations

import pytest
from local_helpers import Finished, Workspace, make_workspace, run_engine


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def demo_run(demo_workspace: Workspace) -> Finished:
    """The demo, run once end to end with an empty cache."""
    return run_engine(demo_workspace.engine())
