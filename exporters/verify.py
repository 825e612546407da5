"""Prove that an exported project builds its pipeline definition, before anyone pays for it.

``verify_project`` runs the project's ``pipeline.py`` in a subprocess through the offline
harness (``templates/scaffold/tests/offline.py``, the same file the scaffold's own tests use):
fake credentials, moto's in-memory AWS, every network connection refused, and the project's
own region (so the image URIs are that region's). It then reads the definition JSON: which
steps exist, what each depends on, and whether the definition says things SageMaker would
reject later (a step or parameter that does not exist, a local path where S3 is needed, an
image from another region). Each step's Arguments are checked against botocore's SageMaker
service model by ``templates/scaffold/tests/aws_shapes.py`` (also shipped with the scaffold),
with the hyperparameters and JsonGet paths (the reading and checking is
``exporters.definition``). Any failure is explained in words, naming the step and the field.

``definition_json`` is the same mechanism against real AWS, for the SageMaker engine.

Importing this module is cheap: the SageMaker SDK only ever loads in the subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.errors import WizardError
from wizard.plan import build_plan
from wizard.plan.dag import Plan
from wizard.store import load_config

from .definition import (
    Problem,
    StepInfo,
    check_shapes,
    compare_with_plan,
    image_uris,
    lint_definition,
    parse_definition,
    region_problems,
)
from .packaged import OFFLINE_HARNESS

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
    # botocore then ignores endpoint URLs from the environment and the config file
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
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
    shapes = check_shapes(project, report["definition"], plan, OFFLINE_ROLE_ARN)
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
    """The person's environment without their AWS identity or endpoints: an
    ``AWS_ENDPOINT_URL`` (LocalStack, a proxy) would send the build past moto, which only
    answers AWS's own endpoints."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in _HIDDEN_VARIABLES and not k.startswith("AWS_ENDPOINT_URL")
    }
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
