"""Prove that an exported project builds its pipeline definition, before anyone pays for it.

``verify_project`` runs the project's ``pipeline.py`` in a subprocess through the offline
harness (``templates/scaffold/tests/offline.py``, the same file the scaffold's own tests use):
fake credentials, moto's in-memory AWS, every network connection refused, and the project's
own region (so the image URIs are that region's). It then reads the definition JSON: which
steps exist, what each depends on, and whether the definition says things SageMaker would
reject later (a step or parameter that does not exist, a local path where S3 is needed, an
image from another region). Each step's Arguments are checked against botocore's SageMaker
service model by ``templates/scaffold/tests/aws_shapes.py`` (also shipped with the scaffold),
with the hyperparameters and JsonGet paths. Any failure is explained in words, naming the
step and the field.

``definition_json`` is the same mechanism against real AWS, for the SageMaker engine.

Importing this module is cheap: the SageMaker SDK only ever loads in the subprocess.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from wizard.errors import WizardError
from wizard.plan.dag import Plan

from .render import AWS_SHAPES, OFFLINE_HARNESS

DEFAULT_TIMEOUT_SECONDS = 300.0

run_process: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run
"""How the harness's process is started (``subprocess.run``'s signature). The test suite
starts it from a fork server that has the SDK imported already (``tests/preloaded.py``)."""

OFFLINE_BUCKET = "offline-bucket"
OFFLINE_ROLE_ARN = "arn:aws:iam::111122223333:role/OfflineSageMakerRole"
OFFLINE_REGION = "us-east-1"

_OFFLINE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": OFFLINE_REGION,
    "AWS_REGION": OFFLINE_REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAGEMAKER_VALIDATE_ROLE": "false",
    "AWS_MAX_ATTEMPTS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
# Credentials and profiles of the person running sm-wizard never reach an offline build.
_HIDDEN_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


class VerifyError(WizardError):
    """The definition did not build; ``result`` holds the details."""

    exit_code = 1

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(result.explain(), "The pipeline definition does not build")
        self.result = result


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, located as precisely as the evidence allows."""

    message: str
    step: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = " ".join(
            part for part in (f"step {self.step}" if self.step else "", self.field or "") if part
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class StepInfo:
    """A step as the definition has it."""

    name: str
    type: str
    depends_on: tuple[str, ...]
    """Every step it waits for: explicit DependsOn, data it reads, the condition it is in."""
    branch: str | None = None
    """``if``/``else`` for steps inside a condition."""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    steps: tuple[StepInfo, ...] = ()
    problems: tuple[Problem, ...] = ()
    seconds: float = 0.0
    definition: Mapping[str, Any] | None = field(default=None, repr=False)
    detail: str = ""
    """Extra evidence for a failure (the end of the traceback or of stderr)."""
    region: str = ""
    """The region the definition was built for (the project's own)."""
    images: tuple[str, ...] = ()
    """The container image URIs the steps run (they differ per region)."""
    notes: tuple[str, ...] = ()
    """What could not be checked offline (values only known while the pipeline runs)."""

    def graph_lines(self) -> list[str]:
        """The step graph, one line per step, for the terminal."""
        width = max((len(s.name) for s in self.steps), default=0) + 2
        lines = []
        for step in self.steps:
            after = f"  after {', '.join(step.depends_on)}" if step.depends_on else ""
            branch = f"  [{step.branch} branch]" if step.branch else ""
            lines.append(f"{step.name:<{width}}{step.type:<14}{after}{branch}".rstrip())
        return lines

    def explain(self) -> str:
        if self.ok:
            lines = [
                f"the definition builds for {self.region or 'its region'}: "
                f"{len(self.steps)} steps ({self.seconds:.1f} s); every step's request "
                "matches AWS's SageMaker service model (botocore)"
            ]
            if self.notes:
                lines.append(
                    f"  {len(self.notes)} values are only known while the pipeline runs "
                    "(other steps' outputs) and were not checked"
                )
            lines += [f"  image {image}" for image in self.images]
            return "\n".join(lines)
        where = f" for {self.region}" if self.region else ""
        lines = [f"The pipeline definition{where} does not build or would be refused:"]
        lines += [f"  - {problem}" for problem in self.problems]
        if self.detail:
            lines += ["", self.detail.rstrip()]
        return "\n".join(lines)


# --------------------------------------------------------------------------- running


def verify_project(
    project_dir: str | os.PathLike[str],
    *,
    plan: Plan | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> VerifyResult:
    """Build the project's definition offline and check it (against ``plan`` if given,
    else against the plan of the project's own ``wizard.toml`` when it has one)."""
    project = Path(project_dir).resolve()
    started = time.perf_counter()
    report, detail = _run_harness(project, ["--report"], _offline_environment(), timeout)
    seconds = time.perf_counter() - started
    if report is None:
        return VerifyResult(
            False,
            problems=(Problem(detail.splitlines()[0]),),
            seconds=seconds,
            detail="\n".join(detail.splitlines()[1:]),
        )
    if not report["ok"]:
        problems, evidence = explain_failure(report["error"], project / "pipeline.py")
        return VerifyResult(False, problems=tuple(problems), seconds=seconds, detail=evidence)
    definition = json.loads(report["definition"])
    region = str(report.get("region") or "")
    steps = parse_definition(definition)
    problems = list(lint_definition(definition))
    images = tuple(image_uris(definition))
    problems += region_problems(images, region)
    problems += [
        Problem(f"the SDK tried to reach the network ({attempt}); it was blocked")
        for attempt in report.get("network", [])
    ]
    if plan is None:
        plan = _project_plan(project)
    if plan is not None:
        problems += compare_with_plan(steps, plan)
    shapes = check_shapes(project, report["definition"], plan)
    problems += [Problem(text) for text in shapes.problems]
    return VerifyResult(
        not problems,
        steps=steps,
        problems=tuple(problems),
        seconds=time.perf_counter() - started,
        definition=definition,
        region=region,
        images=images,
        notes=tuple(shapes.notes),
    )


# CPython before 3.11.8 keeps the recursion depth of its AST-to-object converter in state
# that every thread shares, so ``ast.parse`` in two threads at once can fail with
# "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905). The shape
# checks parse scripts and may run in threads (the tests verify several projects at once):
# every ``ast.parse`` in a process that runs them holds this lock.
AST_LOCK = threading.Lock()


def check_shapes(project: Path, definition_json: str, plan: Plan | None) -> Any:
    """The scaffold's own request-shape checks (``tests/aws_shapes.py``, shipped with every
    export) on a built definition: every step against botocore's SageMaker model, the
    CreatePipeline request, and with a Plan the hyperparameters and JsonGet paths."""
    with AST_LOCK:
        return _check_shapes(project, definition_json, plan)


def _check_shapes(project: Path, definition_json: str, plan: Plan | None) -> Any:
    shapes = _shapes()
    name = plan.pipeline_name if plan is not None else project.name
    report = shapes.check_definition(definition_json, name, OFFLINE_ROLE_ARN)
    if plan is None:
        report.notes.append("no wizard.toml: hyperparameters and JsonGet paths not checked")
        return report
    definition = json.loads(definition_json)
    training = {
        s.name: None if s.settings.get("built_in") else s.script
        for s in plan.steps
        if s.kind in ("Training", "Tuning")
    }
    report.extend(
        shapes.check_hyperparameters(definition, shapes.accepted_hyperparameters(project, training))
    )
    reports = {}
    for step in plan.steps:
        property_file = step.settings.get("property_file")
        if property_file and step.script and (project / "code" / step.script).is_file():
            reports[property_file] = shapes.sample_evaluation_report(
                project / "code" / step.script, plan.problem_type
            )
    report.extend(shapes.check_json_gets(definition, reports))
    return report


_IMAGE_KEYS = ("ImageUri", "TrainingImage", "Image")
_ECR_REGION = re.compile(r"\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/")


def image_uris(definition: Mapping[str, Any]) -> Iterator[str]:
    """Every container image the definition's steps name, once each, in order."""
    seen: set[str] = set()

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _IMAGE_KEYS and isinstance(item, str) and item not in seen:
                    seen.add(item)
                    yield item
                else:
                    yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    yield from walk(definition.get("Steps", []))


def region_problems(images: Sequence[str], region: str) -> list[Problem]:
    """An image from another region's registry cannot be pulled by a job in ``region``."""
    problems = []
    for image in images:
        match = _ECR_REGION.search(image)
        if region and match and match.group("region") != region:
            problems.append(
                Problem(
                    f"the image {image} is in {match.group('region')}, but the pipeline runs "
                    f"in {region}; SageMaker jobs pull images from their own region"
                )
            )
    return problems


def definition_json(
    project_dir: str | os.PathLike[str],
    *,
    bucket: str,
    role_arn: str,
    region: str,
    code_s3_prefix: str | None = None,
    input_data_uri: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> str:
    """The project's pipeline definition for real use, exactly as the SDK writes it.

    Runs in a subprocess with the caller's AWS credentials. Without ``code_s3_prefix`` the
    SDK uploads the step scripts to ``s3://bucket/<pipeline>/code/<hash>/`` (and ClarifyCheck
    its analysis config) on the way, as ``pipeline.py upsert`` would; with it, the scripts
    are expected there already (``code/<name>`` under that prefix). Raises ``VerifyError``
    with the explanation when the definition does not build.
    """
    args = ["--report", "--live", "--bucket", bucket, "--role-arn", role_arn, "--region", region]
    if code_s3_prefix:
        args += ["--code-s3-prefix", code_s3_prefix]
    if input_data_uri:
        args += ["--input-data-uri", input_data_uri]
    project = Path(project_dir).resolve()
    environment = dict(os.environ) | {"AWS_DEFAULT_REGION": region, "AWS_REGION": region}
    # The SDK's own role check needs iam:SimulatePrincipalPolicy, which a runner's
    # credentials often lack; SageMaker checks the role itself when the pipeline starts.
    environment.setdefault("SAGEMAKER_VALIDATE_ROLE", "false")
    started = time.perf_counter()
    report, detail = _run_harness(project, args, environment, timeout)
    seconds = time.perf_counter() - started
    if report is None:
        raise VerifyError(VerifyResult(False, problems=(Problem(detail),), seconds=seconds))
    if not report["ok"]:
        problems, evidence = explain_failure(report["error"], project / "pipeline.py")
        raise VerifyError(
            VerifyResult(False, problems=tuple(problems), seconds=seconds, detail=evidence)
        )
    return str(report["definition"])


def _offline_environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in _HIDDEN_VARIABLES}
    return environment | _OFFLINE_ENVIRONMENT


def _run_harness(
    project: Path, args: list[str], environment: dict[str, str], timeout: float
) -> tuple[dict[str, Any] | None, str]:
    """Run the harness; its JSON report, or None and what went wrong."""
    if not (project / "pipeline.py").is_file():
        return None, f"{project} has no pipeline.py; export the project first"
    command = [sys.executable, str(OFFLINE_HARNESS), str(project), *args]
    try:
        done = run_process(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
            cwd=project,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, (
            f"building the definition took more than {timeout:.0f} s and was stopped; "
            "something in pipeline.py waits (for the network?)"
        )
    lines = done.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict) or "ok" not in report:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        return None, f"the build crashed before it could report (exit {done.returncode})\n{tail}"
    return report, ""


def _project_plan(project: Path) -> Plan | None:
    """The Plan of the project's wizard.toml, if it has a valid one."""
    config_path = project / "wizard.toml"
    if not config_path.is_file():
        return None
    from wizard.plan import build_plan
    from wizard.store import load_config

    try:
        return build_plan(load_config(config_path))
    except WizardError:
        return None


# --------------------------------------------------------------------------- explaining

_STEP_HEADER = re.compile(r"^\s*# -+ (?P<name>[A-Za-z0-9_-]+) \((?P<kind>[A-Za-z]+)\)\s*$")

# Known causes, by what the error says: (pattern, what it means and what to do).
_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"do not support __str__|to_string\(\)|PipelineVariable.*str", re.I),
        "a pipeline parameter or step property was used as plain text (an f-string, str() or "
        "+); its value only exists when the pipeline runs. Pass the object itself, or build "
        "the text with Join(on=..., values=[...])",
    ),
    (
        re.compile(r"network use blocked|EndpointConnectionError|Could not connect", re.I),
        "the SDK tried to reach AWS while building. Something in pipeline.py needs the network "
        "at build time (get_execution_role(), a boto3 call, or a local file to upload without "
        "moto installed): pass values explicitly instead",
    ),
    (
        re.compile(r"unexpected keyword argument '(?P<field>\w+)'"),
        "'{field}' is not an argument of this SDK v3 class (v2 code often uses other names); "
        "check the class's signature",
    ),
    (
        re.compile(r"No such file or directory: '(?P<field>[^']+)'"),
        "the file '{field}' is missing from the project: the step needs it",
    ),
    (
        re.compile(r"NoSuchBucket", re.I),
        "the bucket does not exist: create it or give another with --bucket",
    ),
)


