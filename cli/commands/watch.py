"""``sm-wizard watch``: a live view of any SageMaker pipeline execution.

    sm-wizard watch EXECUTION_ARN            # the monitor screen
    sm-wizard watch 0ylmwt0u                 # an execution ID, or part of one
    sm-wizard watch --pipeline NAME          # pick one of its recent executions
    sm-wizard watch ARN --headless           # live lines, for scripts and slow SSH links
    sm-wizard watch ARN --json               # one run event per line (docs/ARCHITECTURE.md)

Exit codes: 0 the execution succeeded, 1 it failed, 2 bad input (a message names the
problem), 130 interrupted. Ctrl+C (or leaving the monitor) only detaches: the execution keeps
running in AWS and ``sm-wizard watch ARN`` attaches again.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import click

from cli.options import shell_command
from cli.printer import JsonLinesSink, make_printer
from cli.terminal import has_terminal, need_terminal
from runners.base import exit_code_for
from runners.events import RunEvent
from wizard.errors import WizardError

EXIT_INTERRUPTED = 130

# Replaced by the tests to run on simulated time.
make_clock: Callable[[], Any] | None = None


# --------------------------------------------------------------------------- output


def _notice(notice: Any) -> None:
    prefix = {"warning": "! ", "error": "!! "}.get(notice.level, "")
    click.echo(f"{prefix}{notice.message}", err=True)


# --------------------------------------------------------------------------- choosing


def _choose_execution(pipeline_name: str, aws: Any, *, interactive: bool) -> str:
    from runners.sagemaker.watcher import list_recent_executions, pick_execution

    rows = list_recent_executions(pipeline_name, aws=aws, limit=10)
    chosen = pick_execution(pipeline_name, rows)
    if interactive and len(rows) > 1:
        click.echo(f"Recent executions of {pipeline_name}:", err=True)
        for number, row in enumerate(rows, 1):
            started = (
                row.start_time.astimezone().strftime("%Y-%m-%d %H:%M") if row.start_time else "?"
            )
            click.echo(f"  {number:>2}  {row.status:<10} {started}  {row.arn}", err=True)
        default = rows.index(chosen) + 1
        number = click.prompt(
            "Watch which one", type=click.IntRange(1, len(rows)), default=default, err=True
        )
        return rows[number - 1].arn
    started = (
        chosen.start_time.astimezone().strftime("%Y-%m-%d %H:%M") if chosen.start_time else "?"
    )
    which = "most recent running" if chosen.active else "most recent"
    click.echo(
        f"Watching the {which} execution of {pipeline_name} ({chosen.status}, started "
        f"{started}):\n  {chosen.arn}",
        err=True,
    )
    return chosen.arn


def _find_execution(text: str, pipeline_name: str | None, aws: Any) -> str:
    """The ARN of the one execution whose ID is or contains ``text`` (``WizardError`` with
    what was searched when none or several match)."""
    from runners.sagemaker.aws import AwsError
    from runners.sagemaker.find import resolve_execution
    from runners.sagemaker.watcher import check_pipeline_name, pipeline_not_found

    if pipeline_name:
        check_pipeline_name(pipeline_name)
    try:
        found = resolve_execution(aws.call, text, pipeline=pipeline_name, region=aws.region)
    except AwsError as err:
        if err.kind == "not-found" and pipeline_name:
            raise pipeline_not_found(pipeline_name, aws.region, err) from err
        raise
    started = found.started.astimezone().strftime("%Y-%m-%d %H:%M") if found.started else "?"
    click.echo(
        f"Watching execution {found.execution_id} of {found.pipeline} ({found.status}, "
        f"started {started}):\n  {found.arn}",
        err=True,
    )
    return found.arn


# --------------------------------------------------------------------------- running


def _follow_headless(
    watcher: Any,
    emit: Callable[[RunEvent], None],
    *,
    action: str | None = None,
    end_on_interrupt: bool = False,
) -> int:
    """Run the watcher in a thread so Ctrl+C can detach at once, then map the exit code.

    ``action``: ``"stop"`` asks SageMaker to stop the execution first (StopPipelineExecution),
    ``"retry"`` re-runs its failed steps (RetryPipelineExecution); both then follow it.
    ``end_on_interrupt`` (``--json``): Ctrl+C still ends the stream on an execution event
    (``Watching stopped: ...``), and nothing the watcher's thread says comes after it."""
    outcome: dict[str, Any] = {}
    stop = threading.Event()
    if action == "stop":
        stop.set()
    lock = threading.Lock()
    closed = False

    def guarded(event: RunEvent) -> None:
        with lock:
            if not closed:
                emit(event)

    def work() -> None:
        try:
            if action == "retry":
                outcome["status"] = watcher.retry(guarded, stop)
            else:
                outcome["status"] = watcher.run(guarded, stop)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="sm-wizard-watch", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        watcher.detach()
        if end_on_interrupt:
            _let_finish(thread, 2.0)  # a poll under way may still emit what it read
            with lock:
                closed = True
                emit(interrupted_event(str(watcher.execution_arn), watcher.status))
        click.echo(
            "\nDetached. The execution keeps running in AWS; watch it again with:\n"
            f"  {shell_command('sm-wizard', 'watch', str(watcher.execution_arn))}",
            err=True,
        )
        return EXIT_INTERRUPTED
    if "error" in outcome:
        raise outcome["error"]
    return exit_code_for(outcome["status"])


