"""The end on time (issue 29): the final execution event at most 10 s after the execution
ends, also while CloudWatch Logs throttles every read."""

from __future__ import annotations

import threading

import pytest
from sm_helpers import create_pipeline, start

from devtools.scripted import sequential_steps
from runners.sagemaker.watcher import SageMakerWatcher

FIVE = [
    ("Preprocess", "Processing"),
    ("Train", "Training"),
    ("Evaluate", "Processing"),
    ("Register", "RegisterModel"),
    ("Deploy", "Model"),
]
LINES = tuple(f"epoch {i}" for i in range(401))


@pytest.mark.parametrize("throttled", [False, True], ids=["logs-ok", "logs-throttled"])
@pytest.mark.parametrize("last_step", [8, 291, 297, 306, 309])
def test_the_final_event_comes_within_10_s_of_the_end(
    aws, fake, clock, recorder, botocore_sleeps, throttled, last_step
):
    create_pipeline(aws, "five", FIVE)
    script = sequential_steps(
        FIVE,
        starting=3,
        executing=8,
        gap=1,
        overrides={"Train": {"executing": 12, "logs": LINES}, "Deploy": {"executing": last_step}},
    )
    fake.script_next_execution("five", script)
    arn = start(aws, "five")
    if throttled:
        fake.fail("GetLogEvents", "ThrottlingException", "Rate exceeded", times=100_000)
    ended_at: list[float] = []
    recorder.when(
        lambda e: e.type == "execution" and e.status == "Succeeded",
        lambda: ended_at.append(clock.monotonic()),
    )
    watcher = SageMakerWatcher(arn, aws=aws, clock=clock, on_notice=recorder.notice)
    assert watcher.run(recorder, threading.Event()) == "Succeeded"
    end = fake.script(arn).finished_at()
    assert recorder.events[-1].type == "execution"
    assert ended_at[0] - end <= 10.0, f"reported {ended_at[0] - end:.1f} s after the end"
    if not throttled:
        assert recorder.lines("Train")[-1] == LINES[-1]
