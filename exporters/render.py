"""Render the exported scaffold: a pure function from the Plan (and its config) to files.

``render_project(plan, config)`` returns ``{relative path: text}`` and touches nothing on
disk; ``writer.write_project`` puts the result on disk. The Plan decides which steps exist
and how they connect; this module only decides how each one is *written* with SDK v3.

Every value that came from a person reaches generated Python through ``py()`` (a quoted
literal, as ``repr`` would write it) or, in comments, through ``comment()`` (no line breaks),
after the config's own validation. Derived names (variables, job-name suffixes) are computed
here from the Plan's fixed step names and checked to be plain identifiers.
"""

from __future__ import annotations

import html
import keyword
import math
import re
import unicodedata
from collections.abc import Mapping, Set
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from exporters.cfn_services import infra_services
from exporters.infra import INFRA_SERVICES, infra_files, stack_name
from wizard.algorithms import ALGORITHMS
from wizard.catalog import Service, load_catalog
from wizard.config import WizardConfig
from wizard.cost import estimate_cost
from wizard.datacheck import AUTOPILOT_MIN_ROWS
from wizard.errors import WizardError
from wizard.plan.dag import Plan, PlanStep, StepInput
from wizard.recommend import recommend
from wizard.stages import STAGES
from wizard.store import config_to_document, dumps

TEMPLATES_DIR = Path(__file__).parent / "templates"
CODE_DIR = TEMPLATES_DIR / "code"
"""The step scripts (``prepare.py``, ``train.py``...), copied byte for byte into ``code/``."""
OFFLINE_HARNESS = TEMPLATES_DIR / "scaffold" / "tests" / "offline.py"
"""Builds a project's definition with no AWS; the scaffold's tests and ``verify`` share it."""
AWS_SHAPES = TEMPLATES_DIR / "scaffold" / "tests" / "aws_shapes.py"
"""Checks a definition against botocore's SageMaker model; shared the same way."""

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

LAMBDA_HANDLER = "lambda/handler.py"
INFERENCE_SCRIPT = "inference.py"
"""Serving code for script-mode models, if the step scripts provide one."""

# The scripts written beside pipeline.py for what a pipeline step cannot do, and the
# services that make each one appear.
SCRIPT_TRIGGERS: dict[str, frozenset[str]] = {
    "deploy.py": frozenset({"endpoints", "serverless-inference", "multi-model-endpoints"}),
    "monitoring.py": frozenset({"cloudwatch", "model-monitor@monitoring"}),
    "feature_store.py": frozenset({"feature-store"}),
    "autopilot.py": frozenset({"autopilot"}),
}
# Services whose catalog entry promises a script this export does not write: the README
# says what to do instead (the catalog's own text is used for "manual" services).
GUIDANCE: dict[str, str] = {
    "glue": "Run the Glue work before the pipeline: a crawler catalogs the source tables, "
    "and a Glue ETL (Spark) job extracts and converts them into the S3 location that "
    "InputDataUrl points to. Start the pipeline when the job succeeds (an EventBridge rule "
    "on the Glue Job State Change event) or on a schedule after it.",
    "kinesis": "Create a Kinesis data stream for the events and an Amazon Data Firehose "
    "stream that delivers them in batches to an S3 prefix; point InputDataUrl at that "
    "prefix (the first step reads every file under it).",
    "aws-batch": "To share a training budget between teams through a queue, create a "
    "SageMaker Training service environment and a job queue in AWS Batch and submit the "
    "training job with SubmitServiceJob. The pipeline's own Training step runs unqueued.",
    "lambda": "Lambda suits small, event-driven work such as checking each new file as it "
    "lands (a function triggered by S3 Object Created on the input prefix). The pipeline's "
    "processing steps do the heavy preparation.",
    "api-gateway": "Create an HTTP API with a POST /predict route that invokes a Lambda "
    "function calling the endpoint (InvokeEndpoint), and add an authorizer.",
}
ENDPOINT_SERVICES = ("endpoints", "serverless-inference", "multi-model-endpoints")
ENDPOINT_WORDS = {
    "endpoints": "real-time",
    "serverless-inference": "serverless",
    "multi-model-endpoints": "multi-model",
}


class ExportError(WizardError):
    """The export cannot be produced (a packaging defect or an unusable value)."""


# --------------------------------------------------------------------------- literals


