"""What the run monitor says, as pure functions of the run's state: the step table's cells,
the header and banner lines, a step's details, the headline metric and the closing summary.

No widget here: each function takes the snapshot (``StepsUpdated``), the plan and the time
and returns Rich ``Text`` or a string, so the words are tested without an app and the screen
(``tui/monitor/screen.py``) only decides where they go.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rich.text import Text

from runners.events import TERMINAL_EXECUTION_STATUSES
from runners.run_state import (
    STATUS_GLYPHS,
    STATUS_STYLES,
    ExecutionState,
    MetricPoint,
    StepState,
    format_duration,
    status_label,
)
from tui.messages import StepsUpdated
from tui.monitor.answers import COPY_HINT, job_reason_lines, resource_lines
from wizard.plan.dag import Plan

RUNNING_STEP_STATUSES = frozenset({"Starting", "Executing", "Stopping"})


def last_line(reason: str) -> str:
    """The last non-empty line of a (possibly multi-line) reason: what a banner can show."""
    lines = [line for line in reason.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else reason


def step_cells(step: StepState, finished: bool, now: datetime) -> tuple[Any, ...]:
    """One row of the step table: name, kind, status, time, cache hit, attempt."""
    status = step.display_status(finished)
    style = STATUS_STYLES.get(status, "")
    return (
        Text(step.name, style="dim" if status in ("Pending", "NotRun") else ""),
        Text(step.kind, style="dim"),
        Text(f"{STATUS_GLYPHS.get(status, '?')} {status_label(status)}", style=style),
        format_duration(step.duration(now)),
        Text("hit", style="cyan") if step.cache_hit else "",
        str(step.attempt) if step.attempt else "",
    )


def follow_target(snapshot: StepsUpdated) -> str | None:
    """The step to show while following: the latest running one, else the failed one,
    else the one that ended last."""
    running = [s for s in snapshot.steps if s.status in RUNNING_STEP_STATUSES]
    if running:
        return max(running, key=lambda s: s.started or "").name
    failed = [s for s in snapshot.steps if s.status == "Failed"]
    if failed:
        return failed[0].name
    ended = [s for s in snapshot.steps if s.ended]
    return max(ended, key=lambda s: s.ended or "").name if ended else None


def header_text(
    title: str,
    snapshot: StepsUpdated,
    *,
    busy: bool,
    engine_name: str,
    now: datetime,
) -> Text:
    """The top line: title, engine, status, elapsed time, steps done."""
    execution = snapshot.execution
    status = execution.status or ("Starting" if busy else "Pending")
    done, total = sum(1 for s in snapshot.steps if s.finished), len(snapshot.steps)
    text = Text()
    text.append(title, style="bold")
    engine = execution.engine or engine_name
    if engine:
        text.append(f" · {engine}")
    text.append(" · ")
    text.append(f"{STATUS_GLYPHS.get(status, '?')} {status}", style=STATUS_STYLES.get(status, ""))
    elapsed = format_duration(execution.duration(now))
    if elapsed:
        text.append(f" · {elapsed}")
    if total:
        text.append(f" · {done}/{total} steps")
    return text


def headline_metric(plan: Plan | None, metrics: Iterable[MetricPoint]) -> MetricPoint | None:
    """The metric the pipeline's condition judges (e.g. the evaluation's ``auc``)."""
    metric = str(plan.condition.get("metric", "")) if plan is not None else ""
    if plan is None or not metric:
        return None
    matches = [m for m in metrics if m.name == metric or m.name.rsplit(":", 1)[-1] == metric]
    # prefer what the condition reads (the evaluation), over e.g. a validation score
    judged = {dep for step in plan.steps if step.kind == "Condition" for dep in step.depends_on}
    preferred = [m for m in matches if m.step in judged]
    return (preferred or matches or [None])[-1]


def banner_text(
    execution: ExecutionState,
    *,
    stop_requested: bool,
    engine_error: str | None,
    headline: MetricPoint | None,
    now: datetime,
) -> Text | None:
    """The line under the header once something is worth saying (stopping, the outcome)."""
    status = execution.status
    if stop_requested and status not in TERMINAL_EXECUTION_STATUSES:
        return Text(
            "Stopping: asked the engine to stop; running steps end as Stopped…", style="magenta"
        )
    if status == "Failed":
        text = Text("✗ Failed", style="bold red")
        reason = execution.reason or engine_error
        if reason:
            shown = last_line(reason)
            text.append(f": {shown}")
            if shown != reason.strip():
                text.append("  (e: the whole reason)", style="dim")
        return text
    if status == "Stopped":
        text = Text("■ Stopped", style="magenta")
        if execution.reason:
            text.append(f": {execution.reason}")
        return text
    if status == "Succeeded":
        text = Text(f"✓ Succeeded in {format_duration(execution.duration(now))}", style="green")
        if headline is not None:
            text.append(f" · {headline.step} {headline.name} {headline.value:.4g}")
        return text
    return None


def summary_line(
    title: str,
    snapshot: StepsUpdated,
    *,
    final_status: str | None,
    plan: Plan | None,
    remote: bool,
    run_dir: Any,
    execution_arn: str | None,
    now: datetime,
) -> str:
    """One plain line for the terminal after the monitor closes."""
    execution = snapshot.execution
    status = execution.status or final_status or "not started"
    parts = [f"{title}: {status}"]
    took = format_duration(execution.duration(now))
    if took and execution.finished:
        parts[0] += f" in {took}"
    headline = headline_metric(plan, snapshot.metrics)
    if headline is not None and status == "Succeeded":
        parts.append(f"{headline.step} {headline.name} {headline.value:.4g}")
    for step in snapshot.steps:
        if step.status == "Failed" and step.reason:
            lines = [line for line in step.reason.strip().splitlines() if line.strip()]
            parts.append(f"{step.name} failed: {lines[-1].strip() if lines else ''}")
    if execution.reason and status != "Succeeded" and len(parts) == 1:
        parts.append(execution.reason)
    if run_dir is not None:
        parts.append(f"run folder {run_dir}")
    arn = execution.id or execution_arn
    if remote and not execution.finished and arn:
        parts.append(
            f"it keeps running on SageMaker; watch it again: sm-wizard watch {shlex.quote(arn)}"
        )
    return " · ".join(parts)


def details_text(
    step: StepState,
    snapshot: StepsUpdated,
    *,
    plan: Plan | None,
    definition: Iterable[Any],
    now: datetime,
    resource: Any = None,
) -> Text:
    """The details view of one step: status, times, job, what it runs after and when, its
    compute, why it failed and its latest metrics. ``definition``: the steps of an execution
    this tool did not plan (the engine's own), used when the plan does not know the step.
    ``resource``: what the step ran in AWS (``runners.sagemaker.console.StepResource``)."""
    status = step.display_status(snapshot.execution.finished)
    plan_step = plan.step(step.name) if plan is not None and plan.has(step.name) else None
    text = Text()
    text.append(step.name, style="bold")
    if step.kind:
        text.append(f"  {step.kind}", style="dim")
    text.append("   ")
    text.append(
        f"{STATUS_GLYPHS.get(status, '?')} {status_label(status)}",
        style=STATUS_STYLES.get(status, ""),
    )
    text.append("\n")
    facts = []
    duration = format_duration(step.duration(now))
    if duration:
        facts.append(f"time {duration}")
    if step.attempt:
        facts.append(f"attempt {step.attempt}")
    if step.cache_hit is not None:
        facts.append("cache hit" if step.cache_hit else "not cached")
    if step.started:
        facts.append(f"started {step.started}")
    if facts:
        text.append(" · ".join(facts) + "\n")
    if step.job:
        text.append("job ", style="dim")
        text.append(f"{step.job}\n")
    if resource is not None:
        text.append_text(resource_lines(resource))
        text.append(f"({COPY_HINT})\n", style="dim")
    defined = None
    if plan_step is None:  # an execution this tool did not plan: its own definition
        defined = next((d for d in definition if getattr(d, "name", None) == step.name), None)
    if defined is not None:
        if defined.depends_on:
            text.append("after ", style="dim")
            text.append(", ".join(defined.depends_on) + "\n")
        if defined.condition:
            text.append("runs ", style="dim")
            holds = "holds" if defined.branch == "if" else "fails"
            text.append(f"when {defined.condition} {holds}\n")
    if plan_step is not None:
        text.append(f"{plan_step.description}\n", style="italic")
        if plan_step.depends_on:
            text.append("after ", style="dim")
            text.append(", ".join(plan_step.depends_on) + "\n")
        if plan_step.branch:
            text.append("runs ", style="dim")
            text.append(
                "when the condition holds\n"
                if plan_step.branch == "if"
                else "when the condition fails\n"
            )
        if plan_step.compute is not None:
            c = plan_step.compute
            text.append("compute ", style="dim")
            text.append(f"{c.instance_count} x {c.instance_type}\n")
    if step.reason:
        text.append("reason\n", style="bold red" if status == "Failed" else "bold")
        text.append(f"{step.reason}\n")
    text.append_text(job_reason_lines(resource, step.reason))
    latest = [m for m in snapshot.metrics if m.step == step.name]
    if latest:
        text.append("metrics\n", style="bold")
        width = max(len(m.name) for m in latest)
        for m in latest:
            text.append(f"  {m.name:<{width}}  {m.value:.4g}\n")
    return text.rstrip() or text
