"""The exporter test cases (shared by conftest.py and the tests)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import preloaded

from wizard.config import WizardConfig
from wizard.plan.dag import Plan
from wizard.store import load_config, save_config
from wizard.templates import template_document, write_template_data
from wizard.validation import validate_or_raise

HERE = Path(__file__).parent
CASES_DIR = HERE / "cases"
GOLDEN_DIR = HERE / "golden"
CASES = ("demo", "small_batch", "large_realtime")


@dataclass(frozen=True)
class Case:
    name: str
    config: WizardConfig
    plan: Plan
    files: dict[str, str]
    config_path: Path
    project: Path
    """The exported project on disk (with its data copied)."""


def parse_python(text: str, mode: str = "exec") -> ast.AST:
    """``ast.parse``, holding the lock the shape checks hold: the background pool verifies
    projects in threads while tests parse on the main thread (see ``exporters.verify``)."""
    from exporters.definition import AST_LOCK

    with AST_LOCK:
        return ast.parse(text, mode=mode)


def config_file(name: str, folder: Path) -> Path:
    """The case's wizard.toml in ``folder`` (with its local data next to it)."""
    path = folder / "wizard.toml"
    if name == "demo":
        save_config(path, validate_or_raise(template_document("demo")))
        write_template_data("demo", path)
        return path
    source = CASES_DIR / f"{name}.toml"
    config = load_config(source)
    save_config(path, config)
    data = CASES_DIR / config.data_collection.input_uri
    if not config.data_collection.input_uri.startswith("s3://") and data.is_file():
        target = folder / config.data_collection.input_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.read_bytes())
    return path


# --------------------------------------------------------------------------- fuzzing

_WORDS = ("churn", "fraud", "price", "q", "a1", "demand", "x9", "risk")
_COLUMNS = ("target", "label", "y", "Churn Flag", "is.fraud", "_t", "Label-2")
_DESCRIPTIONS = (
    "",
    "plain words",
    "(parens) [brackets] {braces} __import__(os).system(id) $HOME %s #not a comment",
    "ünïcode ✓ — 日本語",
    "x" * 1000,
)
_STAGE_SERVICES = {
    "data_collection": ("s3", "glue", "data-exchange", "kinesis"),
    "data_preparation": (
        "processing-jobs",
        "data-wrangler",
        "glue-databrew",
        "lambda",
        "athena",
        "quicksight",
    ),
    "feature_engineering": ("processing-jobs", "feature-store", "lambda"),
    "training": (
        "training-jobs",
        "autopilot",
        "jumpstart",
        "blazingtext",
        "studio",
        "experiments",
        "debugger",
        "aws-batch",
    ),
    "evaluation": ("experiments", "studio-notebooks", "clarify", "model-monitor"),
    "deployment": (
        "endpoints",
        "batch-transform",
        "serverless-inference",
        "multi-model-endpoints",
        "lambda",
        "api-gateway",
        "model-registry",
    ),
    "monitoring": ("model-monitor", "cloudwatch", "cloudtrail"),
    "orchestration": ("pipelines", "eventbridge"),
}


