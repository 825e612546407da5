"""``sm-wizard watch``: JSON lines, headless lines, picking, exit codes, errors in words."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sm_helpers import create_pipeline, start

from cli.commands import watch as watch_module
from cli.commands.watch import watch
from devtools.scripted import sequential_steps
from runners.events import from_dict

SPECS = [("Preprocess", "Processing"), ("Train", "Training")]


@pytest.fixture
def cli(fake, clock, monkeypatch):
    monkeypatch.setattr(watch_module, "make_clock", lambda: clock)
    return CliRunner()


def _execution(aws, fake, **overrides) -> str:
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution(
        "demo", sequential_steps(SPECS, logs_per_step=2, overrides=overrides)
    )
    return start(aws, "demo")


def test_json_prints_one_event_per_line_and_exits_0(aws, fake, cli):
    arn = _execution(aws, fake)
    result = cli.invoke(watch, [arn, "--json"])
    assert result.exit_code == 0, result.output
    events = [from_dict(json.loads(line)) for line in result.stdout.splitlines()]
    assert events[0].type == "execution" and events[0].status == "Executing"
    assert events[-1].type == "execution" and events[-1].status == "Succeeded"
    assert events[-1].id == arn
    assert {"step", "log"} <= {e.type for e in events}


def test_failed_execution_exits_1_with_the_reason(aws, fake, cli):
    arn = _execution(aws, fake, Train={"fail_reason": "AlgorithmError: bad label"})
    result = cli.invoke(watch, [arn, "--headless"])
    assert result.exit_code == 1
    assert "AlgorithmError: bad label" in result.stdout
    assert "Failed" in result.stdout.splitlines()[-1]


def test_headless_lines_are_readable(aws, fake, cli):
    arn = _execution(aws, fake)
    result = cli.invoke(watch, [arn, "--headless"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert any("Train" in line and "Training" in line and "Executing" in line for line in lines)
    assert any("Train | Train: line 1" in line for line in lines)
    assert "execution" in lines[-1] and "Succeeded" in lines[-1]


def test_without_a_terminal_watch_prints_live_lines(aws, fake, cli):
    arn = _execution(aws, fake)
    result = cli.invoke(watch, [arn])  # CliRunner's stdin and stdout are no terminal
    assert result.exit_code == 0, result.output
    assert "Not a terminal: showing live lines (--headless)" in result.stderr
    assert "execution" in result.stdout.splitlines()[-1] and "Succeeded" in result.stdout


def test_without_a_terminal_browsing_says_what_to_use_instead(fake, cli):
    result = cli.invoke(watch, [])
    assert result.exit_code == 2
    assert "needs a terminal" in result.stderr and "sm-wizard watch EXECUTION_ARN" in result.stderr
    assert "Traceback" not in result.output


def test_no_logs_hides_log_lines(aws, fake, cli):
    arn = _execution(aws, fake)
    result = cli.invoke(watch, [arn, "--headless", "--no-logs"])
    assert result.exit_code == 0 and " | " not in result.stdout


def test_pipeline_name_picks_the_running_execution(aws, fake, cli):
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", sequential_steps(SPECS, executing=200))
    running = start(aws, "demo")
    fake.clock.advance(5)
    fake.script_next_execution("demo", sequential_steps(SPECS, executing=1))
    start(aws, "demo")  # newer, but finishes at once
    fake.clock.advance(100)
    result = cli.invoke(watch, ["--pipeline", "demo", "--json", "--no-logs"], input="")
    assert "most recent running execution of demo (Executing" in result.stderr
    assert running in result.stderr


def test_pipeline_without_executions(aws, fake, cli):
    create_pipeline(aws, "demo", SPECS)
    result = cli.invoke(watch, ["--pipeline", "demo", "--json"])
    assert result.exit_code == 2 and "no executions yet" in result.stderr


def test_unknown_pipeline(aws, fake, cli):
    result = cli.invoke(watch, ["--pipeline", "nope", "--json"])
    assert result.exit_code == 2 and "nope" in result.stderr


def test_bad_arn_is_exit_2(fake, cli):
    result = cli.invoke(watch, ["arn:aws:sagemaker:us-east-1:1:pipeline/x", "--json"])
    assert result.exit_code == 2 and "not a pipeline execution ARN" in result.stderr


def test_arn_and_pipeline_together_is_exit_2(fake, cli):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/demo/execution/abc123def456"
    result = cli.invoke(watch, [arn, "--pipeline", "demo", "--json"])
    assert result.exit_code == 2


def test_headless_and_json_exclude_each_other(fake, cli):
    result = cli.invoke(watch, ["--pipeline", "demo", "--json", "--headless"])
    assert result.exit_code == 2 and "exclude each other" in result.output


def test_region_must_match_the_arn(fake, cli):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/demo/execution/abc123def456"
    result = cli.invoke(watch, [arn, "--json", "--region", "eu-west-1"])
    assert result.exit_code == 2 and "is in us-east-1" in result.stderr


def test_no_region_for_pipeline_name(no_aws_config, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = CliRunner().invoke(watch, ["--pipeline", "demo", "--json"])
    assert result.exit_code == 2 and "No AWS region" in result.stderr


def test_no_credentials_is_exit_2_in_words(no_aws_config):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/demo/execution/abc123def456"
    result = CliRunner().invoke(watch, [arn, "--json"])
    assert result.exit_code == 2
    assert "No AWS credentials" in result.stderr and "Traceback" not in result.output


def test_ctrl_c_detaches_with_exit_130(aws, fake, cli, monkeypatch):
    arn = _execution(aws, fake)

    def interrupted(self, timeout=None):
        raise KeyboardInterrupt

    monkeypatch.setattr("threading.Thread.join", interrupted)
    result = cli.invoke(watch, [arn, "--headless"])
    assert result.exit_code == 130
    assert "keeps running in AWS" in result.stderr and arn in result.stderr


def test_stop_from_the_command_line(aws, fake, cli):
    arn = _execution(aws, fake)
    result = cli.invoke(watch, [arn, "--stop", "--json"])
    events = [from_dict(json.loads(line)) for line in result.stdout.splitlines()]
    assert events[-1].type == "execution" and events[-1].status == "Stopped"
    assert "StopPipelineExecution" in fake.requests
    assert result.exit_code == 130


def test_retry_from_the_command_line(aws, fake, cli):
    arn = _execution(aws, fake, Train={"fail_reason": "AlgorithmError: bad label"})
    assert cli.invoke(watch, [arn, "--json"]).exit_code == 1
    result = cli.invoke(watch, [arn, "--retry", "--json"])
    assert "RetryPipelineExecution" in fake.requests
    last = from_dict(json.loads(result.stdout.splitlines()[-1]))
    assert last.type == "execution" and last.status in ("Succeeded", "Failed")


def test_retry_of_a_running_execution_is_refused(aws, fake, cli):
    arn = _execution(aws, fake)
    result = cli.invoke(watch, [arn, "--retry", "--headless"])
    assert result.exit_code == 2 and "can be retried" in result.output


def test_stop_and_retry_exclude_each_other(fake, cli):
    result = cli.invoke(watch, ["--pipeline", "demo", "--stop", "--retry"])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- issue 15 #9


def test_access_denied_json_ends_on_an_execution_event_and_says_it_once(aws, fake, cli):
    arn = _execution(aws, fake)
    fake.fail(
        "DescribePipelineExecution",
        "AccessDeniedException",
        "User: x is not authorized to perform: sagemaker:DescribePipelineExecution",
    )
    result = cli.invoke(watch, [arn, "--json"])
    assert result.exit_code == 2
    final = from_dict(json.loads(result.stdout.splitlines()[-1]))
    assert final.type == "execution" and final.status == "Failed" and final.id == arn
    assert "sagemaker:DescribePipelineExecution" in final.reason
    assert "Access denied: Access denied" not in result.stderr + final.reason
    assert result.stderr.count("Access denied") == 1
    assert "Traceback" not in result.output


def test_access_denied_mid_watch_still_ends_the_json_stream(aws, fake, cli, monkeypatch):
    arn = _execution(aws, fake)
    original = watch_module.make_printer

    def printer(**options):
        sink = original(**options)
        emit = sink.emit

        def wrapped(event):
            emit(event)
            if event.type == "step" and event.status == "Executing":
                fake.fail("DescribePipelineExecution", "AccessDeniedException", "denied")

        sink.emit = wrapped
        return sink

    monkeypatch.setattr(watch_module, "make_printer", printer)
    result = cli.invoke(watch, [arn, "--json", "--no-logs"])
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["type"] == "execution" and lines[0]["status"] == "Executing"
    assert lines[-1]["type"] == "execution" and lines[-1]["status"] == "Failed"
    assert "may still be running" in lines[-1]["reason"]
    assert result.stderr.count("Access denied") == 1


def test_not_found_says_its_title_once(aws, fake, cli):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/nope/execution/abc123def456"
    result = cli.invoke(watch, [arn, "--json"])
    assert result.exit_code == 2
    assert result.stderr.count("Not found") == 1
    assert json.loads(result.stdout.splitlines()[-1])["type"] == "execution"


def test_headline_does_not_repeat_the_title():
    from runners.sagemaker.aws import AwsError, headline

    assert headline(AwsError("Access denied: x", "Access denied")) == "Access denied: x"
    assert headline(AwsError("x", "Access denied")) == "Access denied: x"


def test_ctrl_c_on_json_ends_with_a_watching_stopped_execution_event(aws, fake, cli, monkeypatch):
    arn = _execution(aws, fake)

    def interrupted(self, timeout=None):
        raise KeyboardInterrupt

    monkeypatch.setattr("threading.Thread.join", interrupted)
    result = cli.invoke(watch, [arn, "--json"])
    assert result.exit_code == 130
    events = [from_dict(json.loads(line)) for line in result.stdout.splitlines()]
    last = events[-1]
    assert last.type == "execution" and last.id == arn
    assert last.status == "Failed"  # not final in AWS: said as a failed watch says it
    assert last.reason.startswith("Watching stopped: interrupted (Ctrl+C).")
    assert "may still be running in AWS" in last.reason
    assert [e for e in events if e.type == "execution"][-1] is last
