"""Headless runs: JSON lines, plain lines and the live view, exit codes, Ctrl+C; and the
``sm-wizard run`` command's own checks. A scripted fake engine stands in for the real ones."""

from __future__ import annotations

import _thread
import gc
import io
import json
import logging
import signal
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.headless import run_headless
from cli.main import main
from runners.events import (
    ExecutionEvent,
    LogEvent,
    MetricEvent,
    RunEvent,
    StepEvent,
    from_dict,
)
from wizard.errors import WizardError


class FakeEngine:
    """Emits ``script`` (events, or callables run in the engine's thread) and returns the
    last execution status. On ``stop`` it stops the running step and ends Stopped."""

    name = "local"

    def __init__(self, script, *, end_status: str | None = None, raises=None) -> None:
        self.script = list(script)
        self.end_status = end_status
        self.raises = raises
        self.stopped = False

    def run(self, emit, stop: threading.Event) -> str:
        status = "Failed"
        running: dict[str, str] = {}
        for item in self.script:
            if callable(item) and not isinstance(item, RunEvent):
                item(stop)
                continue
            if stop.is_set():
                self.stopped = True
                emit(ExecutionEvent("Stopping", engine="local", id="run-1"))
                for step, kind in running.items():
                    emit(StepEvent(step, kind, "Stopped"))
                emit(ExecutionEvent("Stopped", engine="local", id="run-1"))
                return "Stopped"
            if isinstance(item, StepEvent):
                if item.status == "Executing":
                    running[item.step] = item.kind
                else:
                    running.pop(item.step, None)
            if isinstance(item, ExecutionEvent):
                status = item.status
            emit(item)
        if self.raises is not None:
            raise self.raises
        return self.end_status or status


def success_script() -> list[RunEvent]:
    return [
        ExecutionEvent("Executing", engine="local", id="run-1", time="2026-11-26T12:00:00Z"),
        StepEvent("PrepareData", "Processing", "Executing", attempt=1),
        LogEvent("PrepareData", "split 569 rows"),
        StepEvent("PrepareData", "Processing", "Succeeded", attempt=1, cache_hit=True),
        StepEvent("Train", "Training", "Executing", attempt=1),
        LogEvent("Train", "[0]#011train-logloss:0.61"),
        MetricEvent("Train", "validation:auc", 0.97),
        StepEvent("Train", "Training", "Succeeded", attempt=1),
        ExecutionEvent("Succeeded", engine="local", id="run-1", time="2026-11-26T12:01:30Z"),
    ]


def failure_script() -> list[RunEvent]:
    return [
        ExecutionEvent("Executing", engine="local", id="run-1"),
        StepEvent("Train", "Training", "Executing", attempt=1),
        StepEvent(
            "Train",
            "Training",
            "Failed",
            reason="Traceback (most recent call last):\n  File train.py\nKeyError: 'target'",
        ),
        ExecutionEvent("Failed", engine="local", id="run-1", reason="Train failed: KeyError"),
    ]


def json_run(engine, **kw) -> tuple[int, list[dict]]:
    out = io.StringIO()
    code = run_headless(engine, json_lines=True, out=out, **kw)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


# --------------------------------------------------------------------------- --json


def test_json_lines_one_event_per_line_in_emitted_order() -> None:
    script = success_script()
    code, lines = json_run(FakeEngine(script))
    assert code == 0
    assert [from_dict(line) for line in lines] == script
    assert lines[0] == {
        "type": "execution",
        "status": "Executing",
        "time": "2026-11-26T12:00:00Z",
        "engine": "local",
        "id": "run-1",
    }
    assert lines[-1]["type"] == "execution" and lines[-1]["status"] == "Succeeded"


def test_json_lines_are_flushed_as_they_happen() -> None:
    seen: list[str] = []
    out = io.StringIO()

    def look(stop: threading.Event) -> None:
        seen.append(out.getvalue())

    engine = FakeEngine(
        [
            ExecutionEvent("Executing", engine="local"),
            look,
            ExecutionEvent("Succeeded", engine="local"),
        ]
    )
    run_headless(engine, json_lines=True, out=out)
    assert json.loads(seen[0])["status"] == "Executing"  # written before the run went on


