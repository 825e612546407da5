"""A dropped SSH session (SIGHUP) while watching: nothing keeps running here, nothing changes
in AWS (the execution goes on, no Stop is sent), and ``watch ARN`` re-attaches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from moto_helpers import moto_server
from sm_helpers import create_pipeline, start

from devtools.scripted import sequential_steps

ROOT = Path(__file__).resolve().parents[2]
SPECS = [("Preprocess", "Processing"), ("Train", "Training")]


@pytest.fixture
def server(fake):
    with moto_server() as url:
        yield url


# `python -m cli.main`, with SIGHUP's default action even when the tests run under nohup:
# an ignored signal stays ignored in every child, and a terminal that hangs up does not.
LAUNCH = (
    "import runpy, signal; signal.signal(signal.SIGHUP, signal.SIG_DFL); "
    "runpy.run_module('cli.main', run_name='__main__', alter_sys=True)"
)


def _watch(url: str, arn: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "watch", arn, "--json", "--no-logs"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _group_alive(pgid: int) -> bool:
    """Whether any process of the watch's own session/process group is still running."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sighup_leaves_nothing_running_and_the_execution_untouched(aws, fake, server):
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", sequential_steps(SPECS, executing=10_000))
    arn = start(aws, "demo")
    proc = _watch(server, arn)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the first event: it is watching
        assert '"type": "execution"' in first and '"Executing"' in first
        os.kill(proc.pid, signal.SIGHUP)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (-signal.SIGHUP, 128 + signal.SIGHUP)
    assert not _group_alive(proc.pid)  # nothing of it is left on this machine
    assert "StopPipelineExecution" not in fake.requests
    status = aws.client("sagemaker").describe_pipeline_execution(PipelineExecutionArn=arn)
    assert status["PipelineExecutionStatus"] == "Executing"  # still running in AWS
    # and a new session re-attaches by ARN
    again = _watch(server, arn)
    try:
        assert again.stdout is not None
        assert '"Executing"' in again.stdout.readline()
    finally:
        again.send_signal(signal.SIGHUP)
        again.wait(timeout=20)