def random_document(rng) -> dict:
    """A config document drawn from ``rng`` (a ``random.Random``): usually valid, varied in
    names, columns, thresholds, algorithms, tuning and services."""
    from wizard.algorithms import ALGORITHMS, training_metrics

    problem = rng.choice(("binary_classification", "multiclass_classification", "regression"))
    algorithm = rng.choice(tuple(ALGORITHMS))
    name = "-".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4)))[:32].strip("-")
    target = rng.choice(_COLUMNS)
    if problem == "regression":
        metric = rng.choice(("rmse", "mae", "r2"))
        threshold = {"rmse": 10.5, "mae": 3.0, "r2": 0.4}[metric]
    else:
        metric = rng.choice(("accuracy", "f1", "precision", "recall", "auc"))
        if problem == "multiclass_classification" and metric == "auc":
            metric = "accuracy"
        threshold = round(rng.random(), 3)
    services = {
        stage: sorted(rng.sample(ids, rng.randint(0, min(3, len(ids)))))
        for stage, ids in _STAGE_SERVICES.items()
    }
    deployment = set(services["deployment"])
    if {"serverless-inference", "multi-model-endpoints"} <= deployment:
        deployment.discard("multi-model-endpoints")
    if "api-gateway" in deployment:
        deployment.add("endpoints")
    if ALGORITHMS[algorithm].built_in:  # served as an inference pipeline: neither hosts one
        deployment -= {"serverless-inference", "multi-model-endpoints"}
    services["deployment"] = sorted(deployment | {"model-registry"})
    if not deployment & {"endpoints", "batch-transform"} and deployment & {
        "serverless-inference",
        "multi-model-endpoints",
    }:  # Model Monitor has no data capture there (a validation rule)
        services["monitoring"] = [s for s in services["monitoring"] if s != "model-monitor"]
    engine = rng.choice(("sklearn", "spark"))
    runtime = rng.choice((600, 3600, 7200))
    spot = rng.random() < 0.4
    doc: dict = {
        "schema_version": 1,
        "project": {
            "name": name or "p",
            "description": rng.choice(_DESCRIPTIONS),
            "region": rng.choice(("us-east-1", "eu-west-1", "ap-southeast-2")),
            "s3_prefix": rng.choice(("sm-wizard", "teams/ml/x", "a" * 150)),
        },
        "profile": {
            "problem_type": problem,
            "retraining": "manual",
            "data_size_gb": rng.choice((0.01, 5.0, 500.0)),
        },
        "data_collection": {
            "services": services["data_collection"],
            "input_uri": rng.choice(("s3://some-bucket/raw/data.csv", "data/in.csv", "/abs/d.csv")),
            "target_column": target,
            "has_header": rng.random() < 0.8,
        },
        "data_preparation": {
            "services": services["data_preparation"],
            "engine": engine,
            "instance_count": rng.randint(1, 3) if engine == "spark" else 1,
            "drop_columns": rng.choice(([], ["id col"], ["a", "b.c"])),
        },
        "feature_engineering": {
            "services": services["feature_engineering"],
            "scaling": rng.choice(("standard", "minmax", "none")),
            "feature_group_name": "shared-features"
            if "feature-store" in services["feature_engineering"]
            else "",
        },
        "training": {
            "services": services["training"],
            "algorithm": algorithm,
            "max_runtime_seconds": runtime,
            "use_spot": spot,
            "max_wait_seconds": runtime * 2 if spot else 0,
            "checkpoint_s3_uri": "s3://some-bucket/ckpt" if spot and rng.random() < 0.5 else "",
        },
        "evaluation": {
            "services": services["evaluation"],
            "metric": metric,
            "threshold": threshold,
            "bias_facet": "gender" if "clarify" in services["evaluation"] else "",
        },
        "deployment": {
            "services": services["deployment"],
            "model_package_group": f"{name or 'p'}-models"[:63],
        },
        "monitoring": {"services": services["monitoring"]},
        "orchestration": {
            "services": services["orchestration"],
            "schedule": rng.choice(("", "cron(0 3 ? * MON *)", "rate(7 days)")),
            "cache_steps": rng.random() < 0.7,
            "retry_max_attempts": rng.randint(1, 5),
        },
    }
    if doc["orchestration"]["schedule"]:
        doc["profile"]["retraining"] = "scheduled"
    if rng.random() < 0.5:
        spec = ALGORITHMS[algorithm]
        objective = rng.choice(
            [m for m in training_metrics(algorithm, problem) if m.startswith("validation:")]
        )
        strategy = rng.choice(("Bayesian", "Random", "Hyperband", "Grid"))
        ranges = []
        for hp in rng.sample(spec.hyperparameters, rng.randint(1, 2)):
            if hp.choices:  # a categorical hyperparameter: its own values, any strategy
                ranges.append({"name": hp.name, "type": "categorical", "values": list(hp.choices)})
            elif strategy == "Grid":
                values = [hp.low, hp.high] if hp.low is not None else [1, 2]
                if hp.type == "integer":
                    values = [int(v) for v in values]
                ranges.append(
                    {"name": hp.name, "type": "categorical", "values": [str(v) for v in values]}
                )
            else:
                low, high = hp.low or 0.0, hp.high or 1.0
                scaling = "Logarithmic" if low > 0 and rng.random() < 0.3 else "Auto"
                ranges.append(
                    {
                        "name": hp.name,
                        "type": hp.type,
                        "min_value": float(low),
                        "max_value": float(high),
                        "scaling": scaling,
                    }
                )
        doc["tuning"] = {
            "enabled": True,
            "strategy": strategy,
            "objective_metric": objective,
            # Grid trains every combination exactly once
            "max_jobs": 2 ** len(ranges) if strategy == "Grid" else 6,
            "max_parallel_jobs": 2,
            "early_stopping": "Auto" if strategy in ("Bayesian", "Random") else "Off",
            "ranges": ranges,
        }
    return doc