def py(value: Any) -> str:
    """A Python literal for a plain value, quoted as ``ruff format`` keeps it.

    Strings go through ``repr`` (so quotes, backslashes and line breaks are escaped and can
    never end the literal), then switch to double quotes when that needs no extra escape.
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExportError(f"cannot write the number {value!r} into the pipeline")
        return repr(value)
    if isinstance(value, str):
        text = repr(value)
        if text.startswith("'") and '"' not in value:
            text = '"' + text[1:-1] + '"'
        return text
    if isinstance(value, list | tuple):
        return "[" + ", ".join(py(v) for v in value) + "]"
    raise ExportError(f"cannot write a {type(value).__name__} into the pipeline")


LINE_LENGTH = 100
"""The scaffold's line length (its pyproject.toml); generated lines follow ruff's layout."""


def assign(value: Any, name: str, indent: int = 0) -> str:
    """``NAME = <literal>`` laid out as ``ruff format`` does: wrapped in parentheses on its
    own line when the whole statement is too long but the value alone fits."""
    literal = py(value)
    pad = " " * indent
    line = f"{pad}{name} = {literal}"
    if _width(line) <= LINE_LENGTH or _width(pad + "    " + literal) > LINE_LENGTH:
        return line
    return f"{pad}{name} = (\n{pad}    {literal}\n{pad})"


def _width(text: str) -> int:
    """Display width, as ruff measures lines: wide East Asian characters count twice."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def comment(value: Any) -> str:
    """Text for a ``#`` comment or a Markdown line: never more than one line."""
    return _LINE_BREAKS.sub(" ", str(value))


# Characters that start Markdown syntax anywhere in a line: links and images ([a](b), ![a]),
# emphasis, code spans, strikethrough, table cells, and escapes themselves.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]~|#!])")
# Syntax that only counts at the start of a line: list items, numbered items, quote/setext.
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")


def markdown(value: Any) -> str:
    """User text as plain text in Markdown (the README): one line, with every character that
    could start Markdown or HTML backslash-escaped or entity-encoded, so ``[a](javascript:…)``,
    ``<script>`` or ``**x**`` reach the reader as the characters typed, never as a link, tag
    or formatting."""
    text = html.escape(comment(value), quote=False)
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    return _MARKDOWN_LINE_START.sub(
        lambda m: (
            m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2))
        ),
        text,
    )


def markdown_code(value: Any) -> str:
    """User text as a Markdown code span (backticks included): nothing inside a code span is
    Markdown, so only the fence must be longer than any run of backticks in the text, and
    table bars are escaped (GFM splits table cells on them even inside code)."""
    text = comment(value).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def snake(name: str) -> str:
    """``PrepareData`` -> ``prepare_data``; checked to be a plain Python identifier."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    if not words.isidentifier() or keyword.iskeyword(words) or not words.isascii():
        raise ExportError(f"step or parameter name {name!r} does not make a Python name")
    return words


def kebab(name: str) -> str:
    return snake(name).replace("_", "-")


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
        "tests/offline.py": _read_verbatim(OFFLINE_HARNESS),
        "tests/aws_shapes.py": _read_verbatim(AWS_SHAPES),
        "wizard.toml": dumps(config_to_document(config)),
    }
    for script in sorted(set(context["extra_scripts"])):
        files[script] = _render(f"scaffold/{script}.jinja", context)
    if context["deploy"]["lambda"]:
        files[LAMBDA_HANDLER] = _read_verbatim(TEMPLATES_DIR / "scaffold" / LAMBDA_HANDLER)
    for script in context["code_files"]:
        files[f"code/{script}"] = _read_verbatim(CODE_DIR / script)
    files.update(infra_files(plan, config))  # infra/: CloudFormation (exporters/infra.py)
    return dict(sorted(files.items()))


def data_files(config: WizardConfig, config_dir: str | Path) -> dict[str, Path]:
    """Local input data to copy into the scaffold: ``{relative path: source file}``.

    Only a relative path inside the config's folder is copied, to the same relative path, so
    the scaffold's ``wizard.toml`` finds it. S3 URIs and absolute paths need nothing; a path
    that climbs out of the folder (``../data.csv``) is not copied.
    """
    uri = config.data_collection.input_uri
    if uri.startswith("s3://") or not local_data_path_is_portable(uri):
        return {}
    return {PurePosixPath(uri).as_posix(): Path(config_dir) / uri}


def local_data_path_is_portable(uri: str) -> bool:
    """A relative path that stays inside its folder (so it can travel with the scaffold)."""
    path = PurePosixPath(uri)
    return not path.is_absolute() and ".." not in path.parts and "\\" not in uri


def _read_verbatim(path: Path) -> str:
    """A packaged file's exact text (line endings kept, so the copy is byte-identical)."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ExportError(
            f"{path.name} is missing from sm-wizard's templates ({path.parent}); "
            "the installation is incomplete",
            "Incomplete installation",
        ) from None


