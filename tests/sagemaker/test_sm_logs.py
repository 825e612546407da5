"""The CloudWatch tailer against moto's logs service: paging, tails and bounded buffers."""

from __future__ import annotations

import time

import pytest
from sm_helpers import Recorder

from devtools.clock import SimulatedClock
from runners.sagemaker.clock import RequestBudget
from runners.sagemaker.logs import LogTailer

GROUP = "/aws/sagemaker/TrainingJobs"
JOB = "pipelines-abc123-Train-0A1B2C3D"


@pytest.fixture
def logs(fake, aws):
    client = aws.client("logs")
    client.create_log_group(logGroupName=GROUP)
    return client


def _put(client, stream: str, lines: list[str]) -> None:
    base = int(time.time() * 1000)  # CloudWatch refuses events older than 14 days
    for start in range(0, len(lines), 10_000):
        batch = lines[start : start + 10_000]
        client.put_log_events(
            logGroupName=GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": base + start + i, "message": m} for i, m in enumerate(batch)],
        )


def _tailer(aws, clock: SimulatedClock, rec: Recorder, **kw) -> LogTailer:
    return LogTailer(
        aws, rec, clock=clock, budget=RequestBudget(clock, rate=1000, burst=1000), **kw
    )


def test_long_log_is_read_in_pages_in_order(aws, clock, logs, recorder):
    stream = f"{JOB}/algo-1-1700000000"
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    lines = [f"line {i}" for i in range(25_000)]
    _put(logs, stream, lines)
    tailer = _tailer(aws, clock, recorder, buffer_lines=100, max_pages_per_poll=2)
    tailer.follow("Train", GROUP, JOB, running=True)

    first = tailer.poll()
    assert first == 20_000  # two pages of 10,000: the rest waits for the next poll
    assert tailer.poll() == 5_000
    assert recorder.lines() == lines
    assert tailer.recent("Train") == lines[-100:]  # bounded buffer
    assert tailer.poll(force=True) == 0  # the same token came back: end of stream, for now


def test_lines_written_later_are_picked_up(aws, clock, logs, recorder):
    stream = f"{JOB}/algo-1-1700000000"
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    _put(logs, stream, ["epoch 1"])
    tailer = _tailer(aws, clock, recorder)
    tailer.follow("Train", GROUP, JOB)
    assert tailer.poll() == 1
    _put(logs, stream, ["epoch 2", "epoch 3"])
    clock.advance(60)
    assert tailer.poll() == 2
    assert recorder.lines() == ["epoch 1", "epoch 2", "epoch 3"]


def test_every_stream_of_a_multi_instance_job(aws, clock, logs, recorder):
    for host in ("algo-1-1700000000", "algo-2-1700000000"):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=f"{JOB}/{host}")
        _put(logs, f"{JOB}/{host}", [f"{host} ready"])
    logs.create_log_stream(logGroupName=GROUP, logStreamName="other-job/algo-1-1")
    _put(logs, "other-job/algo-1-1", ["not mine"])
    tailer = _tailer(aws, clock, recorder)
    tailer.follow("Train", GROUP, JOB)
    tailer.poll()
    assert sorted(recorder.lines()) == ["algo-1-1700000000 ready", "algo-2-1700000000 ready"]


def test_quiet_stream_is_polled_less_often(aws, clock, logs, recorder):
    stream = f"{JOB}/algo-1-1700000000"
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    _put(logs, stream, ["hello"])
    budget = RequestBudget(clock, rate=1000, burst=1000)
    tailer = LogTailer(aws, recorder, clock=clock, budget=budget, max_interval=30)
    tailer.follow("Train", GROUP, JOB)
    for _ in range(120):  # two simulated minutes of a silent stream, asked every second
        tailer.poll()
        clock.advance(1)
    assert budget.requests < 20


def test_finished_job_is_drained_then_dropped(aws, clock, logs, recorder):
    stream = f"{JOB}/algo-1-1700000000"
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    _put(logs, stream, ["a", "b"])
    tailer = _tailer(aws, clock, recorder)
    tailer.follow("Train", GROUP, JOB, running=False)
    assert tailer.drain() == 2
    assert tailer.following == frozenset()
    tailer.follow("Train", GROUP, JOB, running=False)  # already read to its end: no repeat
    assert tailer.following == frozenset()


def test_pause_resumes_where_it_left_off(aws, clock, logs, recorder):
    stream = f"{JOB}/algo-1-1700000000"
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    _put(logs, stream, ["one"])
    tailer = _tailer(aws, clock, recorder)
    tailer.follow("Train", GROUP, JOB)
    tailer.poll()
    tailer.pause("Train")
    _put(logs, stream, ["two"])
    tailer.follow("Train", GROUP, JOB)
    tailer.poll(force=True)
    assert recorder.lines() == ["one", "two"]


def test_missing_group_means_no_logs_yet(aws, clock, fake, recorder):
    tailer = _tailer(aws, clock, recorder)
    tailer.follow("Train", "/aws/sagemaker/ProcessingJobs", "nothing-yet")
    assert tailer.poll() == 0


def test_access_denied_hides_logs_but_keeps_going(aws, clock, logs, fake, recorder):
    denied = []
    tailer = LogTailer(aws, recorder, clock=clock, on_denied=denied.append)
    tailer.follow("Train", GROUP, JOB)
    fake.fail("DescribeLogStreams", "AccessDeniedException", "no logs for you")
    assert tailer.poll() == 0
    assert tailer.disabled and "logs:DescribeLogStreams" in denied[0].message
