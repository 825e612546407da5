"""What each kind of step does on this machine, following SageMaker's conventions.

* Processing: the project's ``code/<script>`` with the step's arguments; its inputs linked
  under ``processing/input/<name>``, its outputs written under ``processing/output/<name>``
  (``SM_PROCESSING_ROOT`` points at ``processing/``, i.e. ``/opt/ml/processing``).
* Training: a training job in ``training/`` (``/opt/ml``): channels under
  ``input/data/<channel>`` (and ``SM_CHANNEL_<CHANNEL>``), ``hyperparameters.json`` plus
  ``SM_HPS``/``SM_HP_*``, ``SM_MODEL_DIR`` packed into ``output/model/model.tar.gz``. Script
  mode runs ``code/<script> --name value ...``; the built-in XGBoost runs its stand-in.
* Tuning: many training jobs (``trials/<trial>/``), see ``tuning.py``; the best one's
  model is the step's output.
* Condition: JsonGet on the evaluation's PropertyFile, compared with the threshold
  parameter; the outcome picks the branch.
* RegisterModel, Model, Transform, QualityCheck, ClarifyCheck: see ``model_steps.py``.
* Fail: fails, with the pipeline's message and the values that led there.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conditions import JsonGetError, compare, json_get_file, symbol
from .containers import container_script
from .jobs import BASE_ENV, link_tree, pack_model
from .model_steps import (
    clarify_check,
    create_model,
    evaluation_metrics,
    quality_check,
    register_model,
    transform,
)
from .steprun import StepRun
from .steps import StepFailed, StepStopped, failure_reason
from .tuning import TrialPlanner, TrialRecord, best_trial, parse_ranges


def hp_string(value: Any) -> str:
    """Hyperparameters reach the job as strings (JSON for anything but a string)."""
    return value if isinstance(value, str) else json.dumps(value)


# --------------------------------------------------------------------------- Processing


def _java_found() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(home and Path(home, "bin", "java").exists()) or shutil.which("java") is not None


def processing(run: StepRun) -> None:
    step, context = run.step, run.context
    script = context.project_dir / "code" / (step.script or "")
    if not script.is_file():
        raise StepFailed(f"the project has no code/{step.script} ({script})")
    if step.script == "prepare_spark.py" and importlib.util.find_spec("pyspark") is None:
        raise StepFailed(
            "data_preparation.engine is 'spark', and PySpark is not installed here: to run "
            "it locally, pip install pyspark (it needs a Java runtime); or choose "
            "engine = 'sklearn'"
        )
    if step.script == "prepare_spark.py" and not _java_found():
        raise StepFailed(
            "data_preparation.engine is 'spark', and Spark needs a Java runtime, which this "
            "machine lacks (no java on PATH, JAVA_HOME unset): install one (on Debian: "
            "apt-get install default-jre-headless); or choose engine = 'sklearn'"
        )
    root = run.layout.processing_root(step.name)
    if root.exists():
        shutil.rmtree(root)  # a fresh container for this attempt
    for item in step.inputs:
        assert item.path is not None
        link_tree(context.input_source(item), run.layout.container_path(step.name, item.path))
    for output in step.outputs:
        assert output.path is not None
        run.layout.container_path(step.name, output.path).mkdir(parents=True, exist_ok=True)
    run.check_stop()
    env = {**BASE_ENV, "SM_PROCESSING_ROOT": str(root)}
    result = run.run_job([context.python, str(script), *step.arguments], env=env, cwd=root)
    run.check_job(result, step.script or "the script")
    if "property_file" in step.settings:
        _report_evaluation(run)


def _report_evaluation(run: StepRun) -> None:
    """Emit the evaluation report's numbers as ``test:<metric>`` metrics."""
    name = run.step.settings.get("report", "evaluation.json")
    for output in run.step.outputs:
        report = run.output_dir(output.name) / name
        if report.is_file():
            for metric, value in evaluation_metrics(report).items():
                run.metric(f"test:{metric}", value)


# --------------------------------------------------------------------------- Training


def _metric_matchers(step) -> list[tuple[str, re.Pattern[str]]]:
    return [
        (d["Name"], re.compile(d["Regex"])) for d in step.settings.get("metric_definitions", [])
    ]


def _match_metrics(matchers, line: str) -> list[tuple[str, float]]:
    found = []
    for name, pattern in matchers:
        match = pattern.search(line)
        if match:
            try:
                found.append((name, float(match.group(1))))
            except (IndexError, ValueError):
                continue
    return found


