"""What the monitor answers without the console, as pure functions: the whole execution (its
ARN, parameters, the whole failure reason, each failed step's reason, job ARN and console
page) and a step's job lines in the details view.

No widget here (``tui/monitor/execution_view.py`` shows ``execution_text``); the SageMaker
engines provide ``parameters`` and ``step_resource(step)`` (``runners.sagemaker.console``),
the local engine neither, and each part says so rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.text import Text

from runners.run_state import STATUS_GLYPHS, STATUS_STYLES, format_duration, status_label
from tui.messages import StepsUpdated

COPY_HINT = "c copies the job ARN, u the console URL"


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def as_pairs(parameters: Any) -> list[tuple[str, str]] | None:
    """An engine's ``parameters`` as (name, value) pairs (a mapping or pairs; ``None``:
    not known)."""
    if parameters is None:
        return None
    if isinstance(parameters, Mapping):
        return [(str(k), str(v)) for k, v in parameters.items()]
    return [(str(k), str(v)) for k, v in parameters]


def resource_lines(resource: Any) -> Text:
    """A step's job ARN and console page, for the details view and the execution view."""
    text = Text()
    if resource is None:
        return text
    text.append("ARN ", style="dim")
    text.append(f"{resource.arn}\n")
    if resource.console_url:
        text.append("console ", style="dim")
        text.append(f"{resource.console_url}\n")
    return text


def job_reason_lines(resource: Any, step_reason: str | None) -> Text:
    """The job's own failure reason, whole, when it is not what the step said."""
    text = Text()
    job_reason = getattr(resource, "job_reason", None)
    if job_reason and job_reason.strip() != (step_reason or "").strip():
        text.append("the job says\n", style="bold")
        text.append(f"{job_reason}\n")
    return text


def execution_text(
    title: str,
    snapshot: StepsUpdated,
    *,
    arn: str | None,
    parameters: Sequence[tuple[str, str]] | None,
    resource_of: Callable[[str], Any] | None,
    now: datetime,
    times: tuple[Any, Any] | None = None,
) -> Text:
    """The execution view: everything the console would be opened for, nothing cut.
    ``times``: SageMaker's (CreationTime, LastModifiedTime), truer than when the events were
    seen (an execution watched after it ended)."""
    execution = snapshot.execution
    status = execution.status or "Pending"
    text = Text()
    text.append(title, style="bold")
    text.append("   ")
    text.append(f"{STATUS_GLYPHS.get(status, '?')} {status}", style=STATUS_STYLES.get(status, ""))
    text.append("\n")
    facts = []
    created, modified = times or (None, None)
    if isinstance(created, datetime):
        facts.append(f"started {_local(created)}")
        end = modified if execution.finished and isinstance(modified, datetime) else None
        if end is not None:
            facts.append(f"ended {_local(end)}")
        elif not execution.finished:
            end = now
        took = format_duration((end - created).total_seconds()) if end is not None else ""
        if took:
            facts.append(f"took {took}" if execution.finished else f"running for {took}")
    else:
        if execution.started:
            facts.append(f"started {execution.started}")
        took = format_duration(execution.duration(now))
        if took:
            facts.append(f"time {took}")
    if facts:
        text.append(" · ".join(facts) + "\n")
    if arn:
        text.append("execution ", style="dim")
        text.append(f"{arn}\n")
    text.append("\nparameters\n", style="bold")
    if parameters is None:
        text.append("  not read yet\n" if resource_of else "  none (a local run)\n", style="dim")
    elif not parameters:
        text.append("  none (or not readable)\n", style="dim")
    else:
        width = min(max(len(name) for name, _ in parameters), 32)
        for name, value in parameters:
            text.append(f"  {name:<{width}}", style="cyan")
            text.append(f"  {value}\n")
    if execution.reason:
        failed = status in ("Failed", "Stopped")
        text.append("\nreason\n", style="bold red" if failed else "bold")
        text.append(f"{execution.reason}\n")
    troubled = [s for s in snapshot.steps if s.status in ("Failed", "Stopped")]
    for step in troubled:
        step_status = step.display_status(execution.finished)
        text.append(f"\n{step.name}", style="bold")
        text.append(f"  {step.kind}  ", style="dim")
        text.append(
            f"{STATUS_GLYPHS.get(step_status, '?')} {status_label(step_status)}\n",
            style=STATUS_STYLES.get(step_status, ""),
        )
        if step.reason:
            text.append(f"{step.reason}\n")
        if resource_of is not None:
            resource = resource_of(step.name)
            text.append_text(job_reason_lines(resource, step.reason))
            text.append_text(resource_lines(resource))
    return text.rstrip() or text
