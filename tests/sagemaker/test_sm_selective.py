"""Run from a step on SageMaker: a selective execution, from the CLI's engine (--from STEP,
reusing the latest succeeded execution) and from an execution being watched ("run from
here"), against moto plus the fake (which checks SelectiveExecutionConfig as AWS documents)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from preloaded import SHARED_SERVER
from sagemaker_fake import REGION
from sm_helpers import ROLE, Recorder, create_pipeline, start
from test_sm_run_export import moto_server  # noqa: F401 - the fixture

from devtools.scripted import sequential_steps
from runners.sagemaker.aws import AwsSession
from runners.sagemaker.definition import parse_definition
from runners.sagemaker.engine import SageMakerEngine
from runners.sagemaker.factory import sagemaker_engine_for
from runners.sagemaker.selective import from_step_selection
from runners.sagemaker.watcher import SageMakerWatcher
from wizard.errors import WizardError
from wizard.plan import build_plan
from wizard.store import load_config, write_document
from wizard.templates import template_document, write_template_data

SPECS = [("Preprocess", "Processing"), ("Train", "Training"), ("Evaluate", "Processing")]
BUCKET = "ml-artifacts"


def definition(code_uri: str, data_uri: str) -> str:
    return json.dumps(
        {
            "Version": "2020-12-01",
            "Parameters": [{"Name": "Epochs", "Type": "Integer", "DefaultValue": 1}],
            "Steps": [
                {"Name": "Preprocess", "Type": "Processing", "Arguments": {}},
                {
                    "Name": "Train",
                    "Type": "Training",
                    "Arguments": {"In": {"Get": "Steps.Preprocess.ProcessingOutputConfig"}},
                },
                {"Name": "Evaluate", "Type": "Processing", "DependsOn": ["Train"], "Arguments": {}},
            ],
        }
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "train.py").write_text("print('train')\n")
    return tmp_path


def engine(aws: AwsSession, clock, project: Path, recorder: Recorder, **kw) -> SageMakerEngine:
    options = {
        "pipeline_name": "churn",
        "role_arn": ROLE,
        "bucket": BUCKET,
        "code_dir": project / "code",
        "definition_provider": definition,
        "parameters": {"Epochs": 3},
        "aws": aws,
        "clock": clock,
        "on_notice": recorder.notice,
    }
    options.update(kw)
    return SageMakerEngine(**options)


@pytest.fixture
def bucket(aws: AwsSession) -> str:
    aws.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


def ran(recorder: Recorder) -> set[str]:
    return {e.step for e in recorder.of("step") if e.status in ("Starting", "Executing")}


def test_from_step_selects_the_step_and_what_follows_it():
    steps = parse_definition(definition("c", "d"))
    assert from_step_selection(steps, "Train", "churn") == ["Train", "Evaluate"]
    assert from_step_selection(steps, "Evaluate", "churn") == ["Evaluate"]
    with pytest.raises(WizardError, match=r"no step 'Trian'\. Did you mean Train\?"):
        from_step_selection(steps, "Trian", "churn")


def test_run_from_a_step_reuses_the_latest_succeeded_execution(
    aws, bucket, clock, fake, project, recorder
):
    first = engine(aws, clock, project, Recorder())
    assert first.run(Recorder(), threading.Event()) == "Succeeded"
    fake.script_next_execution(
        "churn", sequential_steps(SPECS, overrides={"Train": {"fail_reason": "OOM"}})
    )
    failed = engine(aws, clock, project, Recorder())
    assert failed.run(Recorder(), threading.Event()) == "Failed"  # newer, but not Succeeded

    again = engine(aws, clock, project, recorder, from_step="Train")
    assert again.run(recorder, threading.Event()) == "Succeeded"
    sm = aws.client("sagemaker")
    described = sm.describe_pipeline_execution(PipelineExecutionArn=again.execution_arn)
    assert described["SelectiveExecutionConfig"] == {
        "SourcePipelineExecutionArn": first.execution_arn,
        "SelectedSteps": [{"StepName": "Train"}, {"StepName": "Evaluate"}],
    }
    assert "Preprocess" not in ran(recorder) and {"Train", "Evaluate"} <= ran(recorder)
    (preprocess,) = [e for e in recorder.of("step") if e.step == "Preprocess"]
    assert preprocess.status == "Succeeded"
    assert preprocess.reused_from == first.execution_arn
    assert preprocess.reason == f"reused from execution {first.execution_arn.rsplit('/', 1)[-1]}"
    parameters = sm.list_pipeline_parameters_for_execution(
        PipelineExecutionArn=again.execution_arn
    )["PipelineParameters"]
    assert {p["Name"]: p["Value"] for p in parameters} == {"Epochs": "3"}


def test_no_succeeded_execution_is_explained_before_anything_is_uploaded(
    aws, bucket, clock, fake, project, recorder
):
    with pytest.raises(WizardError, match="no pipeline 'churn'"):
        engine(aws, clock, project, recorder, from_step="Train").run(recorder, threading.Event())
    assert recorder.events[-1].type == "execution" and recorder.events[-1].status == "Failed"
    assert aws.client("s3").list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0  # nothing uploaded
    fake.script_next_execution(
        "churn", sequential_steps(SPECS, overrides={"Preprocess": {"fail_reason": "bad data"}})
    )
    engine(aws, clock, project, Recorder()).run(Recorder(), threading.Event())
    before = list(fake.requests)
    with pytest.raises(WizardError, match="no succeeded execution"):
        engine(aws, clock, project, Recorder(), from_step="Train").run(
            Recorder(), threading.Event()
        )
    assert "StartPipelineExecution" not in fake.requests[len(before) :]
    assert "UpdatePipeline" not in fake.requests[len(before) :]


def test_unknown_step_starts_nothing(aws, bucket, clock, fake, project):
    engine(aws, clock, project, Recorder()).run(Recorder(), threading.Event())
    count = fake.requests.count("StartPipelineExecution")
    with pytest.raises(WizardError, match="Its steps: Preprocess, Train, Evaluate"):
        engine(aws, clock, project, Recorder(), from_step="Score").run(
            Recorder(), threading.Event()
        )
    assert fake.requests.count("StartPipelineExecution") == count


def test_run_from_here_on_a_watched_execution(aws, clock, fake, recorder):
    """The watch screen's "run from here": the source is the execution watched (a failed one
    may serve: SageMaker takes Succeeded or Failed), and its parameters go along."""
    create_pipeline(aws, "churn", SPECS)
    fake.script_next_execution(
        "churn", sequential_steps(SPECS, overrides={"Evaluate": {"fail_reason": "metric"}})
    )
    arn = aws.client("sagemaker").start_pipeline_execution(
        PipelineName="churn", PipelineParameters=[{"Name": "Epochs", "Value": "7"}]
    )["PipelineExecutionArn"]
    watcher = SageMakerWatcher(arn, aws=aws, clock=clock)
    assert watcher.run(Recorder(), threading.Event()) == "Failed"
    assert watcher.capabilities.can_run_from

    again = watcher.from_step("Evaluate")
    assert again.run(recorder, threading.Event()) == "Succeeded"
    new_arn = again.execution_arn
    assert new_arn != arn
    assert ran(recorder) == {"Evaluate"}
    reused = {e.step: e.reused_from for e in recorder.of("step") if e.reused_from}
    assert reused == {"Preprocess": arn, "Train": arn}
    sm = aws.client("sagemaker")
    parameters = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=new_arn)
    assert parameters["PipelineParameters"] == [{"Name": "Epochs", "Value": "7"}]
    # and again, from the new execution
    assert again.capabilities.can_run_from
    third = again.from_step("Evaluate")
    assert third.run(Recorder(), threading.Event()) == "Succeeded"
    assert (
        sm.describe_pipeline_execution(PipelineExecutionArn=third.execution_arn)[
            "SelectiveExecutionConfig"
        ]["SourcePipelineExecutionArn"]
        == new_arn
    )


def test_the_fake_refuses_what_sagemaker_refuses(aws, clock, fake):
    create_pipeline(aws, "churn", SPECS)
    create_pipeline(aws, "other", SPECS)
    running = start(aws, "churn")  # scripted: Executing for a while
    other = start(aws, "other")
    sm = aws.client("sagemaker")

    def selective(source: str, steps: list[str]) -> None:
        sm.start_pipeline_execution(
            PipelineName="churn",
            SelectiveExecutionConfig={
                "SourcePipelineExecutionArn": source,
                "SelectedSteps": [{"StepName": s} for s in steps],
            },
        )

    with pytest.raises(ClientError, match="must be Succeeded or Failed"):
        selective(running, ["Train"])
    with pytest.raises(ClientError, match="not an execution of pipeline churn"):
        selective(other, ["Train"])
    with pytest.raises(ClientError, match="not in pipeline churn"):
        selective(running, ["Score"])


@pytest.mark.slow
@SHARED_SERVER
def test_demo_runs_from_a_step_on_the_fake_sagemaker(moto_server, tmp_path: Path):  # noqa: F811
    """The demo's real definition (the exported pipeline.py, SDK v3): --from Evaluate selects
    Evaluate and everything after it, the condition's branch steps included."""
    fake, url = moto_server
    config_path = tmp_path / "wizard.toml"
    write_document(config_path, template_document("demo"))
    write_template_data("demo", config_path)
    config = load_config(config_path)
    plan = build_plan(config)
    options = {"role_arn": ROLE, "bucket": "wizard-runs", "clock": fake.clock, "tail_logs": False}
    first = sagemaker_engine_for(config_path, config, **options)
    assert first.run(Recorder(), threading.Event()) == "Succeeded"
    recorder = Recorder()
    again = sagemaker_engine_for(config_path, config, from_step="Evaluate", **options)
    assert again.run(recorder, threading.Event()) == "Succeeded"
    session = boto3.Session(region_name=REGION)
    described = session.client("sagemaker", endpoint_url=url).describe_pipeline_execution(
        PipelineExecutionArn=again.execution_arn
    )
    selected = [s["StepName"] for s in described["SelectiveExecutionConfig"]["SelectedSteps"]]
    assert set(selected) == {"Evaluate"} | plan.downstream("Evaluate")
    assert described["SelectiveExecutionConfig"]["SourcePipelineExecutionArn"] == (
        first.execution_arn
    )
    reused = {e.step for e in recorder.of("step") if e.reused_from == first.execution_arn}
    assert reused == set(plan.names) - set(selected)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_run_from_here_on_the_watch_screen(aws, clock, fake):
    """``R`` on a step of an ended execution in the watch screen, confirmed: a selective
    execution from it starts and the screen follows it."""
    from monitor_helpers import until

    from tui.monitor.app import MonitorApp
    from tui.screens.modals import ConfirmModal

    aws.client("sagemaker").create_pipeline(  # Train reads Preprocess; Evaluate follows Train
        PipelineName="churn", PipelineDefinition=definition("c", "d"), RoleArn=ROLE
    )
    fake.script_next_execution(
        "churn", sequential_steps(SPECS, overrides={"Evaluate": {"fail_reason": "metric"}})
    )
    arn = start(aws, "churn")
    watcher = SageMakerWatcher(arn, aws=aws, clock=clock, on_notice=lambda n: None)
    app = MonitorApp(watcher, None, "churn")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.monitor
        assert screen is not None
        await until(pilot, lambda: screen._snapshot.execution.finished and not screen.busy)
        assert screen._snapshot.execution.status == "Failed"
        screen._follow = False
        screen._select_row("Train")
        await pilot.pause()
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        question = str(app.screen.query_one("#confirm-question").render())
        assert "selective execution from Train" in question
        assert "Train and Evaluate" in str(app.screen.query_one("#confirm-detail").render())
        await pilot.press("y")
        await until(pilot, lambda: screen.engine is not watcher)
        await until(pilot, lambda: screen._snapshot.execution.finished and not screen.busy)
        new_arn = screen.engine.execution_arn
        assert new_arn and new_arn != arn
        assert screen._snapshot.execution.status == "Succeeded"
        assert screen._snapshot.execution.id == new_arn
        preprocess = screen._snapshot_step("Preprocess")
        assert preprocess.reason == f"reused from execution {arn.rsplit('/', 1)[-1]}"
        assert screen._snapshot_step("Evaluate").status == "Succeeded"
        config = aws.client("sagemaker").describe_pipeline_execution(PipelineExecutionArn=new_arn)[
            "SelectiveExecutionConfig"
        ]
        assert config["SourcePipelineExecutionArn"] == arn
        assert [s["StepName"] for s in config["SelectedSteps"]] == ["Train", "Evaluate"]
        screen.release_engine()
        await app.workers.wait_for_complete()
