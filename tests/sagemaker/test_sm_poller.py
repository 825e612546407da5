"""The polite poller against moto + the fake, on a simulated clock."""

from __future__ import annotations

import json
import threading

import pytest
from sm_helpers import ROLE, Recorder, create_pipeline, start

from devtools.clock import SimulatedClock
from devtools.scripted import ScriptedStep, sequential_steps
from runners.events import ExecutionEvent, to_json
from runners.sagemaker.aws import AwsError, AwsSession
from runners.sagemaker.poll_settings import PollSettings
from runners.sagemaker.poller import Poller
from runners.sagemaker.watcher import SageMakerWatcher

SPECS = [("Preprocess", "Processing"), ("Train", "Training"), ("Register", "RegisterModel")]


def _watcher(aws: AwsSession, arn: str, clock: SimulatedClock, rec: Recorder, **kw):
    return SageMakerWatcher(arn, aws=aws, clock=clock, on_notice=rec.notice, **kw)


def _run(aws, clock, fake, rec, steps, *, stop=None, **kw) -> tuple[str, str]:
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", steps)
    arn = start(aws, "demo")
    status = _watcher(aws, arn, clock, rec, **kw).run(rec, stop or threading.Event())
    return arn, status


def test_success_reports_every_step_job_metric_and_log(aws, clock, fake, recorder):
    steps = sequential_steps(
        SPECS,
        logs_per_step=2,
        overrides={"Train": {"metrics": (("validation:auc", 0.97),)}},
    )
    arn, status = _run(aws, clock, fake, recorder, steps)

    assert status == "Succeeded"
    assert recorder.statuses() == ["Executing", "Succeeded"]
    assert recorder.events[-1] == recorder.of("execution")[-1]  # the last event is final
    # the whole pipeline from the first poll: steps not started yet are Pending, once
    first_poll = [(e.step, e.status) for e in recorder.of("step")[:3]]
    assert first_poll == [
        ("Preprocess", "Starting"),
        ("Train", "Pending"),
        ("Register", "Pending"),
    ]
    assert recorder.steps("Train") == [
        ("Train", "Pending"),
        ("Train", "Starting"),
        ("Train", "Executing"),
        ("Train", "Succeeded"),
    ]
    train = next(e for e in recorder.of("step") if e.step == "Train" and e.status == "Starting")
    assert train.kind == "Training" and train.attempt == 1
    assert train.job.startswith("pipelines-") and "Train" in train.job  # real case, from Describe
    kinds = {e.step: e.kind for e in recorder.of("step")}
    assert kinds == {"Preprocess": "Processing", "Train": "Training", "Register": "RegisterModel"}
    assert [(m.step, m.name, m.value) for m in recorder.of("metric")] == [
        ("Train", "validation:auc", 0.97)
    ]
    lines = recorder.lines("Train")
    assert "Train: line 1" in lines and "Train: line 2" in lines
    assert any(line.startswith("[training job] Training") for line in lines)
    assert recorder.lines("Preprocess") == ["Preprocess: line 1", "Preprocess: line 2"]
    execution = recorder.of("execution")[0]
    assert isinstance(execution, ExecutionEvent) and execution.id == arn
    assert '"engine": "sagemaker"' in to_json(execution)


def test_failing_step_reports_its_reason(aws, clock, fake, recorder):
    reason = "AlgorithmError: CUDA out of memory"
    steps = sequential_steps(SPECS, overrides={"Train": {"fail_reason": reason}})
    _, status = _run(aws, clock, fake, recorder, steps)

    assert status == "Failed"
    failed = [e for e in recorder.of("step") if e.status == "Failed"]
    assert [(e.step, e.reason) for e in failed] == [("Train", reason)]
    final = recorder.events[-1]
    assert final.type == "execution" and final.status == "Failed" and final.reason
    assert f"ERROR: {reason}" in recorder.lines("Train")
    assert recorder.steps("Register") == [("Register", "Pending")]  # known, never started


def test_cache_hit_and_condition_kinds(aws, clock, fake, recorder):
    steps = [
        ScriptedStep("Preprocess", "Processing", start=0, cache_hit=True),
        ScriptedStep("Check", "Condition", start=1, starting=1, executing=5, outcome="False"),
    ]
    _, status = _run(aws, clock, fake, recorder, steps)
    assert status == "Succeeded"
    pre = [e for e in recorder.of("step") if e.step == "Preprocess"]
    assert [(e.status, e.cache_hit) for e in pre] == [("Succeeded", True)]
    assert {e.step: e.kind for e in recorder.of("step")}["Check"] == "Condition"