def test_json_failed_run_exits_1_with_a_final_execution_event() -> None:
    code, lines = json_run(FakeEngine(failure_script()))
    assert code == 1
    assert lines[-1]["type"] == "execution" and lines[-1]["status"] == "Failed"
    assert lines[-2]["reason"].endswith("KeyError: 'target'")


def test_a_final_execution_event_is_added_when_the_engine_forgets() -> None:
    script = success_script()[:-1]
    code, lines = json_run(FakeEngine(script, end_status="Succeeded"))
    assert code == 0
    assert lines[-1]["type"] == "execution" and lines[-1]["status"] == "Succeeded"
    assert lines[-1]["id"] == "run-1"
    code, lines = json_run(FakeEngine(script, end_status="Executing"))
    assert code == 1
    assert lines[-1]["status"] == "Failed" and "without a final status" in lines[-1]["reason"]


def test_the_final_event_is_repeated_last_if_the_engine_talks_after_it() -> None:
    script = [*success_script(), LogEvent("Train", "a late line")]
    code, lines = json_run(FakeEngine(script))
    assert code == 0
    assert lines[-2]["type"] == "log"
    assert lines[-1]["type"] == "execution" and lines[-1]["status"] == "Succeeded"


def test_engine_errors_end_with_a_failed_event_and_their_exit_code(capsys) -> None:
    bad_input = FakeEngine(success_script()[:1], raises=WizardError("no bucket given"))
    code, lines = json_run(bad_input)
    assert code == 2
    assert lines[-1] == {
        **lines[-1],
        "type": "execution",
        "status": "Failed",
        "reason": "no bucket given",
    }
    assert "error: no bucket given" in capsys.readouterr().err

    crash = FakeEngine(success_script()[:1], raises=RuntimeError("disk full"))
    code, lines = json_run(crash)
    assert code == 1
    assert lines[-1]["status"] == "Failed" and "disk full" in lines[-1]["reason"]


def test_tool_logs_go_to_stderr_not_into_the_json(capsys) -> None:
    def warn(stop: threading.Event) -> None:
        logging.getLogger("runners.test").warning("retrying a throttled call")

    engine = FakeEngine(
        [
            ExecutionEvent("Executing", engine="local"),
            warn,
            ExecutionEvent("Succeeded", engine="local"),
        ]
    )
    out = io.StringIO()
    run_headless(engine, json_lines=True, out=out)
    assert all(json.loads(line) for line in out.getvalue().splitlines())
    assert "retrying a throttled call" not in out.getvalue()
    assert "retrying a throttled call" in capsys.readouterr().err


# --------------------------------------------------------------------------- Ctrl+C


