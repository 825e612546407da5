"""Answers without the console (issue 29, item 4): each execution's parameters (the
browser's list, the execution view), an execution found by its ID or part of it (``watch``
and the browser), each step's job ARN and console URL (copied with a key), the whole
failure reason. moto + the fake, driven through the CLI and the screens."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from monitor_helpers import until
from moto.sagemaker import models as sm_models
from sm_helpers import ROLE, create_pipeline

from cli.commands import watch as watch_module
from cli.commands.watch import watch
from devtools.pipelines import BRANCHING, BRANCHING_PARAMETERS, branching_steps
from devtools.scripted import sequential_steps
from runners.events import from_dict
from runners.run_state import RunState
from runners.sagemaker.browse import AccountBrowser
from runners.sagemaker.console import console_url, resource_of
from runners.sagemaker.watcher import SageMakerWatcher
from tui.browse.screens import (
    BrowseApp,
    BrowseMonitorScreen,
    ExecutionsScreen,
    FoundExecutionsScreen,
    PipelinesScreen,
)
from tui.monitor.app import MonitorApp
from tui.monitor.execution_view import ExecutionView

pytestmark = pytest.mark.anyio

SPECS = [("Preprocess", "Processing"), ("Train", "Training")]
PARAMETERS = [{"Name": n, "Value": v} for n, v in BRANCHING_PARAMETERS]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def cli(fake, clock, monkeypatch):
    monkeypatch.setattr(watch_module, "make_clock", lambda: clock)
    return CliRunner()


def start_as(aws, pipeline: str, execution_id: str, **params) -> str:
    """StartPipelineExecution in moto, with the execution ID moto draws set to ``execution_id``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sm_models, "random", SimpleNamespace(choices=lambda *_a, k: execution_id))
        answer = aws.client("sagemaker").start_pipeline_execution(PipelineName=pipeline, **params)
    return answer["PipelineExecutionArn"]


def two_executions(aws, fake) -> tuple[str, str]:
    create_pipeline(aws, "demo", SPECS)
    create_pipeline(aws, "other", SPECS)
    for name in ("demo", "other"):
        fake.script_next_execution(name, sequential_steps(SPECS))
    return start_as(aws, "demo", "abc123def456"), start_as(aws, "other", "abc999xyz000")


# ------------------------------------------------------------------ console URLs


def test_console_urls_follow_the_region_and_partition():
    train = "arn:aws:sagemaker:eu-west-1:123456789012:training-job/pipelines-abc-train-1a2b"
    assert console_url(train, "Pipelines-abc-Train-1A2B") == (
        "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1"
        "#/jobs/Pipelines-abc-Train-1A2B"
    )
    cn = "arn:aws-cn:sagemaker:cn-north-1:123456789012:processing-job/prep"
    assert console_url(cn) == (
        "https://cn-north-1.console.amazonaws.cn/sagemaker/home?region=cn-north-1"
        "#/processing-jobs/prep"
    )
    gov = "arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:transform-job/score"
    assert console_url(gov).startswith("https://us-gov-west-1.console.amazonaws-us-gov.com/")
    package = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-models/3"
    assert console_url(package).endswith("#/model-packages/churn-models/3")
    assert console_url("arn:aws:sagemaker:us-east-1:123456789012:pipeline/p") is None
    assert console_url("not an arn") is None
    assert resource_of({"QualityCheck": {"CheckJobArn": cn}}) == ("QualityCheck", cn)
    assert resource_of({"Condition": {"Outcome": "True"}}) is None


# ------------------------------------------------------------------ watch ID


def test_watch_accepts_an_execution_id_or_part_of_it(aws, fake, cli):
    demo, _ = two_executions(aws, fake)
    whole = cli.invoke(watch, ["abc123def456", "--json"])
    assert whole.exit_code == 0, whole.output
    assert "Watching execution abc123def456 of demo" in whole.stderr and demo in whole.stderr
    events = [from_dict(json.loads(line)) for line in whole.stdout.splitlines()]
    assert events[-1].type == "execution" and events[-1].id == demo
    part = cli.invoke(watch, ["123D", "--json"])  # case does not matter
    assert part.exit_code == 0, part.output
    assert json.loads(part.stdout.splitlines()[-1])["id"] == demo