def test_stop_follows_to_stopped(aws, clock, fake, recorder):
    stop = threading.Event()
    recorder.when(
        lambda e: e.type == "step" and e.step == "Train" and e.status == "Executing", stop.set
    )
    _arn, status = _run(aws, clock, fake, recorder, sequential_steps(SPECS), stop=stop)

    assert status == "Stopped"
    assert recorder.statuses() == ["Executing", "Stopping", "Stopped"]
    assert recorder.steps("Train")[-2:] == [("Train", "Stopping"), ("Train", "Stopped")]
    assert recorder.steps("Register") == [("Register", "Pending")]  # known, never started
    assert "StopPipelineExecution" in fake.requests
    assert any(n.code == "stop-sent" for n in recorder.notices)


def test_retry_reruns_failed_step_with_a_new_attempt(aws, clock, fake, recorder):
    steps = sequential_steps(
        SPECS, overrides={"Train": {"fail_reason": "boom", "fail_attempts": 1}}
    )
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", steps)
    arn = start(aws, "demo")
    watcher = _watcher(aws, arn, clock, recorder)
    assert watcher.run(recorder, threading.Event()) == "Failed"
    first_job = [e.job for e in recorder.of("step") if e.step == "Train"][-1]

    assert watcher.retry(recorder, threading.Event()) == "Succeeded"
    assert "RetryPipelineExecution" in fake.requests
    train = [e for e in recorder.of("step") if e.step == "Train"]
    assert [(e.status, e.attempt) for e in train][-3:] == [
        ("Starting", 2),
        ("Executing", 2),
        ("Succeeded", 2),
    ]
    assert train[-1].job != first_job  # a new job for the new attempt
    assert recorder.statuses() == ["Executing", "Failed", "Executing", "Succeeded"]
    assert recorder.steps("Register")[-1] == ("Register", "Succeeded")


def test_paging_of_many_steps(aws, clock, fake, recorder):
    specs = [(f"Step{i:03d}", "Condition") for i in range(250)]
    steps = [ScriptedStep(name, kind, start=0, starting=5, executing=10) for name, kind in specs]
    create_pipeline(aws, "wide", specs)
    fake.script_next_execution("wide", steps)
    arn = start(aws, "wide")
    status = _watcher(aws, arn, clock, recorder).run(recorder, threading.Event())
    assert status == "Succeeded"
    succeeded = {e.step for e in recorder.of("step") if e.status == "Succeeded"}
    assert succeeded == {name for name, _ in specs}
    # 250 steps at 100 a page: three ListPipelineExecutionSteps per DescribePipelineExecution
    assert fake.requests.count("ListPipelineExecutionSteps") == 3 * fake.requests.count(
        "DescribePipelineExecution"
    )


def test_throttling_backs_off_then_recovers(aws, clock, fake, recorder, botocore_sleeps):
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", sequential_steps(SPECS))
    arn = start(aws, "demo")
    # 3 attempts per call (botocore standard mode): 9 throttles = 3 failed polls in a row
    fake.fail("DescribePipelineExecution", "ThrottlingException", "Rate exceeded", times=9)
    watcher = _watcher(aws, arn, clock, recorder)
    assert watcher.run(recorder, threading.Event()) == "Succeeded"
    assert len(botocore_sleeps) == 6  # botocore retried each call twice
    backoffs = clock.sleeps[:3]
    assert backoffs[0] >= 3.2 and backoffs[1] > backoffs[0] and backoffs[2] > backoffs[1]
    assert [n.code for n in recorder.notices].count("throttled") == 1
    assert "reconnected" in [n.code for n in recorder.notices]


def test_dropped_connection_says_reconnecting_and_resumes(aws, clock, fake, recorder):
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", sequential_steps(SPECS))
    arn = start(aws, "demo")
    fake.outage(30, 200)  # the network drops 30 s in, for almost three minutes
    status = _watcher(aws, arn, clock, recorder).run(recorder, threading.Event())

    assert status == "Succeeded"
    codes = [n.code for n in recorder.notices]
    assert codes.count("reconnecting") == 1 and codes.count("reconnected") == 1
    assert "Connection lost" in recorder.notices[codes.index("reconnecting")].message
    # every step's final status still arrived
    assert {s for s, st in recorder.steps() if st == "Succeeded"} == {n for n, _ in SPECS}


