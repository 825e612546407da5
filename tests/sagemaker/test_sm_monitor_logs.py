"""The watch screen's log pane shows a step's CloudWatch lines as soon as ``--json`` would
(issue 29): the monitor over the SageMaker watcher on a scripted execution in moto + the fake.

The clock is held: time moves only when the test releases the poller's sleep, so "as soon
as" is exact. A line counts as on screen when the log pane of the selected step holds it.
"""

from __future__ import annotations

import pytest
from monitor_helpers import HeldClock, until
from sm_helpers import create_pipeline, start

from devtools.scripted import sequential_steps
from runners.events import LogEvent
from runners.sagemaker.watcher import SageMakerWatcher
from tui.monitor.app import MonitorApp
from tui.widgets.log_pane import LogPane

pytestmark = pytest.mark.anyio

LINES = 401
LAG = 10.0
"""Seconds (of script time) from a line's timestamp to the screen, at most."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def five(kind: str) -> list[tuple[str, str]]:
    return [
        ("Preprocess", "Processing"),
        ("Work", kind),
        ("Evaluate", "Processing"),
        ("Register", "RegisterModel"),
        ("Deploy", "Model"),
    ]


@pytest.mark.parametrize("kind", ["Training", "Processing", "Transform", "Tuning"])
async def test_a_running_steps_lines_are_on_screen_when_json_prints_them(aws, fake, kind):
    held = HeldClock()
    fake.clock = held
    steps = five(kind)
    create_pipeline(aws, "five", steps)
    lines = tuple(f"epoch {i}" for i in range(LINES))
    script = sequential_steps(
        steps, starting=3, executing=8, gap=1, overrides={"Work": {"executing": 12, "logs": lines}}
    )
    fake.script_next_execution("five", script)
    work = script[1]
    written = {line: work.start + 3 + 12 * (i + 1) / (LINES + 1) for i, line in enumerate(lines)}
    arn = start(aws, "five")
    watcher = SageMakerWatcher(arn, aws=aws, clock=held, on_notice=lambda n: None)
    app = MonitorApp(watcher, None, "five", autostart=False)
    emitted: dict[str, float] = {}  # line → when the watcher emitted it (what --json prints)
    seen: dict[str, float] = {}  # line → when it was first on screen
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.monitor
        assert screen is not None
        feed_emit = screen.feed.emit

        def emit(event) -> None:
            if isinstance(event, LogEvent) and event.step == "Work":
                emitted.setdefault(event.line, held.monotonic())
            feed_emit(event)

        screen.feed.emit = emit  # type: ignore[method-assign]
        screen.start("run")
        log = screen.query_one("#log", LogPane)
        for _ in range(200):
            await until(pilot, held.waiting.is_set)  # the poller sleeps: time stands still
            await pilot.pause(0.25)  # a couple of the screen's drains
            if screen._selected == "Work":
                on_screen = set(log.lines)
                for line in on_screen & set(written):
                    seen.setdefault(line, held.monotonic())
                missing = [line for line in emitted if line not in on_screen]
                assert not missing, f"--json printed {len(missing)} lines not on screen"
            if screen._snapshot.execution.finished:
                break
            held.release()
        await until(pilot, lambda: not screen.busy)
        # the step selected after it finished shows every line it wrote
        screen._follow = False
        screen._select_row("Work")
        await pilot.pause(0.25)
        assert [line for line in log.lines if line in written] == list(lines)
        watcher.detach()
        await app.workers.wait_for_complete()
    assert set(emitted) >= set(lines)
    ends = work.start + 3 + 12
    early = [line for line in lines if written[line] <= ends - LAG]
    assert set(early) <= set(seen), "lines written while the step ran never shown while it ran"
    lag = max(seen[line] - written[line] for line in seen)
    print(f"{kind}: {len(seen)} lines on screen while selected, worst lag {lag:.1f} s")
    assert lag <= LAG, f"a line reached the screen {lag:.1f} s after it was written"


async def test_a_step_selected_after_the_execution_ended_shows_its_lines(aws, fake, clock):
    steps = five("Training")
    create_pipeline(aws, "five", steps)
    lines = tuple(f"epoch {i}" for i in range(LINES))
    script = sequential_steps(steps, overrides={"Work": {"logs": lines}})
    fake.script_next_execution("five", script)
    arn = start(aws, "five")
    clock.advance(fake.script(arn).finished_at() + 60)  # attached when it was long over
    watcher = SageMakerWatcher(arn, aws=aws, clock=clock, on_notice=lambda n: None)
    app = MonitorApp(watcher, None, "five")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.monitor
        assert screen is not None
        await until(pilot, lambda: screen._snapshot.execution.finished and not screen.busy)
        assert fake.requests.count("GetLogEvents") == 0  # nothing was tailed while it ran
        screen._follow = False
        screen._select_row("Work")
        log = screen.query_one("#log", LogPane)
        await until(pilot, lambda: [x for x in log.lines if x.startswith("epoch")] == list(lines))
        await app.workers.wait_for_complete()


def test_the_fast_clock_used_to_measure_runs_real_time_faster():
    import time

    from devtools.clock import FastClock

    clock = FastClock(speed=100)
    began, start = time.monotonic(), clock.monotonic()
    clock.sleep(2.0)
    assert clock.monotonic() - start >= 2.0
    assert time.monotonic() - began < 1.0
    assert clock.sleep(60.0, wake=lambda: True) is None and clock.monotonic() - start < 10