def explain_failure(error: Mapping[str, Any], pipeline_file: Path) -> tuple[list[Problem], str]:
    """Words for a build failure reported by the harness, and the evidence behind them."""
    step = error.get("step") or _step_at_line(pipeline_file, error.get("line"))
    message = str(error.get("message") or error.get("type"))
    first_line = message.strip().splitlines()[0] if message.strip() else error.get("type", "")
    problems: list[Problem] = []
    for item in error.get("fields") or []:
        problems.append(Problem(str(item["message"]), step=step, field=str(item["field"])))
    hint = None
    field_name = None
    for pattern, text in _HINTS:
        match = pattern.search(message)
        if match:
            field_name = match.groupdict().get("field")
            hint = text.format(**match.groupdict())
            break
    if not problems:
        summary = f"{error.get('type')}: {first_line}"
        problems.append(
            Problem(summary + (f" — {hint}" if hint else ""), step=step, field=field_name)
        )
    elif hint:
        problems.append(Problem(hint, step=step))
    evidence = []
    if error.get("line"):
        evidence.append(f"pipeline.py line {error['line']}: {error.get('source') or ''}".rstrip())
    evidence += [line.rstrip() for line in error.get("traceback") or []][-6:]
    return problems, "\n".join(evidence)


def _step_at_line(pipeline_file: Path, line: int | None) -> str | None:
    """The step whose section of pipeline.py holds ``line`` (sections start with a header
    comment ``# ---- Name (Kind)``)."""
    if not line:
        return None
    try:
        source = pipeline_file.read_text("utf-8").splitlines()[:line]
    except OSError:
        return None
    for text in reversed(source):
        match = _STEP_HEADER.match(text)
        if match:
            return match.group("name")
    return None