def test_expired_session_says_so_and_keeps_watching(aws, clock, fake, recorder):
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", sequential_steps(SPECS))
    arn = start(aws, "demo")
    watcher = _watcher(aws, arn, clock, recorder)
    recorder.when(
        lambda e: e.type == "step" and e.step == "Train",
        lambda: fake.fail(
            "DescribePipelineExecution", "ExpiredTokenException", "The security token expired"
        ),
    )
    assert watcher.run(recorder, threading.Event()) == "Succeeded"
    expired = [n for n in recorder.notices if n.code == "session-expired"]
    assert len(expired) == 1 and "expired" in expired[0].message
    assert 2.0 in clock.sleeps  # paused for the credentials, then resumed


def test_expired_credentials_freeze_nothing_past_the_next_successful_poll(
    aws, clock, fake, recorder
):
    """Issue 29: two ExpiredToken answers froze step status for 64 s (30 s pauses)."""
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", sequential_steps(SPECS))
    arn = start(aws, "demo")
    failed_at: list[float] = []

    def expire() -> None:
        failed_at.append(clock.monotonic())
        fake.fail("DescribePipelineExecution", "ExpiredTokenException", "expired", times=2)

    recorder.when(lambda e: e.type == "step" and e.step == "Train", expire)
    polls_before = fake.requests.count("DescribePipelineExecution")
    assert _watcher(aws, arn, clock, recorder).run(recorder, threading.Event()) == "Succeeded"
    assert polls_before == 0 and failed_at
    # the two failures and the poll that works again, then watching goes on as before
    waits = [s for s in clock.sleeps if s > 0]
    assert max(waits) <= PollSettings().max_interval + 3, waits


def test_expired_session_at_first_contact_is_an_error(aws, clock, fake, recorder):
    create_pipeline(aws, "demo", SPECS)
    arn = start(aws, "demo")
    fake.fail("DescribePipelineExecution", "ExpiredTokenException", "expired")
    with pytest.raises(AwsError) as err:
        _watcher(aws, arn, clock, recorder).run(recorder, threading.Event())
    assert err.value.kind == "expired" and "session has expired" in err.value.message


def test_give_up_after_a_long_outage(aws, clock, fake, recorder):
    create_pipeline(aws, "demo", SPECS)
    arn = start(aws, "demo")
    fake.outage(10, 10_000)
    settings = PollSettings(give_up_after=300)
    with pytest.raises(AwsError) as err:
        _watcher(aws, arn, clock, recorder, settings=settings).run(recorder, threading.Event())
    assert err.value.kind == "connection"
    assert 300 <= clock.monotonic() < 400


def test_detach_returns_without_stopping(aws, clock, fake, recorder):
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", sequential_steps(SPECS))
    arn = start(aws, "demo")
    watcher = _watcher(aws, arn, clock, recorder)
    recorder.when(lambda e: e.type == "step" and e.step == "Train", watcher.detach)
    assert watcher.run(recorder, threading.Event()) == "Executing"
    assert "StopPipelineExecution" not in fake.requests
    assert fake.script(arn).status_at(fake.elapsed(arn))[0] == "Executing"


def test_unknown_execution_is_an_error_in_words(aws, clock, fake, recorder):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/nope/execution/abc123def456"
    with pytest.raises(AwsError) as err:
        _watcher(aws, arn, clock, recorder).run(recorder, threading.Event())
    assert err.value.kind == "not-found"
    assert err.value.title == "Not found" and "found nothing" in err.value.message


def test_select_logs_tails_only_the_selected_step(aws, clock, fake, recorder):
    steps = sequential_steps(SPECS, logs_per_step=3)
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", steps)
    arn = start(aws, "demo")
    watcher = _watcher(aws, arn, clock, recorder)
    watcher.select_logs({"Train"})
    assert watcher.run(recorder, threading.Event()) == "Succeeded"
    tailed = {e.step for e in recorder.of("log") if not e.line.startswith("[")}
    assert tailed == {"Train"}
    assert watcher.recent_lines("Train")[-3:] == [f"Train: line {i}" for i in (1, 2, 3)]
    assert not any(r in fake.requests for r in ()) and "GetLogEvents" in fake.requests


