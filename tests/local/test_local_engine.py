"""End-to-end runs of the demo pipeline on the local engine."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from local_helpers import Finished, Recorder, Workspace, make_workspace, run_engine

from runners.base import Engine, Retryable, exit_code_for
from runners.events import ExecutionEvent, MetricEvent, StepEvent
from runners.local import (
    LocalEngine,
    LocalModelRegistry,
    RunLayout,
    follow_run,
    list_runs,
    open_run,
    prepare_project,
    read_events,
)
from wizard.errors import ConfigError, WizardError
from wizard.store import write_document
from wizard.templates import template_document

DEMO_STEPS = (
    "PrepareData",
    "EngineerFeatures",
    "Train",
    "Evaluate",
    "CheckMetric",
    "RegisterModel",
    "CreateModel",
    "BatchTransform",
)


def test_engine_implements_the_protocols(demo_run: Finished) -> None:
    assert isinstance(demo_run.engine, Engine)
    assert isinstance(demo_run.engine, Retryable)
    assert demo_run.engine.name == "local"


def test_demo_run_succeeds_and_registers_the_model(demo_run: Finished) -> None:
    recorder, engine = demo_run.recorder, demo_run.engine
    assert demo_run.status == "Succeeded"
    assert exit_code_for(demo_run.status) == 0
    first, last = recorder.events[0], recorder.events[-1]
    assert isinstance(first, ExecutionEvent) and first.status == "Executing"
    assert isinstance(last, ExecutionEvent) and last.status == "Succeeded"
    assert first.engine == "local" and first.id == engine.run_id
    for name in DEMO_STEPS:
        assert recorder.steps(name) == ["Starting", "Executing", "Succeeded"], name
    assert recorder.steps("MetricBelowThreshold") == []  # the else branch did not run

    registered = LocalModelRegistry(engine.registry.root).group("breast-cancer-models")
    # the session's other runs share this registry: find the version this run registered
    (package,) = [p for p in registered.versions if p.source.get("run_id") == engine.run_id]
    assert package.approval_status == "PendingManualApproval"
    assert package.metrics["auc"] > 0.9
    assert next(iter(package.metrics)) == "auc"  # the judged metric comes first
    metrics = {e.name: e.value for e in recorder.events if isinstance(e, MetricEvent)}
    assert metrics["test:auc"] == pytest.approx(package.metrics["auc"])
    assert "validation:auc" in metrics  # parsed from the training log with its regex


def test_demo_run_folder_holds_every_output(demo_run: Finished) -> None:
    layout = RunLayout(demo_run.engine.run_dir)
    info = json.loads(layout.run_json.read_text())
    assert info["status"] == "Succeeded" and info["pipeline"] == "breast-cancer-demo"
    assert layout.config.exists() and layout.plan_json.exists()
    steps = layout.steps
    assert (steps / "PrepareData/processing/output/train/train.csv").exists()
    assert (steps / "Train/training/input/config/hyperparameters.json").exists()
    assert (steps / "Train/training/model/xgboost-model").exists()
    assert (steps / "Train/output/model/model.tar.gz").exists()
    evaluation = json.loads(
        (steps / "Evaluate/processing/output/evaluation/evaluation.json").read_text()
    )
    assert evaluation["binary_classification_metrics"]["auc"]["standard_deviation"] == "NaN"
    assert not (steps / "DataQualityBaseline").exists()  # no closed service by default
    # batch predictions of the raw data: one answer per record (the header line gets none),
    # the label then each class's probability
    answers = (steps / "BatchTransform/output/predictions/breast_cancer.csv.out").read_text()
    raw_rows = (Path(demo_run.engine.run_dir).parent.parent / "data/breast_cancer.csv").read_text()
    assert len(answers.splitlines()) == len(raw_rows.splitlines()) - 1
    for line in answers.splitlines():
        label, p0, p1 = line.split(",")
        assert label in ("0", "1") and float(p0) + float(p1) == pytest.approx(1.0)
    assert (steps / "EngineerFeatures/processing/output/transformer/model.tar.gz").exists()
    # the built-in algorithm's round lines (early stopping decides how many)
    assert re.search(r"\[\d+\]#011train-auc:", (steps / "Train/logs.txt").read_text())


def test_quality_baseline_writes_statistics_and_constraints(quality_run: Finished) -> None:
    assert quality_run.status == "Succeeded"
    assert quality_run.recorder.steps("DataQualityBaseline") == [
        "Starting",
        "Executing",
        "Succeeded",
    ]
    steps = RunLayout(quality_run.engine.run_dir).steps
    statistics = json.loads(
        (steps / "DataQualityBaseline/output/statistics/statistics.json").read_text()
    )
    assert statistics["dataset"]["item_count"] > 0
    assert "kll" in statistics["features"][1]["numerical_statistics"]["distribution"]
    constraints = json.loads(
        (steps / "DataQualityBaseline/output/constraints/constraints.json").read_text()
    )
    assert constraints["monitoring_config"]["evaluate_constraints"] == "Enabled"


def test_independent_branches_overlap(quality_run: Finished) -> None:
    states = quality_run.engine.step_states()
    # the baseline needs only the prepared rows: it runs beside feature engineering
    quality, features = states["DataQualityBaseline"], states["EngineerFeatures"]
    assert max(quality.started_at, features.started_at) < min(quality.ended_at, features.ended_at)


def test_events_are_recorded_and_replayable(demo_run: Finished, demo_workspace: Workspace) -> None:
    recorded = list(read_events(demo_run.engine.run_dir))
    assert [e.to_dict() for e in recorded] == [e.to_dict() for e in demo_run.recorder.events]
    runs = {r.id: r for r in list_runs(demo_workspace.run_root)}
    assert runs[demo_run.engine.run_id].status == "Succeeded"
    followed = Recorder()
    assert follow_run(demo_run.engine.run_dir, followed, threading.Event()) == "Succeeded"
    assert len(followed.events) == len(recorded)


def test_second_run_is_served_from_the_cache(demo_run: Finished, demo_workspace) -> None:
    again = run_engine(demo_workspace.engine())
    assert again.status == "Succeeded"
    for name in ("PrepareData", "EngineerFeatures", "Train", "Evaluate"):
        assert again.recorder.step_event(name, "Succeeded").cache_hit is True, name
    assert again.recorder.step_event("BatchTransform", "Succeeded").cache_hit is True
    # RegisterModel is never cached: every execution adds a version, as on SageMaker.
    assert again.recorder.step_event("RegisterModel", "Succeeded").cache_hit is None
    metrics = [e for e in again.recorder.events if isinstance(e, MetricEvent)]
    assert {m.name for m in metrics} >= {"test:auc"}  # cached steps still report metrics
    versions = LocalModelRegistry(demo_workspace.registry).versions("breast-cancer-models")
    assert len(versions) >= 2


def test_condition_not_met_runs_the_fail_step(demo_run: Finished, demo_workspace) -> None:
    finished = run_engine(demo_workspace.engine(parameters={"MetricThreshold": 0.99999}))
    assert finished.status == "Failed"
    assert exit_code_for(finished.status) == 1
    recorder = finished.recorder
    fail = recorder.step_event("MetricBelowThreshold", "Failed")
    assert "auc is not >= the threshold" in fail.reason and "0.99999" in fail.reason
    for name in ("RegisterModel", "CreateModel", "BatchTransform"):
        assert recorder.steps(name) == []
    last = recorder.events[-1]
    assert isinstance(last, ExecutionEvent) and last.status == "Failed"
    assert last.reason.startswith("Step MetricBelowThreshold failed")


def _broken_project(workspace: Workspace, engine: LocalEngine, script: str):
    """A copy of the project with ``script`` raising an error on purpose."""
    project = workspace.folder / f"project-{engine.run_id}"
    prepare_project(engine.plan, engine.config, project)
    path = project / "code" / script
    original = path.read_text()
    path.write_text(
        original.replace(
            "def main(argv: list[str] | None = None) -> None:\n",
            "def main(argv: list[str] | None = None) -> None:\n"
            "    raise ValueError('broken on purpose')\n",
            1,
        )
    )
    return project, path, original


def test_failing_step_then_retry(demo_run: Finished, demo_workspace: Workspace) -> None:
    seed = demo_workspace.engine()
    project, script, original = _broken_project(demo_workspace, seed, "evaluate.py")
    engine = LocalEngine(
        seed.plan,
        seed.config,
        project,
        seed.run_dir,
        max_workers=2,
        base_dir=demo_workspace.folder,
        cache_dir=demo_workspace.run_root / ".cache",
        registry_dir=demo_workspace.registry,
    )
    failed = run_engine(engine)
    assert failed.status == "Failed"
    event = failed.recorder.step_event("Evaluate", "Failed")
    assert "evaluate.py exited with code 1" in event.reason
    assert "ValueError: broken on purpose" in event.reason  # the last stderr lines
    for name in ("CheckMetric", "RegisterModel", "BatchTransform", "MetricBelowThreshold"):
        assert failed.recorder.steps(name) == []  # downstream did not run
    assert failed.recorder.events[-1].reason.startswith("Step Evaluate failed")
    assert "broken on purpose" in (RunLayout(engine.run_dir).step_log("Evaluate").read_text())

    # Fix the script and retry the same run, re-attached from its folder.
    script.write_text(original)
    again = open_run(engine.run_dir)
    recorder = Recorder()
    assert again.retry(recorder, threading.Event()) == "Succeeded"
    assert recorder.steps("Train") == ["Succeeded"]  # kept, not re-run
    # Evaluate runs again (attempt 2); its fixed code equals the demo run's, so the
    # cache serves it.
    assert recorder.steps("Evaluate")[0] == "Starting"
    assert recorder.steps("Evaluate")[-1] == "Succeeded"
    assert recorder.step_event("Evaluate", "Succeeded").attempt == 2
    assert recorder.steps("RegisterModel")[-1] == "Succeeded"
    assert json.loads(RunLayout(engine.run_dir).run_json.read_text())["attempt"] == 2


def test_bad_data_is_refused_before_the_run(tmp_path) -> None:
    workspace = make_workspace(tmp_path)
    data = workspace.folder / "data" / "breast_cancer.csv"
    data.write_text(data.read_text().replace("target", "label"))
    with pytest.raises(ConfigError, match="'target' is not a column"):
        workspace.engine()
    assert not any(workspace.run_root.glob("2*"))  # no run folder was made


def test_data_that_changes_after_the_checks_fails_the_first_step(tmp_path) -> None:
    workspace = make_workspace(tmp_path)
    engine = workspace.engine()  # the checks pass here
    data = workspace.folder / "data" / "breast_cancer.csv"
    data.write_text(data.read_text().replace("target", "label"))
    finished = run_engine(engine)
    assert finished.status == "Failed"
    reason = finished.recorder.step_event("PrepareData", "Failed").reason
    assert "the target column 'target' is not in the data" in reason
    assert finished.recorder.started() == {"PrepareData"}


def test_data_on_s3_is_explained(tmp_path) -> None:
    workspace = make_workspace(tmp_path)
    finished = run_engine(workspace.engine(parameters={"InputDataUrl": "s3://bucket/data.csv"}))
    reason = finished.recorder.step_event("PrepareData", "Failed").reason
    assert "reads local files" in reason and "s3://bucket/data.csv" in reason


def test_stop_ends_the_run_stopped_and_keeps_outputs(tmp_path) -> None:
    workspace = make_workspace(tmp_path)
    engine = workspace.engine(caching=False)
    recorder = Recorder()
    stop = threading.Event()

    def emit(event) -> None:
        recorder(event)
        if (
            isinstance(event, StepEvent)
            and event.step == "EngineerFeatures"
            and event.status == "Executing"
        ):
            stop.set()  # its job has just started: stop the run

    status = engine.run(emit, stop)
    assert status == "Stopped" and exit_code_for(status) == 130
    assert recorder.steps("PrepareData") == ["Starting", "Executing", "Succeeded"]
    assert recorder.steps("EngineerFeatures") == ["Starting", "Executing", "Stopping", "Stopped"]
    executions = [e.status for e in recorder.events if isinstance(e, ExecutionEvent)]
    assert executions == ["Executing", "Stopping", "Stopped"]
    assert recorder.started() == {"PrepareData", "EngineerFeatures"}
    layout = RunLayout(engine.run_dir)
    assert (layout.processing_root("PrepareData") / "output/train/train.csv").exists()
    assert (layout.processing_root("EngineerFeatures") / "input/train/train.csv").exists()
    assert layout.step_log("PrepareData").read_text()
    assert json.loads(layout.step_json("EngineerFeatures").read_text())["status"] == "Stopped"
    assert json.loads(layout.run_json.read_text())["status"] == "Stopped"


def test_stop_during_the_last_job_still_ends_the_run_stopped(tmp_path) -> None:
    """Ctrl+C while the last job runs: even when the job ends well before it can be
    stopped, the run the person asked to stop ends Stopped (exit 130), not Succeeded."""
    workspace = make_workspace(tmp_path)
    engine = workspace.engine(caching=False)
    recorder = Recorder()
    stop = threading.Event()
    last = DEMO_STEPS[-1]

    def emit(event) -> None:
        recorder(event)
        if isinstance(event, StepEvent) and event.step == last and event.status == "Succeeded":
            stop.set()  # the stop lands as the last job finishes, before the run's end

    status = engine.run(emit, stop)
    assert status == "Stopped" and exit_code_for(status) == 130
    assert recorder.steps(last) == ["Starting", "Executing", "Succeeded"]  # its outputs stand
    executions = [e.status for e in recorder.events if isinstance(e, ExecutionEvent)]
    assert executions == ["Executing", "Stopping", "Stopped"]
    assert json.loads(RunLayout(engine.run_dir).run_json.read_text())["status"] == "Stopped"


def test_a_run_folder_runs_once(demo_run: Finished) -> None:
    with pytest.raises(WizardError, match="already holds a run"):
        demo_run.engine.run(Recorder(), threading.Event())


def test_unknown_parameter_is_bad_input(demo_workspace: Workspace) -> None:
    def runs() -> set:  # none yet when this test runs before the demo's run
        root = demo_workspace.run_root
        return set(root.iterdir()) if root.exists() else set()

    before = runs()
    with pytest.raises(WizardError, match="no parameter 'Threshold'"):
        demo_workspace.engine(parameters={"Threshold": 1})
    assert runs() == before  # no empty run folder left


def test_exported_project_code_runs(tmp_path, demo_workspace: Workspace) -> None:
    """A config inside an exported project runs that project's own (edited) code."""
    workspace = make_workspace(tmp_path)
    engine = workspace.engine()
    shutil.copytree(engine.project_dir / "code", workspace.folder / "code")
    (workspace.folder / "pipeline.py").write_text("# exported\n")
    assert workspace.engine().project_dir == workspace.folder.resolve()


