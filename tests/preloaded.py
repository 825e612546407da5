"""Run a Python command in a process that has the SageMaker SDK imported already.

Importing SageMaker SDK v3 (and moto, which the offline harness starts) takes 2.5-4.5 s of
CPU on the machines this suite runs on, and the suite starts some thirty processes that
import it: every ``--verify`` harness, every ``pipeline.py`` command against moto, every run
of an exported project's own tests. ``run`` starts each of those from the standard library's
fork server instead (``multiprocessing``'s "forkserver" context, preloaded with the SDK):
the child is a fork of a process that imported it once, so it pays only for its own work.

``run`` takes ``subprocess.run``'s arguments for ``[sys.executable, ...]`` commands and
returns what it returns (a ``CompletedProcess``, or ``TimeoutExpired`` on a timeout), so a
call site swaps one for the other. The child gets the command's environment, working folder,
``sys.argv`` and the ``sys.path`` a fresh interpreter would have; modules imported by the
preload keep what they read at import time (the SDK reads the region only to create one
client that a build never uses). Tests whose subject is a fresh interpreter (``--help`` with
no AWS setting, import hygiene) keep using ``subprocess``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

GROUP = "sdk-builds"
"""The pytest-xdist group (``--dist loadgroup``) of every test that starts processes here, so
that one worker starts a fork server (3 s of CPU), not each: ``SHARED_SERVER`` marks them."""
SHARED_SERVER = pytest.mark.xdist_group(GROUP)

PRELOAD = (
    "boto3",
    "botocore.session",
    "sagemaker.core.workflow.pipeline_context",
    "sagemaker.mlops.workflow.pipeline",
    "sagemaker.mlops.workflow.steps",
    "sagemaker.mlops.workflow.clarify_check_step",
    "sagemaker.mlops.workflow.quality_check_step",
    "sagemaker.serve.model_builder",
    "sagemaker.train.model_trainer",
    "sagemaker.train.tuner",
    "moto",
    "moto.core.models",
    "moto.s3.models",
    "moto.s3.responses",
    "moto.iam.models",
    "moto.events.models",
    "moto.cloudwatch.models",
    "moto.moto_api",
    "pytest",
    # what the exported evaluation script imports: the scaffold's own tests run its metrics
    "numpy",
    "pandas",
    "sklearn.metrics",
)
"""What the fork server imports once. Anything a child imports beyond this it imports itself."""

# The SDK creates an AWS client while it is imported, which needs a region; nothing the
# preload does may see a real credential.
_PRELOAD_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAGEMAKER_VALIDATE_ROLE": "false",
    "OMP_NUM_THREADS": "1",
}
_HIDDEN = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE")

_lock = threading.Lock()
_context: Any = None
_fresh_path: list[str] = []


def _start() -> Any:
    """The fork server, started once per process (the first call waits for its preload)."""
    global _context
    with _lock:
        if _context is None:
            fresh = subprocess.run(
                [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
                capture_output=True,
                text=True,
                check=True,
                env=_environment(os.environ),
            )
            _fresh_path[:] = json.loads(fresh.stdout)
            _start_resource_tracker()
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            saved = dict(os.environ)
            try:  # the server inherits this process's environment when it starts
                os.environ.clear()
                os.environ.update(_environment(saved))
                from multiprocessing import forkserver

                forkserver.ensure_running()
            finally:
                os.environ.clear()
                os.environ.update(saved)
            _context = context
        return _context


def _start_resource_tracker() -> None:
    """multiprocessing's resource tracker, started on the real stderr. The tracker hands
    ``sys.stderr.fileno()`` to its process; under a running Textual app (a pilot test that
    exports with verification) that is Textual's capture, which answers -1, and starting
    fails with "bad value(s) in fds_to_keep". Whether it had been started before by another
    test decided whether such a test passed."""
    from multiprocessing import resource_tracker

    saved = sys.stderr
    sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved


def _environment(base: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in base.items() if k not in _HIDDEN} | _PRELOAD_ENVIRONMENT


def run(
    command: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    capture_output: bool = True,
    text: bool = True,
    check: bool = False,
    **unsupported: Any,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(command, ...)`` for ``command = [sys.executable, script | -m module,
    *args]``, forked from the preloaded server; output is captured as text."""
    if unsupported or not capture_output or not text:
        raise TypeError(f"preloaded.run captures text output only; got {sorted(unsupported)}")
    if not command or Path(command[0]) != Path(sys.executable):
        raise ValueError(f"preloaded.run runs this interpreter's commands, not {command!r}")
    context = _start()
    argv = [str(part) for part in command[1:]]
    folder = str(Path(cwd if cwd is not None else os.getcwd()).resolve())
    environment = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory(prefix="preloaded-") as scratch:
        out, err = Path(scratch, "stdout"), Path(scratch, "stderr")
        out.touch()
        err.touch()
        child = context.Process(
            target=_child,
            args=(argv, folder, environment, list(_fresh_path), str(out), str(err)),
            daemon=True,
        )
        child.start()
        child.join(timeout)
        timed_out = child.exitcode is None
        if timed_out:
            child.kill()
            child.join()
        stdout = out.read_text("utf-8", errors="replace")
        stderr = err.read_text("utf-8", errors="replace")
    if timed_out:
        raise subprocess.TimeoutExpired(list(command), timeout or 0.0, stdout, stderr)
    # like subprocess: -N when signal N ended the child
    done = subprocess.CompletedProcess(list(command), child.exitcode, stdout, stderr)
    if check:
        done.check_returncode()
    return done