def test_a_throttled_stop_is_sent_again_next_round(aws, clock, fake, recorder):
    stop = threading.Event()
    recorder.when(lambda e: e.type == "step" and e.step == "Train", stop.set)
    # all three botocore attempts of the first StopPipelineExecution are throttled
    fake.fail("StopPipelineExecution", "ThrottlingException", "Rate exceeded", times=3)
    _, status = _run(aws, clock, fake, recorder, sequential_steps(SPECS), stop=stop)
    assert status == "Stopped"
    assert fake.requests.count("StopPipelineExecution") == 4
    assert 0 not in clock.sleeps  # no busy loop while the stop waited for its next round


# --------------------------------------------------------------------------- issue 12 / 15


def test_throttled_log_reads_never_stall_step_status(aws, clock, fake, recorder, botocore_sleeps):
    """Issue 15 #7: 30 throttled GetLogEvents; every step status and the final event come."""
    steps = sequential_steps(SPECS, logs_per_step=3)
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", steps)
    arn = start(aws, "demo")
    fake.fail("GetLogEvents", "ThrottlingException", "Rate exceeded", times=30)
    status = _watcher(aws, arn, clock, recorder).run(recorder, threading.Event())

    assert status == "Succeeded"
    assert recorder.events[-1].type == "execution" and recorder.events[-1].status == "Succeeded"
    for name, _ in SPECS:
        assert recorder.steps(name)[-1] == (name, "Succeeded")
    # log reads were tried again and again (not given up), yet never held up the end
    assert len(fake.faults.get("GetLogEvents", [])) < 30
    # the execution took 3 x 85 s; status polls went on at their own pace meanwhile
    polls = fake.requests.count("DescribePipelineExecution")
    assert polls >= 20
    assert any(n.code == "throttled" and "step status" in n.message for n in recorder.notices)


def test_log_reads_throttled_for_minutes_still_let_status_through(
    aws, clock, fake, recorder, botocore_sleeps
):
    """Log calls throttled for the whole run: status events still arrive in time."""
    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", sequential_steps(SPECS, logs_per_step=3))
    arn = start(aws, "demo")
    fake.fail("GetLogEvents", "ThrottlingException", "Rate exceeded", times=100_000)
    fake.fail("DescribeLogStreams", "ThrottlingException", "Rate exceeded", times=100_000)
    seen: dict[tuple[str, str], float] = {}

    def record(event):
        recorder(event)
        if event.type == "step":
            seen.setdefault((event.step, event.status), clock.monotonic())

    status = _watcher(aws, arn, clock, recorder).run(record, threading.Event())
    assert status == "Succeeded"
    # Train starts at 85 s in the script: its Starting status is seen within a few polls
    assert seen[("Train", "Starting")] < 85 + 20
    assert recorder.events[-1].type == "execution"


FIVE = [
    ("Preprocess", "Processing"),
    ("Train", "Training"),
    ("Evaluate", "Processing"),
    ("Register", "RegisterModel"),
    ("Deploy", "Model"),
]


def test_whole_pipeline_is_known_from_the_first_poll(aws, clock, fake, recorder):
    create_pipeline(aws, "five", FIVE)
    fake.script_next_execution("five", sequential_steps(FIVE))
    arn = start(aws, "five")
    poller = Poller(aws, arn, recorder, clock=clock, on_notice=recorder.notice)
    poller.poll_once()
    steps = recorder.of("step")
    assert [(e.step, e.status) for e in steps] == [
        ("Preprocess", "Starting"),
        ("Train", "Pending"),
        ("Evaluate", "Pending"),
        ("Register", "Pending"),
        ("Deploy", "Pending"),
    ]
    assert [s.name for s in poller.definition] == [n for n, _ in FIVE]
    poller.poll_once()
    assert len(recorder.of("step")) == 5  # Pending is said once


