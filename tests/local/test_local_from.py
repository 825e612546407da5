"""`sm-wizard run FILE --from STEP`: STEP and what follows it run again; the steps before it
take their outputs from an earlier run, checked unchanged, and say so in their events."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from local_helpers import (
    Finished,
    Recorder,
    Workspace,
    make_workspace,
    run_engine,
    trainer_dies,
)

from cli.main import main
from runners.events import StepEvent
from runners.local import open_run, read_events
from runners.local.resume import needed, selection
from wizard.errors import WizardError
from wizard.plan import build_plan
from wizard.store import load_config

pytestmark = pytest.mark.xdist_group("local-from")  # one worker runs the module's runs

BEFORE_TRAIN = ("PrepareData", "EngineerFeatures")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def step_events(finished: Finished, name: str) -> list[StepEvent]:
    return [e for e in finished.recorder.events if isinstance(e, StepEvent) and e.step == name]


def ran(finished: Finished) -> set[str]:
    """The steps that started a job (or at least began) in this run."""
    return {
        e.step
        for e in finished.recorder.events
        if isinstance(e, StepEvent) and e.status in ("Starting", "Executing")
    }


def record(run_dir: Path, step: str) -> dict:
    return json.loads((run_dir / "steps" / step / "step.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Workspace, Finished, Finished]:
    """A regression demo whose first run fails in Train (its trainer dies, as a job does when its machine
    goes away), then a run ``--from Train`` with the real trainer: the failed run reached
    Train's predecessors, so their outputs are reused from it."""
    workspace = make_workspace(tmp_path_factory.mktemp("from"), "regression-demo")
    with trainer_dies():
        failed = run_engine(workspace.engine())
    assert failed.status == "Failed"
    resumed = run_engine(workspace.engine(from_step="Train"))
    return workspace, failed, resumed


def test_steps_before_the_step_are_reused_not_run(runs):
    _, failed, resumed = runs
    assert resumed.status == "Succeeded"
    source = failed.engine.run_id
    for name in BEFORE_TRAIN:
        assert name not in ran(resumed), f"{name} ran again"
        (event,) = step_events(resumed, name)
        assert event.status == "Succeeded"
        assert event.reused_from == source and event.reason == f"reused from run {source}"
        assert record(resumed.engine.run_dir, name)["reused_from"] == source
        assert record(resumed.engine.run_dir, name)["pids"] == []
    assert {"Train", "Evaluate", "CheckMetric"} <= ran(resumed)
    # the reused outputs are the earlier run's files, linked, not made again
    step = resumed.engine.plan.step("EngineerFeatures")
    for output in step.outputs:
        earlier = failed.engine.layout.output_dir(step, output.name)
        now = resumed.engine.layout.output_dir(step, output.name)
        for path in earlier.rglob("*"):
            if path.is_file():
                twin = now / path.relative_to(earlier)
                assert os.path.samefile(path, twin) or twin.read_bytes() == path.read_bytes()
    info = json.loads(resumed.engine.layout.run_json.read_text())
    assert info["from_step"] == "Train" and info["reused_from"] == source


def test_run_from_a_later_step_matches_the_full_result(runs):
    """--from Evaluate after a succeeded run: only Evaluate and what follows run, with the
    earlier run's model, and the evaluation comes out the same."""
    workspace, _, _ = runs
    again = run_engine(workspace.engine(from_step="Evaluate"))
    assert again.status == "Succeeded"
    assert "Train" not in ran(again) and "Evaluate" in ran(again)
    (train,) = step_events(again, "Train")
    assert train.reused_from is not None and train.reused_from != again.engine.run_id
    source = workspace.run_root / train.reused_from  # the newest run that has the outputs
    assert record(source, "Train")["status"] == "Succeeded"
    before = record(source, "Evaluate")["metrics"]
    after = record(again.engine.run_dir, "Evaluate")["metrics"]
    assert before and after == pytest.approx(before, rel=1e-9)


def test_retrying_a_run_from_a_step_keeps_the_reused_steps(runs):
    _, failed, resumed = runs
    engine = open_run(resumed.engine.run_dir)
    recorder = Recorder()
    # nothing failed, so nothing runs: the kept steps are restated with where they came from
    assert engine.retry(recorder, threading.Event()) == "Succeeded"
    prepare = recorder.step_event("PrepareData", "Succeeded")
    assert prepare.reused_from == failed.engine.run_id