def test_watch_says_which_executions_match_when_several_do(aws, fake, cli):
    _demo, other = two_executions(aws, fake)
    result = cli.invoke(watch, ["abc", "--json"])
    assert result.exit_code == 2
    assert "'abc' matches 2 executions" in result.stderr
    assert "abc123def456  demo" in result.stderr and "abc999xyz000  other" in result.stderr
    assert "Give more of the ID" in result.stderr and "Traceback" not in result.output
    last = json.loads(result.stdout.splitlines()[-1])  # --json still ends on an execution
    assert last["type"] == "execution" and last["reason"].startswith("Watching stopped")
    narrowed = cli.invoke(watch, ["abc", "--pipeline", "other", "--json"])
    assert narrowed.exit_code == 0, narrowed.output
    assert json.loads(narrowed.stdout.splitlines()[-1])["id"] == other


def test_watch_says_what_it_searched_when_nothing_matches(aws, fake, cli):
    two_executions(aws, fake)
    result = cli.invoke(watch, ["zzz", "--headless"])
    assert result.exit_code == 2
    assert "No execution ID contains 'zzz'" in result.stderr
    assert "2 most recently run pipelines in us-east-1" in result.stderr
    assert "If 'zzz' is a pipeline's name, use --pipeline" in result.stderr
    named = cli.invoke(watch, ["my-pipeline", "--headless"])
    assert named.exit_code == 2 and "neither a pipeline execution ARN nor an execution ID" in (
        named.stderr
    )
    missing = cli.invoke(watch, ["abc", "--pipeline", "nope", "--headless"])
    assert missing.exit_code == 2 and "There is no pipeline named 'nope'" in missing.stderr


# ------------------------------------------------------------------ the browser


async def test_the_browser_lists_parameters_and_finds_an_execution_by_id(aws, fake, clock):
    demo, _ = two_executions(aws, fake)
    tuned = start_as(aws, "demo", "fff000ddd111", PipelineParameters=PARAMETERS)
    smaller = [
        p | {"Value": "ml.c5.xlarge"} if p["Name"] == "TrainInstanceType" else p for p in PARAMETERS
    ]
    start_as(aws, "demo", "eee000ddd222", PipelineParameters=smaller)
    browser = AccountBrowser(aws, clock=clock)

    def make_watcher(arn: str) -> SageMakerWatcher:
        return SageMakerWatcher(arn, aws=aws, clock=clock, budget=browser.budget)

    app = BrowseApp(browser, make_watcher, where="us-east-1")
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PipelinesScreen) and app.screen.loaded)
        await pilot.press("slash", *"demo", "enter", "enter")
        await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen) and app.screen.loaded)
        executions = app.screen
        await until(
            pilot, lambda: all(browser.known_parameters(r.arn) is not None for r in executions.rows)
        )
        await pilot.pause()
        table = executions.query_one("#browse-table")
        cell = str(table.get_row(tuned)[-1])
        assert browser.known_parameters(tuned) == BRANCHING_PARAMETERS
        # one line, cut to the room left, what differs between the executions first
        assert cell.startswith("TrainInstanceType=ml.m5.2xlarge, InputData=s3://demo")
        assert len(cell) <= executions.size.width - 50 and cell.endswith("…")
        assert browser.known_parameters(demo) == ()
        await pilot.press("slash", *"m5.2x", "enter")  # the filter reads the parameters too
        await pilot.pause()
        assert [r.arn for r in executions.visible_rows()] == [tuned]
        await pilot.press("slash", "ctrl+u", *"123de", "enter")  # and part of an ID
        await pilot.pause()
        assert [r.arn for r in executions.visible_rows()] == [demo]
        # : with part of an ID searches every pipeline; one match opens it
        await pilot.press("colon", *"xyz0", "enter")
        await until(pilot, lambda: isinstance(app.screen, BrowseMonitorScreen))
        assert app.screen.engine.execution_arn.endswith("/execution/abc999xyz000")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FoundExecutionsScreen))
        assert [r.pipeline for r in app.screen.rows] == ["other"]
        await pilot.press("colon", *"abc", "enter")  # two matches: listed, not opened
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, FoundExecutionsScreen)
                and app.screen.text == "abc"
                and app.screen.loaded
            ),
        )
        assert {r.execution_id for r in app.screen.rows} == {"abc123def456", "abc999xyz000"}
        await app.workers.wait_for_complete()


