"""The run monitor, driven by a scripted fake engine (a list of events and gates).

Pilot tests press keys and assert on the screen's widgets and state; one snapshot test pins
the 80x24 layout of a finished, failed run (fixed event times: no clock in the picture).
"""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import replace

import pytest
from textual.widgets import DataTable, Log

from runners.base import Capabilities
from runners.events import ExecutionEvent, LogEvent, MetricEvent, RunEvent, StepEvent
from tui.messages import RING_LINES, LogLinesReceived, RunFeed, StepsUpdated
from tui.monitor.app import MonitorApp
from tui.monitor.screen import MonitorScreen
from tui.screens.modals import ConfirmModal
from tui.widgets.log_pane import LogPane
from tui.widgets.run_dag import RunDag
from wizard.plan import build_plan
from wizard.plan.dag import Plan
from wizard.validation import validate_or_raise

SIZE = (100, 30)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --------------------------------------------------------------------------- the fake engine


class Gate:
    """A point in a script where the engine waits until the test releases it (or stop)."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def release(self) -> None:
        self.event.set()


class ScriptedEngine:
    """Plays a list of events; ``Gate``s pause it. Honours ``stop`` like a real engine:
    running steps go Stopping → Stopped, then the execution ends Stopped. Named
    ``sagemaker``, it says it is remote, as the SageMaker engines do."""

    def __init__(self, script: Iterable[RunEvent | Gate], *, name: str = "local") -> None:
        self.script = list(script)
        self.name = name
        self.capabilities = Capabilities(
            remote=name == "sagemaker", can_detach=True, can_select_logs=True
        )
        self.stop_seen = threading.Event()
        self.detached = threading.Event()
        self.selected: list[list[str]] = []

    def _play(self, script: list[RunEvent | Gate], emit, stop: threading.Event) -> str:
        running: dict[str, str] = {}
        status = "Failed"
        for item in script:
            if isinstance(item, Gate):
                while not item.event.wait(0.01):
                    if stop.is_set() or self.detached.is_set():
                        break
            if self.detached.is_set():
                return "Executing"
            if stop.is_set():
                self.stop_seen.set()
                emit(ExecutionEvent("Stopping", engine=self.name))
                for step, kind in running.items():
                    emit(StepEvent(step, kind, "Stopping"))
                    emit(StepEvent(step, kind, "Stopped"))
                emit(ExecutionEvent("Stopped", engine=self.name))
                return "Stopped"
            if isinstance(item, Gate):
                continue
            if isinstance(item, StepEvent):
                if item.status in ("Starting", "Executing"):
                    running[item.step] = item.kind
                else:
                    running.pop(item.step, None)
            if isinstance(item, ExecutionEvent):
                status = item.status
            emit(item)
        return status

    def run(self, emit, stop: threading.Event) -> str:
        return self._play(self.script, emit, stop)

    def detach(self) -> None:
        self.detached.set()

    def select_logs(self, steps) -> None:
        self.selected.append(list(steps))


class RetryableEngine(ScriptedEngine):
    def __init__(self, script, retry_script, **kw) -> None:
        super().__init__(script, **kw)
        self.capabilities = replace(self.capabilities, can_retry=True)
        self.retry_script = list(retry_script)
        self.retried = 0

    def retry(self, emit, stop: threading.Event) -> str:
        self.retried += 1
        return self._play(self.retry_script, emit, stop)


class BrokenEngine:
    name = "local"
    capabilities = Capabilities()

    def run(self, emit, stop):
        emit(ExecutionEvent("Executing", engine="local"))
        raise RuntimeError("the engine fell over")


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def plan(demo_doc_module) -> Plan:
    return build_plan(validate_or_raise(demo_doc_module))


@pytest.fixture(scope="module")
def demo_doc_module() -> dict:
    """The demo with Model Monitor's baseline (a QualityCheck step beside Train): a plan with
    two independent branches, which the monitor draws and runs side by side."""
    from wizard.templates import template_document

    doc = template_document("demo")
    doc["evaluation"]["services"] = ["model-monitor"]
    return doc


def at(second: int) -> str:
    minutes, seconds = divmod(second, 60)
    return f"2026-11-26T12:{minutes:02d}:{seconds:02d}Z"


def step_run(
    name: str, kind: str, start: int, end: int, status: str = "Succeeded", **extra
) -> list[RunEvent]:
    lines = [LogEvent(name, f"{name}: line {i}", time=at(start)) for i in range(3)]
    return [
        StepEvent(name, kind, "Executing", attempt=1, time=at(start)),
        *lines,
        StepEvent(name, kind, status, attempt=1, time=at(end), **extra),
    ]


def failing_script(plan: Plan) -> list[RunEvent]:
    """The demo pipeline up to Train, which fails with a multi-line reason."""
    kinds = {s.name: s.kind for s in plan.steps}
    script: list[RunEvent] = [ExecutionEvent("Executing", engine="local", id="run-1", time=at(0))]
    script += step_run("PrepareData", kinds["PrepareData"], 1, 4, cache_hit=True)
    script += step_run("EngineerFeatures", kinds["EngineerFeatures"], 5, 9)
    script += step_run("DataQualityBaseline", kinds["DataQualityBaseline"], 10, 12)
    script += [MetricEvent("Train", "validation:auc", 0.6 + i / 100, time=at(15)) for i in range(5)]
    script += step_run(
        "Train",
        kinds["Train"],
        10,
        21,
        status="Failed",
        reason="Traceback (most recent call last):\nValueError: label column 'target' not found",
    )
    script.append(
        ExecutionEvent(
            "Failed",
            engine="local",
            id="run-1",
            reason="Train failed: ValueError: label column 'target' not found",
            time=at(22),
        )
    )
    return script


def succeeding_rest(plan: Plan) -> list[RunEvent]:
    """What a retry does after the failing script: Train onwards, to Succeeded."""
    script: list[RunEvent] = [ExecutionEvent("Executing", engine="local", id="run-1", time=at(30))]
    t = 31
    for step in plan.steps:
        if step.name in ("PrepareData", "EngineerFeatures", "DataQualityBaseline"):
            continue
        if step.branch == "else":
            continue
        script += step_run(step.name, step.kind, t, t + 1)
        t += 2
    script.append(ExecutionEvent("Succeeded", engine="local", id="run-1", time=at(t)))
    return script


async def until(pilot, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    waited = 0.0
    while not predicate():
        if waited > timeout:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)
        waited += 0.05


async def settled(pilot) -> None:
    """The engine finished and the last batch is drawn."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.25)


