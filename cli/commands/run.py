"""``sm-wizard run FILE``: run the pipeline a config describes, streaming every step's status.

    sm-wizard run wizard.toml                         # local engine, the monitor screen
    sm-wizard run wizard.toml --headless              # live progress lines, no TUI
    sm-wizard run wizard.toml --json                  # one run event per line (docs/ARCHITECTURE.md)
    sm-wizard run wizard.toml --engine sagemaker --role-arn ARN --bucket B
    sm-wizard run wizard.toml --from Train            # Train and what follows it run again

Exit codes: 0 the run succeeded, 1 it failed, 2 bad input (a message names the problem),
130 interrupted (Ctrl+C, or Stop in the monitor).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from cli.options import CONFIG_FILE, cannot_write, load_checked, shell_command
from cli.terminal import has_terminal
from wizard.errors import WizardError


def _missing_engine(name: str, exc: ImportError) -> WizardError:
    return WizardError(
        f"the {name} engine is not available in this build ({exc}); "
        "see sm-wizard run --help for the engines",
        "Engine unavailable",
    )


def local_engine(file: Path, run_dir: Path | None, from_step: str | None = None) -> Any:
    """The embedded engine, on this machine (``runners.local``); with ``from_step``, a run
    from that step reusing an earlier run's outputs for the others."""
    try:
        from runners.local import local_engine_for
    except ImportError as exc:
        raise _missing_engine("local", exc) from exc
    try:
        return local_engine_for(file, run_root=run_dir, from_step=from_step)
    except OSError as exc:  # the run folder cannot be made (read-only folder, disk full...)
        where = run_dir or Path(file).resolve().parent / ".sm-wizard" / "runs"
        raise cannot_write(where, exc, "--run-dir") from None


def earlier_run(
    file: Path, run_dir: Path | None, *, retry_ref: str | None, attach_ref: str | None
) -> Any:
    """An engine over an existing local run: retried from its failed steps, or followed."""
    from runners.local import AttachedRun, RetriedRun, default_run_root, find_run

    root = run_dir or default_run_root(Path(file).resolve().parent)
    summary = find_run(root, retry_ref or attach_ref or "latest")
    if attach_ref:
        return AttachedRun(summary.run_dir)
    if summary.status == "Succeeded":
        raise WizardError(f"run {summary.id} succeeded; there is nothing to retry")
    if summary.status in ("Executing", "Stopping"):
        raise WizardError(
            f"run {summary.id} is still going in another process; follow it with --attach "
            f"{summary.id}"
        )
    return RetriedRun(summary.run_dir)


def sagemaker_settings(config: Any, role_arn: str | None, bucket: str | None) -> tuple[str, str]:
    """The role ARN and bucket: options win over ``[project]``; say which one is missing."""
    role = (role_arn or config.project.role_arn or "").strip()
    where = (bucket or config.project.bucket or "").strip().removeprefix("s3://").rstrip("/")
    missing = []
    if not role:
        missing.append("an IAM role ARN: set role_arn in [project] or pass --role-arn ARN")
    if not where:
        missing.append("an S3 bucket: set bucket in [project] or pass --bucket NAME")
    if missing:
        raise WizardError(
            "running on SageMaker needs " + "; and ".join(missing), "Missing settings"
        )
    return role, where


def sagemaker_engine(
    file: Path, config: Any, role_arn: str, bucket: str, from_step: str | None = None
) -> Any:
    """The SageMaker engine for this config (``runners.sagemaker``); with ``from_step``, it
    starts a selective execution from that step."""
    try:
        from runners.sagemaker.factory import sagemaker_engine_for
    except ImportError as exc:
        raise _missing_engine("sagemaker", exc) from exc
    return sagemaker_engine_for(file, config, role_arn=role_arn, bucket=bucket, from_step=from_step)