# --------------------------------------------------------------------------- slow jobs
# Run in the background by conftest.py; each returns what its test asserts on.

OFFLINE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAGEMAKER_VALIDATE_ROLE": "false",
}
FUZZ_BUILD_SEEDS = (27,)
"""Random configs whose definitions are built too (script mode, Grid/Hyperband tuning...)."""


def _copy(project: Path, factory, name: str) -> Path:
    target = factory.mktemp(name) / "project"
    shutil.copytree(project, target)
    return target


def verify_broken_pipeline(case: Case, factory):
    """A classic SDK mistake (a pipeline parameter inside an f-string), verified."""
    from exporters.verify import verify_project

    project = _copy(case.project, factory, "broken")
    source = (project / "pipeline.py").read_text("utf-8")
    broken = source.replace(
        'base_job_name=f"{PIPELINE_NAME}-train",',
        'base_job_name=f"{PIPELINE_NAME}-{training_instance_type}",',
    )
    assert broken != source
    (project / "pipeline.py").write_text(broken, "utf-8")
    return verify_project(project)


# Issue 11 item 9: bugs that build a definition but would fail on SageMaker. Each is put into
# small_batch's pipeline.py (script mode, batch transform, regression) on its own; the
# scaffold's own tests must fail on each, in the named test.
MUTATIONS: dict[str, tuple[str, str, str]] = {
    "instance type": (
        'name="TrainingInstanceType",  # instance for training\n        default_value="ml.m5.large",',
        'name="TrainingInstanceType",  # instance for training\n        default_value="ml.m5.huge",',
        "test_every_request_has_the_shape_aws_requires",
    ),
    "JsonGet path": (
        'json_path="regression_metrics.rmse.value"',
        'json_path="regression_metrics.rmse.valeu"',
        "test_every_json_get_path_is_in_the_evaluation_report",
    ),
    "hyperparameter": (
        '"n_estimators": 200,',
        '"n_estimator": 200,',
        "test_every_hyperparameter_is_one_the_algorithm_accepts",
    ),
    "split_type": (
        'split_type="Line",',
        'split_type="Lines",',
        "test_every_request_has_the_shape_aws_requires",
    ),
}


def run_mutated_scaffold_tests(
    case: Case, factory, mutation: str
) -> subprocess.CompletedProcess[str]:
    """The scaffold's own tests on a copy of ``case`` with one bug of ``MUTATIONS`` put in."""
    old, new, _ = MUTATIONS[mutation]
    project = _copy(case.project, factory, "mutated")
    source = (project / "pipeline.py").read_text("utf-8")
    assert source.count(old) == 1, f"{mutation}: {old!r} is not in pipeline.py once"
    (project / "pipeline.py").write_text(source.replace(old, new), "utf-8")
    return preloaded.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_scaffold_tests(case: Case, factory) -> subprocess.CompletedProcess[str]:
    """The exported project's own test suite, as a person would run it."""
    project = _copy(case.project, factory, "scaffold")
    return preloaded.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )


def live_definition(case: Case) -> str:
    """definition_json as the SageMaker engine calls it (code already in S3, so nothing is
    uploaded and fake credentials suffice)."""
    from exporters.verify import definition_json

    return definition_json(
        case.project,
        bucket="team-bucket",
        role_arn="arn:aws:iam::123456789012:role/Runner",
        region="eu-west-1",
        code_s3_prefix="s3://team-bucket/code/v1",
        input_data_uri="s3://team-bucket/input/data.csv",
    )


def script_help(project: Path, script: str) -> subprocess.CompletedProcess[str]:
    """`python SCRIPT --help` with no AWS setting at all in the environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"}
    return subprocess.run(
        [sys.executable, script, "--help"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def build_fuzzed(seed: int, factory):
    """Export and verify the random config of ``seed``."""
    import random

    from exporters import export_project
    from exporters.verify import verify_project
    from wizard.plan import build_plan

    config = validate_or_raise(random_document(random.Random(seed)))
    project = factory.mktemp(f"fuzz-{seed}")
    export_project(config, project)
    return config, verify_project(project, plan=build_plan(config))
