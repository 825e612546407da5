"""The graph of any pipeline, read from the execution's definition (issue 29, item 3):
DependsOn, property references between steps and condition branches, drawn in the watch
screen and in the browser."""

from __future__ import annotations

import json

import pytest
from monitor_helpers import until
from sm_helpers import ROLE

from devtools.pipelines import BRANCHING, BRANCHING_LEVELS, branching_steps
from runners.base import Defined, definition_of
from runners.sagemaker.browse import AccountBrowser
from runners.sagemaker.definition import DefinedStep, definition_levels, parse_definition
from runners.sagemaker.watcher import SageMakerWatcher
from tui.browse.screens import BrowseApp, BrowseMonitorScreen, ExecutionsScreen, PipelinesScreen
from tui.monitor.app import MonitorApp
from tui.widgets.dag_view import DagView
from tui.widgets.run_dag import RunDag

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_every_kind_of_edge_is_read_from_the_definition():
    steps = {s.name: s for s in parse_definition(json.dumps(BRANCHING))}
    assert steps["Train"].depends_on == ("PrepareData",)  # a property reference
    assert steps["DataQualityBaseline"].depends_on == ("PrepareData",)  # DependsOn
    assert set(steps["Evaluate"].depends_on) == {"Train", "PrepareData"}
    assert steps["CheckMetric"].depends_on == ("Evaluate",)  # Std:JsonGet on a property file
    assert set(steps["RegisterModel"].depends_on) == {"CheckMetric", "Train"}
    assert steps["MetricBelowThreshold"].branch == "else"
    assert steps["BatchTransform"].condition == "CheckMetric"
    assert set(steps["BatchTransform"].depends_on) == {"CheckMetric", "CreateModel"}
    assert definition_levels(list(steps.values())) == BRANCHING_LEVELS


def test_levels_survive_a_cycle_and_unknown_steps():
    cycle = [DefinedStep("A", "Processing", ("B",)), DefinedStep("B", "Processing", ("A",))]
    assert definition_levels(cycle) == [["A"], ["B"]]
    dangling = [DefinedStep("A", "Processing", ("Gone",)), DefinedStep("B", "Training", ("A",))]
    assert definition_levels(dangling) == [["A"], ["B"]]
    assert definition_levels(parse_definition("{not json")) == []


def _branching(aws, fake, name: str = "branching") -> str:
    aws.client("sagemaker").create_pipeline(
        PipelineName=name, PipelineDefinition=json.dumps(BRANCHING), RoleArn=ROLE
    )
    fake.script_next_execution(name, branching_steps())
    return aws.client("sagemaker").start_pipeline_execution(PipelineName=name)[
        "PipelineExecutionArn"
    ]


def _graph_text(view: DagView) -> str:
    return "\n".join(line.plain for line in view.lines(100))


async def test_the_watch_screen_draws_a_pipeline_it_did_not_plan(aws, fake, clock):
    arn = _branching(aws, fake)
    watcher = SageMakerWatcher(arn, aws=aws, clock=clock, on_notice=lambda n: None)
    assert isinstance(watcher, Defined) and definition_of(watcher) == []  # not read yet
    assert definition_of(object()) == []  # an engine with a Plan has no definition
    app = MonitorApp(watcher, None, "branching")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.monitor
        await until(pilot, lambda: bool(screen.query("#dag")), timeout=30)
        assert screen.query_one("#dag", RunDag).levels == BRANCHING_LEVELS
        await until(pilot, lambda: screen._snapshot.execution.finished, timeout=60)
        await pilot.pause()
        dag = screen.query_one("#dag", RunDag)
        assert dag.status_of("Train") == "Succeeded"
        assert dag.status_of("MetricBelowThreshold") == "Skipped"
        await pilot.press("g")
        await pilot.pause()
        assert screen.view == "graph"
        drawing = _graph_text(screen.query_one("#graph-view", DagView))
        assert "✓ Train" in drawing and "MetricBelowThreshold ¬" in drawing
        assert "¬ runs only when the condition is not met" in drawing
        await pilot.press("escape")
        await app.workers.wait_for_complete()


async def test_the_browser_draws_the_graph_of_the_execution_it_opens(aws, fake, clock):
    arn = _branching(aws, fake)
    browser = AccountBrowser(aws, clock=clock)

    def make_watcher(execution: str) -> SageMakerWatcher:
        return SageMakerWatcher(execution, aws=aws, clock=clock, budget=browser.budget)

    app = BrowseApp(browser, make_watcher, where="us-east-1")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PipelinesScreen) and app.screen.loaded)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen) and app.screen.loaded)
        assert [r.arn for r in app.screen.rows] == [arn]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BrowseMonitorScreen))
        monitor = app.screen
        await until(pilot, lambda: bool(monitor.query("#dag")), timeout=30)
        assert monitor.query_one("#dag", RunDag).levels == BRANCHING_LEVELS
        await pilot.press("g")
        await pilot.pause()
        assert monitor.view == "graph" and "CheckMetric" in _graph_text(
            monitor.query_one("#graph-view", DagView)
        )
        await pilot.press("escape", "escape")
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen))
        await app.workers.wait_for_complete()