def test_clarify_check_reports_bias(demo_run: Finished, demo_workspace: Workspace) -> None:
    doc = template_document("demo")
    doc["evaluation"] |= {"services": ["model-monitor", "clarify"], "bias_facet": "mean_radius"}
    config = demo_workspace.folder / "clarify.toml"
    write_document(config, doc)
    engine = demo_workspace.engine(config=config)
    finished = run_engine(engine)
    assert finished.status == "Succeeded"
    assert finished.recorder.steps("DataBiasCheck") == ["Starting", "Executing", "Succeeded"]
    assert finished.recorder.step_event("Train", "Succeeded").cache_hit is True
    analysis = RunLayout(engine.run_dir).step_dir("DataBiasCheck") / "output/analysis"
    report = json.loads((analysis / "analysis.json").read_text())["pre_training_bias_metrics"]
    (group,) = report["facets"]["mean_radius"]
    assert {m["name"] for m in group["metrics"]} == {"CI", "DPL"}


def test_spark_without_pyspark_is_explained(demo_workspace: Workspace, monkeypatch) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(  # pyspark is in the test group: pretend it is not installed
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pyspark" else find_spec(name, *a),
    )
    doc = template_document("demo")
    doc["data_preparation"]["engine"] = "spark"
    config = demo_workspace.folder / "spark.toml"
    write_document(config, doc)
    finished = run_engine(demo_workspace.engine(config=config))
    reason = finished.recorder.step_event("PrepareData", "Failed").reason
    assert "pip install pyspark" in reason


def test_failing_training_job_reports_the_algorithm_error(
    demo_run: Finished, demo_workspace: Workspace
) -> None:
    doc = template_document("demo")
    doc["evaluation"]["services"] = ["model-monitor"]  # a step that does not need Train
    doc["training"]["hyperparameters"] = {"objective": "binary:nonsense"}
    config = demo_workspace.folder / "bad-objective.toml"
    write_document(config, doc)
    finished = run_engine(demo_workspace.engine(config=config))
    assert finished.status == "Failed"
    reason = finished.recorder.step_event("Train", "Failed").reason
    assert reason.startswith("the built-in XGBoost algorithm exited with code 1:\nAlgorithmError")
    assert "AlgorithmError" in reason and "binary:nonsense" in reason
    assert finished.recorder.steps("DataQualityBaseline")[-1] == "Succeeded"  # independent
    assert finished.recorder.steps("Evaluate") == []