def training_hyperparameters(run: StepRun) -> dict[str, str]:
    settings = run.step.settings
    # for script mode the Plan already adds `algorithm` and `problem_type`
    return {k: hp_string(v) for k, v in settings.get("hyperparameters", {}).items()}


def run_training_job(
    run: StepRun,
    ml_root: Path,
    hyperparameters: dict[str, str],
    *,
    prefix: str = "",
    on_line: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
    job: str | None = None,
):
    """One training job with SageMaker's layout in ``ml_root`` (``/opt/ml``)."""
    step, context = run.step, run.context
    if ml_root.exists():
        shutil.rmtree(ml_root)
    config_dir = ml_root / "input" / "config"
    config_dir.mkdir(parents=True)
    channels = {}
    for item in step.inputs:
        target = ml_root / "input" / "data" / item.name
        link_tree(context.input_source(item), target)
        channels[item.name] = target
    (config_dir / "hyperparameters.json").write_text(json.dumps(hyperparameters, indent=2))
    (config_dir / "inputdataconfig.json").write_text(
        json.dumps(
            {
                name: {
                    **(
                        {"ContentType": step.settings["content_types"][name]}
                        if name in step.settings["content_types"]
                        else {}
                    ),
                    "TrainingInputMode": "File",
                    "S3DistributionType": "FullyReplicated",
                    "RecordWrapperType": "None",
                }
                for name in channels
            },
            indent=2,
        )
    )
    hosts = ["algo-1"]
    (config_dir / "resourceconfig.json").write_text(
        json.dumps({"current_host": hosts[0], "hosts": hosts, "network_interface_name": "lo"})
    )
    model_dir = ml_root / "model"
    output_dir = ml_root / "output"
    output_data = output_dir / "data"
    model_dir.mkdir()
    output_data.mkdir(parents=True)
    job = job or run.job_name()

    built_in = bool(step.settings.get("built_in"))
    if built_in:
        command = [context.python, str(container_script("xgboost_algorithm"))]
        entry = "xgboost_algorithm.py"
    else:
        script = context.project_dir / "code" / (step.script or "")
        if not script.is_file():
            raise StepFailed(f"the project has no code/{step.script} ({script})")
        args = [part for k, v in hyperparameters.items() for part in (f"--{k}", v)]
        command = [context.python, str(script), *args]
        entry = script.name
    cpus = str(os.cpu_count() or 1)
    env = {
        **BASE_ENV,
        "SM_WIZARD_ML_ROOT": str(ml_root),
        "SM_MODEL_DIR": str(model_dir),
        "SM_OUTPUT_DIR": str(output_dir),
        "SM_OUTPUT_DATA_DIR": str(output_data),
        "SM_INPUT_DIR": str(ml_root / "input"),
        "SM_INPUT_CONFIG_DIR": str(config_dir),
        "SM_INPUT_DATA_CONFIG": (config_dir / "inputdataconfig.json").read_text(),
        "SM_CHANNELS": json.dumps(sorted(channels)),
        "SM_HPS": json.dumps(hyperparameters),
        "SM_USER_ARGS": json.dumps(command[2:]),
        "SM_CURRENT_HOST": hosts[0],
        "SM_HOSTS": json.dumps(hosts),
        "SM_NUM_CPUS": cpus,
        "SM_NUM_GPUS": "0",
        "SM_USER_ENTRY_POINT": entry,
        "SM_MODULE_NAME": Path(entry).stem,
        "SM_TRAINING_ENV": json.dumps(
            {
                "job_name": job,
                "hyperparameters": hyperparameters,
                "channel_input_dirs": {k: str(v) for k, v in channels.items()},
                "model_dir": str(model_dir),
                "output_data_dir": str(output_data),
                "current_host": hosts[0],
                "hosts": hosts,
                "num_cpus": int(cpus),
                "num_gpus": 0,
                "user_entry_point": entry,
            }
        ),
    }
    for name, path in channels.items():
        env[f"SM_CHANNEL_{name.upper()}"] = str(path)
    for name, value in hyperparameters.items():
        env[f"SM_HP_{re.sub(r'[^A-Za-z0-9]', '_', name).upper()}"] = value
    run.check_stop()
    return run.run_job(
        command, env=env, cwd=ml_root, prefix=prefix, on_line=on_line, cancel=cancel, job=job
    )


