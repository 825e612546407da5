"""Render the exported scaffold: a pure function from the Plan (and its config) to files.

``render_project(plan, config)`` returns ``{relative path: text}`` and touches nothing on
disk; ``writer.write_project`` puts the result on disk. The Plan decides which steps exist
and how they connect; this module only decides how each one is *written* with SDK v3.

This module holds the Jinja environment, the list of files and the template context of the
whole project (parameters, imports, schedule, versions); each step's view comes from
``exporters.step_views``, the scripts' and README's views from ``exporters.scaffold_views``,
the filters that quote user text from ``exporters.filters``, ``infra/`` from
``exporters.infra``.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from wizard.algorithms import ALGORITHMS
from wizard.config import WizardConfig
from wizard.cost import estimate_cost
from wizard.plan.dag import Plan, PlanStep
from wizard.store import config_to_document, dumps

from .cfn import stack_name
from .cfn_services import infra_services
from .filters import assign, comment, markdown, markdown_code, py, snake
from .infra import infra_files
from .packaged import (
    AWS_SHAPES,
    CODE_DIR,
    LAMBDA_HANDLER,
    OFFLINE_HARNESS,
    SERVING_CODE,
    TEMPLATES_DIR,
    ExportError,
    read_verbatim,
)
from .scaffold_views import (
    autopilot_view,
    deploy_view,
    extra_scripts,
    feature_store_view,
    monitoring_view,
    readme_view,
)
from .step_views import step_view
from .writer import DATA_FOLDER

# Container versions. They match the libraries the local engine runs with (scikit-learn 1.9,
# xgboost 3.2), so a model trained on this machine behaves like one trained on SageMaker.
SKLEARN_VERSION = "1.9-0"
XGBOOST_VERSION = "3.2-0"
SPARK_VERSION = "3.5"
SPARK_PY_VERSION = "py312"
# The SDK release the scaffold is verified with, pinned with the packages it is made of: the
# offline tests patch SDK internals (telemetry) and the templates use v3's class names, so a
# newer release must pass the scaffold's tests before the pin moves (requirements.txt says how).
SDK_PINS = (
    ("sagemaker", "3.27.0"),
    ("sagemaker-core", "2.27.0"),
    ("sagemaker-train", "1.27.0"),
    ("sagemaker-serve", "1.27.0"),
    ("sagemaker-mlops", "1.27.0"),
)
SDK_REQUIREMENT = f"sagemaker=={SDK_PINS[0][1]}"


# --------------------------------------------------------------------------- jinja


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["py"] = py
    env.filters["comment"] = comment
    env.filters["md"] = markdown
    env.filters["mdcode"] = markdown_code
    env.filters["assign"] = assign
    return env


def _render(template: str, context: Mapping[str, Any]) -> str:
    return _environment().get_template(template).render(**context)


# --------------------------------------------------------------------------- the project


def render_project(plan: Plan, config: WizardConfig) -> dict[str, str]:
    """Every file of the scaffold as ``{relative path: text}``, sorted by path.

    Pure: the same Plan and config always give the same text. Local data files are not
    part of it (see ``data_files``): they are copied, not rendered.
    """
    if plan.pipeline_name != config.project.name:
        raise ExportError("the plan was not built from this config (the names differ)")
    context = _context(plan, config)
    files: dict[str, str] = {
        "pipeline.py": _render("scaffold/pipeline.py.jinja", context),
        "README.md": _render("scaffold/README.md.jinja", context),
        "requirements.txt": _render("scaffold/requirements.txt.jinja", context),
        "requirements-dev.txt": _render("scaffold/requirements-dev.txt.jinja", context),
        "pyproject.toml": _render("scaffold/pyproject.toml.jinja", context),
        ".gitignore": _render("scaffold/gitignore.jinja", context),
        ".github/workflows/ci.yml": _render("scaffold/ci.yml.jinja", context),
        "tests/test_pipeline.py": _render("scaffold/tests/test_pipeline.py.jinja", context),
        "tests/offline.py": read_verbatim(OFFLINE_HARNESS),
        "tests/aws_shapes.py": read_verbatim(AWS_SHAPES),
        "wizard.toml": dumps(config_to_document(config)),
    }
    for script in sorted(set(context["extra_scripts"])):
        files[script] = _render(f"scaffold/{script}.jinja", context)
    if context["deploy"]["lambda"]:
        files[LAMBDA_HANDLER] = read_verbatim(TEMPLATES_DIR / "scaffold" / LAMBDA_HANDLER)
    for script in context["code_files"]:
        files[f"code/{script}"] = read_verbatim(CODE_DIR / script)
    files.update(infra_files(plan, config))  # infra/: CloudFormation (exporters/infra.py)
    return dict(sorted(files.items()))


def data_files(
    config: WizardConfig, config_dir: str | Path, *, source_uri: str | None = None
) -> dict[str, Path]:
    """Local input data to copy into the scaffold: ``{relative path: source file}``.

    The file is copied to the config's ``input_uri`` inside the project, from
    ``source_uri`` (where it is now, relative to ``config_dir``; by default the same path),
    so the scaffold's ``wizard.toml`` finds it. S3 URIs and absolute paths need nothing; a
    path that climbs out of the folder (``../data.csv``) is not copied.
    """
    uri = config.data_collection.input_uri
    source = source_uri or uri
    if uri.startswith("s3://") or not local_data_path_is_portable(source):
        return {}
    return {PurePosixPath(uri).as_posix(): Path(config_dir) / source}


def with_data_in_project(config: WizardConfig) -> WizardConfig:
    """The config as the exported project holds it: local data that sits beside the config
    (``mine.csv``, ``raw/mine.csv``) goes to the project's ``data/`` folder, and the
    project's ``input_uri`` says so. Data already under ``data/``, in S3 or elsewhere on
    disk keeps its path."""
    uri = config.data_collection.input_uri
    path = PurePosixPath(uri)
    if (
        uri.startswith("s3://")
        or not local_data_path_is_portable(uri)
        or path.parts[:1] == (DATA_FOLDER,)
    ):
        return config
    collection = config.data_collection.model_copy(
        update={"input_uri": f"{DATA_FOLDER}/{path.name}"}
    )
    return config.model_copy(update={"data_collection": collection})


def local_data_path_is_portable(uri: str) -> bool:
    """A relative path that stays inside its folder (so it can travel with the scaffold)."""
    path = PurePosixPath(uri)
    return not path.is_absolute() and ".." not in path.parts and "\\" not in uri


# --------------------------------------------------------------------------- context


def _context(plan: Plan, config: WizardConfig) -> dict[str, Any]:
    steps = [step_view(plan, step, config) for step in plan.steps]
    by_name = {view["name"]: view for view in steps}
    for view in steps:
        view["depends_on_vars"] = [by_name[name]["var"] for name in view["explicit_depends_on"]]
    services = {stage: list(ids) for stage, ids in plan.services.items()}
    selected = {service for ids in services.values() for service in ids}
    images = sorted({view["image"] for view in steps if view.get("image")})
    model_step = _model_step(plan)
    code_files = sorted({*plan.scripts, *SERVING_CODE})
    scripts = extra_scripts(services)
    local_data = _local_data(plan)
    deploy = config.deployment
    schedule = config.orchestration.schedule
    kinds = {step.kind for step in plan.steps}
    context: dict[str, Any] = {
        "plan": plan,
        "config": config,
        "pipeline_name": plan.pipeline_name,
        "description": config.project.description,
        "s3_prefix": config.project.s3_prefix,
        "region": config.project.region,
        "model_package_group": deploy.model_package_group,
        "steps": steps,
        "steps_in_code_order": _code_order(steps),
        "top_level_vars": [v["var"] for v in steps if v["branch"] is None],
        "parameters": [_parameter_view(p, local_data) for p in plan.parameters],
        "local_data": local_data,
        "images": images,
        "kinds": kinds,
        "imports": _imports(steps, kinds, bool(schedule)),
        "uses_spot": any(v.get("spot") for v in steps),
        "cache": {
            "enabled": config.orchestration.cache_steps,
            "expire_after": config.orchestration.cache_expire_after,
        },
        "retry_max_attempts": config.orchestration.retry_max_attempts,
        "needs_job_retries": any(v["retries"] == "job" for v in steps),
        "needs_step_retries": any(v["retries"] is not None for v in steps),
        "schedule": _schedule_view(schedule),
        "versions": {
            "sklearn": SKLEARN_VERSION,
            "xgboost": XGBOOST_VERSION,
            "spark": SPARK_VERSION,
            "spark_py": SPARK_PY_VERSION,
        },
        "sdk_requirement": SDK_REQUIREMENT,
        "sdk_pins": [f"{name}=={version}" for name, version in SDK_PINS],
        "code_files": code_files,
        "extra_scripts": scripts,
        "model_step": by_name[model_step.name],
        "algorithm": ALGORITHMS[model_step.settings["algorithm"]],
        "condition": plan.condition,
        "step_table": _step_table(plan),
        "expected_graph": [(s.name, s.kind, sorted(s.depends_on)) for s in plan.steps],
        "deploy": deploy_view(config, selected, model_step),
        "monitoring": monitoring_view(plan, config, selected),
        "feature_store": feature_store_view(plan, config, selected),
        "autopilot": autopilot_view(plan, config, selected),
        "readme": readme_view(plan, config, scripts),
        "infra": {"services": infra_services(plan, config), "stack": stack_name(config)},
        "cost": estimate_cost(plan, config),
    }
    return context


def _code_order(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Plan order, except that a condition is written after the steps of its branches
    (Python needs them defined before the ConditionStep that lists them)."""
    ordered = [v for v in steps if v["kind"] != "Condition"]
    for condition in (v for v in steps if v["kind"] == "Condition"):
        branch = set(condition["if_vars"]) | set(condition["else_vars"])
        last = max((i for i, v in enumerate(ordered) if v["var"] in branch), default=-1)
        ordered.insert(last + 1, condition)
    return ordered