def _let_finish(thread: threading.Thread, seconds: float) -> None:
    """Give ``thread`` up to ``seconds`` to end; a second Ctrl+C cuts the wait short."""
    deadline = time.monotonic() + seconds
    with contextlib.suppress(KeyboardInterrupt):
        while thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)


def _open_monitor(watcher: Any, title: str) -> int | None:
    """The TUI monitor on ``watcher``; ``None`` when the monitor is not available."""
    try:
        from tui.monitor.app import MonitorApp
    except ImportError:
        return None

    app = MonitorApp(watcher, None, title)
    severities = {"info": "information", "warning": "warning", "error": "error"}

    def notify(notice: Any) -> None:  # from the poller's thread: never print under Textual
        with contextlib.suppress(RuntimeError):  # the app is not running (yet, or any more)
            app.call_from_thread(
                app.notify, notice.message, severity=severities.get(notice.level, "information")
            )

    watcher.on_notice = notify
    result = app.run()
    code = app.return_code if app.return_code not in (None, 0) else (result or 0)
    if watcher.status not in ("Succeeded", "Failed", "Stopped"):
        click.echo(
            "The execution keeps running in AWS. Watch it again with:\n"
            f"  {shell_command('sm-wizard', 'watch', str(watcher.execution_arn))}",
            err=True,
        )
    return int(code)


def final_error_event(err: WizardError, arn: str | None, last_status: str | None) -> RunEvent:
    """The ``execution`` event a ``--json`` stream ends with when watching itself failed.

    The contract says every stream ends on an execution event. The execution's own status
    is given when it is known to be final; otherwise it is reported as Failed with a reason
    that says the *watch* failed and the execution may still be running in AWS.
    """
    from runners.events import TERMINAL_EXECUTION_STATUSES, ExecutionEvent
    from runners.sagemaker.aws import headline

    status = last_status if last_status in TERMINAL_EXECUTION_STATUSES else "Failed"
    reason = f"Watching stopped: {headline(err)}"
    if last_status not in TERMINAL_EXECUTION_STATUSES and arn:
        reason += " The execution itself may still be running in AWS."
    return ExecutionEvent(status=status, engine="sagemaker", id=arn, reason=reason)  # type: ignore[arg-type]


