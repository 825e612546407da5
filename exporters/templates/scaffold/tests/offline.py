#!/usr/bin/env python
"""Build this project's pipeline definition with no AWS account and no network.

    python tests/offline.py                 print the definition (JSON)
    python tests/offline.py --report        print a JSON report (used by sm-wizard --verify)

tests/test_pipeline.py imports `build_definition` from here, and `sm-wizard export --verify`
runs this very file, so both check the definition the same way:

* fake credentials, so the SDK never looks for real ones, and the project's own region
  (DEFAULT_REGION in pipeline.py, or --region), so the image URIs are the ones that region
  has;
* SAGEMAKER_VALIDATE_ROLE=false: the SDK would otherwise ask IAM about the role;
* the SDK's telemetry switched off (it would send a request per step);
* moto's in-memory AWS, where the SDK uploads code and Clarify's analysis config while it
  builds the definition (the SDK insists on uploading those);
* any network connection attempt fails at once and is reported.

Only the standard library, the SageMaker SDK and moto are needed.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib.util
import io
import json
import logging
import os
import socket
import sys
import time
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
OFFLINE_BUCKET = "offline-bucket"
OFFLINE_ROLE_ARN = "arn:aws:iam::111122223333:role/OfflineSageMakerRole"
OFFLINE_REGION = "us-east-1"

OFFLINE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAGEMAKER_VALIDATE_ROLE": "false",
    "AWS_MAX_ATTEMPTS": "1",
    "AWS_RETRY_MODE": "standard",
    # botocore ignores endpoint URLs from the environment and the config file: moto only
    # answers AWS's own endpoints, so an AWS_ENDPOINT_URL (LocalStack, a proxy) would fail
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
}


class NetworkBlocked(OSError):
    """Raised instead of opening a connection while building offline."""


@contextlib.contextmanager
def no_network(attempts: list[str]) -> Iterator[None]:
    """Refuse every DNS lookup and connection, recording what was attempted."""

    def refuse(kind: str):
        def blocked(*args: Any, **kwargs: Any) -> Any:
            target = args[1] if kind == "connect" and len(args) > 1 else args[0] if args else "?"
            attempts.append(f"{kind} {target}")
            raise NetworkBlocked(f"network use blocked while building offline: {kind} {target}")

        return blocked

    saved = (socket.socket.connect, socket.create_connection, socket.getaddrinfo)
    socket.socket.connect = refuse("connect")  # type: ignore[method-assign]
    socket.create_connection = refuse("connect")  # type: ignore[assignment]
    socket.getaddrinfo = refuse("lookup")  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.create_connection, socket.getaddrinfo = saved  # type: ignore[method-assign,assignment]


def project_region(project_dir: Path) -> str:
    """The region pipeline.py defaults to (its DEFAULT_REGION), read without importing it."""
    try:
        tree = ast.parse((project_dir / "pipeline.py").read_text("utf-8"))
    except (OSError, SyntaxError):
        return OFFLINE_REGION
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["DEFAULT_REGION"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return OFFLINE_REGION


def load_pipeline_module(project_dir: Path) -> ModuleType:
    """Import the project's pipeline.py by path (the SDK is imported with it)."""
    path = project_dir / "pipeline.py"
    spec = importlib.util.spec_from_file_location("pipeline", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules["pipeline"] = module
    spec.loader.exec_module(module)
    return module


def _telemetry_off() -> None:
    # The SDK sends a usage event per step from a background thread. The official opt-out
    # (a sagemaker_config dict) makes building several times slower, so replace the sender.
    from sagemaker.core.telemetry import telemetry_logging

    telemetry_logging._send_telemetry_request = lambda *args, **kwargs: None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The SDK logs at INFO and warns a lot while building; keep only errors."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            logging.disable(previous)


@contextlib.contextmanager
def _aws(offline: bool, bucket: str, region: str) -> Iterator[None]:
    """moto's in-memory AWS with the bucket created, when offline and moto is installed."""
    if not offline:
        yield
        return
    try:
        from moto import mock_aws
    except ImportError:  # without moto, code must come from S3 and nothing may upload
        yield
        return
    with mock_aws():
        import boto3

        s3 = boto3.client("s3", region_name=region)
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
            )
        yield


def build_definition(
    project_dir: str | Path = PROJECT_DIR,
    *,
    bucket: str = OFFLINE_BUCKET,
    role_arn: str = OFFLINE_ROLE_ARN,
    region: str | None = None,
    code_s3_prefix: str | None = None,
    input_data_uri: str | None = None,
    offline: bool = True,
    network_attempts: list[str] | None = None,
) -> str:
    """The pipeline definition JSON, as `pipeline.definition()` returns it.

    offline=False builds it against real AWS with the credentials of the environment (the
    SDK then uploads the code to the bucket for real); nothing is faked or blocked.
    """
    project_dir = Path(project_dir)
    region = region or project_region(project_dir)
    attempts = network_attempts if network_attempts is not None else []
    if offline:
        for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
            del os.environ[name]
        os.environ.update(OFFLINE_ENVIRONMENT)
        os.environ["AWS_DEFAULT_REGION"] = region
        os.environ["AWS_REGION"] = region
    guard = no_network(attempts) if offline else contextlib.nullcontext()
    with _quiet(), guard:
        module = load_pipeline_module(project_dir)
        _telemetry_off()
        with _aws(offline, bucket, region):
            session = module.make_session(region, bucket)
            pipeline = module.build_pipeline(
                session,
                role_arn=role_arn,
                bucket=bucket,
                code_s3_prefix=code_s3_prefix,
                input_data_uri=input_data_uri,
            )
            return pipeline.definition()


