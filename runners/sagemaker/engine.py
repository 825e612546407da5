"""Run an exported pipeline on SageMaker: upload, upsert, start, then follow.

``SageMakerEngine.run``:
1. uploads the scaffold's ``code/`` folder to ``s3://BUCKET/PREFIX/code/`` and any local input
   data files to ``s3://BUCKET/PREFIX/data/``;
2. asks ``definition_provider(code_s3_uri, data_s3_uri)`` for the pipeline definition JSON
   (the exporter's provider runs the exported ``pipeline.py definition`` in a subprocess);
3. creates the pipeline, or updates it when it exists (upsert);
4. starts an execution with the parameters, then follows it like ``SageMakerWatcher``.

Setting ``stop`` before the start skips it; after the start it sends
``StopPipelineExecution`` and follows the execution to Stopped. ``retry`` sends
``RetryPipelineExecution`` for the last execution. With ``from_step``, step 4 starts a
selective execution instead: that step and the steps downstream of it run, the others' results
are reused from the pipeline's latest succeeded execution (``selective.py``; found before
anything is uploaded). ``from_step(step)`` does the same from this run's execution ("run from
here" in the monitor). Every AWS problem becomes a
``WizardError`` in words; the run then ends with a ``Failed`` execution event first, so a
``--json`` reader always sees a final status.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from wizard.errors import WizardError

from ..base import Capabilities, Emit, Engine
from ..events import ExecutionEvent
from .aws import AwsError, AwsSession, translate
from .clock import Clock, RequestBudget
from .definition import parse_definition
from .notices import Notice, NoticeHandler, log_notice
from .poll_settings import PollSettings
from .poller import ENGINE_NAME
from .selective import SelectiveRun, from_step_selection, latest_succeeded, selective_config
from .watcher import SageMakerWatcher, stopped_before_start

DefinitionProvider = Callable[[str, str], str]
"""``(code_s3_uri, data_s3_uri) -> pipeline definition JSON``."""

_ROLE_ARN: Final = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_BUCKET: Final = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PIPELINE_NAME: Final = re.compile(r"^[A-Za-z0-9](?:-*[A-Za-z0-9]){0,255}$")
_SKIP_PARTS: Final = frozenset({"__pycache__", ".git", ".venv", ".mypy_cache", ".pytest_cache"})
_SKIP_SUFFIXES: Final = (".pyc", ".pyo")
_SKIP_NAMES: Final = frozenset({".DS_Store"})


def _files_under(path: Path) -> Iterable[tuple[Path, str]]:
    """(file, key relative to ``path``) for every file worth uploading."""
    if path.is_file():
        yield path, path.name
        return
    for file in sorted(path.rglob("*")):
        rel = file.relative_to(path)
        if (
            not file.is_file()
            or _SKIP_PARTS.intersection(rel.parts)
            or file.name in _SKIP_NAMES
            or file.suffix in _SKIP_SUFFIXES
        ):
            continue
        yield file, rel.as_posix()


def _parameter_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class SageMakerEngine:
    """An ``Engine`` and ``Retryable`` that runs an exported pipeline on SageMaker."""

    name = ENGINE_NAME
    capabilities = Capabilities(
        remote=True, can_retry=True, can_detach=True, can_select_logs=True, can_run_from=True
    )

    def __init__(
        self,
        *,
        pipeline_name: str,
        role_arn: str | None,
        bucket: str | None,
        code_dir: str | Path,
        definition_provider: DefinitionProvider,
        prefix: str | None = None,
        data_files: Sequence[str | Path] = (),
        data_s3_uri: str | None = None,
        parameters: Mapping[str, object] | None = None,
        description: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        aws: AwsSession | None = None,
        clock: Clock | None = None,
        settings: PollSettings | None = None,
        budget: RequestBudget | None = None,
        tail_logs: bool = True,
        on_notice: NoticeHandler | None = None,
        from_step: str | None = None,
    ) -> None:
        self.pipeline_name = pipeline_name
        self.run_from = from_step
        """Start a selective execution from this step (``--from STEP``)."""
        self.source_arn: str | None = None
        """The execution whose results a selective execution reuses."""
        self.selected: list[str] = []
        self.role_arn = (role_arn or "").strip()
        self.bucket = (bucket or "").strip().removeprefix("s3://").rstrip("/")
        self.prefix = (prefix if prefix is not None else f"sm-wizard/{pipeline_name}").strip("/")
        self.code_dir = Path(code_dir)
        self.data_files = [Path(p) for p in data_files]
        self.data_s3_uri = data_s3_uri
        self.definition_provider = definition_provider
        self.parameters = dict(parameters or {})
        self.description = description or "Created by sm-wizard"
        self.aws = aws or AwsSession(region=region, profile=profile)
        self.clock = clock
        self.settings = settings
        self.budget = budget
        self.tail_logs = tail_logs
        self.on_notice = on_notice
        self.execution_arn: str | None = None
        self.watcher: SageMakerWatcher | None = None
        self._selection: frozenset[str] | None = None
        self._selection_set = False

    # ----------------------------------------------------------------- checks

    def check(self) -> None:
        """Everything that can be checked before touching AWS; a ``WizardError`` naming it."""
        missing = []
        if not self.role_arn:
            missing.append("an IAM role ARN (role_arn in [project] of the config, or --role-arn)")
        if not self.bucket:
            missing.append("an S3 bucket (bucket in [project] of the config, or --bucket)")
        if missing:
            raise WizardError(
                "Running on SageMaker needs " + " and ".join(missing) + ".",
                "Missing settings",
            )
        if not _ROLE_ARN.match(self.role_arn):
            raise WizardError(
                f"{self.role_arn!r} is not an IAM role ARN; it looks like "
                "arn:aws:iam::123456789012:role/SageMakerExecutionRole.",
                "Bad role ARN",
            )
        if not _BUCKET.match(self.bucket) or ".." in self.bucket:
            raise WizardError(
                f"{self.bucket!r} is not a valid S3 bucket name (3-63 characters: lowercase "
                "letters, digits, dots and hyphens).",
                "Bad bucket name",
            )
        if not _PIPELINE_NAME.match(self.pipeline_name):
            raise WizardError(
                f"{self.pipeline_name!r} is not a valid SageMaker pipeline name (letters, "
                "digits and hyphens, up to 256 characters, starting with a letter or digit).",
                "Bad pipeline name",
            )
        if not self.code_dir.is_dir():
            raise WizardError(
                f"The code folder {str(self.code_dir)!r} does not exist; export the project "
                "first (sm-wizard export FILE --out DIR).",
                "No code folder",
            )
        for path in self.data_files:
            if not path.exists():
                raise WizardError(f"The input data file {str(path)!r} does not exist.", "No data")

    # ----------------------------------------------------------------- Engine

    def run(self, emit: Emit, stop: threading.Event) -> str:
        try:
            self.check()
            if stop.is_set():
                return stopped_before_start(emit)
            if self.run_from is not None:
                self.source_arn = latest_succeeded(self.aws, self.pipeline_name)
            code_uri = self._upload(self.code_dir, "code")
            data_uri = self._upload_data()
            if stop.is_set():
                return stopped_before_start(emit)
            definition = self._definition(code_uri, data_uri)
            if self.run_from is not None:
                self.selected = from_step_selection(
                    parse_definition(definition), self.run_from, self.pipeline_name
                )
            self._upsert(definition)
            if stop.is_set():
                return stopped_before_start(emit)
            self.execution_arn = self._start()
        except WizardError as err:
            emit(ExecutionEvent(status="Failed", engine=ENGINE_NAME, reason=err.message))
            raise
        return self._follow(emit, stop)

    def retry(self, emit: Emit, stop: threading.Event) -> str:
        if self.watcher is None:
            raise WizardError("There is no execution to retry yet; run it first.", "Cannot retry")
        return self.watcher.retry(emit, stop)

    def detach(self) -> None:
        if self.watcher is not None:
            self.watcher.detach()

    def from_step(self, step: str) -> Engine:
        """A selective execution from ``step`` reusing this run's execution."""
        if self.watcher is None or self.execution_arn is None:
            raise WizardError("There is no execution to run from yet.", "Cannot run from")
        return SelectiveRun(
            step,
            aws=self.aws,
            pipeline=self.pipeline_name,
            source_arn=self.execution_arn,
            follow=self.watcher.successor,
            on_notice=self.on_notice,
        )

    @property
    def status(self) -> str | None:
        """The execution's last seen status (``None`` before it started)."""
        return self.watcher.status if self.watcher is not None else None

    def select_logs(self, steps: Collection[str] | None) -> None:
        self._selection = None if steps is None else frozenset(steps)
        self._selection_set = True
        if self.watcher is not None:
            self.watcher.select_logs(steps)

    def step_resource(self, step: str) -> Any:
        """What ``step`` ran (ARN, console URL) once the execution is followed, else ``None``."""
        return self.watcher.step_resource(step) if self.watcher is not None else None

    # ----------------------------------------------------------------- phases

    def _notice(self, code: str, message: str) -> None:
        (self.on_notice or log_notice)(Notice(code, message, "info"))

    def _upload(self, source: Path, folder: str) -> str:
        uri = f"s3://{self.bucket}/{self.prefix}/{folder}"
        files = list(_files_under(source))
        size = sum(f.stat().st_size for f, _ in files)
        self._notice("uploading", f"Uploading {len(files)} file(s), {size:,} bytes, to {uri}/")
        client = self.aws.client("s3")
        for file, key in files:
            try:
                client.upload_file(str(file), self.bucket, f"{self.prefix}/{folder}/{key}")
            except Exception as exc:
                raise translate(exc, service="s3") from exc
        return uri

    def _upload_data(self) -> str:
        if not self.data_files:
            return self.data_s3_uri or f"s3://{self.bucket}/{self.prefix}/data"
        uri = f"s3://{self.bucket}/{self.prefix}/data"
        for path in self.data_files:
            self._upload(path, "data")
        return uri

    def _definition(self, code_uri: str, data_uri: str) -> str:
        try:
            definition = self.definition_provider(code_uri, data_uri)
        except WizardError:
            raise
        except Exception as exc:
            raise WizardError(
                f"Building the pipeline definition failed: {exc}", "Definition failed"
            ) from exc
        try:
            parsed = json.loads(definition)
        except (TypeError, ValueError) as exc:
            raise WizardError(
                f"The pipeline definition is not valid JSON ({exc}); check the exported "
                "pipeline.py with `sm-wizard export FILE --out DIR --verify`.",
                "Bad definition",
            ) from exc
        if not isinstance(parsed, dict) or not parsed.get("Steps"):
            raise WizardError(
                "The pipeline definition has no steps; check the exported pipeline.py.",
                "Bad definition",
            )
        return definition

    def _upsert(self, definition: str) -> None:
        common: dict[str, Any] = {
            "PipelineName": self.pipeline_name,
            "PipelineDefinition": definition,
            "RoleArn": self.role_arn,
            "PipelineDescription": self.description,
        }
        try:
            self.aws.call(
                "sagemaker",
                "create_pipeline",
                PipelineDisplayName=self.pipeline_name,
                **common,
            )
            self._notice("info", f"Created pipeline {self.pipeline_name}.")
            return
        except AwsError as err:
            exists = err.kind == "conflict" or (
                err.code == "ValidationException" and "already exist" in err.message.lower()
            )
            if not exists:
                raise
        self.aws.call("sagemaker", "update_pipeline", **common)
        self._notice("info", f"Updated pipeline {self.pipeline_name}.")

    def _start(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        params: dict[str, Any] = {
            "PipelineName": self.pipeline_name,
            "PipelineExecutionDisplayName": f"sm-wizard-{stamp}",
            "PipelineExecutionDescription": "Started by sm-wizard",
        }
        if self.source_arn is not None and self.selected:
            params["SelectiveExecutionConfig"] = selective_config(self.source_arn, self.selected)
            params["PipelineExecutionDescription"] = (
                f"Started by sm-wizard from step {self.run_from}"
            )
        if self.parameters:
            params["PipelineParameters"] = [
                {"Name": name, "Value": _parameter_value(value)}
                for name, value in self.parameters.items()
            ]
        answer = self.aws.call("sagemaker", "start_pipeline_execution", **params)
        arn = answer["PipelineExecutionArn"]
        self._notice("info", f"Started {arn}")
        if self.source_arn is not None:
            self._notice(
                "info",
                f"Running {', '.join(self.selected)}; the other steps' results are reused "
                f"from {self.source_arn}",
            )
        return arn

    def _follow(self, emit: Emit, stop: threading.Event) -> str:
        assert self.execution_arn is not None
        self.watcher = SageMakerWatcher(
            self.execution_arn,
            aws=self.aws,
            clock=self.clock,
            settings=self.settings,
            budget=self.budget,
            tail_logs=self.tail_logs,
            on_notice=self.on_notice,
        )
        if self._selection_set:
            self.watcher.select_logs(self._selection)
        return self.watcher.run(emit, stop)