def _model_step(plan: Plan) -> PlanStep:
    """The Training or Tuning step whose model is evaluated and registered."""
    return next(s for s in plan.steps if s.kind in ("Training", "Tuning"))


def _parameter_view(parameter: Any, local_data: list[dict[str, Any]]) -> dict[str, Any]:
    local = next((d for d in local_data if d["parameter"] == parameter.name), None)
    constructor = {
        "String": "ParameterString",
        "Integer": "ParameterInteger",
        "Float": "ParameterFloat",
    }[parameter.type]
    return {
        "name": parameter.name,
        "var": snake(parameter.name),
        "default_constant": f"{snake(parameter.name).upper()}_DEFAULT",
        "constructor": constructor,
        "default": parameter.default,
        "description": parameter.description,
        "local": local,
    }


def _local_data(plan: Plan) -> list[dict[str, Any]]:
    """External inputs that name files on this machine: uploaded before a SageMaker run."""
    found: dict[str, dict[str, Any]] = {}
    for step in plan.steps:
        for item in step.inputs:
            if item.step is None and item.uri and not item.uri.startswith("s3://"):
                if not item.parameter:
                    raise ExportError(
                        f"{step.name} reads the local path {item.uri!r} with no pipeline "
                        "parameter to replace it by an S3 URI"
                    )
                found[item.parameter] = {
                    "parameter": item.parameter,
                    "path": item.uri,
                    "name": PurePosixPath(item.uri).name or "data",
                }
    return list(found.values())