# ------------------------------------------------------------------------------- reading


def iter_steps(
    definition: dict[str, Any],
) -> Iterator[tuple[dict[str, Any], str | None, str | None]]:
    """Every step of a definition as (step, its condition, "if"/"else"), nested ones too."""

    def walk(steps: list[dict[str, Any]], condition: str | None, branch: str | None):
        for step in steps:
            yield step, condition, branch
            if step.get("Type") == "Condition":
                arguments = step.get("Arguments", {})
                yield from walk(arguments.get("IfSteps", []), step["Name"], "if")
                yield from walk(arguments.get("ElseSteps", []), step["Name"], "else")

    yield from walk(definition.get("Steps", []), None, None)


def references(value: Any, kind: str, path: str = "") -> Iterator[tuple[str, str]]:
    """(name, where) for every {"Get": "<kind>.<name>..."} in `value`, e.g. the steps
    (kind "Steps") or parameters (kind "Parameters") a step reads."""
    if isinstance(value, dict):
        get = value.get("Get")
        if isinstance(get, str) and get.startswith(kind + "."):
            rest = get[len(kind) + 1 :]
            yield rest.replace("[", ".").split(".", 1)[0], path
        for key, item in value.items():
            if key not in ("IfSteps", "ElseSteps"):  # a condition's branches are steps
                yield from references(item, kind, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from references(item, kind, f"{path}[{index}]")


def step_graph(definition: dict[str, Any]) -> dict[str, tuple[str, list[str], str | None]]:
    """{step: (type, the steps it waits for, branch)}. A step waits for the steps it names
    in DependsOn, the steps whose results it reads, and the condition it is inside."""
    graph = {}
    for step, condition, branch in iter_steps(definition):
        waits = set(step.get("DependsOn") or [])
        waits |= {name for name, _ in references(step, "Steps")}
        if condition:
            waits.add(condition)
        waits.discard(step["Name"])
        graph[step["Name"]] = (step["Type"], sorted(waits), branch)
    return graph


# ------------------------------------------------------------------------------- report


def _failure(error: BaseException, project_dir: Path, attempts: list[str]) -> dict[str, Any]:
    """What went wrong, with the facts needed to explain it: the step being built, the line
    of pipeline.py, and the fields a validation error names."""
    pipeline_file = str((project_dir / "pipeline.py").resolve())
    step: str | None = None
    line = None
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        # The SDK builds each step in its own methods: the innermost step object being
        # built names the step at fault.
        owner = frame.f_locals.get("self")
        name = getattr(owner, "name", None)
        if hasattr(owner, "step_type") and isinstance(name, str):
            step = name
        if str(Path(frame.f_code.co_filename).resolve()) == pipeline_file:
            line = lineno
    fields: list[dict[str, str]] = []
    errors = getattr(error, "errors", None)
    if callable(errors):  # a pydantic validation error: which field of which class
        model = getattr(error, "title", None)
        with contextlib.suppress(Exception):
            for item in errors():
                location = ".".join(str(part) for part in item.get("loc", ()))
                if isinstance(model, str):
                    location = f"{model}.{location}" if location else model
                fields.append({"field": location, "message": str(item.get("msg", ""))})
    source = None
    if line is not None:
        with contextlib.suppress(OSError, IndexError):
            source = Path(pipeline_file).read_text("utf-8").splitlines()[line - 1].strip()
    return {
        "type": type(error).__name__,
        "message": str(error),
        "step": step,
        "line": line,
        "source": source,
        "fields": fields,
        "network": attempts,
        "traceback": traceback.format_exception(error)[-12:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the pipeline definition offline.")
    parser.add_argument("project_dir", nargs="?", default=str(PROJECT_DIR))
    parser.add_argument("--bucket", default=OFFLINE_BUCKET)
    parser.add_argument("--role-arn", default=OFFLINE_ROLE_ARN)
    parser.add_argument("--region", help="default: the project's region (pipeline.py)")
    parser.add_argument("--code-s3-prefix")
    parser.add_argument("--input-data-uri")
    parser.add_argument(
        "--live", action="store_true", help="use the real AWS credentials (uploads code)"
    )
    parser.add_argument("--report", action="store_true", help="print a JSON report")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    region = args.region or project_region(Path(args.project_dir))
    attempts: list[str] = []
    # The SDK prints to stdout in places; keep stdout for the result.
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured):
            definition = build_definition(
                args.project_dir,
                bucket=args.bucket,
                role_arn=args.role_arn,
                region=region,
                code_s3_prefix=args.code_s3_prefix,
                input_data_uri=args.input_data_uri,
                offline=not args.live,
                network_attempts=attempts,
            )
    except Exception as error:
        if not args.report:
            raise
        report = {"ok": False, "error": _failure(error, Path(args.project_dir), attempts)}
    else:
        if not args.report:
            print(json.dumps(json.loads(definition), indent=2))
            return 0
        # The definition exactly as the SDK wrote it (a JSON string inside the report).
        report = {"ok": True, "definition": definition, "network": attempts}
    report["region"] = region
    report["seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
