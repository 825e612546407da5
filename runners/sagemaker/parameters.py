"""The values an execution was started with: ``ListPipelineParametersForExecution``.

An execution's parameters never change, so each is read once (by the poller when it starts
following, by the browser for the rows it shows) and kept. ``parameters_text`` is the one
line the browser's list shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

Parameters = tuple[tuple[str, str], ...]
"""(name, value) pairs, in the order SageMaker lists them."""

MAX_PARAMETERS: Final = 200
"""SageMaker allows 200 parameters per pipeline: more pages than that are not read."""


def read_parameters(call: Callable[..., dict[str, Any]], execution_arn: str) -> Parameters:
    """Every parameter of the execution, all pages; ``call(service, operation, **params)``."""
    params: dict[str, Any] = {"PipelineExecutionArn": execution_arn, "MaxResults": 100}
    found: list[tuple[str, str]] = []
    while len(found) < MAX_PARAMETERS:
        page = call("sagemaker", "list_pipeline_parameters_for_execution", **params)
        for item in page.get("PipelineParameters") or []:
            found.append((str(item.get("Name", "?")), str(item.get("Value", ""))))
        token = page.get("NextToken")
        if not token or token == params.get("NextToken"):
            break
        params["NextToken"] = token
    return tuple(found[:MAX_PARAMETERS])


def parameters_text(parameters: Sequence[tuple[str, str]] | None) -> str:
    """``Name=value, Name=value``; ``""`` for none, ``…`` while not read yet."""
    if parameters is None:
        return "…"
    return ", ".join(f"{name}={value}" for name, value in parameters)