def monitor(app: MonitorApp) -> MonitorScreen:
    assert app.monitor is not None
    return app.monitor


def cell(screen: MonitorScreen, step: str, column: str) -> str:
    value = screen.query_one("#steps", DataTable).get_cell(step, column)
    return getattr(value, "plain", str(value))


# --------------------------------------------------------------------------- statuses


async def test_statuses_appear_as_the_engine_reports_them(plan: Plan) -> None:
    gate = Gate()
    script = [
        ExecutionEvent("Executing", engine="local", id="run-1"),
        StepEvent("PrepareData", "Processing", "Executing", attempt=1),
        LogEvent("PrepareData", "reading data.csv"),
        gate,
        StepEvent("PrepareData", "Processing", "Succeeded", attempt=1, cache_hit=True),
        StepEvent("EngineerFeatures", "Processing", "Executing", attempt=1),
        ExecutionEvent("Failed", engine="local", reason="stopped early on purpose"),
    ]
    app = MonitorApp(ScriptedEngine(script), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await until(pilot, lambda: "Executing" in cell(screen, "PrepareData", "status"))
        assert "waiting" in cell(screen, "Train", "status")
        dag = screen.query_one("#dag", RunDag)
        assert dag.status_of("PrepareData") == "Executing"
        assert "Executing" in str(screen.query_one("#run-header").render())
        gate.release()
        await settled(pilot)
        assert "Succeeded" in cell(screen, "PrepareData", "status")
        assert cell(screen, "PrepareData", "cache") == "hit"
        assert cell(screen, "PrepareData", "try") == "1"
        # the run ended: steps that never started say so
        assert "not run" in cell(screen, "Train", "status")
        assert dag.status_of("Train") == "NotRun"
        banner = str(screen.query_one("#run-banner").render())
        assert "Failed" in banner and "stopped early on purpose" in banner


async def test_snapshot_messages_replace_each_other_logs_never() -> None:
    feed = RunFeed([("A", "Processing")])
    for index in range(50):
        feed.emit(StepEvent("A", "Processing", "Executing", attempt=index + 1))
        feed.emit(LogEvent("A", f"line {index}"))
    messages = feed.drain()
    snapshots = [m for m in messages if isinstance(m, StepsUpdated)]
    logs = [m for m in messages if isinstance(m, LogLinesReceived)]
    assert len(snapshots) == 1  # one batch, one picture: the newest
    assert snapshots[0].steps[0].attempt == 50
    assert logs[0].lines["A"] == tuple(f"line {i}" for i in range(50))
    assert snapshots[0].can_replace(StepsUpdated(snapshots[0].execution, ()))
    assert not logs[0].can_replace(logs[0])
    assert feed.drain() == []  # nothing new: nothing to draw


async def test_redraws_are_batched(plan: Plan, monkeypatch) -> None:
    """A burst of 2,000 events is drawn in a handful of batches, not 2,000 redraws."""
    burst: list[RunEvent] = [ExecutionEvent("Executing", engine="local")]
    for index in range(1000):
        burst.append(StepEvent("PrepareData", "Processing", "Executing", attempt=index + 1))
        burst.append(LogEvent("PrepareData", f"line {index}"))
    burst.append(ExecutionEvent("Succeeded", engine="local"))
    drawn: list[StepsUpdated] = []
    original = MonitorScreen.on_steps_updated

    def counting(self: MonitorScreen, message: StepsUpdated) -> None:
        drawn.append(message)
        original(self, message)

    monkeypatch.setattr(MonitorScreen, "on_steps_updated", counting)
    app = MonitorApp(ScriptedEngine(burst), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await settled(pilot)
        assert cell(screen, "PrepareData", "try") == "1000"
        assert len(screen.query_one("#log", Log).lines) == 1000
    assert 1 <= len(drawn) <= 10


# --------------------------------------------------------------------------- logs


async def test_log_pane_follows_the_selected_step(plan: Plan) -> None:
    app = MonitorApp(ScriptedEngine(failing_script(plan)), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await settled(pilot)
        log = screen.query_one("#log", Log)
        # following the run, the monitor shows the failed step
        assert screen.query_one("#steps", DataTable).cursor_row == 3
        assert list(log.lines) == [f"Train: line {i}" for i in range(3)]
        assert "Train" in str(log.border_title)
        await pilot.press("up")
        await pilot.pause()
        assert list(log.lines) == [f"DataQualityBaseline: line {i}" for i in range(3)]
        assert screen.query_one("#dag", RunDag).selected == "DataQualityBaseline"
        await pilot.press("home")
        await pilot.pause()
        assert log.lines[0] == "PrepareData: line 0"


async def test_selection_is_passed_to_engines_that_tail_logs(plan: Plan) -> None:
    engine = ScriptedEngine(failing_script(plan))
    app = MonitorApp(engine, plan)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("up")
        await pilot.pause()
    assert engine.selected[-1] == ["DataQualityBaseline"]


async def test_following_moves_to_the_running_step_until_the_person_moves(plan: Plan) -> None:
    gates = [Gate(), Gate()]
    script = [
        ExecutionEvent("Executing", engine="local"),
        StepEvent("PrepareData", "Processing", "Executing"),
        gates[0],
        StepEvent("PrepareData", "Processing", "Succeeded"),
        StepEvent("EngineerFeatures", "Processing", "Executing"),
        LogEvent("EngineerFeatures", "fitting the scaler"),
        gates[1],
        StepEvent("EngineerFeatures", "Processing", "Succeeded"),
        StepEvent("Train", "Training", "Executing"),
        ExecutionEvent("Succeeded", engine="local"),
    ]
    app = MonitorApp(ScriptedEngine(script), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        gates[0].release()
        await until(pilot, lambda: screen._selected == "EngineerFeatures")
        assert list(screen.query_one("#log", Log).lines) == ["fitting the scaler"]
        await pilot.press("home")  # the person looks elsewhere: following stops
        await pilot.pause()
        gates[1].release()
        await settled(pilot)
        assert screen._selected == "PrepareData"
        await pilot.press("f")  # follow again
        await pilot.pause()
        assert screen._selected == "Train"


async def test_log_memory_is_bounded_while_lines_stream(plan: Plan) -> None:
    lines = 30_000
    script: list[RunEvent] = [
        ExecutionEvent("Executing", engine="local"),
        StepEvent("Train", "Training", "Executing"),
    ]
    script += [LogEvent("Train", f"[{i}]#011train-logloss:0.{i:05d}") for i in range(lines)]
    script.append(StepEvent("Train", "Training", "Succeeded"))
    script.append(ExecutionEvent("Succeeded", engine="local"))
    app = MonitorApp(ScriptedEngine(script), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await settled(pilot)
        log = screen.query_one("#log", Log)
        assert log.line_count <= RING_LINES
        assert len(screen._rings["Train"]) == RING_LINES
        assert screen._rings["Train"][-1] == f"[{lines - 1}] train-logloss:0.{lines - 1:05d}"
        assert screen._snapshot_step("Train").lines == lines
        assert f"last {RING_LINES:,} of {lines:,}" in str(log.border_title)


def test_feed_memory_stays_flat_over_a_million_lines() -> None:
    """1,000,000 lines through the feed, drained as a slow UI would: the queue never holds
    more than one ring's worth, and memory does not grow with the lines streamed."""
    feed = RunFeed([("Train", "Training")])
    padding = "x" * 60

    def stream(count: int, start: int) -> None:
        for i in range(start, start + count):
            feed.emit(LogEvent("Train", f"[{i}] {padding}", time="t"))

    for chunk in range(100):
        stream(10_000, chunk * 10_000)
        if chunk % 3 == 0:  # a slow UI drains only now and then
            feed.drain()
        assert feed.pending_lines() <= RING_LINES
    assert feed.events == 1_000_000
    assert feed.snapshot().steps[0].lines == 1_000_000

    tracemalloc.start()
    try:
        stream(20_000, 1_000_000)
        feed.drain()
        before = tracemalloc.get_traced_memory()[0]
        stream(50_000, 1_020_000)
        feed.drain()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 256 * 1024  # flat: not 50,000 lines' worth (~5 MB)


# --------------------------------------------------------------------------- drilling in


async def test_enter_drills_into_details_and_escape_goes_back(plan: Plan) -> None:
    app = MonitorApp(ScriptedEngine(failing_script(plan)), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await settled(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.view == "details"
        details = str(screen.query_one("#detail-text").render())
        assert "Train" in details and "Training" in details
        assert "ValueError: label column 'target' not found" in details
        assert "after EngineerFeatures" in details
        assert "validation:auc  0.64" in details
        assert screen.query_one("#chart").display
        await pilot.press("escape")
        await pilot.pause()
        assert screen.view == "overview"
        await pilot.press("l")
        await pilot.pause()
        assert screen.view == "logs"
        assert not screen.query_one("#top").display or not screen.query_one("#top").visible
        await pilot.press("escape")
        await pilot.pause()
        assert screen.view == "overview"


async def test_slash_filters_the_steps(plan: Plan) -> None:
    app = MonitorApp(ScriptedEngine(failing_script(plan)), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await settled(pilot)
        await pilot.press("slash", "e", "n", "g")
        await pilot.pause()
        table = screen.query_one("#steps", DataTable)
        assert [str(k.value) for k in table.rows] == ["EngineerFeatures"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(table.rows) == len(plan.steps)


# --------------------------------------------------------------------------- stop


async def test_stop_asks_first_then_stops_the_run(plan: Plan) -> None:
    script = [
        ExecutionEvent("Executing", engine="local"),
        StepEvent("PrepareData", "Processing", "Executing"),
        Gate(),  # never released: only a stop gets past it
    ]
    engine = ScriptedEngine(script)
    app = MonitorApp(engine, plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await until(pilot, lambda: screen._snapshot.execution.status == "Executing")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # keep running
        await pilot.pause()
        assert app.screen is screen and not engine.stop_seen.is_set()
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("y")
        await settled(pilot)
        assert engine.stop_seen.is_set()
        assert screen._snapshot.execution.status == "Stopped"
        assert "Stopped" in cell(screen, "PrepareData", "status")
        assert screen.query_one("#dag", RunDag).status_of("PrepareData") == "Stopped"
        assert "Stopped" in str(screen.query_one("#run-header").render())
        assert screen.check_action("stop", ()) is None  # nothing left to stop
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 130


async def test_quit_while_running_a_local_run_stops_it_first(plan: Plan) -> None:
    engine = ScriptedEngine(
        [
            ExecutionEvent("Executing", engine="local"),
            StepEvent("PrepareData", "Processing", "Executing"),
            Gate(),
        ]
    )
    app = MonitorApp(engine, plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await until(pilot, lambda: screen._snapshot.execution.status == "Executing")
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Stop the run and quit?" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("y")
        await settled(pilot)
    assert engine.stop_seen.is_set()
    assert app.return_code == 130


async def test_quit_on_sagemaker_detaches_without_stopping(plan: Plan) -> None:
    engine = ScriptedEngine(
        [
            ExecutionEvent(
                "Executing",
                engine="sagemaker",
                id="arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc",
            ),
            Gate(),
        ],
        name="sagemaker",
    )
    app = MonitorApp(engine, None, "p")
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await until(pilot, lambda: screen._snapshot.execution.status == "Executing")
        assert not screen.query("#dag")  # no plan, no graph: the table says it all
        await pilot.press("q")
        await pilot.pause()
        detail = str(app.screen.query_one("#confirm-detail").render())
        assert "keeps running on SageMaker" in detail
        assert (
            "sm-wizard watch arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc"
            in (detail.replace("\n", " ").replace("  ", " "))
        )
        await pilot.press("y")
        await pilot.pause()
    assert engine.detached.is_set()
    assert not engine.stop_seen.is_set()
    assert app.return_code == 0


# --------------------------------------------------------------------------- retry


async def test_retry_reruns_a_failed_run_when_the_engine_can(plan: Plan) -> None:
    engine = RetryableEngine(failing_script(plan), succeeding_rest(plan))
    app = MonitorApp(engine, plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await settled(pilot)
        assert screen.check_action("retry", ()) is True
        assert "Failed" in str(screen.query_one("#run-banner").render())
        await pilot.press("r")  # asks first, like stop
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and engine.retried == 0
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and engine.retried == 0
        started = screen._snapshot.execution.started
        await pilot.press("r", "y")
        await settled(pilot)
        assert engine.retried == 1
        assert screen._snapshot.execution.started == started  # elapsed time never resets
        assert screen._snapshot.execution.status == "Succeeded"
        assert "Succeeded" in cell(screen, "Train", "status")
        assert "Succeeded" in cell(screen, "PrepareData", "status")  # kept from the first run
        assert screen.check_action("retry", ()) is None
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_retry_is_not_offered_by_engines_that_cannot(plan: Plan) -> None:
    engine = ScriptedEngine(failing_script(plan))
    app = MonitorApp(engine, plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await settled(pilot)
        assert screen.check_action("retry", ()) is None
        await pilot.press("r")
        await pilot.pause()
        assert screen._snapshot.execution.status == "Failed"
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 1


async def test_an_engine_error_is_shown_not_raised(plan: Plan) -> None:
    app = MonitorApp(BrokenEngine(), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await settled(pilot)
        assert screen._snapshot.execution.status == "Failed"
        assert "the engine fell over" in str(screen.query_one("#run-banner").render())


# --------------------------------------------------------------------------- terminals


async def test_no_color_and_small_terminals(plan: Plan, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = MonitorApp(ScriptedEngine(failing_script(plan)), plan)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = monitor(app)
        await settled(pilot)
        assert app.no_color
        # glyphs carry the status without colour
        assert "✗ Failed" in cell(screen, "Train", "status")
        table = screen.query_one("#steps", DataTable)
        assert table.region.height >= 6 and screen.query_one("#log").region.height >= 4


def test_monitor_80x24_snapshot(plan: Plan, snap_compare) -> None:
    app = MonitorApp(ScriptedEngine(failing_script(plan)), plan)

    async def run_before(pilot) -> None:
        await settled(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


# --------------------------------------------------------------------------- folding


def test_a_step_restated_on_retry_keeps_its_own_times() -> None:
    from runners.run_state import RunState

    state = RunState([("Prepare", "Processing"), ("Train", "Training")])
    state.apply(ExecutionEvent("Executing", time=at(0)))
    state.apply(StepEvent("Prepare", "Processing", "Executing", time=at(1)))
    state.apply(StepEvent("Prepare", "Processing", "Succeeded", time=at(3)))
    state.apply(StepEvent("Train", "Training", "Executing", time=at(4)))
    state.apply(StepEvent("Train", "Training", "Failed", reason="boom", time=at(9)))
    state.apply(ExecutionEvent("Failed", reason="Train failed", time=at(10)))
    # the retry: the engine restates the kept step, then runs the failed one again
    state.apply(ExecutionEvent("Executing", time=at(60)))
    state.apply(StepEvent("Prepare", "Processing", "Succeeded", time=at(60)))
    state.apply(StepEvent("Train", "Training", "Executing", attempt=2, time=at(61)))
    prepare, train = state.steps()
    assert prepare.duration() == 2
    assert train.status == "Executing" and train.reason is None and train.attempt == 2
    assert train.started == at(61) and train.ended is None
    state.apply(StepEvent("Train", "Training", "Succeeded", attempt=2, time=at(65)))
    state.apply(ExecutionEvent("Succeeded", time=at(66)))
    assert state.step("Train").duration() == 4
    # the execution's elapsed time never resets on retry: it counts from its first start
    assert state.execution().duration() == 66 and state.execution().reason is None


def test_pending_and_skipped_steps_count_over_the_whole_pipeline() -> None:
    from runners.run_state import RunState

    state = RunState()
    state.apply(ExecutionEvent("Executing", time=at(0)))
    state.apply(StepEvent("Prepare", "Processing", "Starting", time=at(0)))
    for name in ("Train", "Check", "Register", "Fail"):
        state.apply(StepEvent(name, "Training", "Pending", time=at(0)))
    assert state.counts() == (0, 5)
    train = state.step("Train")
    assert train.status is None and train.started is None
    assert train.display_status(execution_over=False) == "Pending"
    state.apply(StepEvent("Fail", "Fail", "Skipped", reason="branch not taken", time=at(9)))
    assert state.step("Fail").status == "Skipped" and state.step("Fail").started is None
    assert state.counts() == (1, 5)
    # a late Pending never undoes a real status
    state.apply(StepEvent("Prepare", "Processing", "Pending", time=at(10)))
    assert state.step("Prepare").status == "Starting"


def test_cloudwatch_tab_escapes_are_expanded() -> None:
    from runners.run_state import clip_line

    line = clip_line("[0]#011train-logloss:0.61#011validation-logloss:0.62")
    assert "#011" not in line and "\t" not in line  # tab stops of 4
    assert line == "[0] train-logloss:0.61  validation-logloss:0.62"


async def test_summary_line_after_the_monitor_closes(plan: Plan) -> None:
    app = MonitorApp(RetryableEngine(failing_script(plan), succeeding_rest(plan)), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        await settled(pilot)
        failed = screen.summary()
        await pilot.press("r", "y")
        await settled(pilot)
        succeeded = screen.summary()
    assert failed.startswith("breast-cancer-demo: Failed in 0:22")
    assert "Train failed: ValueError: label column 'target' not found" in failed
    assert succeeded.startswith("breast-cancer-demo: Succeeded")
    headline = screen.headline_metric()  # no evaluation metric here: the training's will do
    assert headline is not None and headline.name == "validation:auc"


# --------------------------------------------------------------------------- the log pane (k9s)


def _visible_lines(log) -> list[str]:
    top = int(log.scroll_offset.y)
    return list(log.lines[top : top + log.scrollable_content_region.height])


async def test_log_pane_follows_1000_lines_then_pauses_and_resumes(plan: Plan) -> None:
    gate, more = Gate(), Gate()
    script: list[RunEvent | Gate] = [
        ExecutionEvent("Executing", engine="local"),
        StepEvent("Train", "Training", "Executing"),
    ]
    script += [LogEvent("Train", f"line {i}") for i in range(1000)]
    script.append(gate)
    script += [LogEvent("Train", f"later {i}") for i in range(50)]
    script.append(more)
    script += [LogEvent("Train", "x" * 300 + "#011end")]
    script.append(Gate())  # stays running
    app = MonitorApp(ScriptedEngine(script), plan)
    async with app.run_test(size=SIZE) as pilot:
        screen = monitor(app)
        log = screen.query_one("#log", LogPane)
        await until(pilot, lambda: log.line_count == 1000)
        await pilot.pause()
        # no key pressed: the newest line is on screen
        assert "line 999" in _visible_lines(log)
        assert "following" in str(log.border_title)
        # the person scrolls up: the pane stays put while lines keep coming
        log.focus()
        await pilot.press("pageup")
        await pilot.pause()
        assert not log.following and "paused" in str(log.border_title)
        where = log.scroll_offset.y
        gate.release()
        await until(pilot, lambda: log.line_count == 1050)
        await pilot.pause()
        assert log.scroll_offset.y == where and "later 49" not in _visible_lines(log)
        # End follows again
        await pilot.press("end")
        await pilot.pause()
        assert log.following and "later 49" in _visible_lines(log)
        assert "following" in str(log.border_title)
        # a long line wraps with w, and scrolls sideways without; tabs expanded
        more.release()
        await until(pilot, lambda: log.raw_lines[-1].endswith("end"))
        assert "#011" not in log.raw_lines[-1] and "\t" not in log.raw_lines[-1]
        assert max(len(line) for line in log.lines[-3:]) > 300
        screen.query_one("#steps").focus()
        await pilot.press("w")
        await pilot.pause()
        assert log.wrap and "wrap" in str(log.border_title)
        width = log.scrollable_content_region.width
        assert all(len(line) <= width for line in log.lines)
        assert "".join(log.lines[-4:]).endswith("end")  # nothing cut off
        assert _visible_lines(log)[-1].endswith("end")  # and still following
        await pilot.press("w")
        await pilot.pause()
        assert not log.wrap and log.lines[-1].endswith("end")
        await pilot.press("f")  # f also follows (after scrolling up again)
        log.pause()
        await pilot.press("f")
        await pilot.pause()
        assert log.following
        screen.request_stop()
        await settled(pilot)