def interrupted_event(arn: str | None, last_status: str | None) -> RunEvent:
    """The ``execution`` event a ``--json`` stream ends with on Ctrl+C: watching stopped,
    said the way a failed watch says it (the execution goes on in AWS unless it had ended)."""
    from runners.events import TERMINAL_EXECUTION_STATUSES, ExecutionEvent

    status = last_status if last_status in TERMINAL_EXECUTION_STATUSES else "Failed"
    reason = "Watching stopped: interrupted (Ctrl+C)."
    if last_status not in TERMINAL_EXECUTION_STATUSES and arn:
        reason += " The execution itself may still be running in AWS."
    return ExecutionEvent(status=status, engine="sagemaker", id=arn, reason=reason)  # type: ignore[arg-type]


def browse_main(*, region: str | None, profile: str | None) -> int:
    """``sm-wizard watch`` with no argument: pipelines → executions → steps → logs."""
    from runners.sagemaker.aws import AwsSession
    from runners.sagemaker.browse import AccountBrowser
    from runners.sagemaker.watcher import SageMakerWatcher
    from tui.browse.screens import BrowseApp

    need_terminal(
        "Browsing the account's pipelines",
        "Watch one execution with live lines instead: sm-wizard watch EXECUTION_ARN, or "
        "sm-wizard watch --pipeline NAME (its running or latest execution).",
    )
    aws = AwsSession(region=region, profile=profile)
    where = aws.region  # no region: a message in words now, before the screen opens
    clock = make_clock() if make_clock is not None else None
    browser = AccountBrowser(aws, clock=clock)

    def make_watcher(arn: str) -> SageMakerWatcher:
        return SageMakerWatcher(
            arn, aws=aws, clock=clock, budget=browser.budget, on_notice=lambda notice: None
        )

    app = BrowseApp(browser, make_watcher, where=where)
    app.run()
    return 0


def watch_main(
    execution_arn: str | None,
    pipeline_name: str | None,
    *,
    region: str | None,
    profile: str | None,
    headless: bool,
    as_json: bool,
    show_logs: bool,
    action: str | None = None,
    context: dict[str, Any] | None = None,
) -> int:
    """The whole command without click; returns the exit code, raises ``WizardError``.

    ``action`` (``"stop"`` or ``"retry"``) acts on the execution first, then follows it
    with live lines (the monitor offers the same as the keys s and r). ``context`` receives
    ``arn`` and ``watcher`` as soon as they are known (for the final event on errors)."""
    context = {} if context is None else context
    if action:
        headless = headless or not as_json
    from runners.sagemaker.aws import AwsSession
    from runners.sagemaker.watcher import SageMakerWatcher, parse_execution_arn

    is_arn = bool(execution_arn and execution_arn.strip().startswith("arn:"))
    if is_arn and pipeline_name:
        raise WizardError(
            "Give either an execution ARN or --pipeline NAME (one of them, not both; "
            "--pipeline may narrow the search for an execution ID).",
            "What to watch?",
        )
    if not execution_arn and not pipeline_name:
        if headless or as_json or action:
            raise WizardError(
                "Give an execution ARN or --pipeline NAME to watch headless (with no "
                "argument, `sm-wizard watch` browses the account's pipelines on screen).",
                "What to watch?",
            )
        return browse_main(region=region, profile=profile)
    if not (headless or as_json) and not has_terminal():
        headless = True  # a screen cannot run here: what --headless prints instead
        click.echo("Not a terminal: showing live lines (--headless).", err=True)
    if execution_arn and is_arn:
        parsed = parse_execution_arn(execution_arn)
        aws = AwsSession(region=region or parsed.region, profile=profile)
        arn = parsed.arn
    elif execution_arn:  # an execution ID, or part of one
        aws = AwsSession(region=region, profile=profile)
        arn = _find_execution(execution_arn, pipeline_name, aws)
    else:
        assert pipeline_name is not None
        aws = AwsSession(region=region, profile=profile)
        interactive = not (headless or as_json) and sys.stdin.isatty() and sys.stderr.isatty()
        arn = _choose_execution(pipeline_name, aws, interactive=interactive)
    context["arn"] = arn

    watcher = SageMakerWatcher(
        arn,
        region=region,
        aws=aws,
        clock=make_clock() if make_clock is not None else None,
        tail_logs=show_logs or not (headless or as_json),
        on_notice=_notice,
    )
    context["watcher"] = watcher
    if not (headless or as_json):
        code = _open_monitor(watcher, f"{watcher.pipeline_name} · {arn.rsplit('/', 1)[-1]}")
        if code is not None:
            return code
        click.echo(
            "The monitor screen is not available in this build; showing live lines instead.",
            err=True,
        )
    printer = make_printer(json_lines=as_json, out=sys.stdout, show_logs=show_logs)
    return _follow_headless(watcher, printer.emit, action=action, end_on_interrupt=as_json)


