"""The monitor screen on a SageMaker execution served by moto + the fake (issue 12 checks)."""

from __future__ import annotations

import pytest
from monitor_helpers import HeldClock, until
from sm_helpers import create_pipeline, start

from devtools.scripted import sequential_steps
from runners.sagemaker.watcher import SageMakerWatcher
from tui.monitor.app import MonitorApp
from tui.monitor.screen import MonitorScreen
from tui.widgets.log_pane import LogPane

pytestmark = pytest.mark.anyio

FIVE = [
    ("Preprocess", "Processing"),
    ("Train", "Training"),
    ("Evaluate", "Processing"),
    ("Register", "RegisterModel"),
    ("Deploy", "Model"),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def rows(screen: MonitorScreen) -> dict[str, str]:
    return {
        s.name: s.display_status(screen._snapshot.execution.finished)
        for s in screen._snapshot.steps
    }


async def test_five_steps_from_the_first_second_and_logs_that_follow(aws, fake, monkeypatch):
    held = HeldClock()
    fake.clock = held
    create_pipeline(aws, "five", FIVE)
    fake.script_next_execution(
        "five",
        sequential_steps(
            FIVE,
            overrides={
                "Train": {"executing": 5000, "logs": tuple(f"epoch {i}" for i in range(3000))}
            },
        ),
    )
    arn = start(aws, "five")
    watcher = SageMakerWatcher(arn, aws=aws, clock=held, tail_logs=True, on_notice=lambda n: None)
    app = MonitorApp(watcher, None, "five")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.monitor
        assert screen is not None
        await until(pilot, lambda: len(screen._snapshot.steps) == 5)
        statuses = rows(screen)
        assert statuses["Preprocess"] == "Starting"
        assert [n for n, s in statuses.items() if s == "Pending"] == [
            "Train",
            "Evaluate",
            "Register",
            "Deploy",
        ]
        assert "0/5 steps" in str(screen.query_one("#run-header").render())
        # let time run until Train has written its 1,000 lines
        log = screen.query_one("#log", LogPane)

        async def advance_until(predicate) -> None:
            for _ in range(400):
                if predicate():
                    return
                try:
                    await until(pilot, lambda: held.waiting.is_set() or predicate())
                except AssertionError:
                    raise AssertionError(
                        f"stuck: {screen._engine_error} {watcher.status} {held.monotonic()}"
                        f" {rows(screen)} {screen._selected} {len(log.raw_lines)}"
                        f" {fake.requests.count('GetLogEvents')} {fake.requests.count('DescribeLogStreams')} {[(k, len(v)) for k, v in screen._rings.items()]}"
                    ) from None
                held.release()
                await pilot.pause(0.01)
            raise AssertionError(
                f"never got there: {screen._engine_error} {watcher.status} {held.monotonic()}"
                f" {rows(screen)} {screen._selected} {len(log.raw_lines)}"
            )

        await advance_until(lambda: len(screen._rings.get("Train", ())) >= 1000)
        await until(pilot, held.waiting.is_set)  # the poller sleeps: nothing moves now
        await pilot.pause(0.3)
        assert screen._selected == "Train" and rows(screen)["Train"] == "Executing"
        assert len(log.raw_lines) >= 1000
        await pilot.pause()
        await pilot.pause()
        top = int(log.scroll_offset.y)
        visible = log.lines[top : top + log.scrollable_content_region.height]
        assert log.lines[-1].startswith("epoch") and log.lines[-1] in visible  # no key pressed
        assert log.following
        watcher.detach()
        await app.workers.wait_for_complete()


async def test_details_of_a_watched_step_show_its_dependencies(aws, fake, clock):
    import itertools
    import json

    from sm_helpers import ROLE

    steps = [{"Name": n, "Type": k, "Arguments": {}} for n, k in FIVE]
    for before, step in itertools.pairwise(steps):
        step["DependsOn"] = [before["Name"]]
    aws.client("sagemaker").create_pipeline(
        PipelineName="five",
        PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": steps}),
        RoleArn=ROLE,
    )
    fake.script_next_execution("five", sequential_steps(FIVE))
    arn = start(aws, "five")
    watcher = SageMakerWatcher(arn, aws=aws, clock=clock, on_notice=lambda n: None)
    app = MonitorApp(watcher, None, "five")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.monitor
        await until(pilot, lambda: screen._snapshot.execution.finished)
        screen.query_one("#steps").focus()
        screen._follow = False
        screen._select_row("Train")
        text = str(screen._details_text(screen._snapshot_step("Train")))
        assert [s.name for s in watcher.definition] == [n for n, _ in FIVE]
        assert "Train" in text and "Succeeded" in text and "after Preprocess" in text
        await app.workers.wait_for_complete()
