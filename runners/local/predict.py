"""Use a locally registered model on this machine: score a file of raw records, or serve
them over HTTP on 127.0.0.1, with the same serving code the endpoint runs.

A registered version names its containers (``ModelPackage.containers``: the scikit-learn
container with the model's own ``code/inference.py``, and for the built-in algorithm the
XGBoost container between two of them). ``containers/endpoint.py``, the stand-in for
SageMaker hosting, loads them as their images would and answers requests as the endpoint
does: the same request and response contract (``code/serving.py`` describes it).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wizard.errors import WizardError

from .containers import container_script
from .registry import LocalModelRegistry, ModelPackage

CSV = "text/csv"
JSON = "application/json"


class PredictError(WizardError):
    """No model to use, or records it cannot answer."""


def choose_version(registry: LocalModelRegistry, group: str, version: int | None) -> ModelPackage:
    """The version asked for; else the newest approved one; else the newest."""
    hint = "a local run registers one: sm-wizard run FILE --engine local"
    if group not in registry.group_names():
        raise PredictError(
            f"no registered model in group {group!r} (registry {registry.root}); {hint}",
            "No registered model",
        )
    if version is not None:
        package = registry.get(group, version)
    else:
        versions = registry.versions(group)
        if not versions:
            raise PredictError(f"model group {group!r} has no versions yet; {hint}")
        approved = [p for p in versions if p.approval_status == "Approved"]
        package = (approved or versions)[-1]
    if not package.containers:
        raise PredictError(
            f"{group} version {package.version} was registered before models answered raw "
            "records, so it has no serving code; run the pipeline again "
            "(sm-wizard run FILE --engine local) and use the new version"
        )
    missing = [c["model_data"] for c in package.containers if not Path(c["model_data"]).is_file()]
    if missing:
        raise PredictError(f"{group} version {package.version} lacks {', '.join(missing)}")
    return package


def content_type_of(path: Path) -> str:
    return JSON if path.suffix.lower() == ".json" else CSV


@contextmanager
def _description(package: ModelPackage) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sm-wizard-model-") as folder:
        path = Path(folder) / "model.json"
        path.write_text(json.dumps({"containers": package.containers}))
        yield path


def predict_file(
    package: ModelPackage,
    source: Path,
    *,
    out: Path | None = None,
    accept: str = CSV,
    python: str = sys.executable,
) -> bytes:
    """Score every record of ``source`` (CSV or JSON); the answers (also written to ``out``)."""
    if not source.is_file():
        raise PredictError(f"no file {source} to score")
    with _description(package) as model, tempfile.TemporaryDirectory() as scratch:
        target = out or Path(scratch) / "answers"
        command = [
            python,
            str(container_script("endpoint")),
            "--model",
            str(model),
            "--input",
            str(source),
            "--output",
            str(target),
            "--content-type",
            content_type_of(source),
            "--accept",
            accept,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode == 2:
            reason = result.stderr.strip().splitlines()[-1].removeprefix("error: ")
            raise PredictError(f"{source}: {reason}", "Records the model cannot read")
        if result.returncode != 0:
            tail = "\n".join(result.stderr.strip().splitlines()[-5:])
            raise PredictError(f"the model failed on {source}:\n{tail}", "Serving failed")
        return target.read_bytes()


def serve(
    package: ModelPackage,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    python: str = sys.executable,
) -> int:
    """Answer ``POST /invocations`` on host:port until interrupted (the process's exit code)."""
    with _description(package) as model:
        command = [
            python,
            str(container_script("endpoint")),
            "--model",
            str(model),
            "--serve",
            "--host",
            host,
            "--port",
            str(port),
        ]
        process = subprocess.Popen(command)
        # Ctrl+C reaches both processes; a SIGTERM to this one must not leave the server
        # behind: it stops the server too.
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _interrupted)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait()
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
