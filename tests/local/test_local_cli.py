"""`sm-wizard run --retry/--attach` and `sm-wizard runs`: an interrupted or failed local run
can be found again, continued from its failed step, or followed from another process."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from local_helpers import Recorder, make_workspace, trainer_dies

from cli.main import main
from runners.events import ExecutionEvent
from runners.local import AttachedRun, find_run, list_runs
from runners.local.project import TEMPLATES_CODE_DIR
from wizard.errors import WizardError

pytestmark = pytest.mark.xdist_group("local-cli")  # one worker runs failed_then_fixed's runs


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def failed_then_fixed(tmp_path_factory):
    """A regression demo whose first run fails in Train, then is retried.

    The failure is one no check can see before the run (validation refuses bad answers before
    any run starts): the first run's trainer dies, as a job does when its machine goes away."""
    workspace = make_workspace(tmp_path_factory.mktemp("cli"), "regression-demo")
    config = str(workspace.config)
    run_root = str(workspace.run_root)
    with trainer_dies():
        first = invoke("run", config, "--json", "--run-dir", run_root)
    return workspace, first


def test_failed_run_is_listed_with_its_reason(failed_then_fixed):
    workspace, first = failed_then_fixed
    assert first.exit_code == 1
    last = json.loads(first.output.strip().splitlines()[-1])
    assert last["type"] == "execution" and last["status"] == "Failed"
    listing = invoke("runs", str(workspace.config), "--run-dir", str(workspace.run_root))
    assert "Failed" in listing.output and "--retry ID" in listing.output
    data = json.loads(
        invoke("runs", str(workspace.config), "--run-dir", str(workspace.run_root), "--json").output
    )
    assert data["runs"][0]["status"] == "Failed"


def test_retry_continues_from_the_failed_step(failed_then_fixed):
    workspace, _ = failed_then_fixed
    summary = find_run(workspace.run_root, "latest")
    # fix the cause in the run's own project, as a person would: the real trainer back
    (summary.run_dir / "project" / "code" / "train.py").write_text(
        (TEMPLATES_CODE_DIR / "train.py").read_text()
    )
    result = invoke(
        "run",
        str(workspace.config),
        "--json",
        "--run-dir",
        str(workspace.run_root),
        "--retry",
        summary.id[:15],
    )
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.strip().splitlines()]
    started = {e["step"] for e in events if e["type"] == "step" and e["status"] == "Executing"}
    assert "PrepareData" not in started and "Train" in started
    assert events[-1] == events[-1] | {"type": "execution", "status": "Succeeded"}
    assert list_runs(workspace.run_root)[0].attempt == 2
    again = invoke(
        "run",
        str(workspace.config),
        "--run-dir",
        str(workspace.run_root),
        "--retry",
        "latest",
        "--json",
    )
    assert again.exit_code == 2 and "nothing to retry" in again.output


def test_attach_replays_a_finished_run(failed_then_fixed):
    workspace, _ = failed_then_fixed
    summary = find_run(workspace.run_root, "latest")
    recorder = Recorder()
    status = AttachedRun(summary.run_dir).run(recorder, threading.Event())
    assert status == summary.status
    assert isinstance(recorder.events[-1], ExecutionEvent)


def test_unknown_run_is_explained(tmp_path: Path, failed_then_fixed):
    workspace, _ = failed_then_fixed
    with pytest.raises(WizardError, match="no run"):
        find_run(workspace.run_root, "19990101")
    with pytest.raises(WizardError, match="no local runs"):
        find_run(tmp_path / "empty", "latest")
    result = invoke("run", str(workspace.config), "--engine", "sagemaker", "--retry", "latest")
    assert result.exit_code == 2 and "engine local" in result.output
