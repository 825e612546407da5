"""``sm-wizard watch`` with no argument: browse pipelines → executions → steps, and back."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sm_helpers import create_pipeline, start

from devtools.scripted import sequential_steps
from runners.sagemaker.browse import AccountBrowser
from runners.sagemaker.watcher import SageMakerWatcher
from tui.browse.screens import BrowseApp, BrowseMonitorScreen, ExecutionsScreen, PipelinesScreen

pytestmark = pytest.mark.anyio

SPECS = [("Preprocess", "Processing"), ("Train", "Training"), ("Register", "RegisterModel")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def until(pilot, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await pilot.pause(0.02)


def _app(aws, clock) -> BrowseApp:
    browser = AccountBrowser(aws, clock=clock)

    def make_watcher(arn: str) -> SageMakerWatcher:
        return SageMakerWatcher(arn, aws=aws, clock=clock, budget=browser.budget)

    return BrowseApp(browser, make_watcher, where="us-east-1")


def test_browser_lists_pipelines_and_executions_with_durations(aws, fake, clock):
    create_pipeline(aws, "alpha", SPECS)
    create_pipeline(aws, "beta", SPECS)
    fake.script_next_execution("alpha", sequential_steps(SPECS))
    arn = start(aws, "alpha")
    browser = AccountBrowser(aws, clock=clock)
    assert {p.name for p in browser.pipelines()} == {"alpha", "beta"}
    rows = browser.executions("alpha")
    assert [r.arn for r in rows] == [arn] and rows[0].status == "Executing"
    clock.advance(400)
    rows = browser.executions("alpha")
    assert rows[0].status == "Succeeded"
    assert rows[0].ended is not None and rows[0].duration() is not None
    before = browser.requests
    browser.executions("alpha")  # a finished execution is described once, then remembered
    assert browser.requests == before + 1


async def test_browse_drill_down_and_back(aws, fake, clock):
    create_pipeline(aws, "alpha", SPECS)
    create_pipeline(aws, "beta", SPECS)
    fake.script_next_execution("alpha", sequential_steps(SPECS))
    arn = start(aws, "alpha")
    app = _app(aws, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PipelinesScreen) and app.screen.loaded)
        pipelines = app.screen
        assert {r.name for r in pipelines.rows} == {"alpha", "beta"}
        # / filters
        await pilot.press("slash", "a", "l", "p")
        await pilot.pause()
        assert [r.name for r in pipelines.visible_rows()] == ["alpha"]
        await pilot.press("enter")  # keeps the filter
        await pilot.pause()
        await pilot.press("enter")  # drills into alpha
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen) and app.screen.loaded)
        executions = app.screen
        assert executions.pipeline == "alpha"
        assert [r.arn for r in executions.rows] == [arn]
        assert "Executions of alpha" in str(executions.query_one("#browse-header").render())
        await pilot.press("enter")  # drills into the execution: steps, then logs
        await until(pilot, lambda: isinstance(app.screen, BrowseMonitorScreen))
        monitor = app.screen
        await until(pilot, lambda: len(monitor._snapshot.steps) == 3)
        assert {s.name for s in monitor._snapshot.steps} == {n for n, _ in SPECS}
        await pilot.press("escape")  # back to the executions
        await until(pilot, lambda: app.screen is executions)
        await pilot.press("escape")  # back to the pipelines
        await until(pilot, lambda: app.screen is pipelines)
        # : jumps
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert len(pipelines.visible_rows()) == 2
        await pilot.press("colon", *"executions", "enter")
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen))
        await pilot.press("colon", *"pipelines", "enter")
        await until(pilot, lambda: app.screen is pipelines)
        await app.workers.wait_for_complete()


async def test_browse_says_access_denied_once_in_words(aws, fake, clock):
    fake.fail("ListPipelines", "AccessDeniedException", "not authorized")
    app = _app(aws, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PipelinesScreen) and app.screen.error)
        error = app.screen.error
        assert error.count("Access denied") == 1 and "sagemaker:ListPipelines" in error