def _imports(steps: list[dict[str, Any]], kinds: Set[str], schedule: bool) -> dict[str, bool]:
    processing = [v for v in steps if v["kind"] == "Processing"]
    trainers = [v for v in steps if v["kind"] in ("Training", "Tuning")]
    return {
        "script_processor": any(v["processor"] == "script" for v in processing),
        "spark": any(v["processor"] == "spark" for v in processing),
        "property_file": any(v.get("property_file") for v in processing),
        "source_code": any(not v["built_in"] for v in trainers),
        "checkpoint": any(v["spot"] for v in trainers),
        "metric_definitions": any(
            v["metric_definitions"] for v in trainers if v["kind"] == "Training"
        ),
        "model_builder": bool(kinds & {"RegisterModel", "Model"}),
        "inference_pipeline": any(v.get("serving") for v in steps),
        "model_metrics": "RegisterModel" in kinds,
        "hyperband": any(v.get("strategy") == "Hyperband" for v in trainers),
        "categorical": any(
            r["type"] == "categorical" for v in trainers for r in v.get("ranges", [])
        ),
        "continuous": any(r["type"] == "continuous" for v in trainers for r in v.get("ranges", [])),
        "integer": any(r["type"] == "integer" for v in trainers for r in v.get("ranges", [])),
        "check_job": bool(kinds & {"QualityCheck", "ClarifyCheck"}),
        "schedule": schedule,
    }


def _schedule_view(schedule: str) -> dict[str, Any] | None:
    """``cron(0 3 * * ? *)`` -> cron ``0 3 * * ? *``; ``rate(7 days)`` -> (7, "days")."""
    if not schedule:
        return None
    inner = schedule[schedule.index("(") + 1 : -1]
    if schedule.startswith("cron("):
        return {"expression": schedule, "cron": inner, "rate": None}
    value, unit = inner.split()
    return {"expression": schedule, "cron": None, "rate": (int(value), unit)}


def _step_table(plan: Plan) -> list[str]:
    """One comment line per step: name, kind, what it does (aligned)."""
    width = max(len(s.name) for s in plan.steps) + 2
    lines = []
    for step in plan.steps:
        where = f"[{step.branch}] " if step.branch else ""
        lines.append(f"{step.name:<{width}}{step.kind:<14}{where}{step.description}")
    return lines