@pytest.fixture(autouse=True)
def _sigint_raises_keyboard_interrupt():
    """Ctrl+C must reach Python even when pytest started with SIGINT ignored (``nohup``, a
    background job of a script, some CI runners): ``interrupt_main`` does nothing then.

    Automatic garbage collection is off meanwhile: a KeyboardInterrupt raised while a gc
    callback runs (hypothesis installs one) is swallowed as "unraisable", and the test's Ctrl+C
    would be lost; the CLI has no such callback."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    collecting = gc.isenabled()
    gc.disable()
    yield
    if collecting:
        gc.enable()
    signal.signal(signal.SIGINT, previous)


def ctrl_c(stop: threading.Event) -> None:
    """Press Ctrl+C (in the main thread, as the terminal would) and wait for the stop."""
    _thread.interrupt_main()
    assert stop.wait(5)


def test_ctrl_c_stops_the_run_and_exits_130(capsys) -> None:
    engine = FakeEngine(
        [
            ExecutionEvent("Executing", engine="local", id="run-1"),
            StepEvent("Train", "Training", "Executing"),
            ctrl_c,
            StepEvent("Train", "Training", "Succeeded"),
            ExecutionEvent("Succeeded", engine="local", id="run-1"),
        ]
    )
    code, lines = json_run(engine)
    assert code == 130
    assert engine.stopped
    assert [(line.get("step"), line["status"]) for line in lines[-3:]] == [
        (None, "Stopping"),
        ("Train", "Stopped"),
        (None, "Stopped"),
    ]
    assert lines[-1]["type"] == "execution"
    assert "Stopping" in capsys.readouterr().err


def test_a_second_ctrl_c_leaves_without_waiting() -> None:
    release = threading.Event()

    def stubborn(stop: threading.Event) -> None:
        _thread.interrupt_main()
        stop.wait(5)
        time.sleep(0.3)
        _thread.interrupt_main()
        release.wait(5)  # an engine that takes its time to stop

    engine = FakeEngine(
        [
            ExecutionEvent("Executing", engine="local", id="run-1"),
            stubborn,
            LogEvent("Train", "too late to be printed"),
        ]
    )
    out = io.StringIO()
    code = run_headless(engine, json_lines=True, out=out)
    release.set()
    time.sleep(0.1)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 130
    assert lines[-1]["type"] == "execution" and lines[-1]["status"] == "Stopped"
    assert "too late to be printed" not in out.getvalue()


# --------------------------------------------------------------------------- lines and live


def test_plain_lines_when_stdout_is_not_a_terminal() -> None:
    out = io.StringIO()
    code = run_headless(
        FakeEngine(failure_script()),
        json_lines=False,
        out=out,
        steps=[("PrepareData", "Processing"), ("Train", "Training")],
    )
    text = out.getvalue()
    assert code == 1
    assert "\x1b[" not in text  # no colour, no cursor movement in a file
    lines = text.splitlines()
    assert "execution  Executing (local, run-1)" in lines[0]
    assert any("Train" in line and "Executing" in line for line in lines)
    failed = next(line for line in lines if "Train" in line and "Failed" in line)
    assert "KeyError: 'target'" in failed
    assert "execution  Failed" in lines[-1] and "Train failed: KeyError" in lines[-1]


def test_plain_lines_show_logs_metrics_cache_hits() -> None:
    out = io.StringIO()
    assert run_headless(FakeEngine(success_script()), json_lines=False, plain=True, out=out) == 0
    text = out.getvalue()
    assert "PrepareData" in text and "| split 569 rows" in text
    lines = text.splitlines()

    def succeeded(step: str) -> str:  # "HH:MM:SS  STEP  KIND  Succeeded (facts)"
        return next(line for line in lines if line.split()[1] == step and "Succeeded" in line)

    # a cache hit is said on the step's Succeeded line, and only on that step's
    prepared, trained = succeeded("PrepareData"), succeeded("Train")
    assert prepared.endswith("cache hit)")
    assert "cache hit" not in trained
    assert sum("cache hit" in line for line in lines) == 1
    assert "metric validation:auc = 0.97" in text
    last = text.splitlines()[-1]
    assert "execution  Succeeded" in last and "after 1:30" in last


def test_live_view_ends_with_a_summary_of_failures_and_metrics() -> None:
    out = io.StringIO()
    code = run_headless(
        FakeEngine(failure_script()),
        json_lines=False,
        plain=False,
        out=out,
        steps=[("PrepareData", "Processing"), ("Train", "Training")],
        title="demo",
    )
    text = out.getvalue()
    assert code == 1
    assert "demo" in text and "Train" in text
    assert "Train failed:" in text
    assert "File train.py" in text and "KeyError: 'target'" in text  # the whole reason
    assert "not run" in text  # PrepareData never started

    out = io.StringIO()
    assert run_headless(FakeEngine(success_script()), json_lines=False, plain=False, out=out) == 0
    assert "Train validation:auc = 0.97" in out.getvalue()
    assert "Succeeded in 1:30" in out.getvalue()


# --------------------------------------------------------------------------- the command


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_run_sagemaker_says_which_setting_is_missing(runner: CliRunner, demo_file: Path) -> None:
    result = runner.invoke(main, ["run", str(demo_file), "--engine", "sagemaker", "--json"])
    assert result.exit_code == 2
    assert "IAM role ARN" in result.output and "S3 bucket" in result.output
    result = runner.invoke(
        main,
        [
            "run",
            str(demo_file),
            "--engine",
            "sagemaker",
            "--role-arn",
            "arn:aws:iam::123456789012:role/SageMakerRole",
        ],
    )
    assert result.exit_code == 2
    assert "S3 bucket" in result.output and "IAM role" not in result.output


def test_run_dir_is_only_for_the_local_engine(runner: CliRunner, demo_file: Path, tmp_path) -> None:
    result = runner.invoke(
        main,
        ["run", str(demo_file), "--engine", "sagemaker", "--run-dir", str(tmp_path / "r")],
    )
    assert result.exit_code == 2
    assert "--run-dir, --retry and --attach are for --engine local" in result.output


def test_run_json_streams_the_engine_and_exits_with_its_code(
    runner: CliRunner, demo_file: Path, monkeypatch
) -> None:
    from cli.commands import run as run_command

    made: dict = {}

    def fake_local(file: Path, run_dir: Path | None):
        made.update(file=file, run_dir=run_dir)
        return FakeEngine(failure_script())

    monkeypatch.setattr(run_command, "local_engine", fake_local)
    result = runner.invoke(main, ["run", str(demo_file), "--json", "--run-dir", "/tmp/runs"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[-1]["type"] == "execution" and lines[-1]["status"] == "Failed"
    assert made == {"file": demo_file, "run_dir": Path("/tmp/runs")}


def test_without_a_terminal_run_prints_live_lines_instead_of_the_monitor(
    runner: CliRunner, demo_file: Path, monkeypatch
) -> None:
    # `sm-wizard run FILE | tee log`, cron, nohup: CliRunner's stdin and stdout are no
    # terminal either. A screen there would draw into the pipe and wait for keys forever.
    from cli.commands import run as run_command

    monkeypatch.setattr(
        run_command, "local_engine", lambda file, run_dir: FakeEngine(failure_script())
    )
    result = runner.invoke(main, ["run", str(demo_file)])
    assert result.exit_code == 1
    assert "Not a terminal: showing live progress lines (--headless)" in result.stderr
    assert "\x1b[" not in result.stdout  # lines, not a screen
    assert "Train" in result.stdout and "Failed" in result.stdout.splitlines()[-1]


@pytest.mark.parametrize("args", [[], ["edit", "wizard.toml"]])
def test_without_a_terminal_the_wizard_says_what_to_use_instead(
    runner: CliRunner, args: list[str], tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert "the wizard needs a terminal" in result.stderr
    assert "sm-wizard run FILE --headless" in result.stderr and "sm-wizard serve" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "wizard.toml").exists()  # nothing was started


def test_a_terminal_is_a_tty_on_stdin_and_stdout_or_a_driver_of_its_own(monkeypatch) -> None:
    import os
    import sys

    from cli.terminal import has_terminal

    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    assert not has_terminal()  # pytest's captured stdin and stdout
    master, slave = os.openpty()
    try:
        with open(slave, "w", closefd=False) as tty, open(slave, closefd=False) as keys:
            monkeypatch.setattr(sys, "stdout", tty)
            monkeypatch.setattr(sys, "stdin", keys)
            assert has_terminal()
            monkeypatch.setattr(sys, "stdin", io.StringIO())  # a stdin with no file behind it
            assert not has_terminal()
    finally:
        os.close(master)
        os.close(slave)
    # textual-serve (sm-wizard serve) runs the app on pipes with its web driver
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    assert has_terminal()


def test_run_an_invalid_config_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 1\n[project]\nname = 'no spaces allowed here'\n")
    result = runner.invoke(main, ["run", str(bad), "--json"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_sagemaker_engine_runs_an_export_of_the_config(demo_file: Path) -> None:
    from cli.commands.run import sagemaker_engine
    from wizard.store import load_config

    config = load_config(demo_file)
    role = "arn:aws:iam::123456789012:role/SageMakerRole"
    engine = sagemaker_engine(demo_file, config, role, "my-bucket")  # no AWS call yet
    engine.check()
    assert engine.name == "sagemaker"
    assert (engine.code_dir.parent / "pipeline.py").is_file()
    assert engine.code_dir.parent.is_relative_to(demo_file.parent / ".sm-wizard")
    assert [p.name for p in engine.data_files] == [Path(config.data_collection.input_uri).name]
    assert engine.prefix == config.project.s3_prefix


def test_job_output_cannot_drive_the_terminal() -> None:
    """A job's log line with colour codes, a title escape or a carriage return is shown as
    text in the plain and live views (JSON keeps it verbatim, escaped)."""
    line = "\x1b]0;pwned\x07\x1b[31mred\x1b[0m\tdone\r"
    script = [
        ExecutionEvent("Executing", engine="local"),
        LogEvent("Train", line),
        ExecutionEvent("Succeeded", engine="local"),
    ]
    for plain in (True, False):
        out = io.StringIO()
        run_headless(FakeEngine(script), json_lines=False, plain=plain, out=out)
        assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    assert "red done" in out.getvalue()
    _, lines = json_run(FakeEngine(script))
    assert lines[1]["line"] == line