# --------------------------------------------------------------------------- reading


@cache
def _harness() -> ModuleType:
    """The offline harness as a module: its functions that read a definition (no SDK
    import happens until ``build_definition`` is called, which this process never does)."""
    return _load(OFFLINE_HARNESS, "sm_wizard_offline_harness")


@cache
def _shapes() -> ModuleType:
    """The scaffold's request-shape checker (botocore only)."""
    return _load(AWS_SHAPES, "sm_wizard_aws_shapes")


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a packaging defect
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is built
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def iter_steps(
    definition: Mapping[str, Any],
) -> Iterator[tuple[dict[str, Any], str | None, str | None]]:
    """Every step of a definition as (step, its condition, branch), nested ones too."""
    return _harness().iter_steps(definition)


def parse_definition(definition: Mapping[str, Any] | str) -> tuple[StepInfo, ...]:
    """The steps of a definition and what each waits for."""
    if isinstance(definition, str):
        definition = json.loads(definition)
    graph = _harness().step_graph(definition)
    return tuple(
        StepInfo(name, kind, tuple(waits), branch) for name, (kind, waits, branch) in graph.items()
    )


_S3_KEYS = ("S3Uri", "S3OutputPath", "ModelDataUrl", "S3DataInputPath", "S3Output")


def lint_definition(definition: Mapping[str, Any]) -> Iterator[Problem]:
    """What SageMaker would reject when the pipeline is created or run."""
    parameters = {p["Name"] for p in definition.get("Parameters", [])}
    all_steps = list(iter_steps(definition))
    names = [step["Name"] for step, _, _ in all_steps]
    for name in sorted({n for n in names if names.count(n) > 1}):
        yield Problem("two steps have this name; step names must be unique", step=name)
    known = set(names)
    for step, _, _ in all_steps:
        name = step["Name"]
        for ref, path in _harness().references(step, "Steps"):
            if ref not in known:
                yield Problem(f"reads step {ref!r}, which the pipeline does not have", name, path)
        for ref, path in _harness().references(step, "Parameters"):
            if ref not in parameters:
                yield Problem(f"reads parameter {ref!r}, which is not declared", name, path)
        for dependency in step.get("DependsOn") or []:
            if dependency not in known:
                yield Problem(f"depends on unknown step {dependency!r}", name, "DependsOn")
        for path, value in _plain_strings(step.get("Arguments", {})):
            key = re.split(r"[.\[]", path)[-1] if path else ""
            if any(key.endswith(k) for k in _S3_KEYS) and not value.startswith("s3://"):
                yield Problem(
                    f"{value!r} is not an S3 URI; SageMaker jobs read and write S3 only "
                    "(upload the data and pass s3://...)",
                    name,
                    f"Arguments.{path}",
                )
            if "<sagemaker." in value or "PipelineVariable" in value:
                yield Problem(
                    "holds the text of a Python object instead of its value: a pipeline "
                    "variable was turned into a string",
                    name,
                    f"Arguments.{path}",
                )
    yield from _cycles(parse_definition(definition))