def test_branch_not_taken_is_skipped(aws, clock, fake, recorder):
    definition = {
        "Version": "2020-12-01",
        "Steps": [
            {"Name": "Train", "Type": "Training", "Arguments": {}},
            {
                "Name": "CheckAuc",
                "Type": "Condition",
                "DependsOn": ["Train"],
                "Arguments": {
                    "Conditions": [
                        {"Type": "GreaterThanOrEqualTo", "LeftValue": {"Get": "Steps.Train.X"}}
                    ],
                    "IfSteps": [{"Name": "Register", "Type": "RegisterModel", "Arguments": {}}],
                    "ElseSteps": [{"Name": "Stop", "Type": "Fail", "Arguments": {}}],
                },
            },
        ],
    }
    aws.client("sagemaker").create_pipeline(
        PipelineName="branchy", PipelineDefinition=json.dumps(definition), RoleArn=ROLE
    )
    taken = [("Train", "Training"), ("CheckAuc", "Condition"), ("Register", "RegisterModel")]
    fake.script_next_execution("branchy", sequential_steps(taken))
    arn = start(aws, "branchy")
    watcher = _watcher(aws, arn, clock, recorder)
    assert watcher.run(recorder, threading.Event()) == "Succeeded"
    assert recorder.steps("Stop") == [("Stop", "Pending"), ("Stop", "Skipped")]
    assert recorder.steps("Register")[0] == ("Register", "Pending")
    assert recorder.steps("Register")[-1] == ("Register", "Succeeded")
    defined = {s.name: s for s in watcher.poller.definition}
    assert defined["CheckAuc"].depends_on == ("Train",)
    assert defined["Stop"].condition == "CheckAuc" and defined["Stop"].branch == "else"
    assert defined["Register"].depends_on == ("CheckAuc",)


def test_tuning_reports_each_trial_and_the_best_so_far(aws, clock, fake, recorder):
    specs = [("Prepare", "Processing"), ("Tune", "Tuning")]
    steps = sequential_steps(
        specs, executing=400, overrides={"Tune": {"metrics": (("validation:auc", 0.97),)}}
    )
    _, status = _run(aws, clock, fake, recorder, steps)
    assert status == "Succeeded"
    trials = [m.value for m in recorder.of("metric") if m.name == "validation:auc · trial"]
    best = [m.value for m in recorder.of("metric") if m.name == "validation:auc · best so far"]
    assert trials == pytest.approx([0.93, 0.96, 0.91, 0.97])
    assert best == pytest.approx([0.93, 0.96, 0.96, 0.97])  # maximize: never goes down
    lines = [line for line in recorder.lines("Tune") if "trial" in line]
    assert lines[-1].startswith("[tuning job] trial 4") and "best so far 0.97" in lines[-1]
    assert fake.requests.count("ListTrainingJobsForHyperParameterTuningJob") >= 2


def test_training_metrics_are_charted_while_the_job_runs(aws, clock, fake, recorder):
    import datetime as dt

    steps = sequential_steps(
        SPECS, executing=300, overrides={"Train": {"metrics": (("validation:auc", 0.97),)}}
    )
    cloudwatch = aws.client("cloudwatch")

    def publish(event) -> None:
        job = aws.client("sagemaker").describe_training_job(TrainingJobName=event.job)
        began = job["TrainingStartTime"]
        cloudwatch.put_metric_data(
            Namespace="/aws/sagemaker/TrainingJobs",
            MetricData=[
                {
                    "MetricName": "validation:auc",
                    "Dimensions": [{"Name": "Host", "Value": f"{event.job}/algo-1"}],
                    "Timestamp": began + dt.timedelta(seconds=30 + 60 * i),
                    "Value": value,
                }
                for i, value in enumerate((0.81, 0.88, 0.93))
            ],
        )

    hooked = {"done": False}

    def emit(event) -> None:
        recorder(event)
        executing = event.type == "step" and event.step == "Train" and event.status == "Executing"
        if executing and not hooked["done"]:
            hooked["done"] = True
            publish(event)

    create_pipeline(aws, "demo", SPECS)
    fake.script_next_execution("demo", steps)
    arn = start(aws, "demo")
    assert _watcher(aws, arn, clock, recorder).run(emit, threading.Event()) == "Succeeded"
    auc = [m.value for m in recorder.of("metric") if m.name == "validation:auc"]
    assert auc[:3] == pytest.approx([0.81, 0.88, 0.93])  # the curve, once each point
    assert auc[-1] == pytest.approx(0.97)  # then the final value
    assert "GetMetricData" in fake.requests