def training(run: StepRun) -> None:
    step = run.step
    matchers = _metric_matchers(step)
    ml_root = run.layout.ml_root(step.name)

    def on_line(line: str) -> None:
        for name, value in _match_metrics(matchers, line):
            run.metric(name, value)

    result = run_training_job(run, ml_root, training_hyperparameters(run), on_line=on_line)
    what = "the built-in XGBoost algorithm" if step.settings.get("built_in") else step.script
    run.check_job(result, what or "the training script", ml_root / "output" / "failure")
    pack_model(ml_root / "model", run.output_dir("model") / "model.tar.gz")
    run.log(f"packed {ml_root / 'model'} into model.tar.gz")


# --------------------------------------------------------------------------- Tuning


def tuning(run: StepRun) -> None:
    step, context = run.step, run.context
    settings = step.settings
    objective = settings["objective_metric"]
    direction = settings["objective_type"]
    matchers = _metric_matchers(step)
    objective_matchers = [(n, p) for n, p in matchers if n == objective]
    if not objective_matchers:
        raise StepFailed(f"no metric definition captures the objective {objective!r}")
    static = training_hyperparameters(run)
    expected = int(float(static.get("num_round", "1"))) if settings.get("built_in") else 1
    try:
        planner = TrialPlanner(
            settings["strategy"],
            parse_ranges(settings["ranges"]),
            max_jobs=int(settings["max_jobs"]),
            direction=direction,
            seed=context.tuning_seed,
            early_stopping=settings.get("early_stopping", "Off"),
            expected_reports=expected,
        )
    except ValueError as exc:
        raise StepFailed(str(exc)) from None
    parallel = max(1, min(int(settings["max_parallel_jobs"]), context.max_workers))
    run.log(
        f"tuning: {settings['strategy']} search, {planner.total} training jobs, {parallel} at a "
        f"time; objective: {direction} {objective}"
    )
    run.executing(run.job_name())

    trials: list[TrialRecord] = []
    done: list[str] = []
    done_signal = threading.Condition()

    def trial_job(record: TrialRecord, index: int) -> None:
        cancel = threading.Event()
        hps = {**static, **record.hyperparameters}
        if settings.get("built_in"):
            hps["_tuning_objective_metric"] = objective  # as SageMaker tells the built-in
        ml_root = run.layout.ml_root(step.name, record.id)

        def on_line(line: str) -> None:
            for _name, value in _match_metrics(objective_matchers, line):
                record.reports.append(value)
                reason = planner.should_stop(record)
                if reason and not cancel.is_set():
                    record.reason = reason
                    run.log(f"[{record.id}] {reason}: stopping it")
                    cancel.set()

        record.status = "InProgress"
        try:
            result = run_training_job(
                run,
                ml_root,
                hps,
                prefix=f"[{record.id}] ",
                on_line=on_line,
                cancel=cancel,
                job=run.job_name(f"-{index:03d}"),
            )
            if result.stopped:
                record.status = "Stopped"
            elif result.ok:
                record.status = "Completed"
                pack_model(
                    ml_root / "model",
                    run.layout.trial_dir(step.name, record.id) / "output" / "model.tar.gz",
                )
            else:
                record.status = "Failed"
                record.reason = failure_reason(
                    result, "training job", ml_root / "output" / "failure"
                )
        except OSError as exc:  # a full disk: the trial fails, and the step with it
            record.status = "Failed"
            record.reason = run.recorder.write_failed(exc, exc.filename or run.dir)
        except (StepFailed, StepStopped) as exc:
            record.status = "Stopped" if isinstance(exc, StepStopped) else "Failed"
            record.reason = getattr(exc, "reason", None) or str(exc) or record.status
        finally:
            record.objective = record.reports[-1] if record.reports else None
            with done_signal:
                done.append(record.id)
                done_signal.notify()

    active: dict[str, threading.Thread] = {}
    while True:
        if not run.run_stopping():
            while len(active) < parallel:
                proposal = planner.propose()
                if proposal is None:
                    break
                record = TrialRecord(f"trial-{len(trials) + 1:03d}", proposal)
                trials.append(record)
                values = ", ".join(f"{k}={v}" for k, v in proposal.items())
                run.log(f"[{record.id}] starting: {values}")
                thread = threading.Thread(
                    target=trial_job, args=(record, len(trials)), name=record.id, daemon=True
                )
                active[record.id] = thread
                thread.start()
        if not active:
            break
        with done_signal:
            done_signal.wait_for(lambda: bool(done), timeout=0.2)
            ended, done[:] = list(done), []
        for trial_id in ended:
            active.pop(trial_id).join()
            record = next(t for t in trials if t.id == trial_id)
            planner.observe(record)
            shown = "none logged" if record.objective is None else f"{record.objective:.6g}"
            run.log(f"[{record.id}] {record.status.lower()}: {objective} = {shown}")
            if record.status == "Failed" and record.reason:
                run.log(f"[{record.id}] reason: {record.reason.splitlines()[0]}")
            if record.objective is not None and record.status != "Failed":
                run.metric(objective, record.objective)

    summary = {
        "strategy": settings["strategy"],
        "objective": {"metric": objective, "type": direction},
        "trials": [t.to_dict() for t in trials],
    }
    eligible = [t for t in trials if t.status == "Completed"]
    best = best_trial(eligible, direction)
    summary["best_trial"] = best.id if best else None
    (run.dir / "tuning.json").write_text(json.dumps(summary, indent=2) + "\n")
    run.check_stop()
    if best is None:
        failures = [t for t in trials if t.status == "Failed"]
        if failures:
            last = failures[-1].reason or "unknown reason"
            raise StepFailed(f"all {len(trials)} training jobs failed; the last one: {last}")
        raise StepFailed(
            f"no training job logged the objective {objective}: check its metric definition"
        )
    source = run.layout.trial_dir(step.name, best.id) / "output" / "model.tar.gz"
    target = run.output_dir("model") / "model.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    values = ", ".join(f"{k}={v}" for k, v in best.hyperparameters.items())
    run.log(f"best: {best.id} with {objective} = {best.objective:.6g} ({values})")
    run.state.details = {
        "best_trial": best.id,
        "objective": best.objective,
        "hyperparameters": best.hyperparameters,
        "trials": len(trials),
    }
    run.state.metrics = {objective: float(best.objective or 0.0)}