@click.command()
@click.argument("file", type=CONFIG_FILE)
@click.option(
    "--engine",
    "engine_name",
    type=click.Choice(["local", "sagemaker"]),
    default="local",
    show_default=True,
    help="local: on this machine, no AWS account needed. sagemaker: on AWS.",
)
@click.option("--headless", is_flag=True, help="Live progress lines instead of the TUI.")
@click.option("--json", "json_lines", is_flag=True, help="One JSON run event per line.")
@click.option("--role-arn", help="IAM role SageMaker assumes (default: [project] role_arn).")
@click.option("--bucket", help="S3 bucket for code, data and outputs (default: [project] bucket).")
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for local runs (default: .sm-wizard/runs/ next to FILE).",
)
@click.option(
    "--retry",
    "retry_ref",
    metavar="RUN",
    help="Local: continue an earlier run (an id, a prefix or 'latest') from the steps that "
    "did not succeed; the rest are kept.",
)
@click.option(
    "--attach",
    "attach_ref",
    metavar="RUN",
    help="Local: follow a run another sm-wizard process is executing (an id or 'latest').",
)
@click.option(
    "--from",
    "from_step",
    metavar="STEP",
    help="Run STEP and the steps downstream of it; the other steps' results are reused from "
    "an earlier run (local: the newest run that has them, checked unchanged; sagemaker: a "
    "selective execution from the latest succeeded execution).",
)
def run(
    file: Path,
    engine_name: str,
    headless: bool,
    json_lines: bool,
    role_arn: str | None,
    bucket: str | None,
    run_dir: Path | None,
    retry_ref: str | None,
    attach_ref: str | None,
    from_step: str | None,
) -> None:
    """Run FILE's pipeline and stream every step's status.

    Opens the monitor screen (Enter: step details, l: logs, s: stop, r: retry, R: run again
    from the selected step, q: quit),
    or with --headless prints live progress, or with --json one event per line.
    Exit code: 0 succeeded, 1 failed, 2 bad input, 130 interrupted.
    """
    from wizard.plan import build_plan

    config = load_checked(file)
    plan = build_plan(config)
    if retry_ref and attach_ref:
        raise WizardError("choose one of --retry and --attach")
    if from_step is not None:
        from_step = from_step.strip()
        if retry_ref or attach_ref:
            raise WizardError(
                "--from starts a new run from a step; it does not go with --retry or --attach"
            )
        if not plan.has(from_step):
            from runners.local.resume import selection

            selection(plan, from_step)  # the message names the pipeline's steps
    if engine_name == "local" and (retry_ref or attach_ref):
        engine = earlier_run(file, run_dir, retry_ref=retry_ref, attach_ref=attach_ref)
    elif engine_name == "local":
        engine = (
            local_engine(file, run_dir, from_step) if from_step else local_engine(file, run_dir)
        )
    else:
        if run_dir is not None or retry_ref or attach_ref:
            raise WizardError(
                "--run-dir, --retry and --attach are for --engine local; on SageMaker use "
                "sm-wizard watch EXECUTION_ARN (r retries a failed execution)"
            )
        role, where = sagemaker_settings(config, role_arn, bucket)
        engine = (
            sagemaker_engine(file, config, role, where, from_step)
            if from_step
            else sagemaker_engine(file, config, role, where)
        )

    if not (headless or json_lines) and not has_terminal():
        headless = True  # a screen cannot run here: what --headless prints instead
        click.echo(
            "Not a terminal: showing live progress lines (--headless); --json gives one "
            "event per line.",
            err=True,
        )
    local = _local_engine(engine)
    received: list[str] = []  # the signals that stopped the run
    app: Any = None

    def current() -> Any:
        """The local run going on now: "run from here" in the monitor starts a new one."""
        monitor = getattr(app, "monitor", None)
        later = _local_engine(monitor.engine) if monitor is not None else None
        return later or local

    try:
        if headless or json_lines:
            from cli.headless import run_headless

            with _stop_on_signals(current, None, received):
                code = run_headless(
                    engine,
                    json_lines=json_lines,
                    steps=[(s.name, s.kind) for s in plan.steps],
                    title=plan.pipeline_name,
                )
        else:
            from tui.monitor.app import MonitorApp

            app = MonitorApp(engine, plan, plan.pipeline_name)
            with _stop_on_signals(current, app, received):
                result = app.run()
            if app.monitor is not None and not received:
                print(app.monitor.summary(), flush=True)
            code = app.return_code if app.return_code not in (None, 0) else result or 0
    finally:
        # Nothing outlives the command: a run still going (left with a second Ctrl+C, a
        # signal, or an error in the view) is stopped and its final event written; jobs that
        # do not stop in time are killed.
        for owned in {id(e): e for e in (local, current()) if e is not None}.values():
            if not owned.shutdown("stopped: sm-wizard run ended"):
                click.echo("error: some of the run's jobs did not stop; they were killed", err=True)
    local = current()
    if received and local is not None and not (headless or json_lines):
        print(f"{plan.pipeline_name}: Stopped ({local.stop_reason}) · run folder {local.run_dir}")
    sys.exit(code)