# --------------------------------------------------------------------------- context


def _context(plan: Plan, config: WizardConfig) -> dict[str, Any]:
    steps = [_step_view(plan, step, config) for step in plan.steps]
    by_name = {view["name"]: view for view in steps}
    for view in steps:
        view["depends_on_vars"] = [by_name[name]["var"] for name in view["explicit_depends_on"]]
    services = {stage: list(ids) for stage, ids in plan.services.items()}
    selected = {service for ids in services.values() for service in ids}
    images = sorted({view["image"] for view in steps if view.get("image")})
    model_step = _model_step(plan)
    code_files = list(plan.scripts)
    if not model_step.settings["built_in"] and (CODE_DIR / INFERENCE_SCRIPT).exists():
        code_files.append(INFERENCE_SCRIPT)
    extra_scripts = _extra_scripts(services)
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
        "extra_scripts": extra_scripts,
        "model_step": by_name[model_step.name],
        "algorithm": ALGORITHMS[model_step.settings["algorithm"]],
        "condition": plan.condition,
        "step_table": _step_table(plan),
        "expected_graph": [(s.name, s.kind, sorted(s.depends_on)) for s in plan.steps],
        "deploy": _deploy_view(config, selected, model_step),
        "monitoring": _monitoring_view(plan, config, selected),
        "feature_store": _feature_store_view(plan, config, selected),
        "autopilot": _autopilot_view(plan, config, selected),
        "readme": _readme_view(plan, config, extra_scripts),
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


def _extra_scripts(services: Mapping[str, list[str]]) -> list[str]:
    chosen = {s for ids in services.values() for s in ids}
    chosen |= {f"{s}@{stage}" for stage, ids in services.items() for s in ids}
    return sorted(script for script, triggers in SCRIPT_TRIGGERS.items() if triggers & chosen)


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


# --------------------------------------------------------------------------- steps

_REF_TEMPLATES = {
    "Processing": "output_of({var}, {output})",
    "Training": "{var}.properties.ModelArtifacts.S3ModelArtifacts",
    "Model": "{var}.properties.ModelName",
}
_CHECK_OUTPUTS = {
    "statistics": "CalculatedBaselineStatistics",
    "constraints": "CalculatedBaselineConstraints",
    "analysis": "CalculatedBaselineConstraints",
}


def _source(plan: Plan, item: StepInput, parameters: Mapping[str, str]) -> str:
    """The Python expression that gives an input's S3 location in the generated code."""
    if item.step is None:
        if item.parameter:
            return parameters[item.parameter]
        return py(item.uri)
    producer = plan.step(item.step)
    var = f"step_{snake(producer.name)}"
    if producer.kind == "Tuning":
        return f"{snake(producer.name)}_best_model"  # defined with the tuning step
    if producer.kind in ("QualityCheck", "ClarifyCheck"):
        return f"{var}.properties.{_CHECK_OUTPUTS[item.output or '']}"
    template = _REF_TEMPLATES.get(producer.kind)
    if template is None:
        raise ExportError(f"{item.step} ({producer.kind}) has no output another step can read")
    return template.format(var=var, output=py(item.output))


def _step_view(plan: Plan, step: PlanStep, config: WizardConfig) -> dict[str, Any]:
    parameters = {p.name: snake(p.name) for p in plan.parameters}
    implied = {i.step for i in step.inputs if i.step}
    if step.branch:
        implied.add(_condition(plan).name)
    view: dict[str, Any] = {
        "name": step.name,
        "kind": step.kind,
        "var": f"step_{snake(step.name)}",
        "obj": snake(step.name),
        "job_name": kebab(step.name),
        "description": step.description,
        "branch": step.branch,
        "cache": step.cacheable,
        "retries": None,
        "image": None,
        "processor": None,
        "sources": {i.name: _source(plan, i, parameters) for i in step.inputs},
    }
    if step.retryable:
        view["retries"] = "job" if step.kind in _JOB_KINDS else "step"
    if step.compute is not None:
        compute = step.compute
        view["instance_type"] = (
            parameters[compute.parameter] if compute.parameter else py(compute.instance_type)
        )
        view["instance_type_default"] = compute.instance_type
        view["instance_count"] = compute.instance_count
        view["max_runtime"] = compute.max_runtime_seconds
    builder = _VIEW_BUILDERS[step.kind]
    implied |= builder(plan, step, config, view)
    view["explicit_depends_on"] = [d for d in step.depends_on if d not in implied]
    return view