def test_unknown_step_lists_the_steps(runs):
    workspace, _, _ = runs
    with pytest.raises(WizardError, match=r"no step 'Trian'\. Did you mean Train") as raised:
        workspace.engine(from_step="Trian")
    assert "PrepareData, EngineerFeatures" in raised.value.message
    result = invoke("run", str(workspace.config), "--json", "--from", "Nope")
    assert result.exit_code == 2 and "has no step 'Nope'" in result.output
    on_aws = invoke(
        "run",
        str(workspace.config),
        "--json",
        "--engine",
        "sagemaker",
        "--from",
        "Nope",
        "--role-arn",
        "arn:aws:iam::123456789012:role/R",
        "--bucket",
        "b-1",
    )  # refused before any AWS call
    assert on_aws.exit_code == 2 and "has no step 'Nope'" in on_aws.output
    both = invoke("run", str(workspace.config), "--from", "Train", "--retry", "latest")
    assert both.exit_code == 2 and "does not go with --retry" in both.output


def test_no_earlier_run_is_explained(tmp_path: Path):
    workspace = make_workspace(tmp_path, "regression-demo")
    with pytest.raises(WizardError, match="no earlier local run") as raised:
        workspace.engine(from_step="Train")
    assert "PrepareData" in raised.value.message  # what it would have reused
    assert not list(workspace.run_root.glob("2*")), "a refused --from leaves no run folder"


def test_a_changed_step_is_named_and_nothing_runs(runs):
    workspace, _, _ = runs
    before = len(list(workspace.run_root.glob("2*")))
    text = workspace.config.read_text()
    head, tail = text.split("[training]", 1)
    changed = (
        head
        + "[training]"
        + tail.replace("max_runtime_seconds = 3600", "max_runtime_seconds = 7200", 1)
    )
    workspace.config.write_text(changed)
    try:
        with pytest.raises(WizardError, match="Train's inputs changed since run") as raised:
            workspace.engine(from_step="Evaluate")
        assert "its compute" in raised.value.message and "--from Train" in raised.value.message
        result = invoke(
            "run",
            str(workspace.config),
            "--json",
            "--run-dir",
            str(workspace.run_root),
            "--from",
            "Evaluate",
        )
        assert result.exit_code == 2 and "Train's inputs changed" in result.output
        # running from the changed step itself is fine: it runs again
        assert workspace.engine(from_step="Train").reuse is not None
    finally:
        workspace.config.write_text(text)
    assert len(list(workspace.run_root.glob("2*"))) == before + 1  # only the accepted one
    data = workspace.folder / "data" / "diabetes.csv"
    original = data.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    data.write_text("".join(lines[:-1]))  # one row fewer
    try:
        with pytest.raises(WizardError, match="PrepareData's inputs changed") as raised:
            workspace.engine(from_step="Train")
        assert "the data it reads changed" in raised.value.message
    finally:
        data.write_bytes(original)


def test_an_older_run_serves_when_the_newest_no_longer_fits(runs):
    """A run made with other settings is newer, but its Train no longer fits the config as it
    is again: --from Evaluate reuses the older run whose Train does."""
    workspace, _, _ = runs
    text = workspace.config.read_text()
    head, tail = text.split("[training]", 1)
    tail = tail.replace("max_runtime_seconds = 3600", "max_runtime_seconds = 7200", 1)
    workspace.config.write_text(head + "[training]" + tail)
    try:
        other = run_engine(workspace.engine(from_step="Train"))
        assert other.status == "Succeeded"
    finally:
        workspace.config.write_text(text)
    engine = workspace.engine(from_step="Evaluate")
    assert engine.reuse is not None and engine.reuse.source_id not in (None, other.engine.run_id)
    assert record(engine.reuse.source_dir, "Train")["status"] == "Succeeded"


def test_selection_and_what_it_reads(runs):
    workspace, _, _ = runs
    plan = build_plan(load_config(workspace.config))
    chosen = selection(plan, "Evaluate")
    assert "Train" not in chosen and {"Evaluate", "CheckMetric", "RegisterModel"} <= chosen
    assert needed(plan, chosen) == {"PrepareData", "EngineerFeatures", "Train"}