def _local_engine(engine: Any) -> Any:
    """The LocalEngine doing the work (a retried run wraps one), or None."""
    from runners.local import LocalEngine

    for candidate in (engine, getattr(engine, "engine", None)):
        if isinstance(candidate, LocalEngine):
            return candidate
    return None


@contextlib.contextmanager
def _stop_on_signals(current: Callable[[], Any], app: Any, received: list[str]) -> Iterator[None]:
    """SIGTERM and SIGHUP (the terminal closed) stop the run as Ctrl+C does: Stopping, the
    jobs stopped, a final Stopped event whose reason names the signal (``stopped: SIGTERM``).

    Headless, the signal becomes the KeyboardInterrupt that Ctrl+C raises (a second one
    leaves at once); in the monitor, the app exits, which stops a local run. After SIGHUP,
    output to the lost terminal goes to /dev/null instead of failing.
    """

    def handle(signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        received.append(name)
        if signum == getattr(signal, "SIGHUP", None):
            _detach_from_terminal()
        local = current()
        if local is not None:
            local.request_stop(f"stopped: {name}")
        if app is None:
            raise KeyboardInterrupt(name)
        with contextlib.suppress(RuntimeError):  # the app's loop is not running yet/any more
            loop = asyncio.get_running_loop()
            loop.call_soon_threadsafe(functools.partial(app.exit, 130, return_code=130))

    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {signum: signal.signal(signum, handle) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _detach_from_terminal() -> None:
    """Point stdin, stdout and stderr that are a terminal at /dev/null (it has hung up)."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            with contextlib.suppress(OSError):
                if os.isatty(fd):
                    os.dup2(devnull, fd)
        os.close(devnull)


@click.command()
@click.argument("file", type=CONFIG_FILE)
@click.option("--run-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def runs(file: Path, run_dir: Path | None, as_json: bool) -> None:
    """The local runs of FILE's pipeline, newest first (retry or attach to one by its id)."""
    import json

    from runners.local import default_run_root, list_runs

    summaries = list_runs(run_dir or default_run_root(Path(file).resolve().parent))
    if as_json:
        click.echo(json.dumps({"runs": [r.to_dict() for r in summaries]}, indent=2))
        return
    if not summaries:
        click.echo(f"no local runs yet; start one with: {shell_command('sm-wizard', 'run', file)}")
        return
    for summary in summaries:
        reason = f"  {summary.reason.splitlines()[-1]}" if summary.reason else ""
        origin = (
            f"  from {summary.from_step} (reusing {summary.reused_from})"
            if summary.from_step and summary.reused_from
            else f"  from {summary.from_step}"
            if summary.from_step
            else ""
        )
        click.echo(f"{summary.id}  {summary.status:<11} try {summary.attempt}{origin}{reason}")
    click.echo(
        f"retry one: {shell_command('sm-wizard', 'run', file)} --retry ID    "
        "follow one: --attach ID"
    )