_JOB_KINDS = ("Processing", "Training", "Tuning", "Transform")


def _condition(plan: Plan) -> PlanStep:
    return next(s for s in plan.steps if s.kind == "Condition")


def _image_for_model(plan: Plan, model_input: StepInput) -> str:
    """The image that can load a model: XGBoost's for the built-in algorithm, else sklearn's."""
    producer = plan.step(model_input.step or "")
    while producer.kind == "Model" and producer.inputs:
        producer = plan.step(producer.inputs[0].step or "")
    return "xgboost" if producer.settings.get("built_in") else "sklearn"


def _processing_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    if step.script is None:
        raise ExportError(f"processing step {step.name} names no script")
    engine = step.settings.get("engine")
    model_inputs = [i for i in step.inputs if i.name == "model" and i.step]
    if engine == "spark":
        view["processor"], view["image"] = "spark", "spark"
    else:
        view["processor"] = "script"
        view["image"] = _image_for_model(plan, model_inputs[0]) if model_inputs else "sklearn"
    view["script"] = step.script
    view["inputs"] = [
        {"name": i.name, "source": view["sources"][i.name], "path": i.path} for i in step.inputs
    ]
    view["outputs"] = [{"name": o.name, "path": o.path} for o in step.outputs]
    view["arguments"] = list(step.arguments)
    property_file = step.settings.get("property_file")
    view["property_file"] = None
    if property_file:
        report = step.settings["report"]
        output = next(o.name for o in step.outputs)
        view["property_file"] = {
            "var": snake(property_file),
            "name": property_file,
            "output": output,
            "path": report,
        }
    return set()


def _trainer_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    settings, compute = step.settings, step.compute
    assert compute is not None
    view["built_in"] = settings["built_in"]
    view["image"] = "xgboost" if settings["built_in"] else "sklearn"
    view["script"] = step.script
    view["algorithm"] = ALGORITHMS[settings["algorithm"]].title
    view["spot"] = compute.spot
    view["max_wait"] = compute.max_wait_seconds
    view["checkpoint_uri"] = settings.get("checkpoint_s3_uri") or None
    view["channels"] = [{"name": i.name, "source": view["sources"][i.name]} for i in step.inputs]
    # The built-in algorithm's metrics are defined by AWS (SageMaker refuses new ones).
    view["metric_definitions"] = [] if settings["built_in"] else settings["metric_definitions"]
    view["output_folder"] = "tuning" if step.kind == "Tuning" else "models"
    hyperparameters = dict(settings["hyperparameters"])
    if step.kind == "Tuning":
        ranges = list(settings["ranges"])
        view["ranges"] = ranges
        tuned = {r["name"] for r in ranges}
        view["tuned_note"] = sorted(tuned & set(hyperparameters))
        view["strategy"] = settings["strategy"]
        view["objective_metric"] = settings["objective_metric"]
        view["objective_type"] = settings["objective_type"]
        view["max_jobs"] = settings["max_jobs"]
        view["max_parallel_jobs"] = settings["max_parallel_jobs"]
        view["early_stopping"] = settings["early_stopping"]
        view["max_resource"] = _max_resource(hyperparameters)
    view["hyperparameters"] = hyperparameters
    return set()


def _max_resource(hyperparameters: Mapping[str, Any]) -> int:
    """Hyperband's budget per trial: the algorithm's number of rounds/trees/iterations."""
    for name in ("num_round", "n_estimators", "max_iter"):
        value = hyperparameters.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return min(value, 20000)
    return 100


def _condition_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    condition = step.settings
    evaluation = plan.step(step.inputs[0].step or "")
    property_file = evaluation.settings["property_file"]
    view["operator"] = f"Condition{condition['operator']}"
    view["evaluation_var"] = f"step_{snake(evaluation.name)}"
    view["property_file_var"] = snake(property_file)
    view["json_path"] = condition["json_path"]
    view["threshold_var"] = snake(condition["threshold_parameter"])
    view["symbol"] = condition["symbol"]
    view["metric"] = condition["metric"]
    view["if_vars"] = [f"step_{snake(s.name)}" for s in plan.steps if s.branch == "if"]
    view["else_vars"] = [f"step_{snake(s.name)}" for s in plan.steps if s.branch == "else"]
    return {evaluation.name}