def test_cli_from_prints_reused_steps(runs):
    workspace, _, _ = runs
    result = invoke(
        "run",
        str(workspace.config),
        "--json",
        "--run-dir",
        str(workspace.run_root),
        "--from",
        "CheckMetric",
    )
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.strip().splitlines()]
    reused = {e["step"] for e in events if e["type"] == "step" and e.get("reused_from")}
    assert {"PrepareData", "Train", "Evaluate"} <= reused
    started = {e["step"] for e in events if e["type"] == "step" and e["status"] == "Starting"}
    assert "CheckMetric" in started and "Evaluate" not in started
    assert events[-1]["type"] == "execution" and events[-1]["status"] == "Succeeded"
    listing = invoke("runs", str(workspace.config), "--run-dir", str(workspace.run_root))
    assert "from CheckMetric (reusing " in listing.output.splitlines()[0]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def until(pilot, predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await pilot.pause(0.05)


@pytest.mark.anyio
async def test_run_from_here_in_the_monitor(runs):
    """``R`` on a step of an ended local run, confirmed: a new run reuses this run's outputs
    for the other steps and the monitor follows it."""
    from tui.monitor.app import MonitorApp
    from tui.screens.modals import ConfirmModal

    workspace, _, _ = runs
    engine = workspace.engine(from_step="CheckMetric")  # a short run to start from
    assert engine.capabilities.can_run_from
    app = MonitorApp(engine, engine.plan, engine.plan.pipeline_name)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.monitor
        assert screen is not None
        await until(pilot, lambda: screen._snapshot.execution.finished and not screen.busy, 90)
        assert screen._snapshot.execution.status == "Succeeded"
        screen._follow = False
        screen._select_row("Evaluate")
        await pilot.pause()
        assert screen.check_action("run_from", ()) is True
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), 10)
        assert "Run again from Evaluate?" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("y")
        await until(pilot, lambda: screen.engine is not engine, 10)
        new = screen.engine
        await until(pilot, lambda: screen._snapshot.execution.finished and not screen.busy, 90)
        assert screen._snapshot.execution.status == "Succeeded"
        assert new.run_dir is not None and new.run_dir != engine.run_dir
        train = screen._snapshot_step("Train")
        assert train.status == "Succeeded" and train.reason == f"reused from run {engine.run_id}"
        assert screen._snapshot.execution.id == new.run_dir.name
        await app.workers.wait_for_complete()
    events = list(read_events(new.run_dir))
    started = {e.step for e in events if isinstance(e, StepEvent) and e.status == "Starting"}
    assert "Evaluate" in started and "Train" not in started and "PrepareData" not in started


def test_a_branch_the_earlier_run_did_not_take_is_refused(tmp_path: Path):
    """--from RegisterModel when the reused CheckMetric chose its else branch: RegisterModel
    would never run, so the refusal says to run from the condition instead."""
    from runners.local.layout import RunLayout
    from runners.local.resume import plan_reuse
    from runners.local.steps import StepState

    workspace = make_workspace(tmp_path, "regression-demo")
    plan = build_plan(load_config(workspace.config))
    layout = RunLayout(workspace.run_root / "20260101-000000-beef")
    for step in plan.steps:
        state = StepState(step.name, step.kind, status="Succeeded", fingerprint={"kind": "x"})
        if step.kind == "Condition":
            state.outcome = False
        if step.branch == "if":
            state.status = "Skipped"
        layout.step_json(step.name).parent.mkdir(parents=True)
        layout.step_json(step.name).write_text(json.dumps(state.to_dict()))
        for output in step.outputs:
            layout.output_dir(step, output.name).mkdir(parents=True, exist_ok=True)
    with pytest.raises(WizardError, match="which run 20260101-000000-beef did not take") as raised:
        plan_reuse(plan, "RegisterModel", selection(plan, "RegisterModel"), layout.root)
    assert "--from CheckMetric" in raised.value.message
    reuse = plan_reuse(plan, "CheckMetric", selection(plan, "CheckMetric"), layout.root)
    assert "Train" in reuse.reused and "CheckMetric" not in reuse.reused