# ------------------------------------------------------------------ the watch screen

LONG_REASON = (
    "AlgorithmError: ExecuteUserScriptError:\n"
    + "\n".join(f'  File "/opt/ml/code/train.py", line {n}, in step_{n}' for n in range(30))
    + "\nValueError: the label column 'churned' holds 3 values; a binary model needs 2 (END)"
)


def _static_text(widget) -> str:
    from textual.geometry import Region

    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "".join(strip.text for strip in strips)


async def test_job_links_are_copied_and_the_whole_failure_reason_is_shown(aws, fake, clock):
    aws.client("sagemaker").create_pipeline(
        PipelineName="branching", PipelineDefinition=json.dumps(BRANCHING), RoleArn=ROLE
    )
    fake.script_next_execution(
        "branching", branching_steps(overrides={"Train": {"fail_reason": LONG_REASON}})
    )
    arn = start_as(aws, "branching", "0ylmwt0ugxnz", PipelineParameters=PARAMETERS)
    watcher = SageMakerWatcher(arn, aws=aws, clock=clock, on_notice=lambda n: None)
    app = MonitorApp(watcher, None, "branching")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.monitor
        await until(pilot, lambda: screen._snapshot.execution.finished, timeout=60)
        assert screen._snapshot.execution.status == "Failed"
        # the times are SageMaker's (StartTime, EndTime, CreationTime), not when seen
        script = fake.script(arn)
        train = next(s for s in script.steps if s.name == "Train")
        assert screen._snapshot_step("Train").duration() == train.starting + train.executing
        assert screen._snapshot.execution.duration() == script.finished_at()
        screen._follow = False
        screen._select_row("Train")
        await pilot.pause()
        resource = watcher.step_resource("Train")
        assert resource.arn.startswith("arn:aws:sagemaker:us-east-1:123456789012:training-job/")
        await pilot.press("c")
        assert app.clipboard == resource.arn
        assert any(resource.arn in str(n.message) for n in app._notifications)
        await pilot.press("u")
        assert app.clipboard.startswith(
            "https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/jobs/"
        )
        await pilot.press("enter")  # the details show both
        await pilot.pause()
        details = str(screen.query_one("#detail-text").render())
        assert resource.arn in details and app.clipboard in details
        screen._select_row("CheckMetric")  # a condition ran no job: said, nothing copied
        await pilot.press("c")
        assert app.clipboard.startswith("https://")
        await pilot.press("escape", "e")
        await until(pilot, lambda: isinstance(app.screen, ExecutionView))
        view = app.screen
        await pilot.pause()
        shown = _static_text(view.query_one("#execution-text"))
        squeezed = "".join(shown.split())
        assert "".join(LONG_REASON.split()) in squeezed  # whole, wrapped at the width
        for name, value in BRANCHING_PARAMETERS:
            assert name in shown and value in shown
        assert arn in squeezed
        took = int(script.finished_at())
        assert f"took {took // 60}:{took % 60:02d}" in shown
        await pilot.press("c")
        assert app.clipboard == arn
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await app.workers.wait_for_complete()


def test_an_execution_watched_after_it_ended_keeps_sagemakers_times(aws, fake, clock, recorder):
    create_pipeline(aws, "late", SPECS)
    fake.script_next_execution("late", sequential_steps(SPECS, starting=20, executing=60))
    arn = start_as(aws, "late", "1a7e0b5e7c9d")
    clock.advance(1000)  # it ended long before anyone watched
    watcher = SageMakerWatcher(arn, aws=aws, clock=clock, on_notice=recorder.notice)
    assert watcher.run(recorder, threading.Event()) == "Succeeded"
    train = [e for e in recorder.of("step") if e.step == "Train"]
    assert [e.status for e in train] == ["Executing", "Succeeded"]  # when it ran, then ended
    state = RunState()
    for event in recorder.events:
        state.apply(event)
    assert state.step("Train").duration() == 80
    created, _ended = watcher.execution_times
    assert abs((created - fake.script(arn).started).total_seconds()) < 1
    assert recorder.statuses() == ["Executing", "Succeeded"]
    assert state.execution().duration() == fake.script(arn).finished_at()