def _model_builder_view(plan: Plan, step: PlanStep, view: dict[str, Any]) -> None:
    model_input = step.input("model")
    view["image"] = _image_for_model(plan, model_input)
    view["model_data"] = view["sources"]["model"]
    view["script_mode"] = view["image"] == "sklearn"


def _register_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    settings = step.settings
    _model_builder_view(plan, step, view)
    evaluation = step.input("evaluation")
    view["evaluation_var"] = f"step_{snake(evaluation.step or '')}"
    view["evaluation_output"] = evaluation.output
    view["report"] = plan.step(evaluation.step or "").settings["report"]
    view["approval_var"] = snake(settings["approval_status_parameter"])
    view["inference_instances"] = list(settings["inference_instances"])
    view["transform_instances"] = list(settings["transform_instances"])
    view["content_type"] = settings["content_type"]
    # The baselines computed by the check steps travel with the model version, so Model
    # Monitor and reviewers find them in the registry.
    quality = next((s for s in plan.steps if s.kind == "QualityCheck"), None)
    bias = next((s for s in plan.steps if s.kind == "ClarifyCheck"), None)
    view["quality_var"] = f"step_{snake(quality.name)}" if quality else None
    view["bias_var"] = f"step_{snake(bias.name)}" if bias else None
    return {s.name for s in (quality, bias) if s is not None}


def _model_view(plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]) -> set[str]:
    _model_builder_view(plan, step, view)
    return set()


def _transform_view(
    plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]
) -> set[str]:
    settings = step.settings
    view["model_name"] = view["sources"]["model"]
    view["data"] = view["sources"]["data"]
    view["content_type"] = settings["content_type"]
    view["split_type"] = settings["split_type"]
    view["input_filter"] = settings.get("input_filter")
    view["output"] = step.outputs[0].name
    return set()


def _check_view(plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]) -> set[str]:
    settings = step.settings
    view["dataset"] = view["sources"][step.inputs[0].name]
    view["check_type"] = settings["check_type"]
    if step.kind == "ClarifyCheck":
        view["label"] = settings["label"]
        view["facet"] = settings["facet"]
        view["methods"] = list(settings["methods"])
        view["label_values"] = list(settings.get("label_values", [1]))
        view["problem_type"] = plan.problem_type
    return set()


def _fail_view(plan: Plan, step: PlanStep, config: WizardConfig, view: dict[str, Any]) -> set[str]:
    view["message"] = step.settings["message"]
    view["threshold_var"] = snake(plan.condition["threshold_parameter"])
    return set()


_VIEW_BUILDERS = {
    "Processing": _processing_view,
    "Training": _trainer_view,
    "Tuning": _trainer_view,
    "Condition": _condition_view,
    "RegisterModel": _register_view,
    "Model": _model_view,
    "Transform": _transform_view,
    "QualityCheck": _check_view,
    "ClarifyCheck": _check_view,
    "Fail": _fail_view,
}


# --------------------------------------------------------------------------- scripts


def _deploy_view(config: WizardConfig, selected: set[str], model_step: PlanStep) -> dict[str, Any]:
    deploy = config.deployment
    kinds = [s for s in ENDPOINT_SERVICES if s in selected]
    return {
        "enabled": bool(kinds),
        "kinds": kinds,
        "kind_words": [ENDPOINT_WORDS[k] for k in kinds],
        "default_kind": kinds[0] if kinds else None,
        "instance_type": deploy.endpoint_instance_type,
        "instance_count": deploy.endpoint_instance_count,
        "serverless_memory_mb": deploy.serverless_memory_mb,
        "serverless_max_concurrency": deploy.serverless_max_concurrency,
        # The front is a Lambda function, behind an HTTP API when API Gateway is chosen.
        "lambda": bool({"lambda", "api-gateway"} & selected),
        "api_gateway": "api-gateway" in selected,
        "data_capture": "model-monitor" in selected,
        "capture_percent": config.monitoring.data_capture_percent,
        "image": "xgboost" if model_step.settings["built_in"] else "sklearn",
    }