def _plain_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        if "Get" in value or "Std:Join" in value or "Std:JsonGet" in value:
            return
        for key, item in value.items():
            if key not in ("IfSteps", "ElseSteps"):
                yield from _plain_strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _plain_strings(item, f"{path}[{index}]")


def _cycles(steps: Sequence[StepInfo]) -> Iterator[Problem]:
    graph = {s.name: set(s.depends_on) for s in steps}
    done: set[str] = set()
    for start in graph:
        stack, seen = [(start, iter(sorted(graph[start])))], {start}
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                done.add(node)
            elif child in seen:
                yield Problem(f"waits for itself through {child}: a cycle", step=start)
                return
            elif child in graph and child not in done:
                seen.add(child)
                stack.append((child, iter(sorted(graph[child]))))


def compare_with_plan(steps: Sequence[StepInfo], plan: Plan) -> list[Problem]:
    """Differences between the built definition and the Plan: steps, kinds, and ordering.

    Every dependency the Plan states must be enforced directly by the definition, and the
    definition must not order a step after one the Plan does not put before it.
    """
    problems: list[Problem] = []
    built = {s.name: s for s in steps}
    planned = {s.name: s for s in plan.steps}
    for name in planned.keys() - built.keys():
        problems.append(Problem("is in the plan but not in the definition", step=name))
    for name in built.keys() - planned.keys():
        problems.append(Problem("is in the definition but not in the plan", step=name))
    ancestors = _ancestors({s.name: set(s.depends_on) for s in plan.steps})
    for name in planned.keys() & built.keys():
        step, want = built[name], planned[name]
        if step.type != want.kind:
            problems.append(Problem(f"is a {step.type} step; the plan has {want.kind}", name))
        for dependency in sorted(set(want.depends_on) - set(step.depends_on)):
            problems.append(
                Problem(f"does not wait for {dependency}, as the plan requires", name, "DependsOn")
            )
        for dependency in sorted(set(step.depends_on) - ancestors[name]):
            problems.append(
                Problem(f"waits for {dependency}, which the plan does not put before it", name)
            )
        if step.branch != want.branch:
            problems.append(
                Problem(f"is in branch {step.branch!r}; the plan has {want.branch!r}", name)
            )
    return sorted(problems, key=lambda p: (p.step or "", p.message))


def _ancestors(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}

    def visit(name: str) -> set[str]:
        if name not in result:
            result[name] = set()
            for parent in graph.get(name, ()):
                result[name] |= {parent} | visit(parent)
        return result[name]

    for name in graph:
        visit(name)
    return result