@contextlib.contextmanager
def models_parsed_once() -> Iterator[None]:
    """Parse each of botocore's model files once for this process (sm-wizard's suite only).

    The SDK makes a boto3 session for nearly every step it builds, and each session parses
    the service models again (the SageMaker one is 400 KB of gzipped JSON); the suite also
    makes thousands of boto3 clients against moto. The files do not change while it runs,
    so the first parse serves them all. This replaces a private method of botocore's loader,
    so it stays in this suite: the exported projects' own harness (``tests/offline.py``)
    does not do it. Without the loader this expects (another botocore), nothing is changed."""
    try:
        from botocore import loaders
    except ImportError:
        yield
        return
    load_file = getattr(loaders.JSONFileLoader, "_load_file", None)
    list_services = getattr(loaders.Loader, "list_available_services", None)
    if load_file is None or list_services is None:
        yield
        return
    files: dict[str, Any] = {}
    services: dict[tuple[Any, ...], Any] = {}

    def parsed(self: Any, full_path: str, open_method: Any) -> Any:
        if full_path not in files:
            files[full_path] = load_file(self, full_path, open_method)
        return files[full_path]

    def listed(self: Any, type_name: str) -> Any:
        key = (tuple(self.search_paths), type_name)
        if key not in services:
            services[key] = list_services(self, type_name)
        return list(services[key])

    loaders.JSONFileLoader._load_file = parsed  # type: ignore[method-assign]
    loaders.Loader.list_available_services = listed  # type: ignore[method-assign]
    try:
        yield
    finally:
        loaders.JSONFileLoader._load_file = load_file  # type: ignore[method-assign]
        loaders.Loader.list_available_services = list_services  # type: ignore[method-assign]


def _child(
    argv: list[str],
    cwd: str,
    env: dict[str, str],
    fresh_path: list[str],
    stdout_path: str,
    stderr_path: str,
) -> None:
    """In the forked process: become ``python *argv`` run in ``cwd`` with ``env``."""
    # What the preload built is never garbage here: keep it out of every collection (pytest
    # collects five times as it ends, which took ~2 s over the whole inherited heap).
    gc.freeze()
    # Each botocore model file parsed once for the child's life (the child's commands make
    # a boto3 session per step they build).
    contextlib.ExitStack().enter_context(models_parsed_once())
    for fd, path in ((1, stdout_path), (2, stderr_path)):
        target = os.open(path, os.O_WRONLY | os.O_APPEND)
        os.dup2(target, fd)
        os.close(target)
    sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    import boto3

    boto3.DEFAULT_SESSION = None  # the preload's default session saw the preload's environment
    code = 0
    try:
        if argv[:1] == ["-m"]:
            sys.path[:] = [cwd, *fresh_path]
            sys.argv = [argv[1], *argv[2:]]
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            sys.path[:] = [str(Path(argv[0]).resolve().parent), *fresh_path]
            sys.argv = list(argv)
            runpy.run_path(argv[0], run_name="__main__")  # relative to cwd, as python does
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            code = stop.code or 0
        else:
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:  # what the interpreter does with an uncaught exception
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)