def _monitoring_view(plan: Plan, config: WizardConfig, selected: set[str]) -> dict[str, Any]:
    monitoring = config.monitoring
    return {
        # a monitoring schedule only when chosen for the monitoring stage (an evaluation-only
        # Model Monitor choice gives the data-quality baseline step, not a schedule)
        "model_monitor": "model-monitor" in plan.services["monitoring"],
        "cloudwatch": "cloudwatch" in selected,
        "endpoint": any(s in selected for s in ENDPOINT_SERVICES),
        "schedule": monitoring.schedule,
        "latency_ms": monitoring.latency_alarm_ms,
        "error_rate_percent": monitoring.error_rate_alarm_percent,
    }


def _feature_store_view(plan: Plan, config: WizardConfig, selected: set[str]) -> dict[str, Any]:
    feats = next((s for s in plan.steps if s.stage == "feature_engineering"), None)
    return {
        "enabled": "feature-store" in selected,
        "group": config.feature_engineering.feature_group_name,
        "step": feats.name if feats else None,
        "output": "baseline",
    }


def _autopilot_view(plan: Plan, config: WizardConfig, selected: set[str]) -> dict[str, Any]:
    prepare = plan.steps[0]
    metric = {
        "binary_classification": ("BinaryClassification", "F1"),
        "multiclass_classification": ("MulticlassClassification", "Accuracy"),
        "regression": ("Regression", "MSE"),
    }[plan.problem_type]
    return {
        "enabled": "autopilot" in selected,
        "step": prepare.name,
        "target": config.data_collection.target_column,
        "problem_type": metric[0],
        "objective": metric[1],
        # the data check of wizard/ applies the same minimum to the prepared rows
        "min_rows": AUTOPILOT_MIN_ROWS,
    }


# --------------------------------------------------------------------------- README


def _readme_view(plan: Plan, config: WizardConfig, scripts: list[str]) -> dict[str, Any]:
    catalog = load_catalog()
    reasons: dict[tuple[str, str], tuple[str, bool]] = {}
    for rec in recommend(config.profile):
        for pick in rec.recommended:
            reasons[(rec.stage, pick.service)] = (pick.reason, True)
        for pick in rec.alternatives:
            reasons[(rec.stage, pick.service)] = (pick.reason, False)
    stages = []
    by_hand: dict[str, dict[str, Any]] = {}
    in_infra = set(infra_services(plan, config))
    for stage in STAGES:
        services = []
        for service_id in plan.services.get(stage.id, ()):
            service = catalog[service_id]
            reason, recommended = reasons.get((stage.id, service_id), (service.purpose, False))
            delivered = _delivered(service, stage.id, scripts)
            if service_id in in_infra and service_id in INFRA_SERVICES.get(stage.id, ()):
                cfn = "`infra/services.json` (CloudFormation)"
                delivered = f"{delivered}, or {cfn}" if delivered else cfn
            if delivered is None:
                delivered = "the section below"
                text = GUIDANCE.get(service_id) or service.export.removeprefix("README section: ")
                by_hand[service_id] = {"service": service, "text": text}
            services.append(
                {
                    "service": service,
                    "reason": reason,
                    "recommended": recommended,
                    "delivered": delivered,
                }
            )
        stages.append(
            {
                "stage": stage,
                "services": services,
                "steps": [s for s in plan.steps if s.stage == stage.id],
            }
        )
    return {"stages": stages, "by_hand": [by_hand[k] for k in sorted(by_hand)]}


_SPECIAL_HOMES = {
    "s3": "`python pipeline.py upload-data` and the `InputDataUrl` parameter",
    "pipelines": "`pipeline.py` (upsert, start) and the CI workflow",
    "eventbridge": "`python pipeline.py schedule` and the section on events below",
    "experiments": "the pipeline's experiment tracking (on by default), described below",
}


def _delivered(service: Service, stage: str, scripts: list[str]) -> str | None:
    """Where the export carries a service (a step, a script, a command), or None when only
    the README can say what to do."""
    for script in scripts:
        triggers = SCRIPT_TRIGGERS[script]
        if service.id in triggers or f"{service.id}@{stage}" in triggers:
            return f"`{script}`"
    if service.id in ("lambda", "api-gateway") and stage == "deployment" and "deploy.py" in scripts:
        return "`deploy.py --front`"
    if service.automation == "step":
        return f"a {service.pipeline_step} step in `pipeline.py`"
    return _SPECIAL_HOMES.get(service.id)