# --------------------------------------------------------------------------- Condition, Fail


def condition(run: StepRun) -> None:
    step, context = run.step, run.context
    settings = step.settings
    source = step.input("evaluation")
    producer = context.plan.step(source.step or "")
    report = run.input_source("evaluation") / producer.settings.get("report", "evaluation.json")
    threshold_name = settings.get("threshold_parameter")
    run.executing()
    try:
        value = json_get_file(report, settings["json_path"])
        if threshold_name:
            threshold = context.parameters.get(threshold_name, settings["threshold"])
            against = threshold_name
        else:  # no pass mark set: the model must beat the naive baseline beside it
            threshold = json_get_file(report, settings["baseline_json_path"])
            against = f"a naive guess: {settings['baseline_json_path']}"
        outcome = compare(settings["operator"], value, threshold)
    except JsonGetError as exc:
        raise StepFailed(str(exc)) from None
    sign = symbol(settings["operator"])
    run.log(
        f"JsonGet({settings.get('property_file', 'PropertyFile')}, {settings['json_path']}) = "
        f"{value}; {value} {sign} {threshold} ({against}) is {str(outcome).lower()}"
    )
    taken = "if" if outcome else "else"
    branch = [s.name for s in context.plan.steps if s.branch == taken]
    run.log(f"taking the {taken} branch: {', '.join(branch) or 'nothing'}")
    run.state.outcome = outcome
    run.state.details = {
        "left": value,
        "right": threshold,
        "operator": settings["operator"],
        "json_path": settings["json_path"],
        "metric": settings.get("metric"),
        "baseline": not threshold_name,
    }


def fail(run: StepRun) -> None:
    run.executing()
    message = str(run.step.settings.get("message", "the pipeline reached a Fail step"))
    for state in run.recorder.step_states().values():
        details = state.details
        if state.kind == "Condition" and state.outcome is False and "left" in details:
            message += (
                f" ({details.get('metric') or details['json_path']} = {details['left']}, "
                + (
                    f"a naive guess scores {details['right']})"
                    if details.get("baseline")
                    else f"threshold {details['right']})"
                )
            )
    run.log(message)
    raise StepFailed(message)


# --------------------------------------------------------------------------- every kind


HANDLERS: dict[str, Callable[[StepRun], None]] = {
    "Processing": processing,
    "Training": training,
    "Tuning": tuning,
    "Condition": condition,
    "Fail": fail,
    "RegisterModel": register_model,
    "Model": create_model,
    "Transform": transform,
    "QualityCheck": quality_check,
    "ClarifyCheck": clarify_check,
}