@click.command("watch")
@click.argument("execution_arn", required=False, metavar="[EXECUTION]")
@click.option(
    "--pipeline",
    "pipeline_name",
    metavar="NAME",
    help="Watch a recent execution of this pipeline (the running one, else the latest); "
    "with an execution ID, search only this pipeline.",
)
@click.option("--region", metavar="REGION", help="AWS region (default: from the ARN or profile).")
@click.option("--profile", metavar="PROFILE", help="AWS profile from ~/.aws/config.")
@click.option("--headless", is_flag=True, help="Print live lines instead of opening the monitor.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON run event per line (implies headless)."
)
@click.option(
    "--logs/--no-logs",
    "show_logs",
    default=True,
    show_default=True,
    help="Headless: include the log lines of running steps.",
)
@click.option(
    "--stop",
    "stop_execution",
    is_flag=True,
    help="Stop the execution (StopPipelineExecution), then follow it to Stopped.",
)
@click.option(
    "--retry",
    "retry_execution",
    is_flag=True,
    help="Retry a failed or stopped execution from its failed steps, then follow it.",
)
@click.pass_context
def watch(
    ctx: click.Context,
    execution_arn: str | None,
    pipeline_name: str | None,
    region: str | None,
    profile: str | None,
    headless: bool,
    as_json: bool,
    show_logs: bool,
    stop_execution: bool,
    retry_execution: bool,
) -> None:
    """Live view of a SageMaker pipeline execution, also of pipelines sm-wizard did not make.

    EXECUTION is the execution's ARN, its ID (the ARN's last part) or part of the ID; without
    it, browse the account's pipelines. Ctrl+C detaches: the execution keeps running in AWS.
    """
    if headless and as_json:
        raise click.UsageError("--headless and --json exclude each other (--json is headless).")
    if stop_execution and retry_execution:
        raise click.UsageError("--stop and --retry exclude each other.")
    action = "stop" if stop_execution else "retry" if retry_execution else None
    context: dict[str, Any] = {}
    try:
        code = watch_main(
            execution_arn,
            pipeline_name,
            region=region,
            profile=profile,
            headless=headless,
            as_json=as_json,
            show_logs=show_logs,
            action=action,
            context=context,
        )
    except WizardError as err:
        from runners.sagemaker.aws import headline

        if as_json:  # the stream still ends on an execution event (docs/ARCHITECTURE.md)
            watcher = context.get("watcher")
            last = watcher.status if watcher is not None else None
            arn = context.get("arn")
            JsonLinesSink(sys.stdout).emit(final_error_event(err, arn, last))
        click.echo(headline(err), err=True)
        ctx.exit(err.exit_code)
    except KeyboardInterrupt:
        if as_json:  # interrupted before following began: the stream still ends properly
            watcher = context.get("watcher")
            last = watcher.status if watcher is not None else None
            JsonLinesSink(sys.stdout).emit(interrupted_event(context.get("arn"), last))
        click.echo("\nInterrupted.", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    ctx.exit(code)
