"""Find an execution by its ID, or part of it, without the ARN.

The console and Studio show an execution's ID (the ARN's last part, e.g. ``0ylmwt0ugxnz``);
AWS has no call that looks an execution up by it. ``find_executions`` lists the recent
executions of one pipeline (``--pipeline``), or of the account's most recently used
pipelines, and keeps those whose ID contains the text (case-insensitive). ``resolve_execution``
turns what a person typed (an ARN, an ID, part of one) into one ARN, or a ``WizardError`` that
says what was searched and what to do: nothing matched, or which executions did.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from wizard.errors import WizardError

from .aws import AwsError

EXECUTION_ID: Final = re.compile(r"^[A-Za-z0-9]{1,64}$")
PER_PIPELINE: Final = 100
"""Executions read per pipeline (newest first): one ``ListPipelineExecutions`` page."""
MAX_PIPELINES: Final = 30
"""Pipelines searched without ``--pipeline``: the most recently run ones."""
SHOWN: Final = 8
"""Matches listed when there are several."""

Call = Callable[..., dict[str, Any]]


@dataclass(frozen=True, slots=True)
class FoundExecution:
    arn: str
    pipeline: str
    status: str
    started: datetime | None
    display_name: str | None = None

    @property
    def execution_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Search:
    """What was searched and what matched."""

    text: str
    matches: tuple[FoundExecution, ...]
    pipelines: int
    executions: int

    @property
    def exact(self) -> FoundExecution | None:
        """The match whose whole ID is the text, if one is."""
        wanted = self.text.lower()
        return next((m for m in self.matches if m.execution_id.lower() == wanted), None)


def looks_like_id(text: str) -> bool:
    return bool(EXECUTION_ID.match(text.strip()))


def _pipelines(call: Call, limit: int) -> list[str]:
    """The account's pipelines, most recently run first (up to ``limit``)."""
    rows: list[tuple[datetime, str]] = []
    params: dict[str, Any] = {
        "SortBy": "CreationTime",
        "SortOrder": "Descending",
        "MaxResults": 100,
    }
    epoch = datetime.min.replace(tzinfo=UTC)
    for _ in range(20):  # at most 2,000 pipelines listed
        page = call("sagemaker", "list_pipelines", **params)
        for item in page.get("PipelineSummaries", []):
            when = item.get("LastExecutionTime") or item.get("CreationTime") or epoch
            rows.append((when, str(item.get("PipelineName", ""))))
        token = page.get("NextToken")
        if not token or token == params.get("NextToken"):
            break
        params["NextToken"] = token
    rows.sort(key=lambda row: row[0], reverse=True)
    return [name for _, name in rows if name][:limit]


def _executions(call: Call, pipeline: str, limit: int) -> list[FoundExecution]:
    page = call(
        "sagemaker",
        "list_pipeline_executions",
        PipelineName=pipeline,
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=max(1, min(limit, 100)),
    )
    return [
        FoundExecution(
            arn=item["PipelineExecutionArn"],
            pipeline=pipeline,
            status=item.get("PipelineExecutionStatus", "?"),
            started=item.get("StartTime"),
            display_name=item.get("PipelineExecutionDisplayName"),
        )
        for item in page.get("PipelineExecutionSummaries", [])[:limit]
    ]


def find_executions(
    call: Call,
    text: str,
    *,
    pipeline: str | None = None,
    per_pipeline: int = PER_PIPELINE,
    max_pipelines: int = MAX_PIPELINES,
) -> Search:
    """Executions whose ID contains ``text``: of ``pipeline``, or of the account's most
    recently run pipelines. A whole ID found ends the search early (IDs are unique)."""
    wanted = text.strip().lower()
    names = [pipeline] if pipeline else _pipelines(call, max_pipelines)
    matches: list[FoundExecution] = []
    searched = executions = 0
    for name in names:
        try:
            rows = _executions(call, name, per_pipeline)
        except AwsError as err:
            if err.kind == "not-found" and pipeline is None:
                continue  # deleted while we looked
            raise
        searched += 1
        executions += len(rows)
        found = [row for row in rows if wanted in row.execution_id.lower()]
        matches += found
        if any(row.execution_id.lower() == wanted for row in found):
            break
    return Search(text.strip(), tuple(matches), searched, executions)


def _where(search: Search, pipeline: str | None, region: str) -> str:
    if pipeline:
        return f"the newest {search.executions} executions of pipeline {pipeline!r} in {region}"
    return (
        f"the newest executions of the {search.pipelines} most recently run pipelines in "
        f"{region} ({search.executions} executions)"
    )


def resolve_execution(
    call: Call, text: str, *, pipeline: str | None, region: str
) -> FoundExecution:
    """The one execution whose ID is, or contains, ``text``; a ``WizardError`` otherwise."""
    fragment = text.strip()
    if not looks_like_id(fragment):
        raise WizardError(
            f"{text!r} is neither a pipeline execution ARN nor an execution ID (an ID is "
            "letters and digits, e.g. 0ylmwt0ugxnz). Give the ARN, the ID or part of it, or "
            "--pipeline NAME to watch a pipeline's latest execution.",
            "What to watch?",
        )
    search = find_executions(call, fragment, pipeline=pipeline)
    if search.exact is not None:
        return search.exact
    where = _where(search, pipeline, region)
    if not search.matches:
        hint = "" if pipeline else f" If {fragment!r} is a pipeline's name, use --pipeline."
        raise WizardError(
            f"No execution ID contains {fragment!r} among {where}. Check the ID, --region "
            f"and --profile, or give the full execution ARN.{hint}",
            "Execution not found",
        )
    if len(search.matches) > 1:
        lines = [
            f"  {m.execution_id}  {m.pipeline}  {m.status}"
            + (
                f"  started {m.started.astimezone().strftime('%Y-%m-%d %H:%M')}"
                if m.started
                else ""
            )
            for m in search.matches[:SHOWN]
        ]
        more = len(search.matches) - SHOWN
        if more > 0:
            lines.append(f"  … and {more} more")
        raise WizardError(
            f"{fragment!r} matches {len(search.matches)} executions among {where}:\n"
            + "\n".join(lines)
            + "\nGive more of the ID (or the whole ARN).",
            "More than one execution matches",
        )
    return search.matches[0]
